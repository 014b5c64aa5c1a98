/**
 * The report of `arsenal simulate`: what the tenants got from the strategy, after the warm-up. One
 * JSON object (`--json`), or the same as a readable table.
 *
 * @module
 */
import type { DeployCounts } from "../scout/simulator/simulation_figures.ts";
import {
  type DirectiveCounts,
  runSimulation,
  type SimulationInput,
  type SimulationResult,
} from "./simulation.ts";

/** Deploys and hits of a flavor or an image, with the hit rate. */
interface Rated extends DeployCounts {
  readonly name: string;
  /** hits / served; 0 when none was served. */
  readonly hitRate: number;
}

/** One flavor's line of the report. */
export interface FlavorReport extends Rated {
  readonly nodes: number;
  /** Time average of the flavor's nodes cached or caching. */
  readonly meanCachedNodes: number;
  /** Time average of the flavor's available (not provisioned) nodes. */
  readonly meanAvailableNodes: number;
}

/** The report: the figures from the end of the warm-up to the end of the run. */
export interface SimulationReport extends DeployCounts {
  /** Simulated hours, the warm-up included. */
  readonly hours: number;
  readonly warmupHours: number;
  readonly seed: number;
  readonly strategy: { readonly name: string; readonly version: string };
  readonly scheduler: string;
  readonly nodes: number;
  readonly hitRate: number;
  readonly meanCachedNodes: number;
  readonly meanAvailableNodes: number;
  readonly directives: DirectiveCounts;
  readonly flavors: readonly FlavorReport[];
  readonly images: readonly Rated[];
}

/** What the report says about the run besides its figures. */
export interface RunDescription {
  readonly hours: number;
  readonly warmupHours: number;
  readonly seed: number;
  readonly strategy: { readonly name: string; readonly version: string };
  readonly scheduler: string;
}

function round(value: number, places: number): number {
  const scale = 10 ** places;
  return Math.round(value * scale) / scale;
}

function rate(counts: DeployCounts): number {
  return counts.served === 0 ? 0 : round(counts.hits / counts.served, 4);
}

function counts({ deploys, served, unserved, hits }: DeployCounts): DeployCounts {
  return { deploys, served, unserved, hits };
}

/** The report of a finished simulation. */
export function simulationReport(run: RunDescription, result: SimulationResult): SimulationReport {
  const { figures } = result;
  const minutes = figures.minutes;
  const mean = (nodeMinutes: number) => minutes > 0 ? round(nodeMinutes / minutes, 2) : 0;
  const sum = (pick: (f: (typeof figures.flavors)[number]) => number) =>
    figures.flavors.reduce((total, f) => total + pick(f), 0);
  const total: DeployCounts = {
    deploys: sum((f) => f.deploys),
    served: sum((f) => f.served),
    unserved: sum((f) => f.unserved),
    hits: sum((f) => f.hits),
  };
  return {
    hours: run.hours,
    warmupHours: run.warmupHours,
    seed: run.seed,
    strategy: run.strategy,
    scheduler: run.scheduler,
    nodes: sum((f) => f.nodes),
    ...total,
    hitRate: rate(total),
    meanCachedNodes: mean(sum((f) => f.cachedNodeMinutes)),
    meanAvailableNodes: mean(sum((f) => f.availableNodeMinutes)),
    directives: result.directives,
    flavors: figures.flavors.map((f) => ({
      name: f.name,
      nodes: f.nodes,
      ...counts(f),
      hitRate: rate(f),
      meanCachedNodes: mean(f.cachedNodeMinutes),
      meanAvailableNodes: mean(f.availableNodeMinutes),
    })),
    images: figures.images.map((i) => ({ name: i.name, ...counts(i), hitRate: rate(i) })),
  };
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

/** Columns, the first left-aligned and the others right-aligned, two spaces apart. */
function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows.map((row) =>
    row.map((cell, c) => c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))
      .join("  ").trimEnd() + "\n"
  ).join("");
}

/** The report as readable text: a summary, then a table per flavor and per image. */
export function formatReport(report: SimulationReport): string {
  const r = report;
  const since = r.warmupHours > 0 ? `, figures from hour ${r.warmupHours} on` : "";
  const d = r.directives;
  const summary = [
    `Simulated ${r.hours} h${since}: ${r.strategy.name} ${r.strategy.version}, ` +
    `scheduler ${r.scheduler}, ${r.nodes} nodes, seed ${r.seed}`,
    `Deploys ${r.deploys}: ${r.served} served, ${r.unserved} unserved, ${r.hits} hits, ` +
    `hit rate ${percent(r.hitRate)}`,
    `Mean nodes cached or caching ${r.meanCachedNodes.toFixed(2)}, available ${
      r.meanAvailableNodes.toFixed(2)
    }`,
    `Directives issued: ${d.cache} cache, ${d.eject} eject; ${d.failed} failed, ` +
    `${d.rateLimited} rate-limited`,
  ].join("\n") + "\n";
  const flavors = table([
    ["Flavor", "Nodes", "Deploys", "Served", "Hits", "Hit rate", "Cached", "Available"],
    ...r.flavors.map((f) => [
      f.name,
      `${f.nodes}`,
      `${f.deploys}`,
      `${f.served}`,
      `${f.hits}`,
      percent(f.hitRate),
      f.meanCachedNodes.toFixed(2),
      f.meanAvailableNodes.toFixed(2),
    ]),
  ]);
  const images = table([
    ["Image", "Deploys", "Served", "Hits", "Hit rate"],
    ...r.images.map((
      i,
    ) => [i.name, `${i.deploys}`, `${i.served}`, `${i.hits}`, percent(i.hitRate)]),
  ]);
  return `${summary}\n${flavors}\n${images}`;
}

/** Runs the simulation `input` describes and reports it, with the time the fleet skipped. */
export async function reportedSimulation(
  input: SimulationInput,
): Promise<{ report: SimulationReport; skippedMs: number }> {
  const result = await runSimulation(input);
  const { name, version } = input.strategy.strategy;
  const report = simulationReport({
    hours: input.hours,
    warmupHours: input.warmupHours,
    seed: input.seed,
    strategy: { name, version },
    scheduler: input.config.simulator.scheduler,
  }, result);
  return { report, skippedMs: result.skippedMs };
}
