/**
 * The strategy comparison as text: a table of the rows, then each criterion, passed or failed.
 *
 * @module
 */
import type { Criterion, Row } from "./verdict.ts";

/** Names of the contenders in the table. */
const NAMES = {
  equal: "simple_proportional, equal weights",
  tuned: "simple_proportional, tuned weights",
  demand: "demand",
} as const;

/** Columns, the first three left-aligned and the others right-aligned, two spaces apart. */
function columns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows.map((row) =>
    row.map((cell, c) => c < 3 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))
      .join("  ").trimEnd() + "\n"
  ).join("");
}

/** The rows as a table: hit rate, mean cached nodes and directives per deploy. */
export function formatRows(rows: readonly Row[]): string {
  return columns([
    ["Trace", "Placement", "Strategy", "Deploys", "Hit rate", "Cached", "Directives/deploy"],
    ...rows.map((r) => [
      r.trace,
      r.placement,
      NAMES[r.strategy],
      `${r.deploys}`,
      `${(r.hitRate * 100).toFixed(2)}%`,
      r.meanCachedNodes.toFixed(2),
      r.directivesPerDeploy.toFixed(3),
    ]),
  ]);
}

/** Each criterion on a line of its own, PASS or FAIL first. */
export function formatCriteria(criteria: readonly Criterion[]): string {
  return criteria.map((c) => `${c.pass ? "PASS" : "FAIL"}  ${c.detail}\n`).join("");
}
