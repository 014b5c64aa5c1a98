/**
 * Tests of `src/runtime/settings_metrics.ts`: the toggles in force and the changes made, read back
 * from the exposition.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Metrics } from "../../src/runtime/metrics.ts";
import { SettingsMetrics } from "../../src/runtime/settings_metrics.ts";
import { scrape, testMetrics, value } from "../_metrics.ts";

/** A registry with the settings' group on it. */
function setup(): { metrics: Metrics; settings: SettingsMetrics } {
  const metrics = testMetrics();
  return { metrics, settings: new SettingsMetrics(metrics.registry) };
}

Deno.test("SettingsMetrics starts with the toggles at zero", async () => {
  const samples = await scrape(setup().metrics);
  assert.equal(value(samples, "arsenal_dry_run"), 0);
  assert.equal(value(samples, "arsenal_paused"), 0);
});

Deno.test("SettingsMetrics.setToggles() sets the dry-run and paused gauges to 0 or 1", async () => {
  const { metrics, settings } = setup();
  settings.setToggles({ dry_run: true, paused: false });
  let samples = await scrape(metrics);
  assert.equal(value(samples, "arsenal_dry_run"), 1);
  assert.equal(value(samples, "arsenal_paused"), 0);
  settings.setToggles({ dry_run: false, paused: true });
  samples = await scrape(metrics);
  assert.equal(value(samples, "arsenal_dry_run"), 0);
  assert.equal(value(samples, "arsenal_paused"), 1);
});

Deno.test("SettingsMetrics.countChange() counts changes per setting", async () => {
  const { metrics, settings } = setup();
  settings.countChange({ setting: "dry_run", from: false, to: true });
  settings.countChange({ setting: "dry_run", from: true, to: false, reason: "done" });
  settings.countChange({ setting: "strategy.share", from: 0.5, to: 0.6 });
  const samples = await scrape(metrics);
  assert.equal(value(samples, "arsenal_runtime_changes_total", { setting: "dry_run" }), 2);
  assert.equal(value(samples, "arsenal_runtime_changes_total", { setting: "strategy.share" }), 1);
});
