/**
 * Planning speed (issue #2): simple_proportional on 10 flavors and 50 images at 10k, 100k and
 * 1M nodes; snapshot decoding; and the whole `plan` command on a 100k-node snapshot.
 * The original Python strategy took 281 ms at 100k nodes and 2.56 s at 1M on our machines.
 * What a plan worker costs (issue #9): a plugin file planned inline and in its worker, and what
 * handing it a fleet and a deploy history costs the main thread. `demand` at 100k nodes with a
 * week of 20,000 deploys, beside simple_proportional (issue #13).
 */
import { decodeSnapshot } from "../../src/domain/snapshot.ts";
import { systemClock } from "../../src/runtime/clock.ts";
import { importStrategy } from "../../src/strategy/loader.ts";
import { STRATEGIES } from "../../src/setup.ts";
import { planWith } from "../../src/strategy/plan_with.ts";
import { packDeploys, packFleet } from "../../src/strategy/plan_transfer.ts";
import { runStrategy } from "../../src/strategy/run.ts";
import type { ObservedDeploy } from "../../src/strategy/contract.ts";
import { UNIFORM_WEIGHTS } from "../../src/domain/image_weights.ts";
import { syntheticFleet } from "../_fixtures/synthetic_fleet.ts";
import { context, ROOT } from "../_helpers.ts";

const strategy = await importStrategy({ kind: "builtin", name: "simple_proportional" }, STRATEGIES);
const options = { percentage_to_cache: 0.125 };
const shape = { flavors: 10, images: 50, provisioned: 0.5, cached: 0.05, stale: 0.2 };

for (const nodes of [10_000, 100_000, 1_000_000]) {
  const fleet = syntheticFleet({ nodes, ...shape });
  Deno.bench({
    name: `simple_proportional plan, ${nodes.toLocaleString("en")} nodes`,
    group: "plan",
    baseline: nodes === 100_000,
    fn: () => {
      runStrategy(strategy, fleet, options, context(1));
    },
  });
}

/** Skewed: image `i` of 50 is deployed about 1/(i+1) as often as the first. */
function weekOfDeploys(count: number, flavors: number): ObservedDeploy[] {
  const week = 7 * 24 * 3_600_000;
  return Array.from({ length: count }, (_, i) => ({
    at: -week + Math.floor(i * week / count),
    flavor: `baremetal-${i % flavors}`,
    image: `image-${Math.floor(50 ** ((i * 0.618034) % 1)) - 1}`,
    hit: i % 3 === 0,
  }));
}

const demand = await importStrategy({ kind: "builtin", name: "demand" }, STRATEGIES);
const demandOptions = demand.strategy.options!.parse({ cache_share: 0.125 });
const deploys20k = weekOfDeploys(20_000, shape.flavors);
const fleetForDemand = syntheticFleet({ nodes: 100_000, ...shape });
Deno.bench({
  name: "demand plan, 100,000 nodes, a week of 20,000 deploys (explanation included)",
  group: "plan",
  fn: () => {
    runStrategy(demand, fleetForDemand, demandOptions, context(1, undefined, deploys20k));
  },
});

const fixedShare = await importStrategy({
  kind: "file",
  path: `${ROOT}tests/_fixtures/plugins/fixed_share.ts`,
}, STRATEGIES);
for (const nodes of [10, 100_000]) {
  const fleet = syntheticFleet({ nodes, ...shape });
  const options = { share: 0.125 };
  const name = `${nodes.toLocaleString("en")} nodes`;
  Deno.bench({
    name: `fixed_share plugin file inline, ${name}`,
    group: `worker ${nodes}`,
    baseline: true,
    fn: () => {
      runStrategy(fixedShare, fleet, options, context(1));
    },
  });
  Deno.bench({
    name: `fixed_share plugin file in its plan worker, ${name}`,
    group: `worker ${nodes}`,
    fn: async () => {
      const input = { fleet, options, seed: 1, imageWeights: UNIFORM_WEIGHTS };
      await planWith(fixedShare, input, { clock: systemClock, timeout: 60 });
    },
  });
}
const fleet100k = syntheticFleet({ nodes: 100_000, ...shape });
Deno.bench({
  name: "packFleet, 100,000 nodes (the main thread's share of handing a fleet to a worker)",
  group: "handing over",
  baseline: true,
  fn: () => {
    packFleet(fleet100k);
  },
});
Deno.bench({
  name: "structuredClone of a 100,000-node fleet (what posting it as objects would cost)",
  group: "handing over",
  fn: () => {
    structuredClone(fleet100k);
  },
});

/** A busy week: 100,000 deploys on 10 flavors and 50 images (issue #13). */
const week = Array.from({ length: 100_000 }, (_, i) => ({
  at: 1_700_000_000_000 + i * 6_000,
  flavor: `flavor-${i % 10}`,
  image: `image-${(i * 7) % 50}`,
  hit: i % 3 === 0,
}));
Deno.bench({
  name: "packDeploys, 100,000 deploys (the main thread's share of handing a history to a worker)",
  group: "handing over",
  fn: () => {
    packDeploys(week);
  },
});

const snapshotText = JSON.stringify(syntheticFleet({ nodes: 100_000, ...shape }));
Deno.bench({
  name: "decodeSnapshot, 100,000 nodes",
  fn: () => {
    if (!decodeSnapshot(snapshotText).ok) throw new Error("invalid snapshot");
  },
});

const snapshotFile = await Deno.makeTempFile({ prefix: "arsenal-bench-", suffix: ".json" });
await Deno.writeTextFile(snapshotFile, snapshotText);
Deno.bench({
  name: "arsenal plan --snapshot (100,000 nodes), whole process",
  n: 10,
  warmup: 2,
  fn: async () => {
    const { code } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--allow-read",
        "--allow-env",
        `${ROOT}main.ts`,
        "plan",
        "--snapshot",
        snapshotFile,
      ],
      stdout: "null",
      stderr: "inherit",
    }).output();
    if (code !== 0) throw new Error(`plan exited ${code}`);
  },
});

globalThis.addEventListener("unload", () => Deno.removeSync(snapshotFile));
