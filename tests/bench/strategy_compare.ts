/**
 * Issue #13 §3's judgment: `demand` against `simple_proportional` at the same budget (0.125), on
 * the example traces of config/traces/ and the weeks generated from tests/bench/traces/*.conf,
 * under `prefer_cached` and `random` placement, each run as `arsenal simulate --trace T
 * --warmup-hours 24` runs it. The contenders: simple_proportional with equal weights, the same
 * with perfectly tuned weights (each image's true share of the trace's deploys after the
 * warm-up), and demand with its defaults. Prints a table (hit rate, mean cached nodes,
 * directives per deploy) and each criterion, PASS or FAIL.
 *
 * Run: `deno task compare [--json] [--workers N] [--keep DIR] [--trace NAME]... [--demand
 * OPTION=VALUE]...` (also part of `deno task bench`). Exits 1 when a criterion fails, 2 for bad
 * usage. `--keep DIR` leaves each run's configuration, weights and generated trace in DIR, to rerun
 * one with `arsenal simulate`; `--demand` tries a `[demand]` option other than its default.
 */
import { parseArgs } from "node:util";
import { compareStrategies } from "./compare/runs.ts";
import { formatCriteria, formatRows } from "./compare/report.ts";
import { allTraceSources } from "./compare/traces.ts";
import { judge, type Row } from "./compare/verdict.ts";

const WARMUP_HOURS = 24;

function usage(message: string): never {
  console.error(`Cannot compare strategies: ${message}`);
  Deno.exit(2);
}

let args;
try {
  args = parseArgs({
    args: Deno.args,
    options: {
      json: { type: "boolean", default: false },
      workers: { type: "string", default: `${Math.min(2, navigator.hardwareConcurrency)}` },
      keep: { type: "string" },
      trace: { type: "string", multiple: true },
      demand: { type: "string", multiple: true },
    },
  }).values;
} catch (e) {
  usage((e as Error).message);
}
const workers = Number(args.workers);
if (!Number.isInteger(workers) || workers < 0) {
  usage(`--workers: expected a whole number, got "${args.workers}"`);
}
let traces = await allTraceSources();
if (args.trace) {
  const unknown = args.trace.filter((name) => !traces.some((t) => t.name === name));
  if (unknown.length > 0) {
    usage(
      `--trace: no trace ${unknown.join(", ")} (known: ${traces.map((t) => t.name).join(", ")})`,
    );
  }
  traces = traces.filter((t) => args.trace!.includes(t.name));
}
if (args.keep) await Deno.mkdir(args.keep, { recursive: true });

const started = performance.now();
let done = 0;
const total = traces.length * 6;
const onRow = (row: Row) => {
  done++;
  if (!args.json) {
    console.error(
      `[${done}/${total}] ${row.trace} ${row.placement} ${row.strategy}: ` +
        `${row.seconds.toFixed(1)} s`,
    );
  }
};
let rows: Row[];
try {
  rows = await compareStrategies({
    traces,
    warmupHours: WARMUP_HOURS,
    workers,
    dir: args.keep,
    demand: args.demand,
    onRow,
  });
} catch (e) {
  // A configuration the simulation refuses (a mistyped --demand option) or a trace it cannot read.
  usage((e as Error).message);
}
const seconds = (performance.now() - started) / 1000;
const criteria = judge(rows);
const pass = criteria.every((c) => c.pass);
if (args.json) {
  const demand = args.demand ?? [];
  console.log(JSON.stringify({ warmupHours: WARMUP_HOURS, demand, seconds, pass, criteria, rows }));
} else {
  console.log(
    `${traces.length} traces × 2 placements × 3 strategies, figures from hour ${WARMUP_HOURS} ` +
      `on, in ${seconds.toFixed(1)} s on ${workers || "no"} workers` +
      (args.demand ? `; [demand] ${args.demand.join(", ")}` : "") + "\n",
  );
  console.log(formatRows(rows));
  console.log(formatCriteria(criteria));
  console.log(pass ? "Every criterion passes." : "A criterion fails.");
}
if (!pass) Deno.exit(1);
