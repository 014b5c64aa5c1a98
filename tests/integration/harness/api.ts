/**
 * Minimal REST clients for the integration harness (Ironic, Glance, Nova, Keystone), on `fetch`.
 *
 * They are deliberately independent of Arsenal's own clients: the suite checks Arsenal against
 * what these observe. Every wait is bounded by a deadline.
 *
 * @module
 */

/** The Ironic API microversion the harness speaks (Ironic 21.4 supports 1.1 to 1.82). */
export const IRONIC_VERSION = "1.82";

/** An HTTP reply: status, headers and the body parsed as JSON (text when it is not JSON). */
export interface Reply<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

/** A reply with an unexpected status. */
export class HttpError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${method} ${url}: HTTP ${status} ${JSON.stringify(body).slice(0, 500)}`);
    this.name = "HttpError";
  }
}

/** Options of {@linkcode http}. */
export interface HttpOptions {
  /** JSON request body. */
  readonly json?: unknown;
  /** Raw request body (sent as application/octet-stream unless a header says otherwise). */
  readonly raw?: Uint8Array<ArrayBuffer>;
  readonly headers?: Record<string, string>;
  /** Statuses that are returned rather than thrown (default: 2xx). */
  readonly expect?: readonly number[];
  /** Statuses retried with a short backoff until `retryForMs` passes (default: none). */
  readonly retry?: readonly number[];
  readonly retryForMs?: number;
  /** Per-attempt timeout (default 60 s). */
  readonly timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One HTTP call; throws {@linkcode HttpError} on an unexpected status. */
export async function http<T = unknown>(
  method: string,
  url: string,
  options: HttpOptions = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers["Content-Type"] ??= "application/json";
    body = JSON.stringify(options.json);
  } else if (options.raw) {
    headers["Content-Type"] ??= "application/octet-stream";
    body = options.raw;
  }
  const deadline = Date.now() + (options.retryForMs ?? 0);
  for (let delay = 200;; delay = Math.min(delay * 1.5, 2000)) {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
      });
    } catch (e) {
      if (Date.now() < deadline) {
        await sleep(delay);
        continue;
      }
      throw new Error(`${method} ${url}: ${(e as Error).message}`);
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    const ok = options.expect
      ? options.expect.includes(response.status)
      : response.status >= 200 && response.status < 300;
    if (ok) return { status: response.status, headers: response.headers, body: parsed as T };
    if (options.retry?.includes(response.status) && Date.now() < deadline) {
      await sleep(delay);
      continue;
    }
    throw new HttpError(method, url, response.status, parsed);
  }
}

/**
 * Polls `probe` every `intervalMs` until it returns something other than undefined, or throws
 * after `deadlineMs` with `label` and the last value `describe` gives.
 */
export async function until<T>(
  label: string,
  deadlineMs: number,
  probe: () => Promise<T | undefined>,
  { intervalMs = 500, describe }: { intervalMs?: number; describe?: () => string } = {},
): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= end) {
      throw new Error(
        `timed out after ${deadlineMs / 1000} s waiting for ${label}` +
          (describe ? `: ${describe()}` : ""),
      );
    }
    await sleep(intervalMs);
  }
}

/** Runs `fn` over `items`, at most `limit` at a time; results in input order. */
export async function pool<I, O>(
  items: readonly I[],
  limit: number,
  fn: (item: I, index: number) => Promise<O>,
): Promise<O[]> {
  const out: O[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The fields of an Ironic node the suite looks at. */
export interface IronicNode {
  readonly uuid: string;
  readonly name: string | null;
  readonly driver: string;
  readonly provision_state: string | null;
  readonly target_provision_state: string | null;
  readonly maintenance: boolean;
  readonly driver_info: Record<string, unknown>;
  readonly extra: Record<string, unknown>;
  readonly properties: Record<string, unknown>;
  readonly instance_uuid: string | null;
  readonly resource_class: string | null;
  readonly last_error: string | null;
}

/** Fields listed by {@linkcode Ironic.nodes} (`/v1/nodes?fields=`). */
export const NODE_FIELDS = [
  "uuid",
  "name",
  "driver",
  "provision_state",
  "target_provision_state",
  "maintenance",
  "driver_info",
  "extra",
  "properties",
  "instance_uuid",
  "resource_class",
  "last_error",
] as const;

/** The Ironic error text: `error_message` is a JSON string holding `faultstring`. */
export function ironicFault(body: unknown): string {
  const message = (body as { error_message?: unknown } | null)?.error_message;
  if (typeof message !== "string") return JSON.stringify(body);
  try {
    return String(JSON.parse(message).faultstring ?? message);
  } catch {
    return message;
  }
}

/** Ironic (noauth) at `base`; 409 (node locked) and 503 are retried for up to a minute. */
export class Ironic {
  constructor(readonly base: string) {}

  call<T = unknown>(method: string, path: string, options: HttpOptions = {}): Promise<Reply<T>> {
    return http<T>(method, path.startsWith("http") ? path : this.base + path, {
      retry: [409, 503],
      retryForMs: 60_000,
      ...options,
      headers: { "X-OpenStack-Ironic-API-Version": IRONIC_VERSION, ...options.headers },
    });
  }

  /**
   * Every node matching `query` (e.g. "resource_class=x"), page by page: while a page has a
   * `next` link, asks again with `marker` = the last node. (Ironic 21.4's `next` links keep
   * only sort_key, sort_dir, fields, detail, limit and marker: they drop every filter.)
   */
  async nodes(query = ""): Promise<IronicNode[]> {
    const out: IronicNode[] = [];
    const base = `/v1/nodes?fields=${NODE_FIELDS.join(",")}${query ? "&" + query : ""}`;
    let url: string | null = base;
    for (let pages = 0; url; pages++) {
      if (pages > 10_000) throw new Error("Ironic pagination does not end");
      const { body }: Reply<{ nodes: IronicNode[]; next?: string }> = await this.call("GET", url);
      out.push(...body.nodes);
      const last = body.nodes.at(-1);
      url = body.next && last ? `${base}&marker=${last.uuid}` : null;
    }
    return out;
  }

  async node(uuid: string): Promise<IronicNode> {
    return (await this.call<IronicNode>("GET", `/v1/nodes/${uuid}`)).body;
  }

  async create(body: Record<string, unknown>): Promise<IronicNode> {
    return (await this.call<IronicNode>("POST", "/v1/nodes", { json: body })).body;
  }

  async patch(uuid: string, ops: readonly Record<string, unknown>[]): Promise<IronicNode> {
    return (await this.call<IronicNode>("PATCH", `/v1/nodes/${uuid}`, { json: ops })).body;
  }

  async provision(uuid: string, target: string): Promise<void> {
    await this.call("PUT", `/v1/nodes/${uuid}/states/provision`, { json: { target } });
  }

  async power(uuid: string, target: "power on" | "power off"): Promise<void> {
    await this.call("PUT", `/v1/nodes/${uuid}/states/power`, { json: { target } });
  }

  /** Puts the node in maintenance. */
  async maintenance(uuid: string, reason: string): Promise<void> {
    await this.call("PUT", `/v1/nodes/${uuid}/maintenance`, { json: { reason } });
  }

  /** A vendor passthru call; the reply whatever its status. */
  vendorPassthru(uuid: string, method: string, json: unknown): Promise<Reply> {
    return this.call("POST", `/v1/nodes/${uuid}/vendor_passthru?method=${method}`, {
      json,
      expect: [200, 202, 204, 400, 404, 409],
      retry: [],
    });
  }

  /** Waits until every node in `uuids` is in `state` with no transition going on. */
  async waitForState(uuids: readonly string[], state: string, deadlineMs: number): Promise<void> {
    const wanted = new Set(uuids);
    let pending: IronicNode[] = [];
    await until(`${wanted.size} nodes to reach "${state}"`, deadlineMs, async () => {
      const nodes = (await this.nodes()).filter((n) => wanted.has(n.uuid));
      const failed = nodes.find((n) => /failed|error/.test(n.provision_state ?? ""));
      if (failed) {
        throw new Error(
          `node ${failed.name} went to "${failed.provision_state}": ${failed.last_error}`,
        );
      }
      pending = nodes.filter((n) => n.provision_state !== state || n.target_provision_state);
      return nodes.length === wanted.size && pending.length === 0 ? true : undefined;
    }, {
      describe: () =>
        pending.slice(0, 5).map((n) =>
          `${n.name}: ${n.provision_state} -> ${n.target_provision_state}`
        ).join(", "),
    });
  }
}

/** A Glance image as the harness seeds it. */
export interface GlanceImage {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly checksum: string | null;
  readonly file: string;
  readonly visibility: string;
}

/** Glance (unauthenticated) at `base`. */
export class Glance {
  constructor(readonly base: string) {}

  /** Creates a public image and uploads `data`, so that it is active with a checksum. */
  async createImage(name: string, data: Uint8Array<ArrayBuffer>): Promise<GlanceImage> {
    const { body: created } = await http<GlanceImage>("POST", `${this.base}/v2/images`, {
      json: { name, disk_format: "qcow2", container_format: "bare", visibility: "public" },
      expect: [201],
    });
    await http("PUT", `${this.base}/v2/images/${created.id}/file`, { raw: data, expect: [204] });
    return (await http<GlanceImage>("GET", `${this.base}/v2/images/${created.id}`)).body;
  }

  async deleteImage(id: string): Promise<void> {
    await http("DELETE", `${this.base}/v2/images/${id}`, { expect: [204] });
  }

  async images(): Promise<GlanceImage[]> {
    const out: GlanceImage[] = [];
    let path: string | undefined = "/v2/images?limit=1000";
    while (path) {
      const { body }: Reply<{ images: GlanceImage[]; next?: string }> = await http(
        "GET",
        this.base + path,
      );
      out.push(...body.images);
      path = body.next; // relative, unlike Ironic's
    }
    return out;
  }
}

/** A Nova flavor with its extra specs (microversion 2.61 or later). */
export interface NovaFlavor {
  readonly id: string;
  readonly name: string;
  readonly extra_specs?: Record<string, string>;
}

/** Nova API (noauth2) at `base` (`.../v2.1`); "admin:admin" is an admin token there. */
export class Nova {
  constructor(readonly base: string, readonly token = "admin:admin") {}

  #headers() {
    return { "X-Auth-Token": this.token, "OpenStack-API-Version": "compute 2.61" };
  }

  async createFlavor(
    id: string,
    { ram, vcpus, disk }: { ram: number; vcpus: number; disk: number },
    extraSpecs: Record<string, string>,
  ): Promise<void> {
    await http("POST", `${this.base}/flavors`, {
      json: { flavor: { name: id, id, ram, vcpus, disk } },
      headers: this.#headers(),
    });
    if (Object.keys(extraSpecs).length) {
      await http("POST", `${this.base}/flavors/${id}/os-extra_specs`, {
        json: { extra_specs: extraSpecs },
        headers: this.#headers(),
      });
    }
  }

  async flavors(): Promise<NovaFlavor[]> {
    const { body } = await http<{ flavors: NovaFlavor[] }>(
      "GET",
      `${this.base}/flavors/detail`,
      { headers: this.#headers() },
    );
    return body.flavors;
  }
}

/** One entry of a Keystone v3 token's catalog. */
export interface CatalogEntry {
  readonly type: string;
  readonly name: string;
  readonly endpoints: readonly { interface: string; url: string; region: string }[];
}

/** A password-scoped Keystone v3 token request; the reply whatever its status. */
export async function keystoneToken(
  authUrl: string,
  { user, password, project }: { user: string; password: string; project: string },
): Promise<{ status: number; token: string | null; catalog: CatalogEntry[]; body: unknown }> {
  const reply = await http<{ token?: { catalog?: CatalogEntry[] } }>(
    "POST",
    `${authUrl}/auth/tokens`,
    {
      json: {
        auth: {
          identity: {
            methods: ["password"],
            password: { user: { name: user, domain: { id: "default" }, password } },
          },
          scope: { project: { name: project, domain: { id: "default" } } },
        },
      },
      expect: [201, 401],
    },
  );
  return {
    status: reply.status,
    token: reply.headers.get("X-Subject-Token"),
    catalog: reply.body?.token?.catalog ?? [],
    body: reply.body,
  };
}
