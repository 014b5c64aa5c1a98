/**
 * What the control API needs from the rest of Arsenal. `main.ts` builds the real ones; tests pass
 * fakes.
 *
 * @module
 */
import type { CycleRecord } from "../director/record.ts";
import type { RuntimeSettings } from "../runtime/settings.ts";

/** A health verdict, with the reason when it is negative. */
export interface Health {
  readonly ok: boolean;
  readonly reason?: string;
}

/** The director loop, as the API sees it. */
export interface Controller {
  /** False when no cycle has started within a bound of the spacing: a wedged loop. */
  liveness(): Health;
  /** True once the configuration is loaded and the last scout succeeded recently. */
  readiness(): Health;
  /** The last finished cycle, if any. */
  lastCycle(): CycleRecord | undefined;
  /** Runs a cycle now and resolves with its record; undefined when a cycle is already running. */
  triggerCycle(): Promise<CycleRecord> | undefined;
}

/** Prometheus exposition. */
export interface MetricsSource {
  readonly contentType: string;
  render(): Promise<string>;
}

/** Everything `createApi()` needs. */
export interface ApiDeps {
  readonly controller: Controller;
  readonly settings: RuntimeSettings;
  readonly metrics: MetricsSource;
  /** When set, mutating routes need `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** When true, mutating routes are refused (403). */
  readonly readOnly: boolean;
}
