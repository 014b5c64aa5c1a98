/**
 * Tests of `src/director/metrics.ts`: what the cycles did, read back from the exposition.
 *
 * @module
 */
import assert from "node:assert/strict";
import { DirectorMetrics } from "../../src/director/metrics.ts";
import type {
  DirectiveOutcome,
  DirectiveRecord,
  FlavorFigures,
  ImageFigures,
} from "../../src/director/record.ts";
import type { Metrics } from "../../src/runtime/metrics.ts";
import { cycleRecord as cycle, scrape, series, T0, testMetrics, value } from "../_metrics.ts";

/** A registry with the director's group on it. */
function setup(): { metrics: Metrics; director: DirectorMetrics } {
  const metrics = testMetrics();
  return { metrics, director: new DirectorMetrics(metrics.registry) };
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

Deno.test("DirectorMetrics starts with known label sets at zero", async () => {
  const samples = await scrape(setup().metrics);
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
  assert.equal(value(samples, "arsenal_cycle_duration_seconds_count"), 0);
  assert.equal(value(samples, "arsenal_last_success_timestamp_seconds"), 0);
  assert.deepEqual(series(samples, "arsenal_nodes"), []);
  assert.deepEqual(series(samples, "arsenal_cached_nodes"), []);
});

Deno.test("DirectorMetrics.observeCycle() counts cycles by outcome and observes their duration", async () => {
  const { metrics, director } = setup();
  director.observeCycle(cycle({ finishedAt: T0 + 250 }));
  director.observeCycle(cycle({ finishedAt: T0 + 2_000 }));
  director.observeCycle(cycle({ outcome: "skipped", finishedAt: T0 + 3 }));
  director.observeCycle(cycle({ outcome: "failed", finishedAt: T0 + 40 }));
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

Deno.test("DirectorMetrics.observeCycle() counts directives by kind and outcome, across cycles", async () => {
  const { metrics, director } = setup();
  director.observeCycle(cycle({
    directives: [
      cacheRecord("issued", "a"),
      cacheRecord("issued", "b"),
      cacheRecord("rate_limited", "c"),
      ejectRecord("failed"),
    ],
  }));
  director.observeCycle(cycle({
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

Deno.test("DirectorMetrics.observeCycle() sets fleet gauges from a successful cycle", async () => {
  const { metrics, director } = setup();
  director.observeCycle(cycle({
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

Deno.test("DirectorMetrics.observeCycle() drops flavors and images that vanished", async () => {
  const { metrics, director } = setup();
  director.observeCycle(cycle({
    flavors: [flavor("gpu", 4), flavor("small", 2)],
    images: [image("u1", "ubuntu"), image("u2", "debian")],
  }));
  director.observeCycle(cycle({
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

Deno.test("DirectorMetrics.observeCycle() keeps fleet gauges through skipped and failed cycles", async () => {
  const { metrics, director } = setup();
  director.observeCycle(cycle({ flavors: [flavor("gpu", 4)], images: [image("u1", "ubuntu")] }));
  director.observeCycle(cycle({ outcome: "skipped", finishedAt: T0 + 60_000, reason: "no nodes" }));
  director.observeCycle(cycle({ outcome: "failed", finishedAt: T0 + 120_000, reason: "scout" }));
  const samples = await scrape(metrics);
  assert.equal(value(samples, "arsenal_nodes", { flavor: "gpu", state: "provisioned" }), 10);
  assert.equal(value(samples, "arsenal_cache_target_nodes", { flavor: "gpu" }), 4);
  assert.equal(value(samples, "arsenal_cached_nodes", { image: "ubuntu", image_uuid: "u1" }), 2);
  assert.equal(value(samples, "arsenal_last_success_timestamp_seconds"), (T0 + 250) / 1000);
});

Deno.test("DirectorMetrics.observeCycle() escapes label values", async () => {
  const { metrics, director } = setup();
  const name = 'quote " back \\ newline \n é';
  director.observeCycle(cycle({ images: [image("u1", name)] }));
  const samples = await scrape(metrics);
  assert.deepEqual(series(samples, "arsenal_cached_nodes"), [{ image: name, image_uuid: "u1" }]);
});

Deno.test("DirectorMetrics.observePlanFailure() counts failed plans by reason, from zero", async () => {
  const { metrics, director } = setup();
  let samples = await scrape(metrics);
  assert.deepEqual(series(samples, "arsenal_strategy_failures_total"), [
    { reason: "timeout" },
    { reason: "error" },
    { reason: "invalid" },
  ]);
  director.observePlanFailure("timeout");
  director.observePlanFailure("timeout");
  director.observePlanFailure("invalid");
  samples = await scrape(metrics);
  assert.equal(value(samples, "arsenal_strategy_failures_total", { reason: "timeout" }), 2);
  assert.equal(value(samples, "arsenal_strategy_failures_total", { reason: "error" }), 0);
  assert.equal(value(samples, "arsenal_strategy_failures_total", { reason: "invalid" }), 1);
});

Deno.test("DirectorMetrics.observeCycle() sets not-cacheable nodes and cache records per flavor when the scout reads records", async () => {
  const { metrics, director } = setup();
  director.observeCycle(cycle({
    flavors: [
      {
        ...flavor("gpu"),
        notCacheable: 4,
        cacheRecords: { caching: 1, cached: 2, failed: 3, lost: 5 },
      },
      flavor("small"),
    ],
  }));
  let samples = await scrape(metrics);
  assert.equal(value(samples, "arsenal_nodes", { flavor: "gpu", state: "not_cacheable" }), 4);
  assert.equal(value(samples, "arsenal_nodes", { flavor: "gpu", state: "available" }), 5);
  for (
    const [status, count] of [["caching", 1], ["cached", 2], ["failed", 3], ["lost", 5]] as const
  ) {
    assert.equal(value(samples, "arsenal_cache_records", { flavor: "gpu", status }), count);
  }
  assert.equal(
    series(samples, "arsenal_nodes").filter((s) => s.flavor === "small").length,
    3,
    "a flavor without the figures gets no not_cacheable series",
  );
  assert.equal(
    series(samples, "arsenal_cache_records").filter((s) => s.flavor === "small").length,
    0,
  );

  director.observeCycle(cycle({ flavors: [flavor("small")] }));
  samples = await scrape(metrics);
  assert.deepEqual(series(samples, "arsenal_cache_records"), [], "replaced at each success");
});

Deno.test("DirectorMetrics.observeEvents() counts deploys by flavor, image name and hit or miss; unknown images as other", async () => {
  const { metrics, director } = setup();
  const deploy = (image: string, hit: boolean, flavor = "small") => ({
    kind: "deploy" as const,
    at: T0,
    node: "n1",
    flavor,
    image,
    hit,
  });
  const images = [
    { uuid: "u1", name: "Ubuntu", checksum: "c1" },
    { uuid: "u2", name: "", checksum: "c2" },
  ];
  director.observeEvents([
    deploy("u1", true),
    deploy("u1", true),
    deploy("u1", false),
    deploy("u2", false, "large"),
    deploy("gone", false),
    deploy("", true),
    { kind: "delete", at: T0, node: "n1", flavor: "small", image: "u1" },
  ], images);
  const samples = await scrape(metrics);
  const deploys = (flavor: string, image: string, result: string) =>
    value(samples, "arsenal_deploys_total", { flavor, image, result });
  assert.equal(deploys("small", "Ubuntu", "hit"), 2);
  assert.equal(deploys("small", "Ubuntu", "miss"), 1);
  assert.equal(deploys("large", "u2", "miss"), 1, "a nameless image by its id");
  assert.equal(deploys("small", "other", "miss"), 1);
  assert.equal(deploys("small", "other", "hit"), 1);
  assert.equal(series(samples, "arsenal_deploys_total").length, 5);
  assert.equal(value(samples, "arsenal_deletes_total", { flavor: "small" }), 1);
});
