/**
 * The eject state machine: from a node as Ironic reports it now, the one next step. No I/O: the
 * `Ejector` (`ejector.ts`) reads the node, asks, does the step, and asks again.
 *
 * An eject marks the node first (`extra.arsenal_eject`, a timestamp), then `manage`, clears the
 * `driver_info.cache_*` markers, `provide` (cleaning wipes the disk), and removes the mark once
 * the node is `available` again. The mark is what lets any later cycle, in this process or
 * another, finish an eject that stopped half-way; a node without it that is not available and
 * cached is never moved. State names are Ironic's (`ironic/common/states.py`).
 *
 * With `cache_method = arsenal` the cache lives in the running agent's memory, which cleaning in
 * that same agent (fast track) keeps: once `manageable`, the plugin's `eject` powers the node off
 * (the agent and its token are gone) and clears the record, and `provide` then cleans in a fresh
 * agent. It runs after `manage`, not before, so that the node is out of `available` (nobody
 * deploys onto it) and so that "available, marked, no record" means one thing: done.
 *
 * @module
 */
import type { IronicNode } from "./ironic.ts";
import { type CacheMethod, cacheRecord, isCached } from "./node_cache.ts";

/** The `extra` key that marks a node Arsenal is ejecting; its value is when it started. */
export const EJECT_MARK = "arsenal_eject";

/** A write that moves an eject on; the node is read again after it. */
export type EjectWrite =
  | "mark"
  | "manage"
  | "clear_cache"
  /** The plugin's `eject` (`cache_method = arsenal`): power off, record cleared. */
  | "vendor_eject"
  | "provide"
  | "unmark";

/** How an eject stands when it stops for now. */
export type EjectEnd =
  /** Back to available and uncached, the mark removed. */
  | "done"
  /** Cleaning (or verifying) is under way; a later cycle finishes it. */
  | "in_progress"
  /** The node is not ours to move: unmarked and not available-and-cached. */
  | "skipped"
  /** Someone else took the node (deployed, enrolled...): the mark is removed, the eject dropped. */
  | "abandoned"
  /** Ironic put the node in a failure state operators handle: the mark is removed. */
  | "failed"
  /** In maintenance, busy with someone else's operation, or in a state Arsenal does not know. */
  | "held";

/** What to do next: a write, or stop (an `unmark` write also stops, with `end`). */
export type EjectStep =
  | {
    readonly write: Exclude<EjectWrite, "unmark">;
    readonly end?: undefined;
    readonly why: string;
  }
  | {
    readonly write: "unmark";
    readonly end: "done" | "abandoned" | "failed";
    readonly why: string;
  }
  | { readonly write?: undefined; readonly end: EjectEnd; readonly why: string };

/** Ironic's states in which a transition of its own is under way (nothing to do but wait). */
const OURS_IN_PROGRESS = new Set(["cleaning", "clean wait", "verifying"]);
/** States of someone else's operation in progress: a PATCH would get a 409; wait. */
const OTHERS_IN_PROGRESS = new Set([
  "deploying",
  "wait call-back",
  "deleting",
  "inspecting",
  "inspect wait",
  "adopting",
  "rescuing",
  "rescue wait",
  "unrescuing",
]);
/** Failure states: Ironic holds the node there for an operator (`states.FAILURE_STATES`). */
const FAILURES = new Set([
  "clean failed",
  "deploy failed",
  "inspect failed",
  "rescue failed",
  "unrescue failed",
  "adopt failed",
]);
/** Stable states a node reaches only when someone else moved it on. */
const TAKEN = new Set(["enroll", "active", "rescue", "error"]);

/** When the node's eject was started, or undefined when it is not marked. */
export function ejectMark(node: Pick<IronicNode, "extra">): string | undefined {
  const mark = node.extra?.[EJECT_MARK];
  return mark === undefined || mark === null ? undefined : String(mark);
}

/** The `driver_info` keys that say a node holds (or is getting) an image. */
export function cacheMarkers(node: Pick<IronicNode, "driver_info">): string[] {
  return Object.keys(node.driver_info ?? {}).filter((key) => key.startsWith("cache_"));
}

/** The next step of an eject on `node`, read from Ironic just now, under `method`. */
export function nextEjectStep(
  node: IronicNode,
  method: CacheMethod = "vendor_passthru",
): EjectStep {
  const state = node.provision_state ?? "available";
  const marked = ejectMark(node) !== undefined;
  if (node.maintenance === true) {
    return marked
      ? { end: "held", why: "the node is in maintenance; the eject goes on when it leaves it" }
      : { end: "skipped", why: "nothing to eject: the node is in maintenance" };
  }
  if (!marked) {
    return state === "available" && isCached(node, method)
      ? { write: "mark", why: "available and cached: mark it before moving it" }
      : { end: "skipped", why: "nothing to eject: the node is no longer available and cached" };
  }
  const arsenal = method === "arsenal";
  if (state === "available") {
    // Any record, lost or failed too, is cleared through the plugin's eject before cleaning.
    return (arsenal ? cacheRecord(node) !== undefined : isCached(node, method))
      ? { write: "manage", why: "marked, available and cached" }
      : { write: "unmark", end: "done", why: "available and uncached again" };
  }
  if (state === "manageable") {
    if (arsenal && cacheRecord(node) !== undefined) {
      return { write: "vendor_eject", why: "manageable with a cache record" };
    }
    return cacheMarkers(node).length > 0
      ? { write: "clear_cache", why: "manageable with cache markers" }
      : { write: "provide", why: "manageable without cache markers" };
  }
  if (OURS_IN_PROGRESS.has(state)) return { end: "in_progress", why: `${state} is under way` };
  if (FAILURES.has(state)) {
    return {
      write: "unmark",
      end: "failed",
      why: `Ironic holds the node in "${state}" for an operator (see its last_error)`,
    };
  }
  if (TAKEN.has(state)) {
    return { write: "unmark", end: "abandoned", why: `the node was moved on to "${state}"` };
  }
  if (OTHERS_IN_PROGRESS.has(state)) {
    return { end: "held", why: `the node is busy ("${state}"); the eject goes on afterwards` };
  }
  return { end: "held", why: `the node is in state "${state}", which Arsenal does not know` };
}
