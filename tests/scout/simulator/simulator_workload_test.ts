/**
 * The simulator over a given workload: the fleet it lists, where deploys land, deletes, image
 * updates, and the figures a simulation report needs.
 */
import assert from "node:assert/strict";
import { cache } from "../../../src/domain/directive.ts";
import type { Trace, TraceEvent } from "../../../src/domain/trace.ts";
import { ManualClock } from "../../../src/runtime/clock.ts";
import type { SimulatorInput } from "../../../src/scout/simulator/config.ts";
import { createSimulator } from "../../../src/scout/simulator/simulator.ts";
import { traceWorkload } from "../../../src/scout/simulator/trace_workload.ts";

const START = 1_700_000_000_000;
const MINUTE = 60_000;
const signal = new AbortController().signal;

function simulate(
  events: TraceEvent[],
  options: SimulatorInput = {},
  flavors: Record<string, number> = { "bm.a": 2 },
) {
  const trace: Trace = { fleet: { kind: "fleet", flavors, images: ["A", "B"] }, events };
  const clock = new ManualClock(START);
  const scout = createSimulator(
    { cache_seconds: 60, clean_seconds: 60, ...options },
    clock,
    traceWorkload(trace),
  );
  return { clock, scout };
}

Deno.test("createSimulator() lists the workload's flavors, node counts and images", async () => {
  const { scout } = simulate([], {}, { "bm.a": 3, "bm.b": 1 });
  const nodes = await scout.retrieveNodes(signal);
  assert.deepEqual(nodes.map((n) => n.flavor).sort(), ["bm.a", "bm.a", "bm.a", "bm.b"]);
  assert.deepEqual((await scout.retrieveFlavors(signal)).map((f) => f.name), ["bm.a", "bm.b"]);
  assert.deepEqual((await scout.retrieveImages(signal)).map((i) => i.name), ["A", "B"]);
});

Deno.test("SimulatorScout plays deploys at minute 0 as running instances, not counted", async () => {
  const { scout } = simulate([{ t: 0, kind: "deploy", id: "i-1", flavor: "bm.a", image: "B" }]);
  const nodes = await scout.retrieveNodes(signal);
  const [b] = (await scout.retrieveImages(signal)).filter((i) => i.name === "B");
  assert.deepEqual(nodes.filter((n) => n.provisioned).map((n) => n.instanceImage), [b.uuid]);
  assert.equal(scout.stats().deploys, 0);
});

Deno.test("SimulatorScout: a deploy with no idle node is unserved and its delete ignored", async () => {
  const { clock, scout } = simulate([
    { t: 1, kind: "deploy", id: "i-1", flavor: "bm.a", image: "A" },
    { t: 1, kind: "deploy", id: "i-2", flavor: "bm.a", image: "A" },
    { t: 1, kind: "deploy", id: "i-3", flavor: "bm.a", image: "A" },
    { t: 2, kind: "delete", id: "i-3" },
    { t: 3, kind: "delete", id: "i-1" },
  ]);
  clock.set(START + 2 * MINUTE);
  assert.deepEqual([scout.stats().deploys, scout.stats().unserved], [2, 1]);
  assert.equal((await scout.retrieveNodes(signal)).filter((n) => n.provisioned).length, 2);
  clock.set(START + 3 * MINUTE);
  const phases = (await scout.retrieveNodes(signal)).map((n) => n.phase).sort();
  assert.deepEqual(phases, ["active", "cleaning"]);
  clock.set(START + 4 * MINUTE);
  const after = (await scout.retrieveNodes(signal)).map((n) => n.phase).sort();
  assert.deepEqual(after, ["active", "available"], "cleaning takes clean_seconds");
});

Deno.test("SimulatorScout: prefer_cached places a deploy on the node holding its image", async () => {
  for (let seed = 0; seed < 8; seed++) {
    const { clock, scout } = simulate(
      [{ t: 2, kind: "deploy", id: "i-1", flavor: "bm.a", image: "A" }],
      { scheduler: "prefer_cached", seed },
      { "bm.a": 10 },
    );
    const [a] = await scout.retrieveImages(signal);
    const [n] = await scout.retrieveNodes(signal);
    await scout.issue(cache(n.uuid, a), signal);
    clock.set(START + 2 * MINUTE);
    assert.equal(scout.stats().cacheHits, 1);
    assert.equal(
      (await scout.retrieveNodes(signal)).find((m) => m.uuid === n.uuid)?.phase,
      "active",
    );
  }
});

Deno.test("SimulatorScout: an image update leaves the old version's caches stale (a miss)", async () => {
  const { clock, scout } = simulate(
    [
      { t: 1, kind: "image_update", image: "A" },
      { t: 2, kind: "deploy", id: "i-1", flavor: "bm.a", image: "A" },
    ],
    { scheduler: "prefer_cached" },
    { "bm.a": 1 },
  );
  const [old] = await scout.retrieveImages(signal);
  const [n] = await scout.retrieveNodes(signal);
  await scout.issue(cache(n.uuid, old), signal);
  clock.set(START + 2 * MINUTE);
  const [fresh] = await scout.retrieveImages(signal);
  assert.notEqual(fresh.uuid, old.uuid);
  assert.deepEqual([scout.stats().deploys, scout.stats().cacheHits, scout.stats().refreshes], [
    1,
    0,
    1,
  ]);
});

Deno.test("SimulatorScout.figures() counts per flavor and image from the mark, with time averages", async () => {
  const { clock, scout } = simulate(
    [
      { t: 1, kind: "deploy", id: "i-1", flavor: "bm.a", image: "A" },
      { t: 10, kind: "deploy", id: "i-2", flavor: "bm.a", image: "B" },
      { t: 11, kind: "deploy", id: "i-3", flavor: "bm.b", image: "A" },
      { t: 12, kind: "deploy", id: "i-4", flavor: "bm.b", image: "A" },
    ],
    { scheduler: "prefer_cached" },
    { "bm.a": 2, "bm.b": 1 },
  );
  clock.set(START + 5 * MINUTE);
  scout.markFigures();
  const [, b] = await scout.retrieveImages(signal);
  const idle = (await scout.retrieveNodes(signal)).find((n) =>
    n.flavor === "bm.a" && !n.provisioned
  )!;
  await scout.issue(cache(idle.uuid, b), signal); // caching from minute 5, ready at 6
  clock.set(START + 15 * MINUTE);
  const figures = scout.figures();
  assert.equal(figures.minutes, 10);
  const [fa, fb] = figures.flavors;
  assert.deepEqual(
    [fa.name, fa.nodes, fa.deploys, fa.served, fa.unserved, fa.hits],
    ["bm.a", 2, 1, 1, 0, 1],
  );
  assert.deepEqual([fb.deploys, fb.served, fb.unserved, fb.hits], [2, 1, 1, 0]);
  // bm.a: one node cached or caching from minute 5 to 10 (then deployed): 5 node-minutes.
  assert.equal(fa.cachedNodeMinutes, 5);
  // bm.a: one node available 5..10; bm.b: one node available 5..11.
  assert.equal(fa.availableNodeMinutes, 5);
  assert.equal(fb.availableNodeMinutes, 6);
  assert.deepEqual(
    figures.images.map((i) => [i.name, i.deploys, i.served, i.unserved, i.hits]),
    [["A", 2, 1, 1, 0], ["B", 1, 1, 0, 1]],
  );
});

Deno.test("SimulatorScout: the same workload events and seed give the same fleet, whatever made them", async () => {
  const events: TraceEvent[] = [];
  for (let i = 0; i < 40; i++) {
    events.push({ t: i, kind: "deploy", id: `i-${i}`, flavor: "bm.a", image: i % 3 ? "A" : "B" });
  }
  async function run() {
    const { clock, scout } = simulate(events, { seed: 3 }, { "bm.a": 60 });
    clock.set(START + 50 * MINUTE);
    return { nodes: await scout.retrieveNodes(signal), figures: scout.figures() };
  }
  assert.deepEqual(await run(), await run());
});
