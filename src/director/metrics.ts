/**
 * The director's metrics: cycles, the directives they handled, the fleet at the last successful
 * cycle, and failed plans. The loop reports to them (see `LoopObserver`).
 *
 * Fleet gauges come from the figures a {@linkcode CycleRecord} already aggregates: nothing here
 * walks the nodes.
 *
 * @module
 */
import * as client from "../runtime/prom_client.ts";
import type { FleetEvent } from "../domain/deploy_event.ts";
import type { Directive } from "../domain/directive.ts";
import { type Image, RECORD_STATUSES } from "../domain/fleet.ts";
import type { PlanFailure } from "../runtime/errors.ts";
import { DURATION_BUCKETS } from "../runtime/metrics.ts";
import type { CycleOutcome, CycleRecord, DirectiveOutcome } from "./record.ts";

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
const PLAN_FAILURES: readonly PlanFailure[] = ["timeout", "error", "invalid"];

/** What the director's cycles did, on a registry. */
export class DirectorMetrics {
  readonly #cycles: client.Counter<"outcome">;
  readonly #cycleDuration: client.Histogram;
  readonly #directives: client.Counter<"kind" | "outcome">;
  readonly #nodes: client.Gauge<"flavor" | "state">;
  readonly #targets: client.Gauge<"flavor">;
  readonly #cached: client.Gauge<"image" | "image_uuid">;
  readonly #records: client.Gauge<"flavor" | "status">;
  readonly #lastSuccess: client.Gauge;
  readonly #planFailures: client.Counter<"reason">;
  readonly #deploys: client.Counter<"flavor" | "image" | "result">;
  readonly #deletes: client.Counter<"flavor">;
  readonly #deployLogErrors: client.Counter;

  /** Registers the director's metrics on `registry`, with known label sets at zero. */
  constructor(registry: client.Registry) {
    const registers = [registry];
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
      help: "Nodes per flavor and state (provisioned, cached, available, and not_cacheable where " +
        "the scout reads cache records) at the last successful cycle.",
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
    this.#records = new client.Gauge({
      name: "arsenal_cache_records",
      help:
        "Nodes per flavor and cache record status (caching, cached, failed, lost) at the last " +
        "successful cycle, where the scout reads the Ironic plugin's records.",
      labelNames: ["flavor", "status"],
      registers,
    });
    this.#lastSuccess = new client.Gauge({
      name: "arsenal_last_success_timestamp_seconds",
      help: "Unix time the last successful cycle finished (0: none yet).",
      registers,
    });
    this.#planFailures = new client.Counter({
      name: "arsenal_strategy_failures_total",
      help: "Plans that failed, by reason: timeout (ran over plan_timeout), error (the plugin's " +
        "code threw) or invalid (the plan broke the rules).",
      labelNames: ["reason"],
      registers,
    });
    this.#deploys = new client.Counter({
      name: "arsenal_deploys_total",
      help: "Deploys observed between node listings, by flavor, image (its name, else its id; " +
        "`other` for an image the scout does not list) and result (hit: the node held the " +
        "image, ready, at the listing before).",
      labelNames: ["flavor", "image", "result"],
      registers,
    });
    this.#deletes = new client.Counter({
      name: "arsenal_deletes_total",
      help: "Instance deletes observed between node listings (a node back from active to " +
        "cleaning or available), by flavor.",
      labelNames: ["flavor"],
      registers,
    });
    this.#deployLogErrors = new client.Counter({
      name: "arsenal_deploy_log_errors_total",
      help: "Failed opens of and writes to the [director] deploy_log file.",
      registers,
    });
    this.#zero();
  }

  /** Counts a failed open of or write to the deploy log. */
  countDeployLogError(): void {
    this.#deployLogErrors.inc();
  }

  /**
   * Counts the deploys among `events`. Images are labelled as `images` (the scout's list) names
   * them, so the label set stays bounded by what the scout lists.
   */
  observeEvents(events: readonly FleetEvent[], images: readonly Image[]): void {
    const names = new Map(images.map((i) => [i.uuid, i.name || i.uuid]));
    for (const event of events) {
      if (event.kind === "delete") {
        this.#deletes.inc({ flavor: event.flavor });
        continue;
      }
      const image = names.get(event.image) ?? "other";
      this.#deploys.inc({ flavor: event.flavor, image, result: event.hit ? "hit" : "miss" });
    }
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
    this.#records.reset();
    for (const figures of record.flavors) {
      const { flavor, target, provisioned, cached, available, notCacheable } = figures;
      this.#nodes.set({ flavor, state: "provisioned" }, provisioned);
      this.#nodes.set({ flavor, state: "cached" }, cached);
      this.#nodes.set({ flavor, state: "available" }, available);
      if (notCacheable !== undefined) {
        this.#nodes.set({ flavor, state: "not_cacheable" }, notCacheable);
      }
      if (target !== undefined) this.#targets.set({ flavor }, target);
      for (const status of figures.cacheRecords ? RECORD_STATUSES : []) {
        this.#records.set({ flavor, status }, figures.cacheRecords![status]);
      }
    }
    this.#cached.reset();
    for (const { uuid, name, cached } of record.images) {
      this.#cached.set({ image: name, image_uuid: uuid }, cached);
    }
  }

  /** Counts one failed plan. */
  observePlanFailure(failure: PlanFailure): void {
    this.#planFailures.inc({ reason: failure });
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
    for (const reason of PLAN_FAILURES) this.#planFailures.inc({ reason }, 0);
    for (const kind of DIRECTIVE_KINDS) {
      for (const outcome of DIRECTIVE_OUTCOMES) this.#directives.inc({ kind, outcome }, 0);
    }
  }
}
