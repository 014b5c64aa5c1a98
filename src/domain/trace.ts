/**
 * Deploy traces: a fleet's deploy history as JSON Lines, the format `arsenal` uses for deploy
 * histories. The first line describes the fleet; then events in time order, `t` in minutes from
 * the start:
 *
 * ```
 * {"kind":"fleet","flavors":{"bm.small":120},"images":["Ubuntu 24.04"],"duration_minutes":10080}
 * {"t":0,"kind":"deploy","id":"i-1","flavor":"bm.small","image":"Ubuntu 24.04"}
 * {"t":95.5,"kind":"delete","id":"i-1"}
 * {"t":300,"kind":"image_update","image":"Ubuntu 24.04"}
 * ```
 *
 * Reading and validating is `trace_reader.ts`.
 *
 * @module
 */

/** The first line of a trace: node counts per flavor, image names, and the trace's length. */
export interface TraceFleet {
  readonly kind: "fleet";
  /** Flavor name to its number of nodes (a positive integer). */
  readonly flavors: Readonly<Record<string, number>>;
  /** Image names, unique. */
  readonly images: readonly string[];
  /** The trace's length in minutes; when left out, the last event's `t`. */
  readonly duration_minutes?: number;
}

/** An instance `id` is deployed on a node of `flavor` with `image`. */
export interface DeployEvent {
  readonly t: number;
  readonly kind: "deploy";
  readonly id: string;
  readonly flavor: string;
  readonly image: string;
}

/** The instance `id` is deleted: its node goes to cleaning. */
export interface DeleteEvent {
  readonly t: number;
  readonly kind: "delete";
  readonly id: string;
}

/** A new version of `image` (same name, new UUID): nodes cached with the old one are stale. */
export interface ImageUpdateEvent {
  readonly t: number;
  readonly kind: "image_update";
  readonly image: string;
}

/** One event of a trace, `t` in minutes from the trace's start. */
export type TraceEvent = DeployEvent | DeleteEvent | ImageUpdateEvent;

/** One line of a trace. */
export type TraceLine = TraceFleet | TraceEvent;

/** A whole trace: its fleet line and its events in time order. */
export interface Trace {
  readonly fleet: TraceFleet;
  readonly events: readonly TraceEvent[];
}

/** The trace's length in minutes: `duration_minutes` when given, else the last event's `t`. */
export function traceDuration(trace: Trace): number {
  return trace.fleet.duration_minutes ?? trace.events.at(-1)?.t ?? 0;
}

/**
 * One trace line as JSON, without a newline, its keys in the documented order (`t`, `kind`, then
 * the kind's own fields) and nothing else, so that a trace reads the same whoever wrote it.
 */
export function serializeTraceLine(line: TraceLine): string {
  return JSON.stringify(ordered(line));
}

/** The whole trace as JSON Lines, one line each, ending in a newline. */
export function serializeTrace(trace: Trace): string {
  let text = serializeTraceLine(trace.fleet) + "\n";
  for (const event of trace.events) text += serializeTraceLine(event) + "\n";
  return text;
}

function ordered(line: TraceLine): TraceLine {
  switch (line.kind) {
    case "fleet": {
      const { flavors, images, duration_minutes } = line;
      return duration_minutes === undefined
        ? { kind: "fleet", flavors, images }
        : { kind: "fleet", flavors, images, duration_minutes };
    }
    case "deploy":
      return { t: line.t, kind: "deploy", id: line.id, flavor: line.flavor, image: line.image };
    case "delete":
      return { t: line.t, kind: "delete", id: line.id };
    case "image_update":
      return { t: line.t, kind: "image_update", image: line.image };
    default:
      return line satisfies never;
  }
}
