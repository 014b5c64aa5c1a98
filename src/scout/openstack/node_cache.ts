/**
 * How a node's cache reads under each `[ironic] cache_method`, and whether it has an agent to
 * cache through.
 *
 * - `vendor_passthru` and `annotate` read `driver_info`, as the original did: cached when
 *   `cache_status` is set and not `failed`, the image in `cache_image_id`.
 * - `arsenal` reads the record the Ironic plugin (`plugins/ironic/`) keeps in
 *   `driver_internal_info.arsenal_cache`: `{image_id, status, agent_started_at, agent_url, since,
 *   error?}`, status `caching`, `cached`, `failed` or `lost`. Ironic's node API returns
 *   `driver_internal_info` (the agent's token masked), so the node listing carries it.
 *
 * An agent is live by Ironic's fast-track rule (`conductor/utils.py` `is_fast_track`): power on,
 * an `agent_url`, an `agent_last_heartbeat` within the fast-track timeout, and no `last_error`.
 *
 * @module
 */
import type { CacheStatus } from "../../domain/fleet.ts";
import type { IronicNode } from "./ironic.ts";

/** The ways to cache, `[ironic] cache_method`. */
export const CACHE_METHODS = ["vendor_passthru", "annotate", "arsenal"] as const;
/** One of {@linkcode CACHE_METHODS}. */
export type CacheMethod = typeof CACHE_METHODS[number];

/** The `driver_internal_info` key of the plugin's record. */
export const RECORD_KEY = "arsenal_cache";

/** The plugin's cache record, as far as Arsenal reads it. */
export interface CacheRecord {
  readonly image_id: string;
  readonly status: string;
  readonly since?: string;
  readonly error?: string;
}

/** The node's cache record, or undefined when it has none (or none Arsenal can read). */
export function cacheRecord(
  node: Pick<IronicNode, "driver_internal_info">,
): CacheRecord | undefined {
  const record = node.driver_internal_info?.[RECORD_KEY];
  if (typeof record !== "object" || record === null) return undefined;
  const { image_id, status } = record as Record<string, unknown>;
  if (typeof image_id !== "string" || typeof status !== "string") return undefined;
  return record as CacheRecord;
}

/**
 * The status of the node's record: `none` without one. A status this version does not know
 * promises no cache, so it reads as `lost`.
 */
export function recordStatus(node: Pick<IronicNode, "driver_internal_info">): CacheStatus {
  const status = cacheRecord(node)?.status;
  if (status === undefined) return "none";
  return status === "caching" || status === "cached" || status === "failed" ? status : "lost";
}

/** Whether the node counts as cached (or being cached) under `method`. */
export function isCached(
  node: Pick<IronicNode, "driver_info" | "driver_internal_info">,
  method: CacheMethod,
): boolean {
  if (method === "arsenal") {
    const status = recordStatus(node);
    return status === "caching" || status === "cached";
  }
  const status = node.driver_info?.cache_status;
  return status !== undefined && status !== null && status !== "failed";
}

/**
 * Whether a cached node's image is written, not still being written or waiting to be (`pending`,
 * `caching`): only then is a deploy onto it a hit.
 */
export function isCacheReady(
  node: Pick<IronicNode, "driver_info" | "driver_internal_info">,
  method: CacheMethod,
): boolean {
  if (method === "arsenal") return recordStatus(node) === "cached";
  const status = node.driver_info?.cache_status;
  return status !== "pending" && status !== "caching";
}

/** The image the node holds under `method`; the empty string when none. */
export function cachedImage(
  node: Pick<IronicNode, "driver_info" | "driver_internal_info">,
  method: CacheMethod,
): string {
  if (method === "arsenal") return isCached(node, method) ? cacheRecord(node)!.image_id : "";
  const image = node.driver_info?.cache_image_id;
  return typeof image === "string" ? image : "";
}

/**
 * Epoch ms of one of Ironic's timestamps: naive UTC (`timeutils.utcnow().isoformat()`, with or
 * without microseconds) or with an offset; NaN when unreadable.
 */
export function ironicTime(text: unknown): number {
  if (typeof text !== "string") return NaN;
  return Date.parse(/(?:[zZ]|[+-]\d\d:?\d\d)$/.test(text) ? text : `${text}Z`);
}

/**
 * Whether the node has a live agent by Ironic's fast-track rule, at `now` (epoch ms, from the
 * injected clock), with a heartbeat counting as recent for `timeoutSeconds`.
 */
export function agentLive(
  node: Pick<IronicNode, "power_state" | "last_error" | "driver_internal_info">,
  now: number,
  timeoutSeconds: number,
): boolean {
  const info = node.driver_internal_info;
  if (node.power_state !== "power on" || !info?.agent_url) return false;
  // Ironic wants no last_error at all (`is None`): an empty one counts too.
  if (node.last_error !== null && node.last_error !== undefined) return false;
  const beat = ironicTime(info.agent_last_heartbeat);
  return now - beat <= timeoutSeconds * 1000;
}

/** Whether Ironic hides `driver_internal_info` from Arsenal's user (its policy masks it). */
export function internalInfoHidden(node: Pick<IronicNode, "driver_internal_info">): boolean {
  const content = node.driver_internal_info?.content;
  return typeof content === "string" && content.startsWith("** Redacted");
}
