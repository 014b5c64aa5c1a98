/**
 * Reading deploy traces (see `trace.ts`): line by line, every problem named by its line number,
 * field, what was expected and what was found.
 *
 * @module
 */
import type { Trace, TraceEvent, TraceFleet, TraceLine } from "./trace.ts";

/** At most this many problems are listed for one trace; the rest are counted. */
export const MAX_LISTED_PROBLEMS = 20;

/** What reading a trace gives: the trace, or its problems (the first ones, then a count). */
export type TraceResult = { ok: true; trace: Trace } | { ok: false; problems: string[] };

/** Options of a {@linkcode TraceReader}. */
export interface TraceReaderOptions {
  /** Keep the events for {@linkcode TraceReader.result} (default true); false to stream them. */
  readonly keepEvents?: boolean;
}

const EVENT_KINDS = new Set(["deploy", "delete", "image_update"]);
const KINDS_EXPECTED = 'expected "deploy", "delete" or "image_update"';

/**
 * Validates a trace one line at a time, in linear time: memory holds the events (unless told not
 * to), each instance id seen, and the first problems. Blank lines are skipped but counted. A
 * line handed back is valid on its own; whether the trace is comes only from {@linkcode result}.
 */
export class TraceReader {
  #line = 0;
  #fleetRead = false;
  #fleet: TraceFleet | undefined;
  #flavors: Set<string> | undefined;
  #images: Set<string> | undefined;
  #flavorNames = "";
  #imageNames = "";
  #duration: number | undefined;
  #previous: { t: number; line: number } | undefined;
  /** Instance id to the line of its deploy while deployed, and minus the line of its delete after. */
  #instances = new Map<string, number>();
  #events: TraceEvent[] = [];
  #keepEvents: boolean;
  #problems: string[] = [];
  #problemCount = 0;

  constructor(options: TraceReaderOptions = {}) {
    this.#keepEvents = options.keepEvents ?? true;
  }

  /** Reads the next line; returns it when valid, undefined when blank or invalid. */
  read(text: string): TraceLine | undefined {
    this.#line++;
    const trimmed = text.trim();
    if (trimmed === "") return undefined;
    const first = !this.#fleetRead;
    this.#fleetRead = true;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (e) {
      return void this.#report(`not valid JSON: ${(e as SyntaxError).message}`);
    }
    if (!isRecord(value)) return void this.#report(`expected a JSON object (${got(value)})`);
    if (first) return this.#fleet = this.#readFleet(value);
    const event = this.#readEvent(value);
    if (event && this.#keepEvents) this.#events.push(event);
    return event;
  }

  /** The trace read, or every problem found (the first {@linkcode MAX_LISTED_PROBLEMS}). */
  result(): TraceResult {
    if (!this.#fleetRead) {
      this.#line = 0;
      this.#report('expected the fleet line, {"kind":"fleet",...} (got an empty trace)');
    }
    if (this.#problemCount > 0 || !this.#fleet) {
      const problems = [...this.#problems];
      const rest = this.#problemCount - problems.length;
      if (rest > 0) problems.push(`... and ${rest.toLocaleString("en")} more`);
      return { ok: false, problems };
    }
    return { ok: true, trace: { fleet: this.#fleet, events: this.#events } };
  }

  #report(problem: string): void {
    if (this.#problemCount++ < MAX_LISTED_PROBLEMS) {
      this.#problems.push(`line ${Math.max(this.#line, 1)}: ${problem}`);
    }
  }

  #readFleet(value: Record<string, unknown>): TraceFleet | undefined {
    if (value.kind !== "fleet") {
      return void this.#report(
        `kind: expected "fleet": the fleet line comes first (${got(value.kind)})`,
      );
    }
    const before = this.#problemCount;
    const { flavors, images, duration_minutes } = value;
    this.#checkFlavors(flavors);
    this.#checkImages(images);
    if (
      duration_minutes !== undefined &&
      (typeof duration_minutes !== "number" || !(duration_minutes > 0) ||
        !Number.isFinite(duration_minutes))
    ) {
      this.#report(
        `duration_minutes: expected a positive number of minutes (${got(duration_minutes)})`,
      );
    } else this.#duration = duration_minutes;
    if (this.#problemCount > before) return undefined;
    const fleet = { kind: "fleet", flavors, images } as TraceFleet;
    return duration_minutes === undefined ? fleet : { ...fleet, duration_minutes: this.#duration };
  }

  #checkFlavors(flavors: unknown): void {
    if (!isRecord(flavors)) {
      return this.#report(
        `flavors: expected an object of flavor names to node counts (${got(flavors)})`,
      );
    }
    const names = Object.keys(flavors);
    if (names.length === 0) return this.#report("flavors: expected at least one flavor (got {})");
    for (const name of names) {
      const count = flavors[name];
      const where = `flavors[${JSON.stringify(name)}]`;
      if (name === "") this.#report(`${where}: expected a non-empty flavor name`);
      else if (!Number.isSafeInteger(count) || (count as number) < 1) {
        this.#report(`${where}: expected a positive integer node count (${got(count)})`);
      }
    }
    this.#flavors = new Set(names);
    this.#flavorNames = quotedList(names);
  }

  #checkImages(images: unknown): void {
    if (!Array.isArray(images) || images.length === 0) {
      return this.#report(`images: expected a non-empty list of image names (${got(images)})`);
    }
    const firstAt = new Map<string, number>();
    images.forEach((name, i) => {
      if (typeof name !== "string" || name === "") {
        return this.#report(`images[${i}]: expected a non-empty image name (${got(name)})`);
      }
      const first = firstAt.get(name);
      if (first === undefined) return void firstAt.set(name, i);
      this.#report(
        `images[${i}]: expected a name not listed before, duplicate of images[${first}] (${
          got(name)
        })`,
      );
    });
    this.#images = new Set(firstAt.keys());
    this.#imageNames = quotedList([...firstAt.keys()]);
  }

  #readEvent(value: Record<string, unknown>): TraceEvent | undefined {
    const { kind } = value;
    if (typeof kind !== "string" || !EVENT_KINDS.has(kind)) {
      const why = kind === "fleet" ? ": the fleet line comes first only" : "";
      return void this.#report(`kind: ${KINDS_EXPECTED}${why} (${got(kind)})`);
    }
    const before = this.#problemCount;
    const t = this.#checkTime(value.t);
    let event: TraceEvent;
    if (kind === "deploy") {
      const { id, flavor, image } = value;
      this.#checkFlavor(flavor);
      this.#checkImage(image);
      if (this.#checkId(id)) this.#deploy(id);
      event = { t, kind, id, flavor, image } as TraceEvent;
    } else if (kind === "delete") {
      if (this.#checkId(value.id)) this.#delete(value.id);
      event = { t, kind, id: value.id } as TraceEvent;
    } else {
      this.#checkImage(value.image);
      event = { t, kind, image: value.image } as TraceEvent;
    }
    return this.#problemCount > before ? undefined : event;
  }

  /** `t` as given; reports when it is not a time or out of order (a problem, not a throw). */
  #checkTime(t: unknown): number {
    const expected = "t: expected a number of minutes from the start";
    if (typeof t !== "number" || !Number.isFinite(t)) {
      this.#report(`${expected} (${got(t)})`);
      return NaN;
    }
    if (t < 0) this.#report(`${expected}, at least 0 (${got(t)})`);
    else if (this.#previous && t < this.#previous.t) {
      const { t: last, line } = this.#previous;
      this.#report(
        `t: expected at least ${last}, the t of line ${line}: events come in time order (${
          got(t)
        })`,
      );
    } else if (this.#duration !== undefined && t > this.#duration) {
      this.#report(
        `t: expected at most ${this.#duration}, the fleet line's duration_minutes (${got(t)})`,
      );
    }
    if (t >= 0) this.#previous = { t, line: this.#line };
    return t;
  }

  #checkFlavor(flavor: unknown): void {
    if (this.#flavors && !(typeof flavor === "string" && this.#flavors.has(flavor))) {
      this.#report(
        `flavor: expected a flavor of the fleet line: ${this.#flavorNames} (${got(flavor)})`,
      );
    }
  }

  #checkImage(image: unknown): void {
    if (this.#images && !(typeof image === "string" && this.#images.has(image))) {
      this.#report(
        `image: expected an image of the fleet line: ${this.#imageNames} (${got(image)})`,
      );
    }
  }

  #checkId(id: unknown): id is string {
    if (typeof id === "string" && id !== "") return true;
    this.#report(`id: expected a non-empty instance id (${got(id)})`);
    return false;
  }

  #deploy(id: string): void {
    const at = this.#instances.get(id);
    if (at === undefined || at < 0) return void this.#instances.set(id, this.#line);
    this.#report(
      `id: expected an id not deployed now (${got(id)}, deployed at line ${at} and not deleted)`,
    );
  }

  #delete(id: string): void {
    const at = this.#instances.get(id);
    if (at !== undefined && at > 0) return void this.#instances.set(id, -this.#line);
    const why = at === undefined ? "never deployed" : `deleted at line ${-at}`;
    this.#report(`id: expected the id of a deployed instance (${got(id)}, ${why})`);
  }
}

/**
 * Reads and validates a whole trace (see {@linkcode TraceReader}); a line ends at `\n`, and a
 * `\r` before it is ignored.
 */
export function parseTrace(text: string): TraceResult {
  const reader = new TraceReader();
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    reader.read(text.slice(start, end));
    start = end + 1;
  }
  return reader.result();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What was found, for a message: `missing`, or `got` and the value as JSON, shortened. */
function got(value: unknown): string {
  if (value === undefined) return "missing";
  const json = typeof value === "number" ? String(value) : JSON.stringify(value);
  return `got ${json.length > 60 ? json.slice(0, 57) + "..." : json}`;
}

/** Names as a message lists them: quoted, the first ten, then how many more. */
function quotedList(names: readonly string[]): string {
  const listed = names.slice(0, 10).map((name) => JSON.stringify(name)).join(", ");
  return names.length > 10 ? `${listed} and ${names.length - 10} more` : listed;
}
