/**
 * Prometheus metrics: the registry every subsystem's group of metrics registers on, exposed at
 * `GET /metrics`, with Arsenal's build info and configuration reloads.
 *
 * Each group lives with what it measures and registers on {@linkcode Metrics.registry}: the
 * director's (`src/director/metrics.ts`), the scouts' (`src/scout/metrics.ts`), the OpenStack
 * clients' (`src/scout/openstack/metrics.ts`) and the runtime settings'
 * (`src/runtime/settings_metrics.ts`). Every {@linkcode Metrics} owns its own registry (never
 * prom-client's global one), so tests and several instances do not collide.
 *
 * @module
 */
import * as client from "./prom_client.ts";

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

/** What {@linkcode Metrics} reports in `arsenal_build_info`. */
export interface MetricsOptions {
  /** Arsenal's version. */
  readonly version: string;
  /** The strategy plugin in use. */
  readonly strategy: { readonly name: string; readonly version: string };
  /** The scout's name, e.g. `simulator`. */
  readonly scout: string;
}

/**
 * Arsenal's Prometheus registry, with build info and reloads; the groups register on it.
 *
 * @example
 * ```ts
 * import { DirectorMetrics } from "../director/metrics.ts";
 * import { Metrics } from "./metrics.ts";
 *
 * const metrics = new Metrics({
 *   version: "0.1.0",
 *   strategy: { name: "simple_proportional", version: "1.0.0" },
 *   scout: "simulator",
 * });
 * const director = new DirectorMetrics(metrics.registry);
 * director.observePlanFailure("timeout");
 * const text = await metrics.render(); // arsenal_strategy_failures_total{reason="timeout"} 1
 * ```
 */
export class Metrics {
  /** Where every group registers its metrics. */
  readonly registry: client.Registry = new client.Registry();
  readonly #reloads: client.Counter<"outcome">;
  readonly #buildInfo: client.Gauge<"version" | "deno" | "strategy" | "strategy_version" | "scout">;

  /** Registers the reloads, both outcomes at zero, and build info at 1. */
  constructor(options: MetricsOptions) {
    const registers = [this.registry];
    this.#reloads = new client.Counter({
      name: "arsenal_config_reloads_total",
      help: "Configuration reloads (SIGHUP), by outcome: success, or failed (the old one stays).",
      labelNames: ["outcome"],
      registers,
    });
    this.#buildInfo = new client.Gauge({
      name: "arsenal_build_info",
      help: "Arsenal's build and configuration; the value is always 1.",
      labelNames: ["version", "deno", "strategy", "strategy_version", "scout"],
      registers,
    });
    this.setBuildInfo(options);
    for (const outcome of ["success", "failed"]) this.#reloads.inc({ outcome }, 0);
  }

  /** The exposition's media type, for the `Content-Type` header. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The metrics in Prometheus' text exposition format. */
  render(): Promise<string> {
    return this.registry.metrics();
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

  /** Counts one configuration reload. */
  countReload(outcome: "success" | "failed"): void {
    this.#reloads.inc({ outcome });
  }
}
