/**
 * Tests of `src/runtime/metrics.ts`: the registry every group registers on, its build info and
 * reloads, and the whole exposition, read back sample by sample.
 *
 * @module
 */
import assert from "node:assert/strict";
import { loadGroups } from "../../src/agent.ts";
import { Metrics, type MetricsOptions } from "../../src/runtime/metrics.ts";
import { promtoolCheckMetrics } from "../_fakes/promtool.ts";
import { cycleRecord as cycle, scrape, series, value } from "../_metrics.ts";

const OPTIONS: MetricsOptions = {
  version: "0.1.0",
  strategy: { name: "simple_proportional", version: "1.2.0" },
  scout: "simulator",
};

Deno.test("Metrics.contentType is Prometheus' text format", () => {
  assert.equal(new Metrics(OPTIONS).contentType, "text/plain; version=0.0.4; charset=utf-8");
});

Deno.test("Metrics reports build info as 1 with versions, strategy and scout", async () => {
  const samples = await scrape(new Metrics(OPTIONS));
  assert.deepEqual(series(samples, "arsenal_build_info"), [{
    version: "0.1.0",
    deno: Deno.version.deno,
    strategy: "simple_proportional",
    strategy_version: "1.2.0",
    scout: "simulator",
  }]);
  assert.equal(samples.find((s) => s.name === "arsenal_build_info")?.value, 1);
});

Deno.test("Metrics.setBuildInfo() replaces the build info: one series, the new labels", async () => {
  const metrics = new Metrics(OPTIONS);
  metrics.setBuildInfo({
    ...OPTIONS,
    strategy: { name: "fixed_share", version: "2.1.0" },
    scout: "standalone",
  });
  const samples = await scrape(metrics);
  assert.deepEqual(series(samples, "arsenal_build_info"), [{
    version: "0.1.0",
    deno: Deno.version.deno,
    strategy: "fixed_share",
    strategy_version: "2.1.0",
    scout: "standalone",
  }]);
  assert.equal(value(samples, "arsenal_build_info", series(samples, "arsenal_build_info")[0]), 1);
});

Deno.test("Metrics.countReload() counts reloads by outcome, from zero", async () => {
  const metrics = new Metrics(OPTIONS);
  const reloads = async () =>
    (await scrape(metrics)).filter((s) => s.name === "arsenal_config_reloads_total")
      .map((s) => [s.labels.outcome, s.value]);
  assert.deepEqual(await reloads(), [["success", 0], ["failed", 0]]);
  metrics.countReload("failed");
  metrics.countReload("success");
  metrics.countReload("failed");
  assert.deepEqual(await reloads(), [["success", 1], ["failed", 2]]);
});

Deno.test("Metrics instances are independent of each other", async () => {
  const first = await loadGroups(OPTIONS);
  const second = await loadGroups({ ...OPTIONS, scout: "ironic" });
  first.director.observeCycle(cycle({
    flavors: [{ flavor: "gpu", provisioned: 10, available: 5, cached: 3 }],
  }));
  first.settings.setToggles({ dry_run: true, paused: true });
  first.scout.trackSimulator(() => ({ deploys: 1, cacheHits: 0 }));
  const samples = await scrape(second.metrics);
  assert.equal(value(samples, "arsenal_cycles_total", { outcome: "success" }), 0);
  assert.deepEqual(series(samples, "arsenal_nodes"), []);
  assert.equal(value(samples, "arsenal_dry_run"), 0);
  assert.doesNotMatch(await second.metrics.render(), /arsenal_simulator_/);
  assert.equal(series(samples, "arsenal_build_info")[0].scout, "ironic");
  second.scout.trackSimulator(() => ({ deploys: 2, cacheHits: 2 }));
  assert.equal(value(await scrape(second.metrics), "arsenal_simulator_deploys_total"), 2);
});

Deno.test("Metrics.render() passes `promtool check metrics` without a problem", async () => {
  const { metrics, director, scout, upstream, settings } = await loadGroups(OPTIONS);
  scout.trackSimulator(() => ({ deploys: 4, cacheHits: 2 }));
  settings.setToggles({ dry_run: true, paused: false });
  settings.countChange({ setting: "dry_run", from: false, to: true });
  scout.observeScout("flavors", 0.02, false);
  upstream.observeUpstream("baremetal", "GET", "200", 0.03);
  upstream.observeUpstream("image", "GET", "error", 1);
  scout.observeUnidentified(3);
  director.observeCycle(cycle({
    directives: [
      { kind: "cache", nodeUuid: "n1", imageUuid: "u1", imageChecksum: "c1", outcome: "issued" },
      { kind: "eject", nodeUuid: "n2", outcome: "rate_limited" },
    ],
    flavors: [
      { flavor: "gpu", target: 4, provisioned: 10, available: 5, cached: 3 },
      { flavor: "small", provisioned: 10, available: 5, cached: 3 },
    ],
    images: [{ uuid: "u1", name: 'odd "name" \\ here\n', cached: 2 }],
  }));
  assert.equal(await promtoolCheckMetrics(await metrics.render()), "");
});
