/**
 * A recorded (or written) trace as a {@linkcode Workload}: its fleet line and its events, played
 * in order.
 *
 * @module
 */
import type { Trace, TraceEvent, TraceFleet } from "../../domain/trace.ts";
import type { Workload } from "./workload.ts";

/** The workload `trace` describes; `trace` must be valid (see `parseTrace`). */
export function traceWorkload(trace: Trace): Workload {
  return new TraceWorkload(trace);
}

class TraceWorkload implements Workload {
  readonly fleet: TraceFleet;
  readonly #events: readonly TraceEvent[];
  #next = 0;

  constructor(trace: Trace) {
    this.fleet = trace.fleet;
    this.#events = trace.events;
  }

  peek(): number {
    return this.#next < this.#events.length ? this.#events[this.#next].t : Infinity;
  }

  next(): TraceEvent {
    return this.#events[this.#next++];
  }
}
