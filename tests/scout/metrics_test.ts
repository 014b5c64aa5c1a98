/**
 * Tests of `src/scout/metrics.ts`: what the scouts did, read back from the exposition.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Metrics } from "../../src/runtime/metrics.ts";
import { ScoutMetrics } from "../../src/scout/metrics.ts";
import { scrape, series, testMetrics, value } from "../_metrics.ts";

/** A registry with the scouts' group on it. */
function setup(): { metrics: Metrics; scout: ScoutMetrics } {
  const metrics = testMetrics();
  return { metrics, scout: new ScoutMetrics(metrics.registry) };
}

Deno.test("ScoutMetrics starts with known label sets at zero", async () => {
  const samples = await scrape(setup().metrics);
  for (const source of ["nodes", "flavors", "images"]) {
    assert.equal(value(samples, "arsenal_scout_errors_total", { source }), 0);
    assert.equal(value(samples, "arsenal_scout_duration_seconds_count", { source }), 0);
  }
  assert.equal(value(samples, "arsenal_ejects_resumed_total"), 0);
});

Deno.test("ScoutMetrics.observeScout() records durations and counts errors per source", async () => {
  const { metrics, scout } = setup();
  scout.observeScout("nodes", 1.2, true);
  scout.observeScout("nodes", 0.3, false);
  scout.observeScout("images", 0.004, false);
  const samples = await scrape(metrics);
  assert.equal(value(samples, "arsenal_scout_duration_seconds_count", { source: "nodes" }), 2);
  assert.equal(value(samples, "arsenal_scout_duration_seconds_sum", { source: "nodes" }), 1.5);
  assert.equal(
    value(samples, "arsenal_scout_duration_seconds_bucket", { source: "nodes", le: "0.5" }),
    1,
  );
  assert.equal(value(samples, "arsenal_scout_duration_seconds_count", { source: "images" }), 1);
  assert.equal(value(samples, "arsenal_scout_duration_seconds_count", { source: "flavors" }), 0);
  assert.equal(value(samples, "arsenal_scout_errors_total", { source: "nodes" }), 1);
  assert.equal(value(samples, "arsenal_scout_errors_total", { source: "images" }), 1);
  assert.equal(value(samples, "arsenal_scout_errors_total", { source: "flavors" }), 0);
});

Deno.test("ScoutMetrics.observeUnidentified() sets the unidentified nodes gauge", async () => {
  const { metrics, scout } = setup();
  scout.observeUnidentified(2);
  assert.equal(value(await scrape(metrics), "arsenal_unidentified_nodes", {}), 2);
});

Deno.test("ScoutMetrics.observeResumedEjects() counts the interrupted ejects a resume moved on", async () => {
  const { metrics, scout } = setup();
  scout.observeResumedEjects(2);
  scout.observeResumedEjects(1);
  assert.equal(value(await scrape(metrics), "arsenal_ejects_resumed_total"), 3);
});

Deno.test("ScoutMetrics.trackSimulator() reads the simulator's counts at scrape time", async () => {
  const { metrics, scout } = setup();
  const before = await metrics.render();
  assert.doesNotMatch(before, /arsenal_simulator_/);
  const stats = { deploys: 3, cacheHits: 1 };
  let reads = 0;
  scout.trackSimulator(() => (reads++, stats));
  assert.equal(reads, 0);
  let samples = await scrape(metrics);
  assert.equal(value(samples, "arsenal_simulator_deploys_total"), 3);
  assert.equal(value(samples, "arsenal_simulator_cache_hits_total"), 1);
  stats.deploys = 10;
  stats.cacheHits = 7;
  samples = await scrape(metrics);
  assert.equal(value(samples, "arsenal_simulator_deploys_total"), 10);
  assert.equal(value(samples, "arsenal_simulator_cache_hits_total"), 7);
  assert.ok(reads > 0);
});

Deno.test("ScoutMetrics.trackSimulator() called again reads from the new source", async () => {
  const { metrics, scout } = setup();
  scout.trackSimulator(() => ({ deploys: 3, cacheHits: 1 }));
  scout.trackSimulator(() => ({ deploys: 8, cacheHits: 5 }));
  const samples = await scrape(metrics);
  assert.deepEqual(series(samples, "arsenal_simulator_deploys_total"), [{}]);
  assert.equal(value(samples, "arsenal_simulator_deploys_total"), 8);
  assert.equal(value(samples, "arsenal_simulator_cache_hits_total"), 5);
});
