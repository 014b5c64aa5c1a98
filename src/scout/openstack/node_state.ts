/**
 * A node as Ironic lists it, reduced to what a strategy plans from.
 *
 * Provisioned = a provision state other than `available` (null counts as available), maintenance,
 * or an eject under way (`extra.arsenal_eject`), as the original read it. Cached and the cached
 * image follow the cache method (`node_cache.ts`). With `cache_method = arsenal`, a node that
 * would be free but has no live agent to cache through is provisioned too (no strategy plans on
 * it) and flagged `notCacheable`, and every node carries its record's status.
 *
 * @module
 */
import type { Node } from "../../domain/fleet.ts";
import { ejectMark } from "./eject_step.ts";
import type { IronicNode } from "./ironic.ts";
import {
  agentLive,
  cachedImage,
  type CacheMethod,
  isCached,
  isCacheReady,
  recordStatus,
} from "./node_cache.ts";
import { instanceImage, nodePhase } from "./node_phase.ts";

/** What a node is read with: the cache method, the time, and how recent a heartbeat must be. */
export interface NodeReading {
  readonly method: CacheMethod;
  /** Epoch ms, from the injected clock. */
  readonly now: number;
  /** Seconds a heartbeat counts as recent (`[ironic] fast_track_timeout`). */
  readonly fastTrackTimeout: number;
}

/** The node's state as a strategy sees it. */
export type NodeState = Pick<
  Node,
  | "provisioned"
  | "cached"
  | "cachedImageUuid"
  | "notCacheable"
  | "cacheStatus"
  | "cacheReady"
  | "phase"
  | "instanceImage"
>;

/** Reads `node` as `reading` says. */
export function nodeState(node: IronicNode, reading: NodeReading): NodeState {
  const { method } = reading;
  const state = node.provision_state ?? "available";
  // A marked node is being ejected, even while it is still available: not free to plan on.
  const provisioned = state !== "available" || node.maintenance === true ||
    ejectMark(node) !== undefined;
  const cached = isCached(node, method);
  const image = instanceImage(node);
  const read = {
    provisioned,
    cached,
    cachedImageUuid: cachedImage(node, method),
    ...(cached && !isCacheReady(node, method) ? { cacheReady: false } : {}),
    phase: nodePhase(node),
    ...(image === undefined ? {} : { instanceImage: image }),
  };
  if (method !== "arsenal") return read;
  const cacheStatus = recordStatus(node);
  if (provisioned || cached || agentLive(node, reading.now, reading.fastTrackTimeout)) {
    return { ...read, cacheStatus };
  }
  return { ...read, provisioned: true, notCacheable: true, cacheStatus };
}
