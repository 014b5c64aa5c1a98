/**
 * Tests of `src/runtime/metrics.ts`: the exposition text, read back sample by sample.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Metrics, type MetricsOptions } from "../../src/runtime/metrics.ts";
import type {
  CycleRecord,
  DirectiveOutcome,
  DirectiveRecord,
  FlavorFigures,
  ImageFigures,
} from "../../src/director/record.ts";
import { promtoolCheckMetrics } from "../_fakes/promtool.ts";

const OPTIONS: MetricsOptions = {
  version: "0.1.0",
  strategy: { name: "simple_proportional", version: "1.2.0" },
  scout: "simulator",
};

const T0 = 1_700_000_000_000;

/** One sample line of the exposition. */
interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const ESCAPES: Record<string, string> = { "\\\\": "\\", '\\"': '"', "\\n": "\n" };

/** The sample lines of a text exposition (comments and blank lines skipped). */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, raw] of (match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[name] = raw.replace(/\\[\\"n]/g, (escape) => ESCAPES[escape]);
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The label sets of every sample named `name`. */
function series(samples: readonly Sample[], name: string): Record<string, string>[] {
  return samples.filter((s) => s.name === name).map((s) => ({ ...s.labels }));
}

/** The value of the sample with exactly these labels, or undefined. */
function value(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  return samples.find((s) =>
    s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === wanted
  )?.value;
}

async function scrape(metrics: Metrics): Promise<Sample[]> {
  return parse(await metrics.render());
}

function cycle(fields: Partial<CycleRecord> = {}): CycleRecord {
  return {
    startedAt: T0,
    finishedAt: T0 + 250,
    outcome: "success",
    trigger: "schedule",
    strategy: OPTIONS.strategy,
    seed: 1,
    dryRun: false,
    directives: [],
    flavors: [],
    images: [],
    ...fields,
  };
}

function cacheRecord(outcome: DirectiveOutcome, node = "n1"): DirectiveRecord {
  return { kind: "cache", nodeUuid: node, imageUuid: "u1", imageChecksum: "c1", outcome };
}

function ejectRecord(outcome: DirectiveOutcome, node = "n2"): DirectiveRecord {
  return { kind: "eject", nodeUuid: node, outcome };
}

function flavor(name: string, target?: number): FlavorFigures {
  return { flavor: name, target, provisioned: 10, available: 5, cached: 3 };
}

function image(uuid: string, name: string, cached = 2): ImageFigures {
  return { uuid, name, cached };
}

Deno.test("Metrics.render() starts with known label sets at zero", async () => {
  const samples = await scrape(new Metrics(OPTIONS));
  for (const outcome of ["success", "skipped", "failed"]) {
    assert.equal(value(samples, "arsenal_cycles_total", { outcome }), 0);
  }
  assert.equal(series(samples, "arsenal_directives_total").length, 12);
  for (const kind of ["cache", "eject"]) {
    const outcomes = ["issued", "failed", "skipped", "not_issued", "dry_run", "rate_limited"];
    for (const outcome of outcomes) {
      assert.equal(value(samples, "arsenal_directives_total", { kind, outcome }), 0);
    }
  }
  for (const source of ["nodes", "flavors", "images"]) {
    assert.equal(value(samples, "arsenal_scout_errors_total", { source }), 0);
    assert.equal(value(samples, "arsenal_scout_duration_seconds_count", { source }), 0);
  }
  assert.equal(value(samples, "arsenal_cycle_duration_seconds_count"), 0);
  assert.equal(value(samples, "arsenal_last_success_timestamp_seconds"), 0);
  assert.equal(value(samples, "arsenal_dry_run"), 0);
  assert.equal(value(samples, "arsenal_paused"), 0);
  assert.equal(value(samples, "arsenal_ejects_resumed_total"), 0);
  assert.deepEqual(series(samples, "arsenal_nodes"), []);
  assert.deepEqual(series(samples, "arsenal_cached_nodes"), []);
});

Deno.test("Metrics.contentType is Prometheus' text format", () => {
  assert.equal(new Metrics(OPTIONS).contentType, "text/plain; version=0.0.4; charset=utf-8");
});

Deno.test("Metrics.observeCycle() counts cycles by outcome and observes their duration", async () => {
  const metrics = new Metrics(OPTIONS);
  metrics.observeCycle(cycle({ finishedAt: T0 + 250 }));
  metrics.observeCycle(cycle({ finishedAt: T0 + 2_000 }));
  metrics.observeCycle(cycle({ outcome: "skipped", finishedAt: T0 + 3 }));
  metrics.observeCycle(cycle({ outcome: "failed", finishedAt: T0 + 40 }));
  const samples = await scrape(metrics);
  assert.equal(value(samples, "arsenal_cycles_total", { outcome: "success" }), 2);
  assert.equal(value(samples, "arsenal_cycles_total", { outcome: "skipped" }), 1);
  assert.equal(value(samples, "arsenal_cycles_total", { outcome: "failed" }), 1);
  assert.equal(value(samples, "arsenal_cycle_duration_seconds_count"), 4);
  assert.equal(value(samples, "arsenal_cycle_duration_seconds_sum"), 2.293);
  const bucket = (le: string) => value(samples, "arsenal_cycle_duration_seconds_bucket", { le });
  assert.equal(bucket("0.001"), 0);
  assert.equal(bucket("0.005"), 1);
  assert.equal(bucket("0.05"), 2);
  assert.equal(bucket("0.25"), 3);
  assert.equal(bucket("2.5"), 4);
  assert.equal(bucket("300"), 4);
  assert.equal(bucket("+Inf"), 4);
});

Deno.test("Metrics.observeCycle() counts directives by kind and outcome, across cycles", async () => {
  const metrics = new Metrics(OPTIONS);
  metrics.observeCycle(cycle({
    directives: [
      cacheRecord("issued", "a"),
      cacheRecord("issued", "b"),
      cacheRecord("rate_limited", "c"),
      ejectRecord("failed"),
    ],
  }));
  metrics.observeCycle(cycle({
    outcome: "skipped",
    directives: [cacheRecord("issued"), ejectRecord("dry_run")],
  }));
  const samples = await scrape(metrics);
  const count = (kind: string, outcome: string) =>
    value(samples, "arsenal_directives_total", { kind, outcome });
  assert.equal(count("cache", "issued"), 3);
  assert.equal(count("cache", "rate_limited"), 1);
  assert.equal(count("cache", "failed"), 0);
  assert.equal(count("cache", "dry_run"), 0);
  assert.equal(count("eject", "failed"), 1);
  assert.equal(count("eject", "dry_run"), 1);
  assert.equal(count("eject", "issued"), 0);
});

Deno.test("Metrics.observeCycle() sets fleet gauges from a successful cycle", async () => {
  const metrics = new Metrics(OPTIONS);
  metrics.observeCycle(cycle({
    finishedAt: T0 + 1_500,
    flavors: [
      { flavor: "gpu", target: 4, provisioned: 12, available: 1, cached: 3 },
      { flavor: "small", provisioned: 7, available: 9, cached: 0 },
    ],
    images: [image("u1", "ubuntu-24.04", 3), image("u2", "ubuntu-24.04", 1)],
  }));
  const samples = await scrape(metrics);
  assert.equal(value(samples, "arsenal_nodes", { flavor: "gpu", state: "provisioned" }), 12);
  assert.equal(value(samples, "arsenal_nodes", { flavor: "gpu", state: "available" }), 1);
  assert.equal(value(samples, "arsenal_nodes", { flavor: "gpu", state: "cached" }), 3);
  assert.equal(value(samples, "arsenal_nodes", { flavor: "small", state: "provisioned" }), 7);
  assert.equal(value(samples, "arsenal_nodes", { flavor: "small", state: "available" }), 9);
  assert.equal(value(samples, "arsenal_nodes", { flavor: "small", state: "cached" }), 0);
  assert.deepEqual(series(samples, "arsenal_cache_target_nodes"), [{ flavor: "gpu" }]);
  assert.equal(value(samples, "arsenal_cache_target_nodes", { flavor: "gpu" }), 4);
  const cached = (image_uuid: string) =>
    value(samples, "arsenal_cached_nodes", { image: "ubuntu-24.04", image_uuid });
  assert.equal(cached("u1"), 3);
  assert.equal(cached("u2"), 1);
  assert.equal(value(samples, "arsenal_last_success_timestamp_seconds"), (T0 + 1_500) / 1000);
});

Deno.test("Metrics.observeCycle() drops flavors and images that vanished", async () => {
  const metrics = new Metrics(OPTIONS);
  metrics.observeCycle(cycle({
    flavors: [flavor("gpu", 4), flavor("small", 2)],
    images: [image("u1", "ubuntu"), image("u2", "debian")],
  }));
  metrics.observeCycle(cycle({
    flavors: [flavor("small")],
    images: [image("u2", "debian", 5)],
  }));
  const samples = await scrape(metrics);
  assert.deepEqual(series(samples, "arsenal_nodes"), [
    { flavor: "small", state: "provisioned" },
    { flavor: "small", state: "cached" },
    { flavor: "small", state: "available" },
  ]);
  assert.deepEqual(series(samples, "arsenal_cache_target_nodes"), []);
  assert.deepEqual(series(samples, "arsenal_cached_nodes"), [{
    image: "debian",
    image_uuid: "u2",
  }]);
  assert.equal(value(samples, "arsenal_cached_nodes", { image: "debian", image_uuid: "u2" }), 5);
});

Deno.test("Metrics.observeCycle() keeps fleet gauges through skipped and failed cycles", async () => {
  const metrics = new Metrics(OPTIONS);
  metrics.observeCycle(cycle({ flavors: [flavor("gpu", 4)], images: [image("u1", "ubuntu")] }));
  metrics.observeCycle(cycle({ outcome: "skipped", finishedAt: T0 + 60_000, reason: "no nodes" }));
  metrics.observeCycle(cycle({ outcome: "failed", finishedAt: T0 + 120_000, reason: "scout" }));
  const samples = await scrape(metrics);
  assert.equal(value(samples, "arsenal_nodes", { flavor: "gpu", state: "provisioned" }), 10);
  assert.equal(value(samples, "arsenal_cache_target_nodes", { flavor: "gpu" }), 4);
  assert.equal(value(samples, "arsenal_cached_nodes", { image: "ubuntu", image_uuid: "u1" }), 2);
  assert.equal(value(samples, "arsenal_last_success_timestamp_seconds"), (T0 + 250) / 1000);
});

Deno.test("Metrics.observeScout() records durations and counts errors per source", async () => {
  const metrics = new Metrics(OPTIONS);
  metrics.observeScout("nodes", 1.2, true);
  metrics.observeScout("nodes", 0.3, false);
  metrics.observeScout("images", 0.004, false);
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

Deno.test("Metrics.observeUpstream() counts requests by service, method and status", async () => {
  const metrics = new Metrics(OPTIONS);
  metrics.observeUpstream("baremetal", "GET", "200", 0.02);
  metrics.observeUpstream("baremetal", "GET", "200", 0.04);
  metrics.observeUpstream("baremetal", "PUT", "409", 3);
  metrics.observeUpstream("identity", "POST", "error", 0.5);
  metrics.observeUnidentified(2);
  const samples = await scrape(metrics);
  const requests = (labels: Record<string, string>) =>
    value(samples, "arsenal_upstream_requests_total", labels);
  assert.equal(requests({ service: "baremetal", method: "GET", status: "200" }), 2);
  assert.equal(requests({ service: "baremetal", method: "PUT", status: "409" }), 1);
  assert.equal(requests({ service: "identity", method: "POST", status: "error" }), 1);
  assert.equal(
    value(samples, "arsenal_upstream_request_duration_seconds_count", { service: "baremetal" }),
    3,
  );
  assert.equal(value(samples, "arsenal_unidentified_nodes", {}), 2);
});

Deno.test("Metrics.observeResumedEjects() counts the interrupted ejects a resume moved on", async () => {
  const metrics = new Metrics(OPTIONS);
  metrics.observeResumedEjects(2);
  metrics.observeResumedEjects(1);
  assert.equal(value(await scrape(metrics), "arsenal_ejects_resumed_total"), 3);
});

Deno.test("Metrics.setToggles() sets the dry-run and paused gauges to 0 or 1", async () => {
  const metrics = new Metrics(OPTIONS);
  metrics.setToggles({ dry_run: true, paused: false });
  let samples = await scrape(metrics);
  assert.equal(value(samples, "arsenal_dry_run"), 1);
  assert.equal(value(samples, "arsenal_paused"), 0);
  metrics.setToggles({ dry_run: false, paused: true });
  samples = await scrape(metrics);
  assert.equal(value(samples, "arsenal_dry_run"), 0);
  assert.equal(value(samples, "arsenal_paused"), 1);
});

Deno.test("Metrics.observePlanFailure() counts failed plans by reason, from zero", async () => {
  const metrics = new Metrics(OPTIONS);
  let samples = await scrape(metrics);
  assert.deepEqual(series(samples, "arsenal_strategy_failures_total"), [
    { reason: "timeout" },
    { reason: "error" },
    { reason: "invalid" },
  ]);
  metrics.observePlanFailure("timeout");
  metrics.observePlanFailure("timeout");
  metrics.observePlanFailure("invalid");
  samples = await scrape(metrics);
  assert.equal(value(samples, "arsenal_strategy_failures_total", { reason: "timeout" }), 2);
  assert.equal(value(samples, "arsenal_strategy_failures_total", { reason: "error" }), 0);
  assert.equal(value(samples, "arsenal_strategy_failures_total", { reason: "invalid" }), 1);
});

Deno.test("Metrics.countChange() counts changes per setting", async () => {
  const metrics = new Metrics(OPTIONS);
  metrics.countChange({ setting: "dry_run", from: false, to: true });
  metrics.countChange({ setting: "dry_run", from: true, to: false, reason: "done" });
  metrics.countChange({ setting: "strategy.share", from: 0.5, to: 0.6 });
  const samples = await scrape(metrics);
  assert.equal(value(samples, "arsenal_runtime_changes_total", { setting: "dry_run" }), 2);
  assert.equal(value(samples, "arsenal_runtime_changes_total", { setting: "strategy.share" }), 1);
});

Deno.test("Metrics.trackSimulator() reads the simulator's counts at scrape time", async () => {
  const metrics = new Metrics(OPTIONS);
  const before = await metrics.render();
  assert.doesNotMatch(before, /arsenal_simulator_/);
  const stats = { deploys: 3, cacheHits: 1 };
  let reads = 0;
  metrics.trackSimulator(() => (reads++, stats));
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

Deno.test("Metrics.trackSimulator() called again reads from the new source", async () => {
  const metrics = new Metrics(OPTIONS);
  metrics.trackSimulator(() => ({ deploys: 3, cacheHits: 1 }));
  metrics.trackSimulator(() => ({ deploys: 8, cacheHits: 5 }));
  const samples = await scrape(metrics);
  assert.deepEqual(series(samples, "arsenal_simulator_deploys_total"), [{}]);
  assert.equal(value(samples, "arsenal_simulator_deploys_total"), 8);
  assert.equal(value(samples, "arsenal_simulator_cache_hits_total"), 5);
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

Deno.test("Metrics instances are independent of each other", async () => {
  const first = new Metrics(OPTIONS);
  const second = new Metrics({ ...OPTIONS, scout: "ironic" });
  first.observeCycle(cycle({ flavors: [flavor("gpu")] }));
  first.setToggles({ dry_run: true, paused: true });
  first.trackSimulator(() => ({ deploys: 1, cacheHits: 0 }));
  const samples = await scrape(second);
  assert.equal(value(samples, "arsenal_cycles_total", { outcome: "success" }), 0);
  assert.deepEqual(series(samples, "arsenal_nodes"), []);
  assert.equal(value(samples, "arsenal_dry_run"), 0);
  assert.doesNotMatch(await second.render(), /arsenal_simulator_/);
  assert.equal(series(samples, "arsenal_build_info")[0].scout, "ironic");
  second.trackSimulator(() => ({ deploys: 2, cacheHits: 2 }));
  assert.equal(value(await scrape(second), "arsenal_simulator_deploys_total"), 2);
});

Deno.test("Metrics.render() escapes label values", async () => {
  const metrics = new Metrics(OPTIONS);
  const name = 'quote " back \\ newline \n é';
  metrics.observeCycle(cycle({ images: [image("u1", name)] }));
  const samples = await scrape(metrics);
  assert.deepEqual(series(samples, "arsenal_cached_nodes"), [{ image: name, image_uuid: "u1" }]);
});

Deno.test("Metrics.render() passes `promtool check metrics` without a problem", async () => {
  const metrics = new Metrics(OPTIONS);
  metrics.trackSimulator(() => ({ deploys: 4, cacheHits: 2 }));
  metrics.setToggles({ dry_run: true, paused: false });
  metrics.countChange({ setting: "dry_run", from: false, to: true });
  metrics.observeScout("flavors", 0.02, false);
  metrics.observeUpstream("baremetal", "GET", "200", 0.03);
  metrics.observeUpstream("image", "GET", "error", 1);
  metrics.observeUnidentified(3);
  metrics.observeCycle(cycle({
    directives: [cacheRecord("issued"), ejectRecord("rate_limited")],
    flavors: [flavor("gpu", 4), flavor("small")],
    images: [image("u1", 'odd "name" \\ here\n')],
  }));
  assert.equal(await promtoolCheckMetrics(await metrics.render()), "");
});
