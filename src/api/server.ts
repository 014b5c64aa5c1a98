/**
 * Serving the control API with `Deno.serve`, with a graceful shutdown.
 *
 * @module
 */
import type { Hono } from "hono";

/** Where to listen. */
export interface ServeOptions {
  /** The address to bind: `127.0.0.1`, `::1`, `0.0.0.0`. */
  readonly hostname: string;
  /** 0 picks a free port; {@linkcode RunningApi.port} tells which. */
  readonly port: number;
  /** Aborting it shuts the server down, like {@linkcode RunningApi.shutdown}. */
  readonly signal?: AbortSignal;
}

/** A listening API. */
export interface RunningApi {
  /** The base URL, without a trailing slash: `http://127.0.0.1:9400`. */
  readonly url: string;
  /** The port actually bound. */
  readonly port: number;
  /** Stops accepting connections and resolves once in-flight requests have been answered. */
  shutdown(): Promise<void>;
}

/**
 * Serves `app` until {@linkcode RunningApi.shutdown} is called or `signal` aborts.
 *
 * @throws {Deno.errors.AddrInUse} and other bind errors, when the address cannot be bound
 *
 * @example
 * ```ts ignore
 * const api = await serveApi(createApi(deps), { hostname: "127.0.0.1", port: 0 });
 * await fetch(`${api.url}/livez`);
 * await api.shutdown();
 * ```
 */
export async function serveApi(app: Hono, options: ServeOptions): Promise<RunningApi> {
  const { hostname, port, signal } = options;
  const listening = Promise.withResolvers<void>();
  const server = Deno.serve({
    hostname,
    port,
    signal,
    onListen: () => listening.resolve(),
    handler: (request) => app.fetch(request),
  });
  await listening.promise;
  const addr = server.addr;
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  const url = `http://${host}:${addr.port}`;
  let stopping: Promise<void> | undefined;
  return {
    url,
    port: addr.port,
    shutdown() {
      stopping ??= server.shutdown();
      return stopping;
    },
  };
}
