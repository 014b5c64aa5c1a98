/**
 * The runs of the strategy comparison: for each trace, placement and contender, the configuration
 * `arsenal simulate` would be given, and the simulations, spread over workers.
 *
 * @module
 */
import { serializeTrace, type Trace } from "../../../src/domain/trace.ts";
import { loadTrace, type TraceSource, tunedWeights } from "./traces.ts";
import { type Contender, CONTENDERS, type Placement, PLACEMENTS, type Row } from "./verdict.ts";
import { type Job, type Reply, simulateJob } from "./simulate_job.ts";

/** The budget of every contender: `percentage_to_cache` = `cache_share`. */
export const BUDGET = 0.125;

/** What to compare, and how. */
export interface CompareOptions {
  readonly traces: readonly TraceSource[];
  readonly warmupHours: number;
  /** Simulations run at once, each in its own worker; 0 runs them one by one in this thread. */
  readonly workers: number;
  /**
   * Where to write each run's configuration, weights and generated trace, to rerun one with
   * `arsenal simulate`; a temporary directory removed at the end when not given.
   */
  readonly dir?: string;
  /** `[demand]` lines (`option = value`) beside `cache_share`, to try other options. */
  readonly demand?: readonly string[];
  /** Hears each row as its simulation ends. */
  readonly onRow?: (row: Row) => void;
}

/** What a contender's configuration holds besides the budget and the placement. */
export interface ContenderSettings {
  /** The tuned weights' file. */
  readonly weightsFile?: string;
  /** `[demand]` lines (`option = value`) beside `cache_share`: options to try. */
  readonly demand?: readonly string[];
}

/** The configuration `contender` runs with under `placement`. */
export function contenderConfig(
  contender: Contender,
  placement: Placement,
  settings: ContenderSettings = {},
): string {
  const simulator = `[simulator]\nscheduler = ${placement}\n`;
  if (contender === "demand") {
    const tried = (settings.demand ?? []).map((line) => `${line}\n`).join("");
    return `[strategy]\nmodule = demand\n\n[demand]\ncache_share = ${BUDGET}\n${tried}\n${simulator}`;
  }
  const weights = contender === "tuned"
    ? `image_weights_filename = ${settings.weightsFile}\ndefault_image_weight = 0\n`
    : "";
  return `[strategy]\nmodule = simple_proportional\n${weights}\n` +
    `[simple_proportional_strategy]\npercentage_to_cache = ${BUDGET}\n\n${simulator}`;
}

/** Writes each trace's files to `dir` and returns the jobs, the longest first. */
async function prepare(options: CompareOptions, dir: string): Promise<Job[]> {
  const jobs: Job[] = [];
  for (const source of options.traces) {
    const trace: Trace = await loadTrace(source);
    let tracePath = source.path;
    if (source.kind === "config") {
      tracePath = `${dir}/${source.name}.jsonl`;
      await Deno.writeTextFile(tracePath, serializeTrace(trace));
    }
    const weightsFile = `${dir}/${source.name}.weights.json`;
    const weights = tunedWeights(trace, options.warmupHours);
    await Deno.writeTextFile(weightsFile, JSON.stringify(weights, null, 1) + "\n");
    for (const placement of PLACEMENTS) {
      for (const strategy of CONTENDERS) {
        const configFile = `${dir}/${source.name}.${placement}.${strategy}.conf`;
        await Deno.writeTextFile(
          configFile,
          contenderConfig(strategy, placement, {
            weightsFile,
            demand: options.demand,
          }),
        );
        // demand plans about twice as long as simple_proportional: start it first.
        const cost = trace.events.length * (strategy === "demand" ? 2 : 1);
        jobs.push({
          index: jobs.length,
          trace: source.name,
          tracePath,
          configFile,
          placement,
          strategy,
          warmupHours: options.warmupHours,
          cost,
        });
      }
    }
  }
  return jobs;
}

/** Runs `jobs` on `workers` workers (none: here), each taking the next job when it is done. */
async function runJobs(jobs: Job[], workers: number, onRow?: (row: Row) => void): Promise<Row[]> {
  const rows: Row[] = new Array(jobs.length);
  if (workers === 0) {
    for (const job of jobs) {
      rows[job.index] = await simulateJob(job);
      onRow?.(rows[job.index]);
    }
    return rows;
  }
  const queue = [...jobs].sort((a, b) => b.cost - a.cost);
  const url = new URL("./simulate_job.ts", import.meta.url).href;
  const pool = Array.from(
    { length: Math.max(1, Math.min(workers, jobs.length)) },
    () => new Worker(url, { type: "module", name: "strategy comparison" }),
  );
  try {
    await Promise.all(pool.map(async (worker) => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const reply = await ask(worker, job);
        if (!reply.ok) {
          queue.length = 0;
          throw new Error(
            `Cannot simulate ${job.trace}, ${job.placement}, ${job.strategy}: ` +
              reply.error,
          );
        }
        rows[job.index] = reply.row;
        onRow?.(reply.row);
      }
    }));
  } finally {
    for (const worker of pool) worker.terminate();
  }
  return rows;
}

function ask(worker: Worker, job: Job): Promise<Reply> {
  return new Promise((resolve, reject) => {
    worker.onmessage = ({ data }: MessageEvent<Reply>) => resolve(data);
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(`The simulation worker failed: ${event.message}`));
    };
    worker.postMessage(job);
  });
}

/**
 * Simulates each trace under each placement for each contender and gives their rows, by trace,
 * then placement, then contender.
 */
export async function compareStrategies(options: CompareOptions): Promise<Row[]> {
  const dir = options.dir ?? await Deno.makeTempDir({ prefix: "arsenal-compare-" });
  try {
    const jobs = await prepare(options, dir);
    return await runJobs(jobs, options.workers, options.onRow);
  } finally {
    if (options.dir === undefined) await Deno.remove(dir, { recursive: true });
  }
}
