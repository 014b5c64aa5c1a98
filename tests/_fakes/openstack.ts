/**
 * A fake OpenStack for fast tests: one real HTTP server on 127.0.0.1 holding an in-memory cloud,
 * with Keystone v3 under `/identity`, Ironic under `/baremetal`, Nova under `/compute/v2.1` and
 * Glance under `/image`. It mimics what the real services (Ironic 2023.1, Nova/Glance/Keystone
 * Zed; see `/work/shared/real-openstack/NOTES.md`) answer, including their quirks: Ironic's
 * doubly encoded errors, its 1.1 default microversion, its absolute `next` links that keep only
 * some filters; Glance's relative `next` and HTML errors; Keystone's catalog. Every request is
 * logged, and faults (status, body, delay, hang) can be injected per path.
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

/** An Ironic node as the fake stores it; rendered per microversion when read. */
export interface FakeNode {
  uuid: string;
  name?: string | null;
  /** The real state: "available" here shows as `null` at microversion 1.1. */
  provision_state: string | null;
  maintenance: boolean;
  resource_class: string | null;
  properties: Record<string, unknown>;
  extra: Record<string, unknown>;
  driver_info: Record<string, unknown>;
  conductor_group?: string;
  shard?: string | null;
  owner?: string | null;
  driver?: string;
  instance_uuid?: string | null;
  power_state?: string | null;
  last_error?: string | null;
  /** Every provision state the node has been in, oldest first (not rendered by the API). */
  history?: string[];
}

/** A Nova flavor. */
export interface FakeFlavor {
  id: string;
  name: string;
  ram: number;
  vcpus: number;
  disk: number;
  extra_specs: Record<string, string>;
  description?: string | null;
}

/** A Glance image; any further property is rendered as is. */
export interface FakeImage {
  id: string;
  name: string;
  status: string;
  visibility: string;
  checksum: string | null;
  [property: string]: unknown;
}

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

/** Options of {@linkcode FakeOpenStack.start}. */
export interface FakeOpenStackOptions {
  /** Ironic `[api]max_limit`: default and maximum page size (default 1000). */
  ironicMaxLimit?: number;
  /** Latency added to every Ironic node-list page, in ms (default 0). */
  pageDelayMs?: number;
  /** Token lifetime (default 3600 s). */
  tokenTtlSeconds?: number;
  /** Keystone user (default "admin"), password (default "secret") and project (default "admin"). */
  username?: string;
  password?: string;
  projectName?: string;
  /** The application credential Keystone accepts (default arsenal-app-cred / app-cred-secret). */
  applicationCredential?: { id: string; secret: string };
  /** Ironic microversion range, default ["1.1", "1.82"]. */
  ironicVersions?: [string, string];
  /** Nova maximum microversion (default "2.93"; the minimum is 2.1). */
  novaMaxVersion?: string;
  /** Nova page size cap (`osapi_max_limit`, default 1000). */
  novaMaxLimit?: number;
  /**
   * When true, vendor passthru `cache_image` works like the arsenal-fake-hardware plugin (202,
   * driver_info cache_* set, status "caching"); default false: 400 "No handler", like upstream.
   */
  vendorCacheImage?: boolean;
  /** Node reads (GET of the node or any node list) that still see "cleaning" (default 0). */
  cleaningReads?: number;
  /** When true, cleaning removes driver_info cache_* keys, like the plugin (default false). */
  cleaningErasesCache?: boolean;
}

const JSON_TYPE = { "content-type": "application/json" };
const UNAUTHORIZED = "The request you have made requires authentication.";
const TRANSITIONAL = new Set(
  ["cleaning", "clean wait", "deploying", "wait call-back", "deleting", "verifying", "inspecting"],
);
/** Node fields in the order rendered, and the Ironic microversion that introduced each. */
const NODE_FIELDS: Record<string, number> = Object.fromEntries(
  ("uuid name:5 driver provision_state target_provision_state power_state maintenance " +
    "maintenance_reason reservation instance_uuid last_error properties extra driver_info " +
    "resource_class:21 conductor_group:46 conductor:49 owner:50 shard:82 links")
    .split(" ").map((field) => [field.split(":")[0], Number(field.split(":")[1] ?? 1)]),
);
/** Fields a node PATCH may change. */
const PATCHABLE = new Set(
  ("name driver properties extra driver_info instance_uuid resource_class conductor_group owner " +
    "shard maintenance").split(" "),
);
/** Fields of `GET /v1/nodes` without `fields=`. */
const LITE_FIELDS = "uuid name instance_uuid maintenance power_state provision_state".split(" ");
/** Node-list filters and the microversion each needs. */
const NODE_FILTERS: Record<string, number> = { maintenance: 1, provision_state: 9, driver: 16 };
Object.assign(NODE_FILTERS, { resource_class: 21, conductor_group: 46, owner: 50, shard: 82 });
const DEFAULTS = {
  ...{ ironicMaxLimit: 1000, pageDelayMs: 0, tokenTtlSeconds: 3600, novaMaxLimit: 1000 },
  ...{ username: "admin", password: "secret", projectName: "admin" },
  applicationCredential: { id: "arsenal-app-cred", secret: "app-cred-secret" },
  ironicVersions: ["1.1", "1.82"] as [string, string],
  novaMaxVersion: "2.93",
  ...{ vendorCacheImage: false, cleaningReads: 0, cleaningErasesCache: false },
};

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_TYPE, ...headers } });
}

/** Python's `json.dumps` of a flat object (", " and ": " separators), as Ironic nests errors. */
function pyJson(value: Record<string, unknown>): string {
  return `{${
    Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(", ")
  }}`;
}

/** Python's repr of a flat dict of strings, as in Ironic's patch errors. */
function pyRepr(value: Record<string, unknown>): string {
  const item = (v: unknown) => typeof v === "string" ? `'${v}'` : JSON.stringify(v);
  return `{${Object.entries(value).map(([k, v]) => `'${k}': ${item(v)}`).join(", ")}}`;
}

function ironicError(status: number, faultstring: string): Response {
  const fault = status >= 500 ? "Server" : "Client";
  return json(status, {
    error_message: pyJson({ faultcode: fault, faultstring, debuginfo: null }),
  });
}

function keystoneError(status: number, message: string, title: string): Response {
  return json(status, { error: { code: status, message, title } });
}

/** Keystone's timestamp format: microseconds and Z. */
function keystoneTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** Resolves after `ms`, or at once when `signal` aborts; leaves no timer behind. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
    signal.addEventListener("abort", done);
  });
}

function minor(version: string): number {
  return Number(version.split(".")[1]);
}

function parseLimit(raw: string | null): number | "invalid" | null {
  if (raw === null) return null;
  return /^-?\d+$/.test(raw.trim()) ? Number(raw) : "invalid";
}

function parseBool(raw: string): boolean | null {
  const value = raw.toLowerCase();
  if (["true", "1", "yes", "on", "t", "y"].includes(value)) return true;
  if (["false", "0", "no", "off", "f", "n"].includes(value)) return false;
  return null;
}

function hexId(prefix: string, n: number): string {
  return `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
}

/** Up to `limit` items that `keep`, after the one whose id is `marker`; undefined if unknown. */
function pageAfter<T>(
  items: readonly T[],
  id: (item: T) => string,
  marker: string | null,
  limit: number,
  keep: (item: T) => boolean = () => true,
): T[] | undefined {
  const start = marker === null ? 0 : items.findIndex((item) => id(item) === marker) + 1;
  if (marker !== null && start === 0) return undefined;
  const page: T[] = [];
  for (let i = start; i < items.length && page.length < limit; i++) {
    if (keep(items[i])) page.push(items[i]);
  }
  return page;
}

interface TokenRecord {
  expiresAt: number;
  body: Record<string, unknown>;
}

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
  /** Ironic nodes by UUID, listed in insertion order. */
  nodes = new Map<string, FakeNode>();
  /** Nova flavors (listed sorted by id, like Nova's default `flavorid` sort). */
  flavors: FakeFlavor[] = [];
  /** Glance images, listed in array order. */
  images: FakeImage[] = [];
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];
  /** How many tokens Keystone has issued. */
  issuedTokens = 0;

  readonly #options: typeof DEFAULTS;
  readonly #ironicMin: number;
  readonly #ironicMax: number;
  readonly #novaMax: number;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #closing = new AbortController();
  readonly #tokens = new Map<string, TokenRecord>();
  readonly #faults: PendingFault[] = [];
  /** Nodes being cleaned: UUID -> reads left that still see "cleaning". */
  readonly #cleaning = new Map<string, number>();
  #waiters: { count: number; resolve: () => void }[] = [];
  readonly #counters = { node: 0, flavor: 0, image: 0 };

  private constructor(options: FakeOpenStackOptions, port: number, server: Deno.HttpServer) {
    const given = Object.entries(options).filter(([, value]) => value !== undefined);
    this.#options = { ...DEFAULTS, ...Object.fromEntries(given) };
    this.#ironicMin = minor(this.#options.ironicVersions[0]);
    this.#ironicMax = minor(this.#options.ironicVersions[1]);
    this.#novaMax = minor(this.#options.novaMaxVersion);
    this.#server = server as Deno.HttpServer<Deno.NetAddr>;
    this.url = `http://127.0.0.1:${port}`;
    this.keystoneUrl = `${this.url}/identity/v3`;
    this.ironicUrl = `${this.url}/baremetal`;
    this.novaUrl = `${this.url}/compute/v2.1`;
    this.glanceUrl = `${this.url}/image`;
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
    for (const token of this.#tokens.values()) token.expiresAt = 0;
  }

  /** Issues a valid project-scoped token directly (for `auth_type = token` tests). */
  issueToken(): string {
    return this.#issue(["password"], true).id;
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
    const added: FakeNode[] = [];
    const { properties = {}, extra = {}, driver_info = {}, ...scalars } = template;
    for (let i = 0; i < n; i++) {
      const k = ++this.#counters.node;
      const node: FakeNode = {
        name: `node-${String(k).padStart(5, "0")}`,
        ...{ provision_state: "available", maintenance: false, resource_class: "baremetal" },
        ...{ driver: "fake-hardware", conductor_group: "", shard: null, owner: null },
        ...{ instance_uuid: null, power_state: "power off", last_error: null },
        ...scalars,
        ...structuredClone({ properties, extra, driver_info }),
        uuid: template.uuid && n === 1 ? template.uuid : hexId("00000000", k),
      };
      node.history = [...(template.history ?? [node.provision_state ?? "available"])];
      this.nodes.set(node.uuid, node);
      added.push(node);
    }
    return added;
  }

  /** Adds a flavor (id defaults to its name, name to `flavor-<counter>`). */
  addFlavor(flavor: Partial<FakeFlavor> = {}): FakeFlavor {
    const name = flavor.name ?? `flavor-${++this.#counters.flavor}`;
    const added: FakeFlavor = {
      ...{ id: name, name, ram: 32768, vcpus: 8, disk: 240, extra_specs: {}, description: null },
      ...flavor,
    };
    this.flavors.push(added);
    return added;
  }

  /** Adds an active public image with a deterministic id and checksum, as after an upload. */
  addImage(image: Partial<FakeImage> = {}): FakeImage {
    const k = ++this.#counters.image;
    const added: FakeImage = {
      ...{ id: hexId("11111111", k), name: `image-${k}`, status: "active", visibility: "public" },
      ...{ checksum: k.toString(16).padStart(32, "0"), disk_format: "qcow2" },
      ...{ container_format: "bare", size: 65536, virtual_size: null, os_hash_algo: "sha512" },
      os_hash_value: k.toString(16).padStart(128, "0"),
      ...{ protected: false, min_ram: 0, min_disk: 0, owner: null, os_hidden: false, tags: [] },
      ...{ created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z", stores: "fs" },
      ...image,
    };
    this.images.push(added);
    return added;
  }

  /** Ends every cleaning now (the nodes become available). */
  completeCleaning(): void {
    for (const uuid of [...this.#cleaning.keys()]) this.#finishCleaning(uuid);
  }

  // ---------------------------------------------------------------- dispatch

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
    if (service[1] === "identity") return this.#keystone(req, rest, body);
    const denied = this.#checkToken(req);
    if (denied) return denied;
    if (service[1] === "baremetal") return this.#ironic(req, url, rest, body);
    if (service[1] === "compute") return this.#nova(req, url, rest);
    return this.#glance(req, url, rest);
  }

  /** A sent X-Auth-Token must be valid (no token, or Basic auth, is accepted). */
  #checkToken(req: Request): Response | undefined {
    const token = req.headers.get("x-auth-token");
    if (token === null || this.#validToken(token)) return undefined;
    // What keystonemiddleware answers in front of every service.
    return json(401, { error: { code: 401, title: "Unauthorized", message: UNAUTHORIZED } }, {
      "www-authenticate": `Keystone uri="${this.url}/identity"`,
    });
  }

  #validToken(token: string): TokenRecord | undefined {
    const record = this.#tokens.get(token);
    return record && Date.now() < record.expiresAt ? record : undefined;
  }

  // ---------------------------------------------------------------- Keystone

  #catalog(): unknown[] {
    const services: [string, string, string][] = [
      ["identity", "keystone", "/identity"],
      ["baremetal", "ironic", "/baremetal"],
      ["compute", "nova", "/compute/v2.1"],
      ["image", "glance", "/image"],
    ];
    return services.map(([type, name, prefix], s) => ({
      id: `service-${s}`,
      type,
      name,
      endpoints: ["RegionOne", "RegionTwo"].flatMap((region) =>
        ["public", "internal", "admin"].map((iface) => ({
          id: `${name}-${region}-${iface}`,
          interface: iface,
          region,
          region_id: region,
          url: `${this.url}${region === "RegionOne" ? "" : "/elsewhere"}${prefix}`,
        }))
      ),
    }));
  }

  #issue(methods: string[], scoped: boolean, appCred = false) {
    const id = `gAAAAAB${crypto.randomUUID().replaceAll("-", "")}${++this.issuedTokens}`;
    const now = Date.now();
    const expiresAt = now + this.#options.tokenTtlSeconds * 1000;
    const domain = { id: "default", name: "Default" };
    const token: Record<string, unknown> = {
      methods,
      user: { domain, id: "admin-user-id", name: this.#options.username },
      audit_ids: [crypto.randomUUID().slice(0, 22)],
      expires_at: keystoneTime(expiresAt),
      issued_at: keystoneTime(now),
    };
    if (scoped) {
      token.project = { domain, id: "admin-project-id", name: this.#options.projectName };
      token.is_domain = false;
      token.roles = ["admin", "reader", "member"].map((name) => ({ id: `${name}-role`, name }));
      token.catalog = this.#catalog();
    }
    if (appCred) {
      token.application_credential = {
        id: this.#options.applicationCredential.id,
        name: "arsenal",
        restricted: true,
      };
    }
    const body = { token };
    this.#tokens.set(id, { expiresAt, body });
    return { id, body };
  }

  #keystone(req: Request, path: string, body: string): Response {
    if (path === "/" || path === "/v3" || path === "/v3/") {
      const v3 = {
        id: "v3.14",
        status: "stable",
        updated: "2020-04-07T00:00:00Z",
        links: [{ rel: "self", href: `${this.keystoneUrl}/` }],
      };
      return path === "/" ? json(300, { versions: { values: [v3] } }) : json(200, { version: v3 });
    }
    if (path !== "/v3/auth/tokens") {
      return keystoneError(404, "The resource could not be found.", "Not Found");
    }
    if (req.method === "GET") {
      const caller = req.headers.get("x-auth-token");
      if (caller === null || !this.#validToken(caller)) {
        return keystoneError(401, UNAUTHORIZED, "Unauthorized");
      }
      const subject = this.#validToken(req.headers.get("x-subject-token") ?? "");
      if (!subject) return keystoneError(404, "Could not find token.", "Not Found");
      return json(200, subject.body, { "x-subject-token": req.headers.get("x-subject-token")! });
    }
    if (req.method !== "POST") {
      return keystoneError(405, "Method Not Allowed", "Method Not Allowed");
    }
    // deno-lint-ignore no-explicit-any
    let auth: any;
    try {
      auth = JSON.parse(body).auth;
    } catch {
      return keystoneError(400, "Malformed request body.", "Bad Request");
    }
    const identity = auth?.identity;
    const methods: string[] = Array.isArray(identity?.methods) ? identity.methods : [];
    const unauthorized = keystoneError(401, UNAUTHORIZED, "Unauthorized");
    let appCred = false;
    if (methods.includes("password")) {
      const user = identity.password?.user ?? {};
      if (user.name !== undefined && user.domain === undefined) {
        return keystoneError(
          400,
          "Expecting to find domain in user. The server could not comply with the request " +
            "since it is either malformed or otherwise incorrect. The client is assumed to be " +
            "in error.",
          "Bad Request",
        );
      }
      const domainOk = user.id !== undefined || user.domain?.name === "Default" ||
        user.domain?.id === "default";
      const userOk = user.id === "admin-user-id" || user.name === this.#options.username;
      if (!domainOk || !userOk || user.password !== this.#options.password) return unauthorized;
    } else if (methods.includes("application_credential")) {
      const cred = identity.application_credential ?? {};
      const expected = this.#options.applicationCredential;
      if (cred.id !== expected.id || cred.secret !== expected.secret) return unauthorized;
      if (auth.scope !== undefined) return unauthorized;
      appCred = true;
    } else if (methods.includes("token")) {
      if (!this.#validToken(identity.token?.id ?? "")) return unauthorized;
    } else {
      return unauthorized;
    }
    const project = auth.scope?.project;
    if (project !== undefined) {
      const byId = project.id === "admin-project-id";
      const byName = project.name === this.#options.projectName &&
        (project.domain?.name === "Default" || project.domain?.id === "default");
      if (!byId && !byName) return unauthorized;
    }
    const scoped = appCred || project !== undefined;
    const token = this.#issue(methods, scoped, appCred);
    return json(201, token.body, { "x-subject-token": token.id });
  }

  // ---------------------------------------------------------------- Ironic

  async #ironic(req: Request, url: URL, path: string, body: string): Promise<Response> {
    const [min, max] = [this.#ironicMin, this.#ironicMax];
    const range = { min: `1.${min}`, max: `1.${max}` };
    const headers: Record<string, string> = {
      "X-OpenStack-Ironic-API-Minimum-Version": range.min,
      "X-OpenStack-Ironic-API-Maximum-Version": range.max,
    };
    const asked = req.headers.get("x-openstack-ironic-api-version");
    let version = min;
    if (asked !== null) {
      const parsed = /^(\d+)\.(\d+)$/.exec(asked.trim());
      let problem: string | undefined;
      if (asked.trim() === "latest") version = max;
      else if (!parsed) problem = "Invalid value for X-OpenStack-Ironic-API-Version header";
      else if (parsed[1] !== "1") {
        problem = `Mutually exclusive versions requested. Version ${asked} requested but not ` +
          `supported by this service. The supported version range is: [${range.min}, ${range.max}].`;
      } else if (Number(parsed[2]) < min || Number(parsed[2]) > max) {
        problem = `Version ${asked} was requested but the minor version is not supported by ` +
          `this service. The supported version range is: [${range.min}, ${range.max}].`;
      } else version = Number(parsed[2]);
      if (problem) {
        const error_message = pyJson({ code: 406, title: "Not Acceptable", description: problem });
        return json(406, { error_message }, headers);
      }
    }
    headers["X-OpenStack-Ironic-API-Version"] = `1.${version}`;
    const response = await this.#ironicRoute(req, url, path, body, version);
    for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    return response;
  }

  async #ironicRoute(
    req: Request,
    url: URL,
    path: string,
    body: string,
    version: number,
  ): Promise<Response> {
    const v1 = {
      id: "v1",
      links: [{ href: `${this.ironicUrl}/v1/`, rel: "self" }],
      status: "CURRENT",
      min_version: `1.${this.#ironicMin}`,
      version: `1.${this.#ironicMax}`,
    };
    if (path === "/" && req.method === "GET") {
      return json(200, {
        name: "OpenStack Ironic API",
        description: "Ironic is an OpenStack project which enables the provision and " +
          "management of baremetal machines.",
        default_version: v1,
        versions: [v1],
      });
    }
    if ((path === "/v1" || path === "/v1/") && req.method === "GET") return json(200, v1);
    const list = /^\/v1\/nodes(\/detail)?\/?$/.exec(path);
    if (list && req.method === "GET") {
      if (this.#options.pageDelayMs > 0) {
        await sleep(this.#options.pageDelayMs, this.#closing.signal);
      }
      return this.#listNodes(url, Boolean(list[1]), version);
    }
    const one = /^\/v1\/nodes\/([^/]+)(\/states\/provision|\/vendor_passthru(?:\/methods)?)?$/
      .exec(path);
    if (!one) return ironicError(404, "The resource could not be found.");
    const ident = decodeURIComponent(one[1]);
    const sub = one[2] ?? "";
    if (sub === "/vendor_passthru" && req.method === "POST") {
      const method = url.searchParams.get("method");
      if (!method) return ironicError(400, "Missing mandatory parameter: method");
    }
    const node = this.#findNode(ident);
    if (!node) return ironicError(404, `Node ${ident} could not be found.`);
    if (sub === "" && req.method === "GET") {
      this.#readNode(node.uuid);
      const fields = this.#parseFields(url.searchParams.get("fields"), version);
      if (fields instanceof Response) return fields;
      return json(200, this.#renderNode(node, version, this.#nodeKeys(version, fields)));
    }
    if (sub === "" && req.method === "PATCH") return this.#patchNode(node, body, version);
    if (sub === "/states/provision" && req.method === "PUT") return this.#provision(node, body);
    if (sub === "/vendor_passthru" && req.method === "POST") {
      return this.#vendorPassthru(node, url.searchParams.get("method")!, body);
    }
    if (sub === "/vendor_passthru/methods" && req.method === "GET") {
      return json(
        200,
        this.#options.vendorCacheImage
          ? { cache_image: { http_methods: ["POST"], async: true, attach: false } }
          : {},
      );
    }
    return ironicError(405, "Method not allowed.");
  }

  #findNode(ident: string): FakeNode | undefined {
    const node = this.nodes.get(ident);
    if (node) return node;
    for (const candidate of this.nodes.values()) if (candidate.name === ident) return candidate;
    return undefined;
  }

  /** `fields=` as a list, or an error response. */
  #parseFields(raw: string | null, version: number): string[] | null | Response {
    if (raw === null) return null;
    if (version < 8) return ironicError(406, "Request not acceptable.");
    const fields = raw.split(",").map((f) => f.trim()).filter((f) => f !== "");
    const invalid = fields.filter((f) => !(f in NODE_FIELDS));
    if (invalid.length > 0) {
      return ironicError(400, `Field(s) "${invalid.join(", ")}" are not valid`);
    }
    if (fields.some((f) => NODE_FIELDS[f] > version)) {
      return ironicError(406, "Request not acceptable.");
    }
    return fields;
  }

  /** The node fields a request gets, in order: per version, `fields=`, and list or detail. */
  #nodeKeys(version: number, fields: string[] | null, lite = false): string[] {
    const wanted = fields ? [...fields, "links"] : lite ? [...LITE_FIELDS, "links"] : null;
    return Object.keys(NODE_FIELDS).filter((key) =>
      NODE_FIELDS[key] <= version && (!wanted || wanted.includes(key))
    );
  }

  #renderNode(node: FakeNode, version: number, keys: string[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      if (key === "provision_state") {
        out[key] = node.provision_state === "available" && version < 2
          ? null
          : node.provision_state;
      } else if (key === "target_provision_state") {
        out[key] = node.provision_state === "cleaning" ? "available" : null;
      } else if (key === "links") {
        out[key] = [
          { href: `${this.ironicUrl}/v1/nodes/${node.uuid}`, rel: "self" },
          { href: `${this.ironicUrl}/nodes/${node.uuid}`, rel: "bookmark" },
        ];
      } else if (key === "driver") out[key] = node.driver ?? "fake-hardware";
      else if (key === "conductor_group") out[key] = node.conductor_group ?? "";
      else if (key === "conductor") out[key] = "fake-conductor";
      else out[key] = (node as unknown as Record<string, unknown>)[key] ?? null;
    }
    return out;
  }

  #listNodes(url: URL, detail: boolean, version: number): Response {
    const params = url.searchParams;
    if (detail && params.has("fields")) return ironicError(400, "Unexpected arguments: fields");
    const fields = this.#parseFields(params.get("fields"), version);
    if (fields instanceof Response) return fields;
    const max = this.#options.ironicMaxLimit;
    const asked = parseLimit(params.get("limit"));
    if (asked === "invalid") return ironicError(400, "Invalid limit: must be an integer");
    if (asked !== null && asked <= 0) return ironicError(400, "Limit must be positive");
    const limit = asked === null ? max : Math.min(asked, max);
    const tests: ((node: FakeNode) => boolean)[] = [];
    for (const [name, needs] of Object.entries(NODE_FILTERS)) {
      const raw = params.get(name);
      if (raw === null) continue;
      if (version < needs) return ironicError(406, "Request not acceptable.");
      if (name === "maintenance") {
        const want = parseBool(raw);
        if (want === null) return ironicError(400, `Invalid boolean for maintenance: ${raw}`);
        tests.push((n) => n.maintenance === want);
      } else if (name === "shard") {
        const shards = raw.split(",");
        tests.push((n) => shards.includes(n.shard ?? ""));
      } else if (name === "conductor_group") {
        tests.push((n) => (n.conductor_group ?? "").toLowerCase() === raw.toLowerCase());
      } else {
        const key = name as "provision_state" | "driver" | "resource_class" | "owner";
        tests.push((n) => n[key] === raw);
      }
    }
    for (const uuid of [...this.#cleaning.keys()]) this.#readNode(uuid);
    const marker = params.get("marker");
    const page = pageAfter(
      [...this.nodes.values()],
      (n) => n.uuid,
      marker,
      limit,
      (n) => tests.every((test) => test(n)),
    );
    if (!page) return ironicError(404, `Node ${marker} could not be found.`);
    const keys = this.#nodeKeys(version, fields, !detail);
    const nodes = page.map((n) => this.#renderNode(n, version, keys));
    const result: Record<string, unknown> = { nodes };
    if (page.length > 0 && page.length === limit) {
      // Like Ironic: only sort, associated, maintenance (when true), detail and fields survive.
      let args = `sort_key=${params.get("sort_key") ?? "id"}&sort_dir=${
        params.get("sort_dir") ?? "asc"
      }&`;
      const maintenance = params.get("maintenance");
      if (maintenance !== null && parseBool(maintenance)) args += "maintenance=True&";
      if (fields) args += `fields=${fields.join(",")}&`;
      const where = detail ? "nodes/detail" : "nodes";
      result.next = `${this.ironicUrl}/v1/${where}?${args}limit=${limit}&marker=${
        page[page.length - 1].uuid
      }`;
    }
    return json(200, result);
  }

  /** A read of a node being cleaned: counts down, then cleaning ends. */
  #readNode(uuid: string): void {
    const left = this.#cleaning.get(uuid);
    if (left === undefined) return;
    if (left <= 0) this.#finishCleaning(uuid);
    else this.#cleaning.set(uuid, left - 1);
  }

  #finishCleaning(uuid: string): void {
    this.#cleaning.delete(uuid);
    const node = this.nodes.get(uuid);
    if (!node || node.provision_state !== "cleaning") return;
    if (this.#options.cleaningErasesCache) {
      for (const key of Object.keys(node.driver_info)) {
        if (key.startsWith("cache_")) delete node.driver_info[key];
      }
    }
    this.#setState(node, "available");
  }

  #setState(node: FakeNode, ...states: string[]): void {
    for (const state of states) {
      node.provision_state = state;
      (node.history ??= []).push(state);
    }
  }

  #patchNode(node: FakeNode, body: string, version: number): Response {
    if (TRANSITIONAL.has(node.provision_state ?? "")) {
      return ironicError(
        409,
        `Node ${node.uuid} can not be updated while a state transition is in progress.`,
      );
    }
    let ops: unknown;
    try {
      ops = JSON.parse(body);
    } catch {
      return ironicError(400, "Invalid JSON in request body");
    }
    if (!Array.isArray(ops) || ops.length === 0) {
      return ironicError(400, "Invalid patch: a non-empty list of operations is expected");
    }
    const { history, ...rest } = node;
    const copy = structuredClone(rest) as Record<string, unknown>;
    for (const op of ops as Record<string, unknown>[]) {
      const path = String(op?.path ?? "");
      const keys = path.split("/").slice(1).map((k) =>
        k.replaceAll("~1", "/").replaceAll("~0", "~")
      );
      const fail = (reason: string) =>
        ironicError(400, `Couldn't apply patch '${pyRepr(op)}'. Reason: ${reason}`);
      if (!["add", "replace", "remove"].includes(String(op?.op)) || keys.length === 0) {
        return ironicError(400, `Invalid patch operation: ${JSON.stringify(op)}`);
      }
      if (!PATCHABLE.has(keys[0])) {
        return ironicError(400, `'${path}' is an internal attribute and can not be updated`);
      }
      let parent: Record<string, unknown> = copy;
      for (const key of keys.slice(0, -1)) {
        const next = parent[key];
        if (typeof next !== "object" || next === null) {
          return fail(`can't ${op.op} a non-existent object '${keys[keys.length - 1]}'`);
        }
        parent = next as Record<string, unknown>;
      }
      const last = keys[keys.length - 1];
      if (op.op !== "add" && !(last in parent)) {
        return fail(`can't ${op.op} a non-existent object '${last}'`);
      }
      if (op.op === "remove") {
        if (keys.length === 1) parent[last] = null;
        else delete parent[last];
      } else parent[last] = structuredClone(op.value);
    }
    Object.assign(node, copy, { history });
    return json(200, this.#renderNode(node, version, this.#nodeKeys(version, null)));
  }

  #provision(node: FakeNode, body: string): Response {
    let target: unknown;
    try {
      target = JSON.parse(body).target;
    } catch {
      return ironicError(400, "Invalid JSON in request body");
    }
    const state = node.provision_state ?? "available";
    const refuse = () =>
      ironicError(
        400,
        `The requested action "${target}" can not be performed on node "${node.uuid}" while ` +
          `it is in state "${state}".`,
      );
    const location = { location: `${this.ironicUrl}/v1/nodes/${node.uuid}/states` };
    if (target === "manage") {
      if (state === "enroll") this.#setState(node, "verifying", "manageable");
      else if (["available", "clean failed", "inspect failed"].includes(state)) {
        this.#setState(node, "manageable");
      } else return refuse();
    } else if (target === "provide") {
      if (state !== "manageable") return refuse();
      this.#setState(node, "cleaning");
      this.#cleaning.set(node.uuid, this.#options.cleaningReads);
    } else if (target === "active") {
      if (state !== "available") return refuse();
      this.#setState(node, "deploying", "active");
    } else if (target === "deleted") {
      if (state !== "active") return refuse();
      node.instance_uuid = null;
      this.#setState(node, "deleting", "cleaning");
      this.#cleaning.set(node.uuid, this.#options.cleaningReads);
    } else {
      return ironicError(400, `Invalid provision state target: ${JSON.stringify(target)}`);
    }
    return new Response(null, { status: 202, headers: location });
  }

  #vendorPassthru(node: FakeNode, method: string, body: string): Response {
    if (!this.#options.vendorCacheImage || method !== "cache_image") {
      return ironicError(400, `No handler for method ${method}`);
    }
    // deno-lint-ignore no-explicit-any
    let info: any;
    try {
      info = JSON.parse(body || "{}").image_info;
    } catch {
      return ironicError(400, "Invalid JSON in request body");
    }
    if (typeof info !== "object" || info === null) {
      return ironicError(400, "Parameter 'image_info' not passed to method 'cache_image'.");
    }
    if (!info.checksum) return ironicError(400, "image_info.checksum is required");
    const state = node.provision_state ?? "available";
    if (state !== "available" || node.maintenance) {
      return ironicError(
        400,
        `The requested action "cache_image" can not be performed on node "${node.uuid}" while ` +
          `it is in state "${state}${node.maintenance ? " (maintenance)" : ""}".`,
      );
    }
    Object.assign(node.driver_info, {
      cache_image_id: info.id,
      cache_status: "caching",
      cache_image_checksum: info.checksum,
      cache_image_urls: info.urls ?? [],
    });
    return new Response(null, { status: 202 });
  }

  // ---------------------------------------------------------------- Nova

  #nova(req: Request, url: URL, path: string): Response {
    const max = this.#novaMax;
    const header = req.headers.get("openstack-api-version");
    const asked = header !== null
      ? /(?:^|,)\s*compute\s+(\S+)/i.exec(header)?.[1] ?? null
      : req.headers.get("x-openstack-nova-api-version");
    let version = 1;
    if (asked !== null) {
      const parsed = /^2\.(\d+)$/.exec(asked.trim());
      if (asked.trim() === "latest") version = max;
      else if (!/^\d+\.\d+$/.test(asked.trim())) {
        return json(400, {
          badRequest: {
            code: 400,
            message: `API Version String ${asked} is of invalid format. Must be of format ` +
              "MajorNum.MinorNum.",
          },
        });
      } else if (!parsed || Number(parsed[1]) < 1 || Number(parsed[1]) > max) {
        return json(406, {
          computeFault: {
            code: 406,
            message: `Version ${asked} is not supported by the API. Minimum is 2.1 and maximum ` +
              `is 2.${max}.`,
          },
        });
      } else version = Number(parsed[1]);
    }
    const response = this.#novaRoute(req, url, path, version);
    response.headers.set("OpenStack-API-Version", `compute 2.${version}`);
    response.headers.set("X-OpenStack-Nova-API-Version", `2.${version}`);
    response.headers.set("Vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version");
    return response;
  }

  #novaRoute(req: Request, url: URL, path: string, version: number): Response {
    const notFound = (message = "The resource could not be found.") =>
      json(404, { itemNotFound: { code: 404, message } });
    if (req.method !== "GET") return notFound();
    if (path === "/v2.1" || path === "/v2.1/") {
      return json(200, {
        version: {
          id: "v2.1",
          status: "CURRENT",
          version: `2.${this.#novaMax}`,
          min_version: "2.1",
          links: [{ rel: "self", href: `${this.novaUrl}/` }],
        },
      });
    }
    const one = /^\/v2\.1\/flavors\/([^/]+)(\/os-extra_specs)?$/.exec(path);
    if (one && one[1] !== "detail") {
      const id = decodeURIComponent(one[1]);
      const flavor = this.flavors.find((f) => f.id === id);
      if (!flavor) return notFound(`Flavor ${id} could not be found.`);
      if (one[2]) return json(200, { extra_specs: flavor.extra_specs });
      return json(200, { flavor: this.#renderFlavor(flavor, version, true) });
    }
    const list = /^\/v2\.1\/flavors(\/detail)?\/?$/.exec(path);
    if (!list) return notFound();
    const params = url.searchParams;
    const bad = (message: string) => json(400, { badRequest: { code: 400, message } });
    const asked = parseLimit(params.get("limit"));
    if (asked === "invalid") return bad("limit param must be an integer");
    if (asked !== null && asked < 0) return bad("limit param must be positive");
    const limit = Math.min(asked || this.#options.novaMaxLimit, this.#options.novaMaxLimit);
    const sorted = [...this.flavors].sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    const marker = params.get("marker");
    const page = pageAfter(sorted, (f) => f.id, marker, limit);
    if (!page) return bad(`marker [${marker}] not found`);
    const result: Record<string, unknown> = {
      flavors: page.map((f) => this.#renderFlavor(f, version, Boolean(list[1]))),
    };
    if (page.length > 0 && page.length === limit) {
      const next = new URLSearchParams(params);
      next.set("marker", page[page.length - 1].id);
      result.flavors_links = [{
        rel: "next",
        href: `${this.novaUrl}/flavors${list[1] ?? ""}?${next}`,
      }];
    }
    return json(200, result);
  }

  #renderFlavor(flavor: FakeFlavor, version: number, detail: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = { id: flavor.id, name: flavor.name };
    if (detail) {
      Object.assign(out, {
        ram: flavor.ram,
        disk: flavor.disk,
        vcpus: flavor.vcpus,
        swap: version >= 75 ? 0 : "",
        "OS-FLV-EXT-DATA:ephemeral": 0,
        "OS-FLV-DISABLED:disabled": false,
        "os-flavor-access:is_public": true,
        rxtx_factor: 1.0,
      });
    }
    if (version >= 55) out.description = flavor.description ?? null;
    if (detail && version >= 61) out.extra_specs = flavor.extra_specs;
    out.links = [
      { rel: "self", href: `${this.novaUrl}/flavors/${flavor.id}` },
      { rel: "bookmark", href: `${this.url}/compute/flavors/${flavor.id}` },
    ];
    return out;
  }

  // ---------------------------------------------------------------- Glance

  #glance(req: Request, url: URL, path: string): Response {
    const wantsJson = (req.headers.get("accept") ?? "").includes("application/json");
    const error = (status: number, title: string, detail: string) => {
      const code = `${status} ${title}`;
      if (wantsJson) {
        return json(status, { message: `${detail}<br /><br />\n\n\n`, code, title });
      }
      const html = `<html>\n <head>\n  <title>${code}</title>\n </head>\n <body>\n  <h1>${code}` +
        `</h1>\n  ${detail}<br /><br />\n\n\n\n </body>\n</html>`;
      return new Response(html, {
        status,
        headers: { "content-type": "text/html; charset=UTF-8" },
      });
    };
    if (req.method !== "GET") return error(405, "Method Not Allowed", "Method not allowed.");
    if (path === "/" || path === "/versions") {
      return json(path === "/" ? 300 : 200, {
        versions: [{
          id: "v2.15",
          status: "CURRENT",
          links: [{ rel: "self", href: `${this.glanceUrl}/v2/` }],
        }],
      });
    }
    const one = /^\/v2\/images\/([^/]+)$/.exec(path);
    if (one) {
      const id = decodeURIComponent(one[1]);
      const image = this.images.find((i) => i.id === id);
      if (!image) return error(404, "Not Found", `No image found with ID ${id}`);
      return json(200, this.#renderImage(image));
    }
    if (!/^\/v2\/images\/?$/.test(path)) {
      return error(404, "Not Found", "The resource could not be found.");
    }
    const params = url.searchParams;
    const asked = parseLimit(params.get("limit"));
    if (asked === "invalid") return error(400, "Bad Request", "limit param must be an integer");
    if (asked !== null && asked < 0) {
      return error(400, "Bad Request", "limit param must be positive");
    }
    const limit = Math.min(asked ?? 25, 1000);
    const [status, name, visibility] = ["status", "name", "visibility"].map((k) => params.get(k));
    const marker = params.get("marker");
    const page = pageAfter(
      this.images,
      (i) => i.id,
      marker,
      limit,
      (i) =>
        (status === null || i.status === status) && (name === null || i.name === name) &&
        (!visibility || visibility === "all" || i.visibility === visibility),
    );
    if (!page) {
      return error(400, "Bad Request", `Invalid marker. Image ${marker} could not be found.`);
    }
    const rest = new URLSearchParams(params);
    rest.delete("marker");
    const query = rest.toString();
    const result: Record<string, unknown> = {
      images: page.map((i) => this.#renderImage(i)),
      first: query ? `/v2/images?${query}` : "/v2/images",
      schema: "/v2/schemas/images",
    };
    if (page.length > 0 && page.length === limit) {
      rest.set("marker", page[page.length - 1].id);
      result.next = `/v2/images?${rest}`;
    }
    return json(200, result);
  }

  #renderImage(image: FakeImage): Record<string, unknown> {
    return {
      ...image,
      self: `/v2/images/${image.id}`,
      file: `/v2/images/${image.id}/file`,
      schema: "/v2/schemas/image",
    };
  }
}
