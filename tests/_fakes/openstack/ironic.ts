/**
 * The fake's Ironic, under `/baremetal`: nodes rendered per microversion (1.1 by default, where
 * "available" reads as null), paged lists whose absolute `next` links keep only some filters,
 * doubly encoded errors, JSON patches, provision state changes with cleaning, and vendor passthru
 * (upstream's missing `cache_image`, the old test plugin's, or the `arsenal` plugin's methods).
 *
 * @module
 */
import { hexId, json, minor, pageAfter, parseLimit, sleep } from "./_shared.ts";
import { FakeArsenalPlugin } from "./arsenal_plugin.ts";

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
  /** Rendered with `agent_secret_token` masked, as Ironic's API does. */
  driver_internal_info?: Record<string, unknown>;
  conductor_group?: string;
  shard?: string | null;
  owner?: string | null;
  driver?: string;
  instance_uuid?: string | null;
  /** What the instance runs (`image_source`: a Glance UUID or a URL); emptied on tear down. */
  instance_info?: Record<string, unknown>;
  power_state?: string | null;
  last_error?: string | null;
  /** Every provision state the node has been in, oldest first (not rendered by the API). */
  history?: string[];
}

/** Options of the fake Ironic. */
export interface IronicOptions {
  /** Ironic `[api]max_limit`: default and maximum page size (default 1000). */
  ironicMaxLimit?: number;
  /** Latency added to every Ironic node-list page, in ms (default 0). */
  pageDelayMs?: number;
  /** Ironic microversion range, default ["1.1", "1.82"]. */
  ironicVersions?: [string, string];
  /**
   * When true, vendor passthru `cache_image` works like the arsenal-fake-hardware plugin (202,
   * driver_info cache_* set, status "caching"); default false: 400 "No handler", like upstream.
   */
  vendorCacheImage?: boolean;
  /** Node reads (GET of the node or any node list) that still see "cleaning" (default 0). */
  cleaningReads?: number;
  /** When true, cleaning removes driver_info cache_* keys, like the plugin (default false). */
  cleaningErasesCache?: boolean;
  /**
   * When true, vendor passthru is the `arsenal` plugin's (`cache_image`, `cache_status`, `eject`;
   * see `arsenal_plugin.ts`); default false. Takes precedence over `vendorCacheImage`.
   */
  arsenalPlugin?: boolean;
  /** `[deploy] fast_track`: cleaning ends with the agent up (power on, heartbeating); default false. */
  fastTrack?: boolean;
  /** `[deploy] fast_track_timeout` in seconds (default 300). */
  fastTrackTimeout?: number;
  /** Node reads an accepted `arsenal` cache stays unrecorded (default 0: recorded at once). */
  recordAfterReads?: number;
  /** The fake's clock, in epoch ms (heartbeats, fast track, record times); default Date.now. */
  now?: () => number;
}

/** The options of {@linkcode FakeIronic} nobody sets. */
export const IRONIC_DEFAULTS: Required<IronicOptions> = {
  ...{ ironicMaxLimit: 1000, pageDelayMs: 0 },
  ironicVersions: ["1.1", "1.82"],
  ...{ vendorCacheImage: false, cleaningReads: 0, cleaningErasesCache: false },
  ...{ arsenalPlugin: false, fastTrack: false, fastTrackTimeout: 300, recordAfterReads: 0 },
  now: () => Date.now(),
};

const TRANSITIONAL = new Set(
  ["cleaning", "clean wait", "deploying", "wait call-back", "deleting", "verifying", "inspecting"],
);
/** Node fields in the order rendered, and the Ironic microversion that introduced each. */
const NODE_FIELDS: Record<string, number> = Object.fromEntries(
  ("uuid name:5 driver provision_state target_provision_state power_state maintenance " +
    "maintenance_reason reservation instance_uuid instance_info last_error properties extra " +
    "driver_info " +
    "driver_internal_info:3 " +
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

/** Ironic's error: the fault JSON-encoded again inside `error_message`. */
function ironicError(status: number, faultstring: string): Response {
  const fault = status >= 500 ? "Server" : "Client";
  return json(status, {
    error_message: pyJson({ faultcode: fault, faultstring, debuginfo: null }),
  });
}

function parseBool(raw: string): boolean | null {
  const value = raw.toLowerCase();
  if (["true", "1", "yes", "on", "t", "y"].includes(value)) return true;
  if (["false", "0", "no", "off", "f", "n"].includes(value)) return false;
  return null;
}

/** Ironic over the fake served from `url`; waits end when `closing` aborts. */
export class FakeIronic {
  /** `url + "/baremetal"` (the Ironic root; the API is under `/v1`) */
  readonly ironicUrl: string;
  /** Ironic nodes by UUID, listed in insertion order. */
  readonly nodes = new Map<string, FakeNode>();

  readonly #options: Required<IronicOptions>;
  readonly #closing: AbortSignal;
  readonly #ironicMin: number;
  readonly #ironicMax: number;
  /** Nodes being cleaned: UUID -> reads left that still see "cleaning". */
  readonly #cleaning = new Map<string, number>();
  readonly #plugin: FakeArsenalPlugin;
  #counter = 0;

  constructor(url: string, options: Required<IronicOptions>, closing: AbortSignal) {
    this.ironicUrl = `${url}/baremetal`;
    this.#options = options;
    this.#closing = closing;
    this.#ironicMin = minor(options.ironicVersions[0]);
    this.#ironicMax = minor(options.ironicVersions[1]);
    this.#plugin = new FakeArsenalPlugin(options);
  }

  /**
   * Adds `n` nodes with deterministic UUIDs (`00000000-0000-4000-8000-<counter>`), available and
   * not in maintenance unless `template` says otherwise; objects of the template are copied.
   */
  addNodes(n: number, template: Partial<FakeNode> = {}): FakeNode[] {
    const added: FakeNode[] = [];
    const {
      properties = {},
      extra = {},
      driver_info = {},
      driver_internal_info = {},
      instance_info = {},
      ...scalars
    } = template;
    for (let i = 0; i < n; i++) {
      const k = ++this.#counter;
      const node: FakeNode = {
        name: `node-${String(k).padStart(5, "0")}`,
        ...{ provision_state: "available", maintenance: false, resource_class: "baremetal" },
        ...{ driver: "fake-hardware", conductor_group: "", shard: null, owner: null },
        ...{ instance_uuid: null, power_state: "power off", last_error: null },
        ...scalars,
        ...structuredClone({ properties, extra, driver_info, driver_internal_info, instance_info }),
        uuid: template.uuid && n === 1 ? template.uuid : hexId("00000000", k),
      };
      node.history = [...(template.history ?? [node.provision_state ?? "available"])];
      this.nodes.set(node.uuid, node);
      added.push(node);
    }
    return added;
  }

  /** Ends every cleaning now (the nodes become available). */
  completeCleaning(): void {
    for (const uuid of [...this.#cleaning.keys()]) this.#finishCleaning(uuid);
  }

  /** Boots a fresh agent on node `uuid`: power on, a new URL and token, a heartbeat now. */
  bootAgent(uuid: string): void {
    this.#plugin.bootAgent(this.nodes.get(uuid)!);
  }

  /** The `arsenal` plugin's periodic task moves node `uuid`'s record to `status`. */
  settleCache(uuid: string, status: "cached" | "failed" | "lost", error?: string): void {
    this.#plugin.settle(this.nodes.get(uuid)!, status, error);
  }

  /** Answers a request to `/baremetal` + `path`, at the microversion it asks for. */
  async handle(req: Request, url: URL, path: string, body: string): Promise<Response> {
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
        await sleep(this.#options.pageDelayMs, this.#closing);
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
    if (sub === "/vendor_passthru" && this.#options.arsenalPlugin) {
      const method = url.searchParams.get("method") ?? "";
      if (!method) return ironicError(400, "Missing mandatory parameter: method");
      const answer = this.#plugin.call(node, method, req.method, body);
      if (answer.error !== undefined) return ironicError(answer.status, answer.error);
      return answer.body === undefined
        ? new Response(null, { status: answer.status })
        : json(answer.status, answer.body);
    }
    if (sub === "/vendor_passthru" && req.method === "POST") {
      return this.#vendorPassthru(node, url.searchParams.get("method")!, body);
    }
    if (sub === "/vendor_passthru/methods" && req.method === "GET") {
      const method = (http: string, async: boolean) => ({
        http_methods: [http],
        async,
        attach: false,
      });
      return json(
        200,
        this.#options.arsenalPlugin
          ? {
            cache_image: method("POST", true),
            cache_status: method("GET", false),
            eject: method("POST", true),
          }
          : this.#options.vendorCacheImage
          ? { cache_image: method("POST", true) }
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
      else if (key === "driver_internal_info") {
        const info = { ...node.driver_internal_info };
        if (info.agent_secret_token) info.agent_secret_token = "******";
        out[key] = info;
      } else out[key] = (node as unknown as Record<string, unknown>)[key] ?? null;
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
    for (const uuid of new Set([...this.#cleaning.keys(), ...this.#plugin.pending()])) {
      this.#readNode(uuid);
    }
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

  /** A read of a node being cleaned: counts down, then cleaning ends; likewise a pending record. */
  #readNode(uuid: string): void {
    const node = this.nodes.get(uuid);
    if (node) this.#plugin.read(node);
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
    // Cleaning booted an agent: with fast track it stays up, else Ironic powers the node off.
    if (this.#options.fastTrack) this.#plugin.bootAgent(node);
    else this.#plugin.powerOff(node);
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
      node.instance_info = {};
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
}
