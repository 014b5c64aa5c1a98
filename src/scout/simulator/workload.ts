/**
 * What the simulated tenants do, apart from the fleet that serves them: a time-ordered stream of
 * trace events (deploys, deletes, image updates), from the synthetic tenants of `[simulator]` or
 * from a recorded trace. The simulator places each deploy on a node; the workload never sees
 * nodes, so a synthetic run and the replay of the trace it wrote play the same.
 *
 * @module
 */
import type { TraceEvent, TraceFleet } from "../../domain/trace.ts";

/** A stream of tenant events over a fleet, earliest first. */
export interface Workload {
  /** Node count per flavor and the image names (the trace's first line). */
  readonly fleet: TraceFleet;
  /** Minutes from the start of the next event; Infinity when there is none. */
  peek(): number;
  /** Removes and returns the next event; only when {@linkcode Workload.peek} is finite. */
  next(): TraceEvent;
}
