/**
 * A fake OpenStack for fast tests: one real HTTP server on 127.0.0.1 holding an in-memory cloud,
 * with Keystone v3 under `/identity`, Ironic under `/baremetal`, Nova under `/compute/v2.1` and
 * Glance under `/image` (one fake per service, in this folder). It mimics what the real services
 * answer (Ironic 2023.1, Nova, Glance and Keystone as Debian 12 packages them, which
 * `tests/integration/` runs Arsenal against), including their quirks: Ironic's doubly encoded
 * errors, its 1.1 default microversion, its absolute `next` links that keep only some filters;
 * Glance's relative `next` and HTML errors; Keystone's catalog. The server logs every request
 * and injects faults (status, body, delay, hang, stall) per path.
 *
 * ```ts
 * await using cloud = await FakeOpenStack.start();
 * cloud.addNodes(3, { resource_class: "baremetal.small" });
 * const res = await fetch(`${cloud.ironicUrl}/v1/nodes?fields=uuid`, {
 *   headers: { "X-OpenStack-Ironic-API-Version": "1.82" },
 * });
 * ```
 *
 * @module
 */
import { sleep } from "./_shared.ts";
import { FakeGlance, type FakeImage } from "./glance.ts";
import { FakeIronic, type FakeNode, IRONIC_DEFAULTS, type IronicOptions } from "./ironic.ts";
import { FakeKeystone, KEYSTONE_DEFAULTS, type KeystoneOptions } from "./keystone.ts";
import { type FakeFlavor, FakeNova, NOVA_DEFAULTS, type NovaOptions } from "./nova.ts";

/** What an injected fault does to a matching request, before normal handling. */
export interface Fault {
  /** Answer with this status (and `headers`, `body`) instead of handling the request. */
  status?: number;
  headers?: Record<string, string>;
  /** Raw body, sent as is (so it may be malformed JSON). */
  body?: string;
  /** Wait this long first (close() cuts it short); then `status`, or normal handling. */
  delayMs?: number;
  /** Never answer until the fake closes (the client sees a request that hangs). */
  hang?: boolean;
  /**
   * Send `status`, `headers` and the first half of `body`, then nothing more until the fake
   * closes (the client sees a body that stalls after the headers).
   */
  stall?: boolean;
  /** How many matching requests it applies to; default 1 (`Infinity` for all). */
  times?: number;
  /**
   * Handle the request first (its effect is applied), then answer as the fault says: a write
   * whose answer is lost or wrong although it took.
   */
  applied?: boolean;
}

/**
 * Which requests a fault applies to: `path` equals the path, or a RegExp tests path + query;
 * `body`, when given, tests the request body.
 */
export interface FaultMatch {
  method?: string;
  path: string | RegExp;
  body?: RegExp;
}

/** One logged request. `path` is the full path (with the service prefix), `search` the query. */
export interface RecordedRequest {
  method: string;
  path: string;
  search: string;
  headers: Headers;
  body: string;
}

/** Options of {@linkcode FakeOpenStack.start}: each service's own. */
export type FakeOpenStackOptions = KeystoneOptions & IronicOptions & NovaOptions;

const DEFAULTS = { ...KEYSTONE_DEFAULTS, ...IRONIC_DEFAULTS, ...NOVA_DEFAULTS };

interface PendingFault {
  match: FaultMatch;
  fault: Fault;
  left: number;
}

/** The fake cloud: start it, populate it, point a client at its URLs, close it. */
export class FakeOpenStack implements AsyncDisposable {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `url + "/identity/v3"` */
  readonly keystoneUrl: string;
  /** `url + "/baremetal"` (the Ironic root; the API is under `/v1`) */
  readonly ironicUrl: string;
  /** `url + "/compute/v2.1"` */
  readonly novaUrl: string;
  /** `url + "/image"` (the Glance root; the API is under `/v2`) */
  readonly glanceUrl: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];

  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #closing = new AbortController();
  readonly #faults: PendingFault[] = [];
  #waiters: { count: number; resolve: () => void }[] = [];
  readonly #keystone: FakeKeystone;
  readonly #ironic: FakeIronic;
  readonly #nova: FakeNova;
  readonly #glance: FakeGlance;

  private constructor(options: FakeOpenStackOptions, port: number, server: Deno.HttpServer) {
    const given = Object.entries(options).filter(([, value]) => value !== undefined);
    const resolved: typeof DEFAULTS = { ...DEFAULTS, ...Object.fromEntries(given) };
    this.#server = server as Deno.HttpServer<Deno.NetAddr>;
    this.url = `http://127.0.0.1:${port}`;
    this.#keystone = new FakeKeystone(this.url, resolved);
    this.#ironic = new FakeIronic(this.url, resolved, this.#closing.signal);
    this.#nova = new FakeNova(this.url, resolved);
    this.#glance = new FakeGlance(this.url);
    this.keystoneUrl = this.#keystone.keystoneUrl;
    this.ironicUrl = this.#ironic.ironicUrl;
    this.novaUrl = this.#nova.novaUrl;
    this.glanceUrl = this.#glance.glanceUrl;
  }

  /** Starts a fake cloud on a free port of 127.0.0.1. */
  static start(options: FakeOpenStackOptions = {}): Promise<FakeOpenStack> {
    const holder: { fake?: FakeOpenStack } = {};
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (req) => holder.fake!.#handle(req),
    );
    holder.fake = new FakeOpenStack(options, server.addr.port, server);
    return Promise.resolve(holder.fake);
  }

  /** Ironic nodes by UUID, listed in insertion order. */
  get nodes(): Map<string, FakeNode> {
    return this.#ironic.nodes;
  }

  /** Nova flavors (listed sorted by id, like Nova's default `flavorid` sort). */
  get flavors(): FakeFlavor[] {
    return this.#nova.flavors;
  }

  /** Glance images, listed in array order. */
  get images(): FakeImage[] {
    return this.#glance.images;
  }

  /** How many tokens Keystone has issued. */
  get issuedTokens(): number {
    return this.#keystone.issuedTokens;
  }

  /** Stops the server; hanging or delayed requests are released first. */
  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort();
    await this.#server.shutdown();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Applies `fault` to the next `fault.times` (default 1) requests that match. */
  inject(match: FaultMatch, fault: Fault): void {
    this.#faults.push({ match, fault, left: fault.times ?? 1 });
  }

  /** Makes every token issued so far invalid: the services and Keystone answer 401 to it. */
  expireTokens(): void {
    this.#keystone.expireTokens();
  }

  /** Issues a valid project-scoped token directly (for `auth_type = token` tests). */
  issueToken(): string {
    return this.#keystone.issueToken();
  }

  /** Resolves once at least `count` requests have been received (no polling, no sleeping). */
  waitForRequests(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  /**
   * Adds `n` nodes with deterministic UUIDs (`00000000-0000-4000-8000-<counter>`), available and
   * not in maintenance unless `template` says otherwise; objects of the template are copied.
   */
  addNodes(n: number, template: Partial<FakeNode> = {}): FakeNode[] {
    return this.#ironic.addNodes(n, template);
  }

  /** Adds a flavor (id defaults to its name, name to `flavor-<counter>`). */
  addFlavor(flavor: Partial<FakeFlavor> = {}): FakeFlavor {
    return this.#nova.addFlavor(flavor);
  }

  /** Adds an active public image with a deterministic id and checksum, as after an upload. */
  addImage(image: Partial<FakeImage> = {}): FakeImage {
    return this.#glance.addImage(image);
  }

  /** Ends every cleaning now (the nodes become available). */
  completeCleaning(): void {
    this.#ironic.completeCleaning();
  }

  /** Boots a fresh agent on Ironic node `uuid`: power on, a new URL and token, a heartbeat now. */
  bootAgent(uuid: string): void {
    this.#ironic.bootAgent(uuid);
  }

  /** The `arsenal` plugin's periodic task moves node `uuid`'s record to `status`. */
  settleCache(uuid: string, status: "cached" | "failed" | "lost", error?: string): void {
    this.#ironic.settleCache(uuid, status, error);
  }

  async #handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const body = await req.text();
    const { method, headers } = req;
    this.requests.push({ method, path: url.pathname, search: url.search, headers, body });
    const ready = this.#waiters.filter((w) => this.requests.length >= w.count);
    this.#waiters = this.#waiters.filter((w) => this.requests.length < w.count);
    for (const waiter of ready) waiter.resolve();
    // Deno warns once per process when a handler touches `req.signal`, so waits do not watch the
    // client: close() releases them.
    const fault = this.#takeFault(req.method, url, body);
    if (fault) {
      const handled = fault.applied ? await this.#handled(req, url, body) : undefined;
      if (fault.hang) {
        await sleep(Infinity, this.#closing.signal);
        return new Response("fake closed", { status: 503 });
      }
      if (fault.delayMs) await sleep(fault.delayMs, this.#closing.signal);
      if (fault.status !== undefined) {
        const body = fault.stall ? this.#stalled(fault.body ?? "") : fault.body ?? "";
        return new Response(body, { status: fault.status, headers: fault.headers });
      }
      if (handled) return handled;
    }
    return await this.#handled(req, url, body);
  }

  /** A body that sends the first half of `text`, then stalls until the fake closes. */
  #stalled(text: string): ReadableStream<Uint8Array> {
    const closing = this.#closing.signal;
    return new ReadableStream({
      async start(controller) {
        controller.enqueue(new TextEncoder().encode(text.slice(0, text.length >> 1)));
        await sleep(Infinity, closing).catch(() => {});
        controller.close();
      },
    });
  }

  async #handled(req: Request, url: URL, body: string): Promise<Response> {
    try {
      return await this.#route(req, url, body);
    } catch (error) {
      return new Response(`fake openstack error: ${error}`, { status: 500 });
    }
  }

  #takeFault(method: string, url: URL, body: string): Fault | undefined {
    const index = this.#faults.findIndex(({ match }) =>
      (match.method === undefined || match.method.toUpperCase() === method) &&
      (typeof match.path === "string"
        ? match.path === url.pathname
        : match.path.test(url.pathname + url.search)) &&
      (match.body === undefined || match.body.test(body))
    );
    if (index < 0) return undefined;
    const pending = this.#faults[index];
    if (--pending.left <= 0) this.#faults.splice(index, 1);
    return pending.fault;
  }

  #route(req: Request, url: URL, body: string): Promise<Response> | Response {
    const path = url.pathname;
    const service = /^\/(identity|baremetal|compute|image)(\/.*)?$/.exec(path);
    if (!service) return new Response("404 Not Found", { status: 404 });
    const rest = service[2] ?? "/";
    if (service[1] === "identity") return this.#keystone.handle(req, rest, body);
    const denied = this.#keystone.deny(req);
    if (denied) return denied;
    if (service[1] === "baremetal") return this.#ironic.handle(req, url, rest, body);
    if (service[1] === "compute") return this.#nova.handle(req, url, rest);
    return this.#glance.handle(req, url, rest);
  }
}
