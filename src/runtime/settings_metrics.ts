/**
 * The runtime settings' metrics: the toggles in force, and the changes made to the settings.
 *
 * @module
 */
import * as client from "./prom_client.ts";
import type { Change, Tunables } from "./settings.ts";

/** The runtime settings' toggles and changes, on a registry. */
export class SettingsMetrics {
  readonly #dryRun: client.Gauge;
  readonly #paused: client.Gauge;
  readonly #changes: client.Counter<"setting">;

  /** Registers the settings' metrics on `registry`, the toggles at 0. */
  constructor(registry: client.Registry) {
    const registers = [registry];
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
  }

  /** Sets `arsenal_dry_run` and `arsenal_paused` to the toggles in force. */
  setToggles(toggles: Pick<Tunables, "dry_run" | "paused">): void {
    this.#dryRun.set(toggles.dry_run ? 1 : 0);
    this.#paused.set(toggles.paused ? 1 : 0);
  }

  /** Counts one runtime setting change. */
  countChange(change: Change): void {
    this.#changes.inc({ setting: change.setting });
  }
}
