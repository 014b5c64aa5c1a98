/**
 * Measures, in the lab, a deploy's time onto a node that cached its image against one that did
 * not, and the lab's start time (README, "Try it against a real Ironic"):
 *
 * ```sh
 * deno run --allow-all tests/lab/measure_deploy.ts [--pairs 3] [--mb-per-s 50] [--mib 64]
 * ```
 *
 * Starts a lab of 2 × pairs nodes, caches the image (served at `--mb-per-s`) on every other node
 * through the plugin's `cache_image`, then deploys it onto the nodes one at a time, cached and
 * uncached alternately, and prints one JSON line: the start phases and each deploy's seconds.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { Ironic } from "../integration/harness/api.ts";
import { startLab } from "./lab.ts";
import { startImageServer } from "./image_server.ts";
import { cacheImage, cacheReaches, deploy, MIB, settled } from "./_proof.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    pairs: { type: "string", default: "3" },
    "mb-per-s": { type: "string", default: "50" },
    mib: { type: "string", default: "64" },
  },
});
const pairs = Number(values.pairs);
const rate = Number(values["mb-per-s"]) * 1e6;
const mib = Number(values.mib);

const t0 = performance.now();
await using lab = await startLab({ nodes: 2 * pairs, diskSize: Math.max(256, 2 * mib) * MIB });
const startS = (performance.now() - t0) / 1000;
await using images = startImageServer();
const ironic = new Ironic(lab.ironic);
const image = images.add("measure.raw", { size: mib * MIB, bytesPerSecond: rate });
const cached = lab.nodes.filter((_, i) => i % 2 === 0);
for (const uuid of cached) await cacheImage(ironic, uuid, image);
for (const uuid of cached) await cacheReaches(ironic, uuid, "cached", 300_000);

const seconds: { cached: number[]; uncached: number[] } = { cached: [], uncached: [] };
for (const [i, uuid] of lab.nodes.entries()) {
  const gets = images.gets(image.name);
  const t = performance.now();
  await deploy(ironic, uuid, image);
  await settled(ironic, uuid, "active");
  const s = Math.round((performance.now() - t) / 100) / 10;
  const hit = images.gets(image.name) === gets;
  if (hit !== (i % 2 === 0)) throw new Error(`Cannot measure: deploy ${i} hit=${hit}`);
  seconds[hit ? "cached" : "uncached"].push(s);
}
console.log(JSON.stringify({
  nodes: lab.nodes.length,
  imageMiB: mib,
  mbPerS: rate / 1e6,
  startS: Math.round(startS * 10) / 10,
  startPhases: lab.timings,
  deployS: seconds,
}));
