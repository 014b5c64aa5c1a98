/**
 * A raw HTTP/1.1 server on 127.0.0.1, over `Deno.listen`, for the faults `Deno.serve` cannot make:
 * a connection closed after the request arrived, with no answer, and a body cut off or stalled
 * mid-stream.
 * It counts every request it received in full (request line, headers and body).
 *
 * ```ts
 * await using server = rawHttpServer(() => ({ kind: "close" }));
 * await fetch(`${server.url}/v1/nodes`, { method: "PUT", body: "{}" }).catch(() => {});
 * server.requests; // [{ method: "PUT", path: "/v1/nodes", body: "{}" }]
 * ```
 *
 * @module
 */

/** What the server does with one request, once it has read it in full. */
export type RawAction =
  /** Answers normally. */
  | { readonly kind: "answer"; readonly status: number; readonly body: string }
  /** Closes the connection without a word. */
  | { readonly kind: "close" }
  /** Sends the headers (announcing `body`'s length) and the first `sent` bytes, then closes. */
  | { readonly kind: "cut"; readonly body: string; readonly sent: number }
  /** Never answers; the connection is closed when the server is. */
  | { readonly kind: "hang" }
  /**
   * Sends the status and headers (announcing `body`'s length) and the first `sent` bytes, then
   * sends nothing more; the connection is closed when the client gives up or the server closes.
   */
  | {
    readonly kind: "stall";
    readonly status: number;
    readonly body: string;
    readonly sent: number;
  };

/** One request as received. */
export interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly body: string;
}

/** The running server. */
export interface RawHttpServer extends AsyncDisposable {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Every request received in full, in order. */
  readonly requests: RawRequest[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const HEAD_END = "\r\n\r\n";
/** Longest request head read (bytes); the tests' requests are far smaller. */
const MAX_HEAD = 64 * 1024;

/** Starts a server that answers each request as `act` says (`act` sees the request's index). */
export function rawHttpServer(
  act: (request: RawRequest, index: number) => RawAction,
): RawHttpServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const requests: RawRequest[] = [];
  const conns = new Set<Deno.Conn>();
  const serving = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      serve(conn, requests, act).catch(() => {}).finally(() => {
        conns.delete(conn);
        try {
          conn.close();
        } catch { /* already closed */ }
      });
    }
  })();
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    requests,
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch { /* already closed */ }
      }
      await serving.catch(() => {});
    },
  };
}

/** Serves the requests of one connection (keep-alive) until an action ends it. */
async function serve(
  conn: Deno.Conn,
  requests: RawRequest[],
  act: (request: RawRequest, index: number) => RawAction,
): Promise<void> {
  let buffered = new Uint8Array(0);
  const fill = async (): Promise<boolean> => {
    const chunk = new Uint8Array(16 * 1024);
    const n = await conn.read(chunk);
    if (n === null) return false;
    const joined = new Uint8Array(buffered.length + n);
    joined.set(buffered);
    joined.set(chunk.subarray(0, n), buffered.length);
    buffered = joined;
    return true;
  };
  for (;;) {
    let headEnd: number;
    while ((headEnd = decoder.decode(buffered).indexOf(HEAD_END)) < 0) {
      if (buffered.length > MAX_HEAD || !await fill()) return;
    }
    const head = decoder.decode(buffered.subarray(0, headEnd));
    const length = Number(/^content-length:\s*(\d+)/im.exec(head)?.[1] ?? 0);
    const start = headEnd + HEAD_END.length;
    while (buffered.length < start + length) if (!await fill()) return;
    const [method, path] = head.split("\r\n")[0].split(" ");
    const request = {
      method,
      path,
      body: decoder.decode(buffered.subarray(start, start + length)),
    };
    buffered = buffered.slice(start + length);
    requests.push(request);
    const action = act(request, requests.length - 1);
    if (action.kind === "close") return;
    if (action.kind === "hang") return await untilClosed(conn);
    const body = encoder.encode(action.body);
    const status = action.kind === "cut" ? 200 : action.status;
    await writeAll(
      conn,
      encoder.encode(
        `HTTP/1.1 ${status} X\r\ncontent-type: application/json\r\n` +
          `content-length: ${body.length}\r\n\r\n`,
      ),
    );
    if (action.kind === "cut" || action.kind === "stall") {
      await writeAll(conn, body.subarray(0, action.sent));
      if (action.kind === "stall") await untilClosed(conn);
      return;
    }
    await writeAll(conn, body);
  }
}

/** Waits until the client gives up and closes, or the server is closed. */
async function untilClosed(conn: Deno.Conn): Promise<void> {
  await conn.read(new Uint8Array(1)).catch(() => null);
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) {
    written += await conn.write(bytes.subarray(written));
  }
}
