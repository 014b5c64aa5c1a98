/**
 * `[director] deploy_log`: every observed deploy and delete appended to a file as a deploy trace
 * (`src/domain/trace.ts`), so that an operator collects their cloud's real history.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { FleetEvent } from "../domain/deploy_event.ts";
import type { Image, Node } from "../domain/fleet.ts";
import { serializeTraceLine, type TraceLine } from "../domain/trace.ts";
import type { Clock } from "../runtime/clock.ts";

const log = getLogger(["arsenal", "deploy-log"]);

/** What a {@linkcode DeployLog} reports besides its log lines. */
export interface DeployLogOptions {
  /** Hears each failed open or write, with its reason (the metrics count them). */
  readonly onError?: (reason: string) => void;
}

/** What the file holds so far: its fleet line's names and the instances deployed in it. */
interface FileState {
  flavors: Set<string>;
  images: Set<string>;
  deployed: Set<string>;
  lastT: number;
}

/**
 * Appends observed events to a trace file, opened in append mode and never truncated. The fleet
 * line goes first in a new or empty file, with the log's wall-clock start as `started_at`; `t`
 * counts minutes from that start, across restarts and {@linkcode reopen}s. Events the trace could
 * not hold validly are left out: an image or flavor not in the file's fleet line, a delete whose
 * deploy is not in the file, a deploy of a node the file shows deployed. Write errors are logged
 * once per reason and counted; they never throw.
 */
export class DeployLog {
  readonly #path: string;
  readonly #clock: Clock;
  readonly #onError: (reason: string) => void;
  #file: Deno.FsFile | undefined;
  #state: FileState | undefined;
  #startedAt: number | undefined;
  #needsNewline = false;
  readonly #reasons = new Set<string>();
  /** Failed opens and writes so far. */
  errors = 0;

  constructor(path: string, clock: Clock, options: DeployLogOptions = {}) {
    this.#path = path;
    this.#clock = clock;
    this.#onError = options.onError ?? (() => {});
  }

  /** The file's path. */
  get path(): string {
    return this.#path;
  }

  /** Appends `events`, naming images from `images`; a new file first gets a fleet line of `nodes`. */
  write(events: readonly FleetEvent[], images: readonly Image[], nodes: readonly Node[]): void {
    try {
      this.#open();
      const state = this.#state ?? this.#startFile(images, nodes);
      if (!state) return;
      const names = new Map(images.map((i) => [i.uuid, i.name || i.uuid]));
      let text = "";
      for (const event of events) {
        const line = this.#lineOf(event, state, names);
        if (line) text += serializeTraceLine(line) + "\n";
      }
      this.#append(text);
    } catch (e) {
      this.#fail(e);
    }
  }

  /** Closes the file and opens its path again (SIGHUP, after a rotation); the start stays. */
  reopen(): void {
    this.close();
    try {
      this.#open();
    } catch (e) {
      this.#fail(e);
    }
  }

  /** Closes the file; the next write opens it again. */
  close(): void {
    try {
      this.#file?.close();
    } catch { /* already closed: nothing to release */ }
    this.#file = undefined;
    this.#state = undefined;
  }

  #open(): void {
    if (this.#file) return;
    const file = Deno.openSync(this.#path, { append: true, create: true });
    try {
      this.#state = this.#recover();
    } catch (e) {
      file.close();
      throw e;
    }
    this.#file = file;
  }

  /** Reads what an existing file holds, so that appending keeps it a valid trace. */
  #recover(): FileState | undefined {
    const text = Deno.readTextFileSync(this.#path);
    this.#needsNewline = text !== "" && !text.endsWith("\n");
    if (text.trim() === "") return undefined;
    const state: FileState = {
      flavors: new Set(),
      images: new Set(),
      deployed: new Set(),
      lastT: 0,
    };
    for (const raw of text.split("\n")) {
      let line;
      try {
        line = JSON.parse(raw);
      } catch {
        continue; // a torn or foreign line: the reader will say so; appending goes on
      }
      if (line?.kind === "fleet") {
        state.flavors = new Set(Object.keys(line.flavors ?? {}));
        state.images = new Set(line.images ?? []);
        const started = Date.parse(line.started_at);
        this.#startedAt ??= Number.isFinite(started) ? started : undefined;
      } else if (typeof line?.t === "number") {
        state.lastT = Math.max(state.lastT, line.t);
        if (line.kind === "deploy") state.deployed.add(line.id);
        if (line.kind === "delete") state.deployed.delete(line.id);
      }
    }
    this.#startedAt ??= this.#clock.now() - state.lastT * 60_000;
    return state;
  }

  /** Writes the fleet line of a new or empty file; undefined while the fleet has none to show. */
  #startFile(images: readonly Image[], nodes: readonly Node[]): FileState | undefined {
    const flavors: Record<string, number> = {};
    for (const node of nodes) {
      if (node.flavor) flavors[node.flavor] = (flavors[node.flavor] ?? 0) + 1;
    }
    const names = [...new Set(images.map((i) => i.name || i.uuid).filter((n) => n))];
    if (Object.keys(flavors).length === 0 || names.length === 0) return undefined;
    this.#startedAt ??= this.#clock.now();
    const fleet = JSON.parse(serializeTraceLine({ kind: "fleet", flavors, images: names }));
    this.#append(
      JSON.stringify({ ...fleet, started_at: new Date(this.#startedAt).toISOString() }) + "\n",
    );
    this.#state = {
      flavors: new Set(Object.keys(flavors)),
      images: new Set(names),
      deployed: new Set(),
      lastT: 0,
    };
    return this.#state;
  }

  #lineOf(event: FleetEvent, state: FileState, names: Map<string, string>): TraceLine | undefined {
    const minutes = Math.round((event.at - this.#startedAt!) / 60) / 1000;
    const t = Math.max(state.lastT, minutes);
    if (event.kind === "delete") {
      if (!state.deployed.delete(event.node)) return undefined;
      state.lastT = t;
      return { t, kind: "delete", id: event.node };
    }
    const image = names.get(event.image) ?? event.image;
    const known = state.flavors.has(event.flavor) && state.images.has(image);
    if (!known || state.deployed.has(event.node)) return undefined;
    state.deployed.add(event.node);
    state.lastT = t;
    return { t, kind: "deploy", id: event.node, flavor: event.flavor, image };
  }

  /** Writes all of `text`; a short write goes on where it stopped. */
  #append(text: string): void {
    if (text === "") return;
    if (this.#needsNewline) text = "\n" + text;
    let bytes = new TextEncoder().encode(text);
    while (bytes.length > 0) {
      const written = this.#file!.writeSync(bytes);
      if (written <= 0) throw new Error("the file took no bytes");
      bytes = bytes.subarray(written);
    }
    this.#needsNewline = false;
  }

  /** Counts a failure; logs it the first time its reason is seen. The file is opened afresh next. */
  #fail(e: unknown): void {
    const reason = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    this.errors++;
    this.#onError(reason);
    if (!this.#reasons.has(reason)) {
      this.#reasons.add(reason);
      log.error("Cannot append to the deploy log {path}: {reason}", { path: this.#path, reason });
    }
    this.close();
  }
}
