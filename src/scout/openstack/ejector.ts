/**
 * Drives ejects through Ironic, one step at a time: read the node, take the step
 * {@linkcode nextEjectStep} names for its real state, and read it again. A write that failed or
 * got no answer is never sent again on faith: the next read shows whether it took, and the eject
 * carries on from there; only when the read shows the same step still to do does the eject fail,
 * with that write's error. A marked node a call leaves half-way is finished by a later
 * {@linkcode Ejector.resume}, in this process or after a restart.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { UpstreamError, withoutUuids } from "./errors.ts";
import type { ConflictPolicy, IronicApi, IronicNode } from "./ironic.ts";
import type { Clock } from "../../runtime/clock.ts";
import {
  cacheMarkers,
  EJECT_MARK,
  type EjectEnd,
  ejectMark,
  type EjectWrite,
  nextEjectStep,
} from "./eject_step.ts";
import type { CacheMethod } from "./node_cache.ts";

const log = getLogger(["arsenal", "scout"]);

/** At most this many nodes are named in one log line. */
const NAMED_IN_LOG = 5;

/**
 * Most writes one call makes (mark, manage, clear or the plugin's eject, provide, unmark, and room
 * for detours).
 */
const MAX_WRITES = 8;

/** How one call left an eject. */
export interface EjectResult {
  readonly end: EjectEnd;
  readonly why: string;
  /** The writes that went through, in order. */
  readonly wrote: readonly EjectWrite[];
}

/** The writes that move a node out of `available` and back; the mark's own are not among them. */
const MOVES: ReadonlySet<EjectWrite> = new Set([
  "manage",
  "clear_cache",
  "vendor_eject",
  "provide",
]);

/** Reading a node failed (after the read retries): the message is the read's own. */
class NodeUnread extends Error {
  readonly status?: number;

  constructor(cause: unknown) {
    super((cause as Error)?.message ?? String(cause), { cause });
    this.name = "NodeUnread";
    this.status = cause instanceof UpstreamError ? cause.status : undefined;
  }
}

/** Whether `error` says Ironic cannot be read at all now (no answer, 429 or 5xx), not one node. */
function ironicDown(error: unknown): boolean {
  if (!(error instanceof NodeUnread)) return false;
  const { status } = error;
  return status === undefined || status === 429 || status >= 500;
}

/** Carries out and resumes ejects. */
export class Ejector {
  readonly #ironic: IronicApi;
  readonly #clock: Clock;
  readonly #settle: ConflictPolicy;
  readonly #method: CacheMethod;

  /**
   * @param options `settle`: how long a write Ironic accepted may take to show
   *   (`[ironic] api_max_retries` reads, `api_retry_interval` seconds apart); `method`: the
   *   `[ironic] cache_method` whose cache is ejected
   */
  constructor(
    ironic: IronicApi,
    clock: Clock,
    options: { settle: ConflictPolicy; method: CacheMethod },
  ) {
    this.#ironic = ironic;
    this.#clock = clock;
    this.#settle = options.settle;
    this.#method = options.method;
  }

  /**
   * Ejects one node as far as it goes without waiting for cleaning.
   *
   * @throws {Error} when a write did not take (its own error), or a read failed
   */
  async eject(uuid: string, signal: AbortSignal): Promise<EjectResult> {
    const result = await this.#drive(uuid, signal);
    this.#report(uuid, result);
    return result;
  }

  /**
   * Carries on the eject of every marked node in `listed` (a node listing) that has a step to
   * take now; nodes cleaning, in maintenance or busy are left for a later cycle. Failures are
   * logged, not thrown.
   *
   * @returns how many interrupted ejects it moved on: nodes it sent `manage` or `provide`, or
   *   whose cache markers it cleared
   */
  async resume(listed: readonly IronicNode[], signal: AbortSignal): Promise<number> {
    let resumed = 0;
    // Ironic failing fails every node the same way: one line per distinct error, not per node.
    const failures = new Map<string, string[]>();
    for (const node of listed) {
      if (signal.aborted) break;
      const step = nextEjectStep(node, this.#method);
      if (ejectMark(node) === undefined || step.write === undefined) continue;
      try {
        const result = await this.#drive(node.uuid, signal);
        this.#report(node.uuid, result);
        if (result.wrote.some((w) => MOVES.has(w))) {
          resumed++;
          log.info("Resumed the eject of node {uuid} (started {started}): {end}", {
            uuid: node.uuid,
            started: ejectMark(node),
            end: result.end,
          });
        }
      } catch (e) {
        const error = withoutUuids((e as Error)?.message ?? String(e));
        // An Ironic that cannot be read now fails every node alike, each after the whole read
        // retry budget: the other marked nodes wait for the next cycle.
        const waiting = ironicDown(e)
          ? listed.slice(listed.indexOf(node)).filter((n) => ejectMark(n) !== undefined)
          : [node];
        const uuids = failures.get(error) ?? [];
        failures.set(error, uuids.concat(waiting.map((n) => n.uuid)));
        if (ironicDown(e)) break;
      }
    }
    for (const [error, uuids] of failures) {
      const more = uuids.length > NAMED_IN_LOG ? `, and ${uuids.length - NAMED_IN_LOG} more` : "";
      log.warn("Cannot resume {count} interrupted eject(s) yet ({named}{more}): {error}", {
        count: uuids.length,
        named: uuids.slice(0, NAMED_IN_LOG).join(", "),
        more,
        error,
      });
    }
    return resumed;
  }

  async #drive(uuid: string, signal: AbortSignal): Promise<EjectResult> {
    const wrote: EjectWrite[] = [];
    let last: { write: EjectWrite; end?: EjectEnd; why: string; error?: unknown } | undefined;
    for (let reads = 0; reads < MAX_WRITES + this.#settle.retries + 1; reads++) {
      const node = await this.#ironic.getNode(uuid, signal).catch((e) => {
        throw new NodeUnread(e);
      });
      if (last?.write === "unmark" && ejectMark(node) === undefined) {
        return { end: last.end!, why: last.why, wrote }; // it took, though its answer was lost
      }
      const step = nextEjectStep(node, this.#method);
      if (step.write === undefined) return { end: step.end, why: step.why, wrote };
      if (step.write === last?.write) {
        if (last.error !== undefined) throw last.error; // the read shows it did not take
        // Accepted, not visible yet: give Ironic time rather than asking twice.
        const { intervalSeconds } = this.#settle;
        if (intervalSeconds > 0) await this.#clock.sleep(intervalSeconds * 1000, signal);
        continue;
      }
      if (wrote.length >= MAX_WRITES) break;
      last = { write: step.write, end: step.end, why: step.why };
      try {
        await this.#write(step.write, node, signal);
      } catch (error) {
        if (signal.aborted) throw error; // the mark lets the next start resume
        // Debug: if the read shows it did not take, the eject fails with this error, and the
        // director logs each distinct reason once; if it took, nothing is wrong.
        log.debug("Eject of node {uuid}: {write} failed ({error}); reading the node again", {
          uuid,
          write: step.write,
          error: (error as Error)?.message ?? String(error),
        });
        last.error = error;
        continue;
      }
      wrote.push(step.write);
      if (step.write === "unmark") return { end: step.end, why: step.why, wrote };
    }
    throw new Error(
      `Cannot eject: the node has not settled after ${wrote.length} step(s) (${wrote.join(", ")})`,
    );
  }

  #write(write: EjectWrite, node: IronicNode, signal: AbortSignal): Promise<void> {
    const ironic = this.#ironic;
    switch (write) {
      case "mark": {
        const value = new Date(this.#clock.now()).toISOString();
        return ironic.patchNode(
          node.uuid,
          [{ op: "add", path: `/extra/${EJECT_MARK}`, value }],
          signal,
        );
      }
      case "manage":
      case "provide":
        return ironic.setProvisionState(node.uuid, write, signal);
      case "vendor_eject":
        return ironic.vendorPassthru(node.uuid, "eject", {}, signal);
      case "clear_cache": {
        const patch = cacheMarkers(node).map((k) => ({ op: "remove", path: `/driver_info/${k}` }));
        return ironic.patchNode(node.uuid, patch, signal);
      }
      case "unmark":
        return ironic.patchNode(
          node.uuid,
          [{ op: "remove", path: `/extra/${EJECT_MARK}` }],
          signal,
        );
      default:
        throw new TypeError(`Unknown eject step ${write satisfies never}`);
    }
  }

  /** Logs the ends an operator must hear of. */
  #report(uuid: string, { end, why }: EjectResult): void {
    if (end === "failed") {
      log.error(
        "Eject of node {uuid} stopped: {why}. Arsenal removed its eject mark and will not " +
          "retry; the node needs an operator",
        { uuid, why },
      );
    } else if (end === "abandoned") {
      log.warn("Eject of node {uuid} dropped: {why}; its eject mark is removed", { uuid, why });
    }
  }
}
