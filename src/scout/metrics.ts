/**
 * The scouts' metrics: how long each retrieval of fleet data took and which failed (the loop
 * reports them), what the OpenStack scout could not identify or carried on, and what the
 * simulated fleet did.
 *
 * @module
 */
import * as client from "../runtime/prom_client.ts";
import { DURATION_BUCKETS } from "../runtime/metrics.ts";
import type * as simulator from "../domain/simulator_stats.ts";
import type { ScoutSource } from "./scout.ts";

const SCOUT_SOURCES: readonly ScoutSource[] = ["nodes", "flavors", "images"];

/** The simulator's counts read at scrape time: the two of its stats the metrics report. */
export type SimulatorStats = Pick<simulator.SimulatorStats, "deploys" | "cacheHits">;

/** What the scouts did, on a registry. */
export class ScoutMetrics {
  readonly #registry: client.Registry;
  readonly #scoutDuration: client.Histogram<"source">;
  readonly #scoutErrors: client.Counter<"source">;
  readonly #unidentified: client.Gauge;
  readonly #resumedEjects: client.Counter;
  #simulatorStats?: () => SimulatorStats;

  /** Registers the scouts' metrics on `registry`, every source at zero. */
  constructor(registry: client.Registry) {
    this.#registry = registry;
    const registers = [registry];
    this.#scoutDuration = new client.Histogram({
      name: "arsenal_scout_duration_seconds",
      help: "Time the scout took to retrieve one source of fleet data.",
      labelNames: ["source"],
      buckets: [...DURATION_BUCKETS],
      registers,
    });
    this.#scoutErrors = new client.Counter({
      name: "arsenal_scout_errors_total",
      help: "Failed retrievals of fleet data, by source.",
      labelNames: ["source"],
      registers,
    });
    this.#unidentified = new client.Gauge({
      name: "arsenal_unidentified_nodes",
      help: "Nodes in the last Ironic listing whose flavor could not be identified (left alone).",
      registers,
    });
    this.#resumedEjects = new client.Counter({
      name: "arsenal_ejects_resumed_total",
      help: "Ejects that had stopped before cleaning (a crash, a shutdown, a lost answer) and " +
        "that a later cycle carried on: nodes it sent manage or provide, or whose cache " +
        "markers it cleared.",
      registers,
    });
    for (const source of SCOUT_SOURCES) {
      this.#scoutDuration.zero({ source });
      this.#scoutErrors.inc({ source }, 0);
    }
  }

  /** Records how long one scout retrieval took, and counts it when it failed. */
  observeScout(source: ScoutSource, seconds: number, ok: boolean): void {
    this.#scoutDuration.observe({ source }, Math.max(0, seconds));
    if (!ok) this.#scoutErrors.inc({ source });
  }

  /** Sets `arsenal_unidentified_nodes`. */
  observeUnidentified(count: number): void {
    this.#unidentified.set(count);
  }

  /** Counts interrupted ejects a resume moved on. */
  observeResumedEjects(count: number): void {
    this.#resumedEjects.inc(count);
  }

  /**
   * Exposes the simulator's deploy and cache-hit counts, read from `stats` at every scrape. The
   * counters are registered on the first call; a later call replaces `stats`.
   */
  trackSimulator(stats: () => SimulatorStats): void {
    const tracking = this.#simulatorStats !== undefined;
    this.#simulatorStats = stats;
    if (tracking) return;
    // Read through the field, so that a later call takes effect.
    const current = () => this.#simulatorStats!();
    const collect = (pick: (stats: SimulatorStats) => number) =>
      function (this: client.Counter) {
        this.reset();
        this.inc(pick(current()));
      };
    new client.Counter({
      name: "arsenal_simulator_deploys_total",
      help: "Deployments the simulated fleet has made.",
      registers: [this.#registry],
      collect: collect((s) => s.deploys),
    });
    new client.Counter({
      name: "arsenal_simulator_cache_hits_total",
      help: "Simulated deployments that found their image already cached.",
      registers: [this.#registry],
      collect: collect((s) => s.cacheHits),
    });
  }
}
