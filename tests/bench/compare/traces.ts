/**
 * The traces the strategy comparison runs on: the example traces of config/traces/, and the
 * synthetic weeks whose configs are in tests/bench/traces/, generated at run time as
 * `arsenal trace` writes them (deterministic by their seed). And the tuned weights: each image's
 * true share of a trace's deploys.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import {
  serializeTrace,
  type Trace,
  traceDuration,
  type TraceEvent,
} from "../../../src/domain/trace.ts";
import { parseTrace } from "../../../src/domain/trace_reader.ts";
import { syntheticWorkload } from "../../../src/scout/simulator/synthetic_workload.ts";
import { readConfig } from "../../../src/setup.ts";

/** The hours of a generated trace: a week. */
export const GENERATED_HOURS = 168;

/** The tuned weights are shares in millionths: weights are integers. */
const WEIGHT_SCALE = 1_000_000;

const EXAMPLES = fileURLToPath(new URL("../../../config/traces/", import.meta.url));
const GENERATED = fileURLToPath(new URL("../traces/", import.meta.url));

/** A trace to compare on: a trace file, or a `[simulator]` config to generate a week from. */
export interface TraceSource {
  readonly name: string;
  readonly kind: "trace" | "config";
  readonly path: string;
}

/** The files of `dir` ending in `extension`, as sources of `kind`, by name. */
async function sourcesIn(
  dir: string,
  extension: string,
  kind: TraceSource["kind"],
): Promise<TraceSource[]> {
  const sources: TraceSource[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile || !entry.name.endsWith(extension)) continue;
    sources.push({ name: entry.name.slice(0, -extension.length), kind, path: dir + entry.name });
  }
  return sources.sort((a, b) => a.name < b.name ? -1 : 1);
}

/** The example traces of config/traces/. */
export function exampleTraceSources(): Promise<TraceSource[]> {
  return sourcesIn(EXAMPLES, ".jsonl", "trace");
}

/** The configs of tests/bench/traces/, each a week to generate. */
export function generatedTraceSources(): Promise<TraceSource[]> {
  return sourcesIn(GENERATED, ".conf", "config");
}

/** Every trace of the comparison: the examples, then the generated ones. */
export async function allTraceSources(): Promise<TraceSource[]> {
  return [...await exampleTraceSources(), ...await generatedTraceSources()];
}

function parsed(text: string, where: string): Trace {
  const result = parseTrace(text);
  if (!result.ok) throw new Error(`Cannot read the trace ${where}: ${result.problems.join("; ")}`);
  return result.trace;
}

/** A week of the tenants of `[simulator]` in `path`, as `arsenal trace --hours 168` writes it. */
function generate(path: string): Trace {
  const read = readConfig(path);
  if (!read.config) {
    const problems = read.problems.map((p) => `${p.section} ${p.option}: ${p.expected}`);
    throw new Error(`Cannot generate a trace from ${path}: ${problems.join("; ")}`);
  }
  const workload = syntheticWorkload(read.config.simulator);
  const end = GENERATED_HOURS * 60;
  const events: TraceEvent[] = [];
  while (workload.peek() <= end) events.push(workload.next());
  // Written and read back, so the replay is exactly that of the file `arsenal trace` writes.
  return parsed(
    serializeTrace({ fleet: { ...workload.fleet, duration_minutes: end }, events }),
    path,
  );
}

/** The trace `source` gives. */
export async function loadTrace(source: TraceSource): Promise<Trace> {
  if (source.kind === "config") return generate(source.path);
  return parsed(await Deno.readTextFile(source.path), source.path);
}

/**
 * Perfectly tuned weights: each image's share of the deploys after `warmupHours` (up to the
 * trace's end), in millionths, for every image of the fleet line (0 for one never deployed then).
 */
export function tunedWeights(trace: Trace, warmupHours: number): Record<string, number> {
  const counts = new Map<string, number>(trace.fleet.images.map((name) => [name, 0]));
  const [from, to] = [warmupHours * 60, traceDuration(trace)];
  let total = 0;
  for (const event of trace.events) {
    if (event.kind !== "deploy" || event.t <= from || event.t > to) continue;
    counts.set(event.image, (counts.get(event.image) ?? 0) + 1);
    total++;
  }
  const weights: Record<string, number> = {};
  for (const [name, count] of counts) {
    weights[name] = total === 0 ? 0 : Math.round(count / total * WEIGHT_SCALE);
  }
  return weights;
}
