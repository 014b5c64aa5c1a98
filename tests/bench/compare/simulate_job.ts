/**
 * One simulation of the strategy comparison, as `arsenal simulate --config-file F --trace T
 * --warmup-hours W` runs it; run as a worker, it answers each job posted to it with its row.
 *
 * @module
 */
import { type Trace, traceDuration } from "../../../src/domain/trace.ts";
import { parseTrace } from "../../../src/domain/trace_reader.ts";
import { traceWorkload } from "../../../src/scout/simulator/trace_workload.ts";
import { setup } from "../../../src/setup.ts";
import { reportedSimulation } from "../../../src/simulation/simulation_report.ts";
import type { Contender, Placement, Row } from "./verdict.ts";

/** A simulation to run. */
export interface Job {
  /** Its place among the rows. */
  readonly index: number;
  readonly trace: string;
  readonly tracePath: string;
  readonly configFile: string;
  readonly placement: Placement;
  readonly strategy: Contender;
  readonly warmupHours: number;
  /** How long it is expected to take, relative to the others. */
  readonly cost: number;
}

/** The row of a job, or why there is none. */
export type Reply = { readonly ok: true; readonly row: Row } | {
  readonly ok: false;
  readonly error: string;
};

/** Traces this thread has read, by path: each is replayed six times. */
const traces = new Map<string, Trace>();

async function traceAt(path: string): Promise<Trace> {
  let trace = traces.get(path);
  if (!trace) {
    const result = parseTrace(await Deno.readTextFile(path));
    if (!result.ok) throw new Error(`Cannot read the trace ${path}: ${result.problems.join("; ")}`);
    trace = result.trace;
    traces.set(path, trace);
  }
  return trace;
}

/** Runs `job` and gives its row. */
export async function simulateJob(job: Job): Promise<Row> {
  const started = performance.now();
  const trace = await traceAt(job.tracePath);
  const warnings: string[] = [];
  const ready = await setup(job.configFile, { onWarning: (w) => warnings.push(w) });
  if (warnings.length > 0) throw new Error(warnings.join("; "));
  const { config } = ready;
  const hours = traceDuration(trace) / 60;
  const seed = config.simulator.seed;
  const { report } = await reportedSimulation({
    config,
    strategy: ready.strategy,
    strategyOptions: ready.strategyOptions,
    workload: traceWorkload(trace),
    seed,
    hours,
    warmupHours: job.warmupHours,
  });
  const directives = report.directives.cache + report.directives.eject;
  return {
    trace: job.trace,
    placement: job.placement,
    strategy: job.strategy,
    deploys: report.deploys,
    served: report.served,
    hits: report.hits,
    hitRate: report.served === 0 ? 0 : report.hits / report.served,
    meanCachedNodes: report.meanCachedNodes,
    directives,
    directivesPerDeploy: report.deploys === 0 ? 0 : directives / report.deploys,
    seconds: (performance.now() - started) / 1000,
  };
}

interface WorkerScope {
  onmessage: ((event: MessageEvent<Job>) => void) | null;
  postMessage(reply: Reply): void;
}

// Only as a worker: imported by the main thread, this module just gives its types and function.
if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined") {
  const scope = globalThis as unknown as WorkerScope;
  scope.onmessage = async ({ data }) => {
    try {
      scope.postMessage({ ok: true, row: await simulateJob(data) });
    } catch (e) {
      scope.postMessage({ ok: false, error: (e as Error)?.stack ?? String(e) });
    }
  };
}
