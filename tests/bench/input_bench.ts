/**
 * Hostile input stays linear (issue #9): a snapshot with 100,000 duplicate node UUIDs (200,000
 * nodes, every UUID twice; 61 s before, when each duplicate searched for its first occurrence),
 * and a configuration file with 300,000 unknown options (a stack overflow before).
 */
import { decodeSnapshot } from "../../src/domain/snapshot.ts";
import { setup } from "../../src/setup.ts";

const nodes = Array.from({ length: 200_000 }, (_, i) => ({
  uuid: `node-${i % 100_000}`,
  flavor: "small",
  provisioned: false,
  cached: false,
}));
const duplicated = JSON.stringify({ nodes, flavors: [{ name: "small" }], images: [] });
Deno.bench({
  name: "decodeSnapshot, 200,000 nodes with 100,000 duplicate UUIDs",
  n: 5,
  warmup: 1,
  fn: () => {
    if (decodeSnapshot(duplicated).ok) throw new Error("duplicates not found");
  },
});

const unknownOptions = await Deno.makeTempFile({ prefix: "arsenal-bench-", suffix: ".conf" });
await Deno.writeTextFile(
  unknownOptions,
  "[director]\n" + Array.from({ length: 300_000 }, (_, i) => `unknown_option_${i} = x\n`).join(""),
);
Deno.bench({
  name: "setup(), a file of 300,000 unknown options",
  n: 3,
  warmup: 1,
  fn: async () => {
    let warnings = 0;
    await setup(unknownOptions, { onWarning: () => warnings++ });
    if (warnings !== 21) throw new Error(`${warnings} warnings`);
  },
});
