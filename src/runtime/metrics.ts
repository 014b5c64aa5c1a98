/**
 * Prometheus metrics: what the loop, the director and the scout did, exposed at `GET /metrics`.
 *
 * Every {@linkcode Metrics} owns its own registry (never prom-client's global one), so tests and
 * several instances do not collide. Fleet gauges come from the figures a {@linkcode CycleRecord}
 * already aggregates: nothing here walks the nodes.
 *
 * @module
 */
import client from "prom-client";
import type { CycleOutcome, CycleRecord, DirectiveOutcome } from "../director/record.ts";
import type { Directive } from "../domain/directive.ts";
import type * as simulator from "../domain/simulator_stats.ts";
import type { ScoutSource } from "../scout/scout.ts";
import type { PlanFailure } from "./errors.ts";
import type { Change } from "./settings.ts";

/** Histogram buckets, in seconds, from 1 ms to 5 min. */
export const DURATION_BUCKETS: readonly number[] = [
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
  120,
  300,
];

const CYCLE_OUTCOMES: readonly CycleOutcome[] = ["success", "skipped", "failed"];
const DIRECTIVE_KINDS: readonly Directive["kind"][] = ["cache", "eject"];
const DIRECTIVE_OUTCOMES: readonly DirectiveOutcome[] = [
  "issued",
  "failed",
  "skipped",
  "not_issued",
  "dry_run",
  "rate_limited",
];
const SCOUT_SOURCES: readonly ScoutSource[] = ["nodes", "flavors", "images"];
const PLAN_FAILURES: readonly PlanFailure[] = ["timeout", "error", "invalid"];

/** What {@linkcode Metrics} reports in `arsenal_build_info`. */
export interface MetricsOptions {
  /** Arsenal's version. */
  readonly version: string;
  /** The strategy plugin in use. */
  readonly strategy: { readonly name: string; readonly version: string };
  /** The scout's name, e.g. `simulator`. */
  readonly scout: string;
}

/** The simulator's counts read at scrape time: the two of its stats the metrics report. */
export type SimulatorStats = Pick<simulator.SimulatorStats, "deploys" | "cacheHits">;

/**
 * Arsenal's Prometheus metrics, in a registry of their own.
 *
 * @example
 * ```ts
 * const metrics = new Metrics({
 *   version: VERSION,
 *   strategy: { name: "simple_proportional", version: "1.0.0" },
 *   scout: "simulator",
 * });
 * metrics.setToggles({ dry_run: true, paused: false });
 * const text = await metrics.render();
 * ```
 */
export class Metrics {
  readonly #registry = new client.Registry();
  readonly #cycles: client.Counter<"outcome">;
  readonly #cycleDuration: client.Histogram;
  readonly #directives: client.Counter<"kind" | "outcome">;
  readonly #nodes: client.Gauge<"flavor" | "state">;
  readonly #targets: client.Gauge<"flavor">;
  readonly #cached: client.Gauge<"image" | "image_uuid">;
  readonly #lastSuccess: client.Gauge;
  readonly #scoutDuration: client.Histogram<"source">;
  readonly #scoutErrors: client.Counter<"source">;
  readonly #dryRun: client.Gauge;
  readonly #paused: client.Gauge;
  readonly #changes: client.Counter<"setting">;
  readonly #upstreamRequests: client.Counter<"service" | "method" | "status">;
  readonly #upstreamDuration: client.Histogram<"service">;
  readonly #unidentified: client.Gauge;
  readonly #reloads: client.Counter<"outcome">;
  readonly #buildInfo: client.Gauge<"version" | "deno" | "strategy" | "strategy_version" | "scout">;
  readonly #resumedEjects: client.Counter;
  readonly #planFailures: client.Counter<"reason">;
  #simulatorStats?: () => SimulatorStats;

  /** Registers every metric, with known label sets at zero and build info at 1. */
  constructor(options: MetricsOptions) {
    const registers = [this.#registry];
    this.#cycles = new client.Counter({
      name: "arsenal_cycles_total",
      help: "Director cycles finished, by outcome.",
      labelNames: ["outcome"],
      registers,
    });
    this.#cycleDuration = new client.Histogram({
      name: "arsenal_cycle_duration_seconds",
      help: "Time from the start to the end of a director cycle.",
      buckets: [...DURATION_BUCKETS],
      registers,
    });
    this.#directives = new client.Counter({
      name: "arsenal_directives_total",
      help: "Directives handled by the director, by kind and outcome.",
      labelNames: ["kind", "outcome"],
      registers,
    });
    this.#nodes = new client.Gauge({
      name: "arsenal_nodes",
      help: "Nodes per flavor and state (provisioned, cached, available) at the last successful " +
        "cycle.",
      labelNames: ["flavor", "state"],
      registers,
    });
    this.#targets = new client.Gauge({
      name: "arsenal_cache_target_nodes",
      help: "Cached nodes the strategy aims for, per flavor, at the last successful cycle.",
      labelNames: ["flavor"],
      registers,
    });
    this.#cached = new client.Gauge({
      name: "arsenal_cached_nodes",
      help: "Unprovisioned nodes holding each image at the last successful cycle.",
      labelNames: ["image", "image_uuid"],
      registers,
    });
    this.#lastSuccess = new client.Gauge({
      name: "arsenal_last_success_timestamp_seconds",
      help: "Unix time the last successful cycle finished (0: none yet).",
      registers,
    });
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
    this.#dryRun = new client.Gauge({
      name: "arsenal_dry_run",
      help: "1 when directives are recorded but not issued (dry run), else 0.",
      registers,
    });
    this.#paused = new client.Gauge({
      name: "arsenal_paused",
      help: "1 when scheduled cycles are paused, else 0.",
      registers,
    });
    this.#changes = new client.Counter({
      name: "arsenal_runtime_changes_total",
      help: "Runtime setting changes made through the control API, by setting.",
      labelNames: ["setting"],
      registers,
    });
    this.#upstreamRequests = new client.Counter({
      name: "arsenal_upstream_requests_total",
      help: "HTTP requests to OpenStack services (each retry counts), by service, method and " +
        "status (`error`: no whole response: connection error, timeout or a body cut off).",
      labelNames: ["service", "method", "status"],
      registers,
    });
    this.#upstreamDuration = new client.Histogram({
      name: "arsenal_upstream_request_duration_seconds",
      help:
        "Time OpenStack services took to answer one HTTP request, to its last byte, by service.",
      labelNames: ["service"],
      buckets: [...DURATION_BUCKETS],
      registers,
    });
    this.#unidentified = new client.Gauge({
      name: "arsenal_unidentified_nodes",
      help: "Nodes in the last Ironic listing whose flavor could not be identified (left alone).",
      registers,
    });
    this.#reloads = new client.Counter({
      name: "arsenal_config_reloads_total",
      help: "Configuration reloads (SIGHUP), by outcome: success, or failed (the old one stays).",
      labelNames: ["outcome"],
      registers,
    });
    this.#resumedEjects = new client.Counter({
      name: "arsenal_ejects_resumed_total",
      help: "Ejects that had stopped before cleaning (a crash, a shutdown, a lost answer) and " +
        "that a later cycle carried on: nodes it sent manage or provide, or whose cache " +
        "markers it cleared.",
      registers,
    });
    this.#planFailures = new client.Counter({
      name: "arsenal_strategy_failures_total",
      help: "Plans that failed, by reason: timeout (ran over plan_timeout), error (the plugin's " +
        "code threw) or invalid (the plan broke the rules).",
      labelNames: ["reason"],
      registers,
    });
    this.#buildInfo = new client.Gauge({
      name: "arsenal_build_info",
      help: "Arsenal's build and configuration; the value is always 1.",
      labelNames: ["version", "deno", "strategy", "strategy_version", "scout"],
      registers,
    });
    this.setBuildInfo(options);
    this.#zero();
  }

  /** The exposition's media type, for the `Content-Type` header. */
  get contentType(): string {
    return this.#registry.contentType;
  }

  /** The metrics in Prometheus' text exposition format. */
  render(): Promise<string> {
    return this.#registry.metrics();
  }

  /**
   * Counts a finished cycle and its directives. A successful cycle also replaces the fleet gauges,
   * so flavors and images it no longer reports disappear; other cycles leave them as they were.
   */
  observeCycle(record: CycleRecord): void {
    this.#cycles.inc({ outcome: record.outcome });
    this.#cycleDuration.observe(Math.max(0, record.finishedAt - record.startedAt) / 1000);
    this.#countDirectives(record);
    if (record.outcome !== "success") return;
    this.#lastSuccess.set(record.finishedAt / 1000);
    this.#nodes.reset();
    this.#targets.reset();
    for (const { flavor, target, provisioned, cached, available } of record.flavors) {
      this.#nodes.set({ flavor, state: "provisioned" }, provisioned);
      this.#nodes.set({ flavor, state: "cached" }, cached);
      this.#nodes.set({ flavor, state: "available" }, available);
      if (target !== undefined) this.#targets.set({ flavor }, target);
    }
    this.#cached.reset();
    for (const { uuid, name, cached } of record.images) {
      this.#cached.set({ image: name, image_uuid: uuid }, cached);
    }
  }

  /** Records how long one scout retrieval took, and counts it when it failed. */
  observeScout(source: ScoutSource, seconds: number, ok: boolean): void {
    this.#scoutDuration.observe({ source }, Math.max(0, seconds));
    if (!ok) this.#scoutErrors.inc({ source });
  }

  /** Counts one HTTP request to an OpenStack service. */
  observeUpstream(service: string, method: string, status: string, seconds: number): void {
    this.#upstreamRequests.inc({ service, method, status });
    this.#upstreamDuration.observe({ service }, Math.max(0, seconds));
  }

  /** Replaces `arsenal_build_info`'s labels: a reload may bring another strategy or scout. */
  setBuildInfo(options: MetricsOptions): void {
    this.#buildInfo.reset();
    this.#buildInfo.set({
      version: options.version,
      deno: Deno.version.deno,
      strategy: options.strategy.name,
      strategy_version: options.strategy.version,
      scout: options.scout,
    }, 1);
  }

  /** Counts one failed plan. */
  observePlanFailure(failure: PlanFailure): void {
    this.#planFailures.inc({ reason: failure });
  }

  /** Counts one configuration reload. */
  countReload(outcome: "success" | "failed"): void {
    this.#reloads.inc({ outcome });
  }

  /** Counts interrupted ejects a resume moved on. */
  observeResumedEjects(count: number): void {
    this.#resumedEjects.inc(count);
  }

  /** Sets `arsenal_unidentified_nodes`. */
  observeUnidentified(count: number): void {
    this.#unidentified.set(count);
  }

  /** Sets `arsenal_dry_run` and `arsenal_paused` to the toggles in force. */
  setToggles(toggles: { readonly dry_run: boolean; readonly paused: boolean }): void {
    this.#dryRun.set(toggles.dry_run ? 1 : 0);
    this.#paused.set(toggles.paused ? 1 : 0);
  }

  /** Counts one runtime setting change. */
  countChange(change: Change): void {
    this.#changes.inc({ setting: change.setting });
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

  #countDirectives(record: CycleRecord): void {
    // Tally first: one counter update per kind and outcome, not one per directive.
    const tally = new Map<Directive["kind"], Map<DirectiveOutcome, number>>();
    for (const { kind, outcome } of record.directives) {
      let byOutcome = tally.get(kind);
      if (!byOutcome) tally.set(kind, byOutcome = new Map());
      byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
    }
    for (const [kind, byOutcome] of tally) {
      for (const [outcome, count] of byOutcome) this.#directives.inc({ kind, outcome }, count);
    }
  }

  #zero(): void {
    for (const outcome of CYCLE_OUTCOMES) this.#cycles.inc({ outcome }, 0);
    for (const outcome of ["success", "failed"]) this.#reloads.inc({ outcome }, 0);
    for (const reason of PLAN_FAILURES) this.#planFailures.inc({ reason }, 0);
    for (const kind of DIRECTIVE_KINDS) {
      for (const outcome of DIRECTIVE_OUTCOMES) this.#directives.inc({ kind, outcome }, 0);
    }
    for (const source of SCOUT_SOURCES) {
      this.#scoutDuration.zero({ source });
      this.#scoutErrors.inc({ source }, 0);
    }
  }
}
