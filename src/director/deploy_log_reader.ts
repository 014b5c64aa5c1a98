/**
 * The deploy history read back at start from `[director] deploy_log` (see deploy_log.ts), so that
 * a restart does not make strategies forget the last week's demand.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import {
  DEPLOY_HISTORY_WINDOW_MS,
  DeployHistory,
  type ObservedDeploy,
} from "../domain/deploy_history.ts";

const log = getLogger(["arsenal", "deploy-log"]);

/** At most this many skipped lines are named one by one; the rest are counted. */
const MAX_NAMED_LINES = 10;

/** Where reading is: the current fleet line's start, and the lines skipped so far. */
interface Reading {
  readonly path: string;
  readonly oldest: number;
  readonly history: DeployHistory;
  /** Epoch milliseconds `t` counts from; undefined before a fleet line with a `started_at`. */
  start: number | undefined;
  skipped: number;
}

/**
 * The deploys `path` holds within the window before `now`, oldest first. Each fleet line's
 * `started_at` places the events after it (`t` minutes later). A torn or invalid line is
 * skipped with a warning naming the file and line; a missing file is an empty history; nothing
 * here throws. The log does not record hits: every deploy read back is a miss.
 */
export async function readDeployHistory(path: string, now: number): Promise<DeployHistory> {
  const reading: Reading = {
    path,
    oldest: now - DEPLOY_HISTORY_WINDOW_MS,
    history: new DeployHistory(),
    start: undefined,
    skipped: 0,
  };
  try {
    let number = 0;
    for await (const line of lines(path)) readLine(reading, line, ++number);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      log.warning("Cannot read the deploy log {path} back: {error}; the history starts empty", {
        path,
        error: (e as Error)?.message ?? String(e),
      });
    }
    return new DeployHistory();
  }
  if (reading.skipped > MAX_NAMED_LINES) {
    log.warning("Skipped {count} more invalid lines of the deploy log {path}", {
      count: reading.skipped - MAX_NAMED_LINES,
      path,
    });
  }
  return reading.history;
}

/** The file's lines, without their `\n` (or `\r\n`), read in chunks. */
async function* lines(path: string): AsyncGenerator<string> {
  using file = await Deno.open(path);
  let rest = "";
  for await (const chunk of file.readable.pipeThrough(new TextDecoderStream())) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop()!;
    yield* parts;
  }
  if (rest !== "") yield rest;
}

function readLine(reading: Reading, text: string, number: number): void {
  const line = text.trim();
  if (line === "" || isOld(reading, line)) return;
  let value;
  try {
    value = JSON.parse(line);
  } catch {
    return skip(reading, number, "not valid JSON (a torn line?)");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return skip(reading, number, "not a JSON object");
  }
  if (value.kind === "fleet") {
    const start = Date.parse(value.started_at);
    reading.start = Number.isFinite(start) ? start : undefined;
    if (reading.start === undefined) {
      skip(reading, number, "a fleet line without started_at: its events cannot be placed");
    }
    return;
  }
  if (value.kind !== "deploy" || reading.start === undefined) return;
  const deploy = deployOf(value, reading.start);
  if (typeof deploy === "string") return skip(reading, number, deploy);
  if (deploy.at >= reading.oldest) reading.history.append(deploy);
}

/**
 * Whether the line is an event the writer wrote before the window: its `t` read without
 * parsing the line, so that a long log is read back quickly.
 */
function isOld({ start, oldest }: Reading, line: string): boolean {
  if (start === undefined || !line.startsWith('{"t":')) return false;
  const t = parseFloat(line.slice(5));
  return start + t * 60_000 < oldest;
}

/** The deploy a trace line holds, placed from `start`; or what is wrong with it. */
function deployOf(value: Record<string, unknown>, start: number): ObservedDeploy | string {
  const { t, flavor, image, hit } = value;
  if (typeof t !== "number" || !Number.isFinite(t) || t < 0) {
    return "t: expected a number of minutes from the start";
  }
  if (typeof flavor !== "string") return "flavor: expected a flavor name";
  if (typeof image !== "string") return "image: expected an image name";
  return { at: start + t * 60_000, flavor, image, hit: hit === true };
}

function skip(reading: Reading, number: number, reason: string): void {
  if (reading.skipped++ >= MAX_NAMED_LINES) return;
  log.warning("Skipping line {line} of the deploy log {path}: {reason}", {
    line: number,
    path: reading.path,
    reason,
  });
}
