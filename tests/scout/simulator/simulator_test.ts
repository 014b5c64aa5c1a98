/**
 * The simulator scout: fleet shape, timing of caching and cleaning, rejections, tenants, and the
 * built-in strategy driving it. Time moves only by a ManualClock.
 */
import assert from "node:assert/strict";
import strategy from "../../../plugins/simple_proportional.ts";
import { cache, type Directive, eject } from "../../../src/domain/directive.ts";
import type { Node } from "../../../src/domain/fleet.ts";
import { seededRandom } from "../../../src/domain/random.ts";
import { ManualClock } from "../../../src/runtime/clock.ts";
import type { SimulatorInput } from "../../../src/scout/simulator/config.ts";
import {
  createSimulator,
  MAX_EVENTS_PER_ADVANCE,
  type SimulatorScout,
} from "../../../src/scout/simulator/simulator.ts";

const START = 1_700_000_000_000;
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const signal = new AbortController().signal;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A fleet without tenants or refreshes unless `options` say otherwise. */
function quiet(options: SimulatorInput = {}) {
  const clock = new ManualClock(START);
  const scout = createSimulator({
    deploys_per_minute: 0,
    deployed_share: 0,
    image_refresh_minutes: 0,
    ...options,
  }, clock);
  return { clock, scout };
}

async function nodeByUuid(scout: SimulatorScout, uuid: string): Promise<Node> {
  return (await scout.retrieveNodes(signal)).find((n) => n.uuid === uuid)!;
}

/** Advances in one-second steps until `done()`, or fails after `limit` ms; returns the time taken. */
function until(clock: ManualClock, done: () => boolean, limit = 60 * MINUTE) {
  const from = clock.now();
  while (!done()) {
    assert.ok(clock.now() - from < limit, "condition not reached in time");
    clock.set(clock.now() + SECOND);
  }
  return clock.now() - from;
}

Deno.test("createSimulator() rejects invalid options with a RangeError", () => {
  assert.throws(() => createSimulator({ nodes: 0 }, new ManualClock()), RangeError);
});

Deno.test("createSimulator() builds the default fleet", async () => {
  const scout = createSimulator({}, new ManualClock(START));
  assert.equal(scout.name, "simulator");
  const nodes = await scout.retrieveNodes(signal);
  const flavors = await scout.retrieveFlavors(signal);
  const images = await scout.retrieveImages(signal);
  assert.equal(nodes.length, 200);
  assert.deepEqual(flavors.map((f) => f.name), [
    "baremetal-small",
    "baremetal-medium",
    "baremetal-large",
    "baremetal-xlarge",
  ]);
  assert.deepEqual(images.map((i) => i.name), [
    "Ubuntu 24.04",
    "Debian 12",
    "Rocky Linux 9",
    "Fedora 41",
    "Windows Server 2022",
    "CoreOS",
  ]);
  assert.ok(images.every((i) => UUID.test(i.uuid) && /^[0-9a-f]{32}$/.test(i.checksum)));
  assert.ok(nodes.every((n) => UUID.test(n.uuid) && flavors.some((f) => f.name === n.flavor)));
  assert.equal(new Set(nodes.map((n) => n.uuid)).size, 200);
  const provisioned = nodes.filter((n) => n.provisioned).length;
  assert.ok(provisioned > 70 && provisioned < 130, `${provisioned} provisioned`);
  assert.ok(nodes.every((n) => !n.cached && n.cachedImageUuid === ""));
});

Deno.test("createSimulator() names extra flavors and images", async () => {
  const { scout } = quiet({ flavors: 6, images: 8 });
  const flavors = (await scout.retrieveFlavors(signal)).map((f) => f.name);
  assert.deepEqual(flavors.slice(4), ["baremetal-2xlarge", "baremetal-3xlarge"]);
  const images = (await scout.retrieveImages(signal)).map((i) => i.name);
  assert.deepEqual(images.slice(6), ["Image 7", "Image 8"]);
});

Deno.test("SimulatorScout is deterministic for a seed and clock steps", async () => {
  async function run(seed: number) {
    const clock = new ManualClock(START);
    const scout = createSimulator({ seed, image_refresh_minutes: 2 }, clock);
    const images = await scout.retrieveImages(signal);
    const free = (await scout.retrieveNodes(signal)).filter((n) => !n.provisioned);
    for (const n of free.slice(0, 10)) await scout.issue(cache(n.uuid, images[0]), signal);
    for (let i = 0; i < 30; i++) await clock.advance(37 * SECOND);
    return { nodes: await scout.retrieveNodes(signal), stats: scout.stats() };
  }
  const a = await run(7);
  assert.deepEqual(await run(7), a);
  assert.ok(a.stats.deploys > 0);
  const other = await run(8);
  assert.notDeepEqual(other.nodes.map((n) => n.uuid), a.nodes.map((n) => n.uuid));
});

Deno.test("SimulatorScout.issue() caching is ready only after cache_seconds", async () => {
  // One node, one image: the first deploy lands on the node, a hit only if caching is done.
  const options = { nodes: 1, images: 1, deploys_per_minute: 2, seed: 4 } as const;
  const probe = quiet(options);
  const firstDeploy = until(probe.clock, () => probe.scout.stats().deploys > 0);
  assert.ok(firstDeploy > 3 * SECOND, `first deploy after ${firstDeploy} ms`);

  async function firstDeployHits(cacheSeconds: number): Promise<boolean> {
    const { clock, scout } = quiet({ ...options, cache_seconds: cacheSeconds });
    const [n] = await scout.retrieveNodes(signal);
    const [img] = await scout.retrieveImages(signal);
    await scout.issue(cache(n.uuid, img), signal);
    assert.deepEqual(await nodeByUuid(scout, n.uuid), {
      ...n,
      cached: true,
      cachedImageUuid: img.uuid,
      cacheReady: false,
    });
    assert.equal(until(clock, () => scout.stats().deploys > 0), firstDeploy);
    return scout.stats().cacheHits === 1;
  }
  assert.equal(await firstDeployHits(firstDeploy / SECOND - 2), true);
  assert.equal(await firstDeployHits(firstDeploy / SECOND + 1), false);
});

Deno.test("SimulatorScout.issue() takes issue_seconds of the clock's time, and can be aborted", async () => {
  const { clock, scout } = quiet({ nodes: 2, images: 1, issue_seconds: 5 });
  const [a, b] = await scout.retrieveNodes(signal);
  const [img] = await scout.retrieveImages(signal);
  let settled = false;
  const issuing = scout.issue(cache(a.uuid, img), signal).then(() => settled = true);
  await clock.advance(4 * SECOND);
  assert.equal(settled, false);
  await clock.advance(SECOND);
  await issuing;
  assert.equal((await nodeByUuid(scout, a.uuid)).cached, true);
  const abort = new AbortController();
  const cut = scout.issue(cache(b.uuid, img), abort.signal);
  abort.abort(new Error("cut"));
  await assert.rejects(cut, /cut/);
  assert.equal((await nodeByUuid(scout, b.uuid)).cached, false);
});

Deno.test("SimulatorScout.issue() eject cleans the node, then frees it after clean_seconds", async () => {
  const { clock, scout } = quiet({ nodes: 4, cache_seconds: 30, clean_seconds: 20 });
  const [n] = await scout.retrieveNodes(signal);
  const [img] = await scout.retrieveImages(signal);
  await scout.issue(cache(n.uuid, img), signal);
  await clock.advance(30 * SECOND);
  await scout.issue(eject(n.uuid), signal);
  const cleaning = await nodeByUuid(scout, n.uuid);
  assert.deepEqual(cleaning, {
    ...n,
    provisioned: true,
    cached: false,
    cachedImageUuid: "",
    phase: "cleaning",
  });
  await assert.rejects(scout.issue(eject(n.uuid), signal), {
    message: "Cannot eject: the node is not cached (cleaning)",
  });
  await assert.rejects(scout.issue(cache(n.uuid, img), signal), {
    message: "Cannot cache: the node is not available (cleaning)",
  });
  await clock.advance(19 * SECOND);
  assert.equal((await nodeByUuid(scout, n.uuid)).provisioned, true);
  await clock.advance(1 * SECOND);
  assert.deepEqual(await nodeByUuid(scout, n.uuid), n);
  await scout.issue(cache(n.uuid, img), signal);
});

Deno.test("SimulatorScout.issue() rejects impossible directives, saying why", async (t) => {
  const { clock, scout } = quiet({ nodes: 4, deployed_share: 0 });
  const [a, b] = await scout.retrieveNodes(signal);
  const [img] = await scout.retrieveImages(signal);
  await scout.issue(cache(a.uuid, img), signal);

  await t.step("cache onto a caching or cached node", async () => {
    await assert.rejects(
      scout.issue(cache(a.uuid, img), signal),
      { message: "Cannot cache: the node is not available (caching)" },
    );
    await clock.advance(MINUTE);
    await assert.rejects(scout.issue(cache(a.uuid, img), signal), /is not available \(cached\)/);
  });
  await t.step("cache of an unlisted image or a wrong checksum", async () => {
    const ghost = { uuid: "00000000-0000-4000-8000-000000000000", checksum: "x" };
    await assert.rejects(scout.issue(cache(b.uuid, ghost), signal), {
      message: "Cannot cache: the image is not listed",
    });
    await assert.rejects(scout.issue(cache(b.uuid, { ...img, checksum: "0" }), signal), {
      message: `Cannot cache: checksum 0 does not match the image's ${img.checksum}`,
    });
  });
  await t.step("unknown node", async () => {
    await assert.rejects(
      scout.issue(eject("nope"), signal),
      { message: "Cannot eject: no such node" },
    );
  });
  await t.step("eject of an uncached node", async () => {
    await assert.rejects(scout.issue(eject(b.uuid), signal), {
      message: "Cannot eject: the node is not cached (available)",
    });
  });
  await t.step("cache onto a deployed node", async () => {
    const busy = quiet({ nodes: 2, deployed_share: 1 }).scout;
    const [d] = await busy.retrieveNodes(signal);
    const [i] = await busy.retrieveImages(signal);
    await assert.rejects(busy.issue(cache(d.uuid, i), signal), {
      message: "Cannot cache: the node is not available (deployed)",
    });
  });
  await t.step("an aborted signal", async () => {
    const controller = new AbortController();
    const reason = new Error("stop");
    controller.abort(reason);
    await assert.rejects(scout.issue(cache(b.uuid, img), controller.signal), (e) => e === reason);
    await assert.rejects(scout.retrieveNodes(controller.signal), (e) => e === reason);
    assert.equal((await nodeByUuid(scout, b.uuid)).cached, false);
  });
});

Deno.test("SimulatorScout tenants deploy at about the configured rate", async () => {
  const clock = new ManualClock(START);
  const scout = createSimulator({ deploys_per_minute: 6, seed: 11 }, clock);
  for (let i = 0; i < 500; i++) clock.set(clock.now() + 2 * MINUTE);
  const { deploys, unserved, deploysByImage } = scout.stats();
  const attempts = deploys + unserved;
  assert.ok(attempts > 5400 && attempts < 6600, `${attempts} deploys in 1000 minutes`);
  assert.ok(unserved < attempts * 0.1, `${unserved} unserved`);
  // Popularity 1/rank: Ubuntu (1) about three times as often as Rocky Linux (1/3).
  const ratio = deploysByImage["Ubuntu 24.04"] / deploysByImage["Rocky Linux 9"];
  assert.ok(ratio > 2.4 && ratio < 3.6, `popularity ratio ${ratio}`);
  const provisioned = (await scout.retrieveNodes(signal)).filter((n) => n.provisioned).length;
  assert.ok(provisioned > 80 && provisioned < 160, `${provisioned} provisioned`);
});

Deno.test("SimulatorScout counts unserved deploys when a flavor is full", () => {
  const clock = new ManualClock(START);
  const scout = createSimulator({
    nodes: 2,
    deployed_share: 1,
    deploys_per_minute: 10,
    instance_minutes: 1e6,
  }, clock);
  clock.set(START + 10 * MINUTE);
  const { deploys, unserved } = scout.stats();
  assert.equal(deploys, 0);
  assert.ok(unserved > 0);
});

Deno.test("SimulatorScout counts a cache hit when prefer_cached finds the image", async () => {
  const { clock, scout } = quiet({
    nodes: 10,
    flavors: 1,
    images: 1,
    deploys_per_minute: 1,
    scheduler: "prefer_cached",
  });
  const [n] = await scout.retrieveNodes(signal);
  const [img] = await scout.retrieveImages(signal);
  await scout.issue(cache(n.uuid, img), signal);
  await clock.advance(30 * SECOND);
  assert.equal(scout.stats().deploys, 0, "no deploy before the cache is ready");
  until(clock, () => scout.stats().deploys > 0);
  assert.deepEqual(scout.stats().cacheHits, 1);
  assert.deepEqual(scout.stats().cacheHitsByImage, { "Ubuntu 24.04": 1 });
  const deployed = await nodeByUuid(scout, n.uuid);
  assert.deepEqual(deployed, {
    ...n,
    provisioned: true,
    phase: "active",
    instanceImage: img.uuid,
  });
});

Deno.test("SimulatorScout image refreshes leave stale cached nodes", async () => {
  const { clock, scout } = quiet({ nodes: 8, images: 1, image_refresh_minutes: 5 });
  const [old] = await scout.retrieveImages(signal);
  const nodes = await scout.retrieveNodes(signal);
  for (const n of nodes.slice(0, 4)) await scout.issue(cache(n.uuid, old), signal);
  until(clock, () => scout.stats().refreshes > 0);
  const [fresh] = await scout.retrieveImages(signal);
  assert.equal(fresh.name, old.name);
  assert.notEqual(fresh.uuid, old.uuid);
  assert.notEqual(fresh.checksum, old.checksum);
  const stale = (await scout.retrieveNodes(signal)).filter((n) => n.cached);
  assert.equal(stale.length, 4);
  assert.ok(stale.every((n) => n.cachedImageUuid === old.uuid));
  await assert.rejects(scout.issue(cache(nodes[5].uuid, old), signal), /is not listed/);
  for (const n of stale) await scout.issue(eject(n.uuid), signal);
  await scout.issue(cache(nodes[5].uuid, fresh), signal);
});

Deno.test("SimulatorScout failure_rate fails a share of valid directives", async () => {
  const { scout } = quiet({ nodes: 400, failure_rate: 0.5 });
  const [img] = await scout.retrieveImages(signal);
  const nodes = await scout.retrieveNodes(signal);
  const results = await Promise.allSettled(
    nodes.map((n) => scout.issue(cache(n.uuid, img), signal)),
  );
  const failed = results.filter((r) => r.status === "rejected");
  assert.ok(failed.length > 140 && failed.length < 260, `${failed.length} failed`);
  // One reason for every node: the record names the node, and the director logs it once.
  assert.deepEqual(
    [...new Set(failed.map((r) => r.status === "rejected" && r.reason.message))],
    ["Cannot cache: simulated failure"],
  );
  const cached = (await scout.retrieveNodes(signal)).filter((n) => n.cached).length;
  assert.equal(cached, nodes.length - failed.length);

  const always = quiet({ nodes: 2, failure_rate: 1 }).scout;
  const [n] = await always.retrieveNodes(signal);
  const ghost = { uuid: "00000000-0000-4000-8000-000000000000", checksum: "x" };
  await assert.rejects(always.issue(cache(n.uuid, ghost), signal), /is not listed/);
  const [i] = await always.retrieveImages(signal);
  await assert.rejects(always.issue(cache(n.uuid, i), signal), /simulated failure/);
});

Deno.test("SimulatorScout survives a huge clock jump promptly", async () => {
  const clock = new ManualClock(START);
  const scout = createSimulator({ deploys_per_minute: 60 }, clock);
  clock.set(START + 100 * 365 * 24 * 60 * MINUTE);
  const started = performance.now();
  const nodes = await scout.retrieveNodes(signal);
  assert.ok(performance.now() - started < 5000, "took too long");
  assert.equal(nodes.length, 200);
  const before = scout.stats();
  assert.ok(before.deploys + before.unserved <= MAX_EVENTS_PER_ADVANCE);
  assert.ok(before.skippedMs > 0);
  // The simulation carries on from where it stopped, without a backlog.
  clock.set(clock.now() + 10 * MINUTE);
  const after = scout.stats();
  const attempts = after.deploys + after.unserved - before.deploys - before.unserved;
  assert.ok(attempts > 300 && attempts < 900, `${attempts} deploys in 10 minutes`);
  assert.equal(after.skippedMs, before.skippedMs);
});

Deno.test("SimulatorScout ignores a clock set backwards", async () => {
  const { clock, scout } = quiet({ nodes: 2, cache_seconds: 30 });
  const [n] = await scout.retrieveNodes(signal);
  const [img] = await scout.retrieveImages(signal);
  await clock.advance(MINUTE);
  await scout.issue(cache(n.uuid, img), signal);
  clock.set(START);
  await scout.retrieveNodes(signal);
  clock.set(START + MINUTE + 29 * SECOND);
  await assert.rejects(scout.issue(cache(n.uuid, img), signal), /\(caching\)/);
  clock.set(START + MINUTE + 30 * SECOND);
  await assert.rejects(scout.issue(cache(n.uuid, img), signal), /\(cached\)/);
});

Deno.test("SimulatorScout.retrieveNodes() returns fresh copies", async () => {
  const { scout } = quiet({ nodes: 3 });
  const first = await scout.retrieveNodes(signal);
  const [img] = await scout.retrieveImages(signal);
  await scout.issue(cache(first[0].uuid, img), signal);
  assert.equal(first[0].cached, false, "an earlier result does not change");
  (first[1] as { cached: boolean }).cached = true;
  const second = await scout.retrieveNodes(signal);
  assert.notEqual(second[0], first[0]);
  assert.equal(second[0].cached, true);
  assert.equal(second[1].cached, false, "mutating a result does not reach the fleet");
  const flavors = await scout.retrieveFlavors(signal);
  (flavors[0] as { name: string }).name = "changed";
  assert.equal((await scout.retrieveFlavors(signal))[0].name, "baremetal-small");
});

Deno.test("simple_proportional drives the simulator towards its target", async () => {
  const clock = new ManualClock(START);
  const scout = createSimulator({ scheduler: "prefer_cached", seed: 5 }, clock);
  const context = {
    random: seededRandom(1),
    imageWeights: { byName: new Map<string, number>(), defaultWeight: 1 },
    deploys: [],
  };
  const shares: number[] = [];
  let ejects = 0;
  for (let cycle = 0; cycle < 120; cycle++) {
    const nodes = await scout.retrieveNodes(signal);
    const idle = nodes.filter((n) => !n.provisioned);
    shares.push(idle.filter((n) => n.cached).length / idle.length);
    const fleet = {
      observedAt: clock.now(),
      nodes,
      flavors: await scout.retrieveFlavors(signal),
      images: await scout.retrieveImages(signal),
    };
    const { directives } = strategy.plan(fleet, { percentage_to_cache: 0.25 }, context);
    for (const directive of directives as Directive[]) {
      await scout.issue(directive, signal);
      if (directive.kind === "eject") ejects++;
    }
    await clock.advance(30 * SECOND);
  }
  assert.equal(shares[0], 0);
  const late = shares.slice(20);
  const mean = late.reduce((a, b) => a + b, 0) / late.length;
  assert.ok(mean > 0.15 && mean <= 0.25, `mean cached share ${mean}`);
  const { deploys, cacheHits, refreshes } = scout.stats();
  assert.ok(cacheHits > deploys / 2, `${cacheHits} hits in ${deploys} deploys`);
  assert.ok(refreshes > 0 && ejects > 0, `${refreshes} refreshes, ${ejects} ejects`);
});

Deno.test("SimulatorScout.retrieveNodes() tells each node's phase, its instance's image and a cache not yet ready", async () => {
  const { clock, scout } = quiet({ nodes: 1, images: 1, deploys_per_minute: 2, cache_seconds: 30 });
  const [n] = await scout.retrieveNodes(signal);
  assert.equal(n.phase, "available");
  const [img] = await scout.retrieveImages(signal);
  await scout.issue(cache(n.uuid, img), signal);
  assert.equal((await nodeByUuid(scout, n.uuid)).cacheReady, false, "being written");
  await clock.advance(30 * SECOND);
  assert.equal((await nodeByUuid(scout, n.uuid)).cacheReady, undefined, "ready");
  until(clock, () => scout.stats().deploys > 0);
  const deployed = await nodeByUuid(scout, n.uuid);
  assert.equal(deployed.phase, "active");
  assert.equal(deployed.instanceImage, img.uuid);
  const started = createSimulator({ nodes: 4, deployed_share: 1 }, new ManualClock(START));
  for (const node of await started.retrieveNodes(signal)) {
    assert.equal(node.phase, "active");
    assert.match(node.instanceImage ?? "", UUID, "instances running at the start run an image");
  }
});
