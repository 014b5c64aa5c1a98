/**
 * The fake Ironic's `arsenal` vendor interface, as `plugins/ironic/` (`arsenal_ironic`) serves it
 * in a conductor: `cache_image` (validated, then asynchronously recorded as `caching` in
 * `driver_internal_info.arsenal_cache`), `cache_status`, and `eject` (power off, which wipes the
 * agent URL and token, then the record cleared). The periodic task that moves a record on is
 * {@linkcode FakeArsenalPlugin.settle}, called by tests; a cached record is mirrored into
 * `properties.capabilities` as `arsenal_cached_image:<id>`.
 *
 * Fast track is Ironic's rule (`conductor/utils.py` `is_fast_track`): power on, an `agent_url`, an
 * `agent_last_heartbeat` within `fastTrackTimeout` seconds of the fake's `now()`, no `last_error`.
 *
 * @module
 */
import type { FakeNode } from "./ironic.ts";

/** The record's key in `driver_internal_info`. */
export const RECORD_KEY = "arsenal_cache";
/** The capability a cached record is mirrored into. */
export const CAPABILITY = "arsenal_cached_image";

/** How the plugin's answer reads: a status and a JSON body (or none). */
export interface PluginAnswer {
  readonly status: number;
  readonly body?: unknown;
  /** A 400's reason (Ironic wraps it as a fault). */
  readonly error?: string;
}

/**
 * Ironic's naive UTC timestamps (`timeutils.utcnow().isoformat()`): microseconds, or no fraction
 * at all when they are zero (Python's `isoformat`).
 */
export function ironicTime(ms: number): string {
  const iso = new Date(ms).toISOString().replace("Z", "");
  return ms % 1000 === 0 ? iso.slice(0, -4) : `${iso}000`;
}

/** Sets `capabilities` (Ironic's `k:v,k:v` string) to carry `key:value`, or not (`value` null). */
function setCapability(node: FakeNode, key: string, value: string | null): void {
  const current = String(node.properties.capabilities ?? "");
  const kept = current.split(",").filter((c) => c !== "" && !c.startsWith(`${key}:`));
  if (value !== null) kept.push(`${key}:${value}`);
  if (kept.length > 0) node.properties.capabilities = kept.join(",");
  else delete node.properties.capabilities;
}

/** What a cache request is missing, or undefined when it is well formed. */
function badImageInfo(info: unknown): string | undefined {
  if (typeof info !== "object" || info === null) return "image_info is required";
  const i = info as Record<string, unknown>;
  if (typeof i.id !== "string" || i.id === "") return "image_info.id is required";
  if (!Array.isArray(i.urls) || i.urls.length === 0 || i.urls.some((u) => typeof u !== "string")) {
    return "image_info.urls must be a non-empty list of URLs";
  }
  const hashed = typeof i.os_hash_algo === "string" && typeof i.os_hash_value === "string";
  if (!hashed && typeof i.checksum !== "string") {
    return "image_info needs os_hash_algo and os_hash_value, or checksum";
  }
  if (i.disk_format !== undefined && typeof i.disk_format !== "string") {
    return "image_info.disk_format must be a string";
  }
  return undefined;
}

/** The plugin's vendor methods over the fake's nodes. */
export class FakeArsenalPlugin {
  readonly #now: () => number;
  readonly #fastTrackTimeout: number;
  readonly #recordAfterReads: number;
  /** Accepted caches not recorded yet: node UUID -> [reads left, the record]. */
  readonly #pending = new Map<string, [number, Record<string, unknown>]>();
  /** When each node's running agent started (its `/v1/status` `started_at`). */
  readonly #startedAt = new Map<string, string>();
  #agents = 0;

  /**
   * @param options `now` (epoch ms), `fastTrackTimeout` (s), `recordAfterReads` (node reads an
   *   accepted cache stays unrecorded: the plugin records it after its agent call)
   */
  constructor(options: { now: () => number; fastTrackTimeout: number; recordAfterReads: number }) {
    this.#now = options.now;
    this.#fastTrackTimeout = options.fastTrackTimeout;
    this.#recordAfterReads = options.recordAfterReads;
  }

  /** Whether Ironic would fast-track the node now. */
  fastTrackReady(node: FakeNode): boolean {
    const info = node.driver_internal_info ?? {};
    const beat = Date.parse(`${info.agent_last_heartbeat ?? "1970-01-01T00:00:00"}Z`);
    return node.power_state === "power on" && Boolean(info.agent_url) &&
      node.last_error == null && this.#now() - beat <= this.#fastTrackTimeout * 1000;
  }

  /** Boots a fresh agent on the node: power on, new URL and token, a heartbeat now. */
  bootAgent(node: FakeNode): void {
    const k = ++this.#agents;
    node.power_state = "power on";
    node.driver_internal_info = {
      ...node.driver_internal_info,
      agent_url: `http://192.0.2.${k % 250}:9999`,
      agent_secret_token: `token-${k}`,
      agent_last_heartbeat: ironicTime(this.#now()),
    };
    this.#startedAt.set(node.uuid, ironicTime(this.#now()));
  }

  /** A power off, as Ironic does it: the agent's URL and token are wiped. */
  powerOff(node: FakeNode): void {
    node.power_state = "power off";
    const info = { ...node.driver_internal_info };
    delete info.agent_url;
    delete info.agent_secret_token;
    node.driver_internal_info = info;
    this.#startedAt.delete(node.uuid);
  }

  /** The periodic task's move of a record to `status` (`error` with `failed`). */
  settle(node: FakeNode, status: "cached" | "failed" | "lost", error?: string): void {
    this.#read(node);
    const record = node.driver_internal_info?.[RECORD_KEY] as Record<string, unknown> | undefined;
    if (!record) throw new Error(`node ${node.uuid} has no cache record`);
    const next: Record<string, unknown> = { ...record, status, since: ironicTime(this.#now()) };
    if (error !== undefined) next.error = error;
    node.driver_internal_info = { ...node.driver_internal_info, [RECORD_KEY]: next };
    setCapability(node, CAPABILITY, status === "cached" ? String(record.image_id) : null);
  }

  /** The nodes with an accepted cache not recorded yet. */
  pending(): string[] {
    return [...this.#pending.keys()];
  }

  /** A read of the node: an accepted cache is recorded once enough reads went by. */
  read(node: FakeNode): void {
    this.#read(node);
  }

  #read(node: FakeNode): void {
    const pending = this.#pending.get(node.uuid);
    if (!pending) return;
    if (pending[0] > 0) {
      pending[0]--;
      return;
    }
    this.#pending.delete(node.uuid);
    node.driver_internal_info = { ...node.driver_internal_info, [RECORD_KEY]: pending[1] };
  }

  /** Answers `method` (`POST` or `GET`) with `body` on `node`. */
  call(node: FakeNode, method: string, http: string, body: string): PluginAnswer {
    if (method === "cache_status" && http === "GET") {
      this.#read(node);
      return { status: 200, body: node.driver_internal_info?.[RECORD_KEY] ?? { status: "none" } };
    }
    if (method === "cache_image" && http === "POST") return this.#cache(node, body);
    if (method === "eject" && http === "POST") {
      this.#pending.delete(node.uuid);
      this.powerOff(node);
      const info = { ...node.driver_internal_info };
      delete info[RECORD_KEY];
      node.driver_internal_info = info;
      setCapability(node, CAPABILITY, null);
      return { status: 202 };
    }
    return { status: 400, error: `No handler for method ${method}` };
  }

  #cache(node: FakeNode, body: string): PluginAnswer {
    let info: unknown;
    try {
      info = JSON.parse(body || "{}").image_info;
    } catch {
      return { status: 400, error: "Invalid JSON in request body" };
    }
    const state = node.provision_state ?? "available";
    const refuse = (why: string) => ({
      status: 400,
      error: `Cannot cache an image on node ${node.uuid}: ${why}`,
    });
    if (state !== "available") return refuse(`it is ${state}, not available`);
    if (node.maintenance) return refuse("it is in maintenance");
    if (node.instance_uuid) return refuse("it has an instance");
    if (!this.fastTrackReady(node)) return refuse("no live agent (fast track is not ready)");
    const bad = badImageInfo(info);
    if (bad) return refuse(bad);
    const i = info as Record<string, unknown>;
    this.#pending.set(node.uuid, [this.#recordAfterReads, {
      image_id: i.id,
      status: "caching",
      agent_started_at: this.#startedAt.get(node.uuid) ?? null,
      agent_url: node.driver_internal_info?.agent_url,
      since: ironicTime(this.#now()),
    }]);
    if (this.#recordAfterReads === 0) this.#read(node);
    return { status: 202 };
  }
}
