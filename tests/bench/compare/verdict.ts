/**
 * The verdict of the strategy comparison: issue #13 §3's criteria over the rows of the runs, and
 * the rows and criteria as text.
 *
 * @module
 */

/** Where the simulated scheduler lands a deploy (`[simulator] scheduler`). */
export type Placement = "prefer_cached" | "random";

/**
 * The contenders: `simple_proportional` with every image weighing 1 (`equal`), the same given
 * each image's true share of the trace's deploys (`tuned`), and `demand`.
 */
export type Contender = "equal" | "tuned" | "demand";

/** The contenders in the order the table shows them. */
export const CONTENDERS: readonly Contender[] = ["equal", "tuned", "demand"];

/** The placements in the order the table shows them. */
export const PLACEMENTS: readonly Placement[] = ["prefer_cached", "random"];

/** One simulation's figures, after the warm-up. */
export interface Row {
  readonly trace: string;
  readonly placement: Placement;
  readonly strategy: Contender;
  readonly deploys: number;
  readonly served: number;
  readonly hits: number;
  /** hits / served. */
  readonly hitRate: number;
  readonly meanCachedNodes: number;
  /** Cache and eject directives issued. */
  readonly directives: number;
  /** directives / deploys. */
  readonly directivesPerDeploy: number;
  /** Wall-clock seconds the simulation took. */
  readonly seconds: number;
}

/** One criterion, judged. */
export interface Criterion {
  readonly name: string;
  readonly pass: boolean;
  /** The bar and what each trace measured. */
  readonly detail: string;
}

/** The bars of issue #13 §3, in hit-rate points (and a ratio for the budget). */
export const BARS = {
  budget: 1.05,
  equalMedian: 8,
  equalEvery: 2,
  tunedMedian: 1.5,
  tunedEvery: -1,
  randomEvery: 0,
} as const;

/** The median: the mean of the two middle values of an even count. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function signed(points: number): string {
  return `${points >= 0 ? "+" : "−"}${Math.abs(points).toFixed(2)}`;
}

/** The traces in the order the rows first name them. */
function tracesOf(rows: readonly Row[]): string[] {
  return [...new Set(rows.map((r) => r.trace))];
}

/**
 * What `measure` gives on each trace (from demand's row and the other's, under `placement`), or
 * the traces missing a row.
 */
function perTrace(
  rows: readonly Row[],
  placement: Placement,
  other: Contender,
  measure: (demand: Row, other: Row) => number,
): { values: Map<string, number>; missing: string[] } {
  const find = (trace: string, strategy: Contender) =>
    rows.find((r) => r.trace === trace && r.placement === placement && r.strategy === strategy);
  const values = new Map<string, number>();
  const missing: string[] = [];
  for (const trace of tracesOf(rows)) {
    const [d, o] = [find(trace, "demand"), find(trace, other)];
    if (d && o) values.set(trace, measure(d, o));
    else missing.push(trace);
  }
  return { values, missing };
}

const gain = (d: Row, o: Row) => (d.hitRate - o.hitRate) * 100;

function listed(values: Map<string, number>, format: (v: number) => string): string {
  return [...values].map(([trace, v]) => `${trace} ${format(v)}`).join(", ");
}

/** A criterion on every trace: `ok` holds for each value, and no row is missing. */
function everyTrace(
  name: string,
  bar: string,
  measured: ReturnType<typeof perTrace>,
  ok: (value: number) => boolean,
  format: (v: number) => string = signed,
): Criterion {
  const { values, missing } = measured;
  const pass = missing.length === 0 && [...values.values()].every(ok);
  const gaps = missing.length > 0 ? `; no rows for ${missing.join(", ")}` : "";
  return { name, pass, detail: `${bar} on every trace: ${listed(values, format)}${gaps}` };
}

/** A criterion on the median trace, with no row missing. */
function medianTrace(
  name: string,
  bar: number,
  what: string,
  measured: ReturnType<typeof perTrace>,
): Criterion {
  const { values, missing } = measured;
  const middle = values.size > 0 ? median([...values.values()]) : NaN;
  const pass = missing.length === 0 && middle >= bar;
  const gaps = missing.length > 0 ? `; no rows for ${missing.join(", ")}` : "";
  return {
    name,
    pass,
    detail: `${what} ≥ ${signed(bar)} points on the median trace: ${signed(middle)}${gaps}`,
  };
}

/** Issue #13 §3's criteria over `rows`, each passed or failed. */
export function judge(rows: readonly Row[]): Criterion[] {
  const ratio = (d: Row, o: Row) => d.meanCachedNodes / o.meanCachedNodes;
  const budgets = [
    perTrace(rows, "prefer_cached", "equal", ratio),
    perTrace(rows, "prefer_cached", "tuned", ratio),
  ];
  const worst = new Map<string, number>();
  for (const { values } of budgets) {
    for (const [trace, v] of values) worst.set(trace, Math.max(v, worst.get(trace) ?? -Infinity));
  }
  const budget = { values: worst, missing: [...new Set(budgets.flatMap((b) => b.missing))] };
  const equal = perTrace(rows, "prefer_cached", "equal", gain);
  const tuned = perTrace(rows, "prefer_cached", "tuned", gain);
  const random = perTrace(rows, "random", "equal", gain);
  return [
    everyTrace(
      "budget",
      `prefer_cached: demand's mean cached nodes ≤ ${BARS.budget}× simple_proportional's (either)`,
      budget,
      (v) => v <= BARS.budget,
      (v) => `${v.toFixed(3)}×`,
    ),
    medianTrace("equal: median", BARS.equalMedian, "prefer_cached: demand − equal weights", equal),
    everyTrace(
      "equal: every trace",
      `prefer_cached: demand − equal weights ≥ ${signed(BARS.equalEvery)} points`,
      equal,
      (v) => v >= BARS.equalEvery,
    ),
    medianTrace("tuned: median", BARS.tunedMedian, "prefer_cached: demand − tuned weights", tuned),
    everyTrace(
      "tuned: every trace",
      `prefer_cached: demand − tuned weights ≥ ${signed(BARS.tunedEvery)} points`,
      tuned,
      (v) => v >= BARS.tunedEvery,
    ),
    everyTrace(
      "random",
      `random: demand − equal weights ≥ ${signed(BARS.randomEvery)} points`,
      random,
      (v) => v >= BARS.randomEvery,
    ),
  ];
}
