/**
 * Ironic's node API: microversion negotiation, paged node listing, and the calls the actuators
 * make (vendor passthru, JSON patch, provision state).
 *
 * Every request carries `X-OpenStack-Ironic-API-Version`: without it Ironic answers as 1.1, where
 * an available node has a null provision state and no resource class.
 *
 * A write is sent once. The one exception is a 409 Conflict (e.g. `NodeLocked`: the node is busy
 * with another request): Ironic refused it and applied nothing, so it is sent again after
 * `[ironic] api_retry_interval` seconds, at most `api_max_retries` times.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { Clock } from "../../runtime/clock.ts";
import { requireList, UpstreamError } from "./errors.ts";
import { joinUrl, type RequestOptions, type ServiceClient } from "./http.ts";

const log = getLogger(["arsenal", "openstack"]);

/** How a 409 Conflict is waited out: `[ironic] api_max_retries` and `api_retry_interval`. */
export interface ConflictPolicy {
  readonly retries: number;
  readonly intervalSeconds: number;
}

/** The newest microversion Arsenal knows; it uses the server's maximum up to this. */
export const NEWEST_VERSION = "1.82";
/** The oldest Arsenal accepts: `resource_class` arrived in 1.21. */
export const OLDEST_VERSION = "1.21";
/** Microversions the optional node filters need. */
export const FILTER_VERSIONS: Readonly<Record<string, string>> = {
  conductor_group: "1.46",
  owner: "1.50",
  resource_class: "1.21",
  shard: "1.82",
};

/** The node fields the scout asks for (`GET /v1/nodes?fields=`, far smaller than `/detail`). */
export const NODE_FIELDS = [
  "uuid",
  "provision_state",
  "maintenance",
  "driver_info",
  "extra",
  "properties",
  "resource_class",
  "instance_info",
] as const;

/**
 * The fields `[ironic] cache_method = arsenal` adds: the plugin's record and the agent's URL and
 * heartbeat live in `driver_internal_info`, and fast track needs the power state and no last error.
 */
export const AGENT_FIELDS = ["power_state", "last_error", "driver_internal_info"] as const;

/** A node as listed with {@linkcode NODE_FIELDS} (and {@linkcode AGENT_FIELDS}). */
export interface IronicNode {
  uuid: string;
  provision_state?: string | null;
  maintenance?: boolean;
  driver_info?: Record<string, unknown> | null;
  extra?: Record<string, unknown> | null;
  properties?: Record<string, unknown> | null;
  resource_class?: string | null;
  /** What the instance runs: `image_source` is a Glance UUID or a URL. */
  instance_info?: Record<string, unknown> | null;
  power_state?: string | null;
  last_error?: string | null;
  driver_internal_info?: Record<string, unknown> | null;
}

/** The `next` link at the end of a node page, found without decoding the page. */
const NEXT_AT_END = /"next":\s*"([^"\\]+)"\s*\}\s*$/;

/** A page of nodes as read, and as decoded. */
interface Page {
  text: string;
  url: string;
}
interface NodePage {
  nodes?: IronicNode[];
  next?: string | null;
}

/** `1.82` -> 82. */
function minor(version: string): number {
  const m = /^1\.(\d+)$/.exec(version.trim());
  return m ? Number(m[1]) : NaN;
}

/** Ironic's API, version-negotiated. */
export class IronicApi {
  readonly #client: ServiceClient;
  readonly #clock: Clock;
  readonly #conflict: ConflictPolicy;
  readonly #fields: string;
  #version?: Promise<string>;

  /**
   * @param options the clock a 409 is waited out on, and how long; the node fields to read
   *   ({@linkcode NODE_FIELDS} by default)
   */
  constructor(
    client: ServiceClient,
    options: { clock: Clock; conflict: ConflictPolicy; fields?: readonly string[] },
  ) {
    this.#client = client;
    this.#clock = options.clock;
    this.#conflict = options.conflict;
    this.#fields = (options.fields ?? NODE_FIELDS).join(",");
  }

  /**
   * The microversion in use: the server's maximum, capped at {@linkcode NEWEST_VERSION}.
   *
   * @throws {UpstreamError} when the server is older than {@linkcode OLDEST_VERSION}
   */
  version(signal: AbortSignal): Promise<string> {
    this.#version ??= this.#negotiate(signal).catch((e) => {
      this.#version = undefined;
      throw e;
    });
    return this.#version;
  }

  /**
   * Checks that the server supports the filters in use.
   *
   * @throws {UpstreamError} naming the filter and the version it needs
   */
  async checkFilters(
    filters: Readonly<Record<string, string>>,
    signal: AbortSignal,
  ): Promise<void> {
    const version = await this.version(signal);
    for (const name of Object.keys(filters)) {
      const needed = FILTER_VERSIONS[name];
      if (needed && minor(needed) > minor(version)) {
        throw new UpstreamError(
          "baremetal",
          { method: "GET", path: "/" },
          undefined,
          `the ${name} filter needs API ${needed}, and this Ironic offers up to ${version}`,
        );
      }
    }
  }

  async #negotiate(signal: AbortSignal): Promise<string> {
    const response = await this.#client.request("GET", "/", { signal });
    const max = response.headers.get("X-OpenStack-Ironic-API-Maximum-Version") ??
      ((await response.json().catch(() => ({}))) as { default_version?: { version?: string } })
        .default_version?.version;
    await response.body?.cancel().catch(() => {});
    if (!max || Number.isNaN(minor(max))) {
      throw new UpstreamError(
        "baremetal",
        { method: "GET", path: "/" },
        response.status,
        "the answer names no API version: is api_endpoint an Ironic endpoint?",
      );
    }
    if (minor(max) < minor(OLDEST_VERSION)) {
      throw new UpstreamError(
        "baremetal",
        { method: "GET", path: "/" },
        undefined,
        `this Ironic offers API versions up to ${max}; Arsenal needs ${OLDEST_VERSION} or later`,
      );
    }
    return minor(max) > minor(NEWEST_VERSION) ? NEWEST_VERSION : max;
  }

  async #options(options: RequestOptions): Promise<RequestOptions> {
    const version = await this.version(options.signal);
    return {
      ...options,
      headers: { ...options.headers, "X-OpenStack-Ironic-API-Version": version },
    };
  }

  /**
   * Every node matching the filters, page by page, following `next` links (absolute URLs;
   * a full last page is followed by an empty one). `onPage` sees each page as it arrives.
   */
  async listNodes(
    wanted: { pageSize: number; filters: Readonly<Record<string, string>> },
    signal: AbortSignal,
    onPage: (nodes: IronicNode[]) => void,
  ): Promise<void> {
    await this.checkFilters(wanted.filters, signal);
    const base = await this.#client.endpoint(signal);
    // Ironic's next link keeps the marker, limit, fields and sort, but drops most filters
    // (resource_class, conductor_group, shard, owner): every page gets them again.
    const query: Record<string, string> = {
      fields: this.#fields,
      limit: String(wanted.pageSize),
      ...wanted.filters,
    };
    const fetchPage = (url: string): Promise<Page> => this.#fetchPage(url, signal);
    const first = withQuery(joinUrl(base, "v1/nodes"), query);
    const seen = new Set([first]);
    let pending: Promise<Page> | undefined = fetchPage(first);
    while (pending) {
      const { text, url }: Page = await pending;
      // Ironic ends a page with its next link: ask for the next page while this one is parsed,
      // so decoding hides behind the network wait.
      const hint: string | undefined = NEXT_AT_END.exec(text.slice(-4096))?.[1];
      const hinted: string | undefined = hint
        ? withQuery(sameOrigin(hint, base), query)
        : undefined;
      let prefetch: Promise<Page> | undefined = hinted && !seen.has(hinted)
        ? fetchPage(hinted)
        : undefined;
      if (prefetch) {
        prefetch.catch(() => {}); // a failure surfaces where it is awaited
        // Decoding blocks this thread: let the event loop send the request first.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      const page: NodePage = this.#client.parse<NodePage>(
        text,
        "GET",
        url,
      );
      onPage(requireList<IronicNode>("baremetal", "/v1/nodes", "nodes", page.nodes));
      const next: string | undefined = page.next
        ? withQuery(sameOrigin(page.next, base), query)
        : undefined;
      if (next !== hinted) prefetch = next ? fetchPage(next) : undefined;
      if (next !== undefined) {
        if (seen.has(next)) {
          throw new UpstreamError(
            "baremetal",
            { method: "GET", path: "/v1/nodes" },
            undefined,
            `the next link repeats itself (${next})`,
          );
        }
        seen.add(next);
      }
      pending = prefetch;
    }
  }

  async #fetchPage(url: string, signal: AbortSignal): Promise<Page> {
    return await this.#client.text("GET", url, await this.#options({ signal }));
  }

  /** One node with the listing's fields. */
  getNode(uuid: string, signal: AbortSignal): Promise<IronicNode> {
    return this.#options({ signal, searchParams: { fields: this.#fields } })
      .then((o) => this.#client.json<IronicNode>("GET", `v1/nodes/${encodeURIComponent(uuid)}`, o));
  }

  /** Applies a JSON patch to a node; sent once, or again after a 409. */
  async patchNode(uuid: string, patch: unknown[], signal: AbortSignal): Promise<void> {
    await this.#write("PATCH", `v1/nodes/${encodeURIComponent(uuid)}`, { signal, json: patch });
  }

  /** `PUT /v1/nodes/{uuid}/states/provision`; sent once, or again after a 409. */
  async setProvisionState(uuid: string, target: string, signal: AbortSignal): Promise<void> {
    await this.#write("PUT", `v1/nodes/${encodeURIComponent(uuid)}/states/provision`, {
      signal,
      json: { target },
    });
  }

  /** `POST /v1/nodes/{uuid}/vendor_passthru?method=...`; sent once, or again after a 409. */
  async vendorPassthru(
    uuid: string,
    method: string,
    body: unknown,
    signal: AbortSignal,
  ): Promise<void> {
    await this.#write("POST", `v1/nodes/${encodeURIComponent(uuid)}/vendor_passthru`, {
      signal,
      json: body,
      searchParams: { method },
    });
  }

  /**
   * Sends a write; after a 409 Conflict, which Ironic answers without applying anything (the node
   * is locked by another request), waits and sends it again, within the conflict policy.
   */
  async #write(method: string, path: string, options: RequestOptions): Promise<void> {
    const { retries, intervalSeconds } = this.#conflict;
    for (let attempt = 0;; attempt++) {
      try {
        const response = await this.#client.request(method, path, await this.#options(options));
        await response.body?.cancel();
        return;
      } catch (e) {
        if (!(e instanceof UpstreamError) || e.status !== 409 || attempt >= retries) throw e;
        log.info("{error}; sending it again in {seconds} s (retry {n} of {limit})", {
          error: e.message,
          seconds: intervalSeconds,
          n: attempt + 1,
          limit: retries,
        });
        if (intervalSeconds > 0) await this.#clock.sleep(intervalSeconds * 1000, options.signal);
      }
    }
  }
}

/** The URL with each of `params` set unless it already has it. */
function withQuery(url: string, params: Readonly<Record<string, string>>): string {
  const u = new URL(url);
  for (const [key, value] of Object.entries(params)) {
    if (!u.searchParams.has(key)) u.searchParams.set(key, value);
  }
  return u.href;
}

/**
 * A next link with the endpoint's scheme, host and port: Ironic builds it from the request's
 * host, which behind a proxy may not be the address Arsenal uses.
 */
export function sameOrigin(next: string, base: string): string {
  const link = new URL(next, joinUrl(base, "/"));
  const endpoint = new URL(base);
  link.protocol = endpoint.protocol;
  link.host = endpoint.host;
  return link.href;
}
