import assert from "node:assert/strict";
import { tempDir } from "../../_helpers.ts";
import { loadConfig } from "../../_config.ts";
import { simulatorSection } from "../../../src/scout/simulator/config.ts";

Deno.test("simulatorSection gives defaults and rejects out-of-range options", () => {
  const defaults = simulatorSection.parse({});
  assert.deepEqual(defaults, {
    nodes: 200,
    flavors: 4,
    images: 6,
    image_skew: 1,
    image_mix: "shared",
    flavor_skew: 0,
    daily_amplitude: 0,
    peak_hour: 14,
    bursts_per_day: 0,
    burst_size: 30,
    burst_minutes: 10,
    drift_per_day: 0,
    seed: 1,
    deployed_share: 0.5,
    instance_minutes: 20,
    cache_seconds: 10,
    clean_seconds: 20,
    image_refresh_minutes: 15,
    scheduler: "prefer_cached",
    failure_rate: 0,
    issue_seconds: 0,
  });
  for (
    const bad of [
      { nodes: 0 },
      { flavors: 1.5 },
      { images: 0 },
      { seed: -1 },
      { deployed_share: 1.5 },
      { deploys_per_minute: -1 },
      { instance_minutes: 0 },
      { scheduler: "round_robin" },
      { failure_rate: 2 },
      { image_skew: -0.5 },
      { image_skew: 5 },
      { image_mix: "random" },
      { flavor_skew: -1 },
      { daily_amplitude: 1.2 },
      { peak_hour: 25 },
      { bursts_per_day: -1 },
      { burst_size: 0 },
      { burst_size: 2.5 },
      { burst_minutes: 0 },
      { burst_minutes: 2000 },
      { drift_per_day: -1 },
    ]
  ) {
    assert.equal(simulatorSection.safeParse(bad).success, false, JSON.stringify(bad));
  }
  for (const [name, option] of Object.entries(simulatorSection.shape)) {
    assert.ok(option.description, `${name} has help text`);
  }
});

Deno.test("readConfig() keeps the original's spacings for real scouts and given ones for the simulator", async () => {
  await using dir = await tempDir();
  const real = await loadConfig(
    dir,
    "[director]\nscout = onmetal_scout.OnMetalScout\n[client_wrapper]\nauth_type = noauth\n" +
      "[ironic]\napi_endpoint = http://ironic:6385\n[nova]\napi_endpoint = http://nova:8774\n" +
      "[glance]\napi_endpoint = http://glance:9292\n",
  );
  assert.deepEqual(real.problems, []);
  assert.deepEqual([real.config?.director.poll_spacing, real.config?.director.directive_spacing], [
    120,
    120,
  ]);
  const given = await loadConfig(dir, "[director]\npoll_spacing = 30\n");
  assert.deepEqual(
    [given.config?.director.poll_spacing, given.config?.director.directive_spacing],
    [30, 5],
  );
});
