/**
 * Director loop costs (issue #3): one cycle's own CPU time at 100,000 simulated nodes (strategy,
 * rate limits, records, figures, metrics; the simulator stands in for I/O), and a /metrics scrape
 * at 10,000 nodes through the Hono app.
 */
import { createApi } from "../../src/api/app.ts";
import { Director } from "../../src/director/director.ts";
import { DirectorMetrics } from "../../src/director/metrics.ts";
import { UNIFORM_WEIGHTS } from "../../src/domain/image_weights.ts";
import { seededRandom } from "../../src/domain/random.ts";
import { Loop } from "../../src/loop.ts";
import { ManualClock } from "../../src/runtime/clock.ts";
import { Metrics } from "../../src/runtime/metrics.ts";
import { RuntimeSettings } from "../../src/runtime/settings.ts";
import { ScoutMetrics } from "../../src/scout/metrics.ts";
import { createSimulator } from "../../src/scout/simulator/simulator.ts";
import { importStrategy } from "../../src/strategy/loader.ts";
import { STRATEGIES } from "../../src/setup.ts";
import { tunables } from "../_helpers.ts";

const strategy = await importStrategy({ kind: "builtin", name: "simple_proportional" }, STRATEGIES);

/** A loop on a simulated fleet of `nodes`, in dry run so every cycle plans the same work. */
async function simulatedLoop(nodes: number) {
  const clock = new ManualClock(1_700_000_000_000);
  const scout = createSimulator({ nodes, flavors: 10, images: 50 }, clock);
  const settings = new RuntimeSettings(tunables({ dry_run: true }), strategy.options);
  const metrics = new Metrics({
    version: "bench",
    strategy: { name: "simple_proportional", version: "1.0.0" },
    scout: "simulator",
  });
  const director = new DirectorMetrics(metrics.registry);
  const scoutMetrics = new ScoutMetrics(metrics.registry);
  scoutMetrics.trackSimulator(() => scout.stats());
  const loop = new Loop({
    clock,
    scout,
    strategy,
    director: new Director(scout, clock, settings.current, 8),
    settings,
    imageWeights: UNIFORM_WEIGHTS,
    pollSpacing: 60,
    random: seededRandom(1),
    observer: {
      observeCycle: (record) => director.observeCycle(record),
      observeScout: (source, seconds, ok) => scoutMetrics.observeScout(source, seconds, ok),
    },
  });
  await loop.poll();
  const first = await loop.triggerCycle()!;
  if (first.outcome !== "success") throw new Error(`cycle ${first.outcome}: ${first.reason}`);
  return { loop, metrics, settings, directives: first.directives.length };
}

const big = await simulatedLoop(100_000);
Deno.bench({
  name: `one cycle, 100,000 simulated nodes (${big.directives} directives, dry run)`,
  fn: async () => {
    await big.loop.triggerCycle();
  },
});

const small = await simulatedLoop(10_000);
const app = createApi({
  controller: small.loop,
  settings: small.settings,
  metrics: small.metrics,
  readOnly: false,
});
Deno.bench({
  name: "GET /metrics, 10,000 simulated nodes (10 flavors, 50 images)",
  fn: async () => {
    const response = await app.request("/metrics");
    await response.text();
  },
});
