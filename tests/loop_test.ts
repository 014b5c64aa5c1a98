/** Loop: scheduling, cycles, skips and failures, toggles, health, driven by a ManualClock. */
import assert from "node:assert/strict";
import simpleProportional from "../plugins/simple_proportional.ts";
import { Director } from "../src/director/director.ts";
import type { CycleRecord } from "../src/director/record.ts";
import { UNIFORM_WEIGHTS } from "../src/domain/image_weights.ts";
import { seededRandom } from "../src/domain/random.ts";
import { Loop, type LoopOptions } from "../src/loop.ts";
import { ManualClock } from "../src/runtime/clock.ts";
import { RuntimeSettings, type Tunables } from "../src/runtime/settings.ts";
import type { PlanFailure } from "../src/runtime/errors.ts";
import type { ScoutSource } from "../src/scout/scout.ts";
import type { PlanResult } from "../src/strategy/contract.ts";
import { importStrategy } from "../src/strategy/loader.ts";
import { DeployHistory } from "../src/domain/deploy_history.ts";
import type { Node, NodePhase } from "../src/domain/fleet.ts";
import { readConfig, STRATEGIES } from "../src/setup.ts";
import { Heartbeat } from "../src/runtime/heartbeat.ts";
import { OpenStackScout } from "../src/scout/openstack/openstack_scout.ts";
import { FakeOpenStack } from "./_fakes/openstack.ts";
import { deferred, FakeScout } from "./_fakes/scout.ts";
import { historyWatcher, image, node, ROOT, tempDir, tunables } from "./_helpers.ts";
import { createApi } from "../src/api/app.ts";
import { Metrics } from "../src/runtime/metrics.ts";

const T0 = 1_700_000_000_000;
const strategy = await importStrategy({ kind: "builtin", name: "simple_proportional" }, STRATEGIES);

function settingsOf(overrides: Partial<Tunables> = {}): RuntimeSettings {
  return new RuntimeSettings(
    tunables({ directive_spacing: 60, strategy: { percentage_to_cache: 1 }, ...overrides }),
    simpleProportional.options,
  );
}

/** A loop over four free nodes of one flavor and one image, watched by a recording observer. */
function setup(options: Partial<LoopOptions> & { settings?: RuntimeSettings } = {}) {
  const clock = new ManualClock(T0);
  const scout = new FakeScout();
  scout.nodes = ["n1", "n2", "n3", "n4"].map((uuid) => node(uuid, "small"));
  scout.flavors = [{ name: "small" }];
  scout.images = [image("i1", "Ubuntu")];
  const settings = options.settings ?? settingsOf();
  const cycles: CycleRecord[] = [];
  const scouted: [ScoutSource, boolean][] = [];
  const failures: PlanFailure[] = [];
  const stop = new AbortController();
  const abort = new AbortController();
  const loop = new Loop({
    clock,
    scout,
    strategy,
    director: new Director(scout, clock, settings.current, 8),
    settings,
    imageWeights: UNIFORM_WEIGHTS,
    pollSpacing: 120,
    random: seededRandom(1),
    observer: {
      observeCycle: (record) => cycles.push(record),
      observeScout: (source, _seconds, ok) => scouted.push([source, ok]),
      observePlanFailure: (failure) => failures.push(failure),
    },
    signals: { stop: stop.signal, abort: abort.signal },
    ...options,
  });
  return { clock, scout, settings, loop, cycles, scouted, failures, stop };
}

Deno.test("Loop.runOnce() polls, plans and issues one cycle", async () => {
  const { scout, loop, cycles } = setup();
  const record = await loop.runOnce();
  assert.equal(record.outcome, "success");
  assert.equal(record.trigger, "once");
  assert.equal(record.directives.length, 4);
  assert.ok(record.directives.every((d) => d.kind === "cache" && d.outcome === "issued"));
  assert.deepEqual(record.flavors, [
    { flavor: "small", target: 4, provisioned: 0, available: 4, cached: 0 },
  ]);
  assert.deepEqual(record.strategy, { name: "simple_proportional", version: "1.0.0" });
  assert.equal(scout.issued.length, 4);
  assert.deepEqual(cycles, [record]);
  assert.equal(loop.lastCycle(), record);
});

Deno.test("Loop.runOnce() replays with `plan --seed`: the record names its seed", async () => {
  const { loop } = setup({ settings: settingsOf({ strategy: { percentage_to_cache: 0.5 } }) });
  const record = await loop.runOnce();
  const again = strategy.strategy.plan(
    {
      observedAt: 0,
      nodes: ["n1", "n2", "n3", "n4"].map((uuid) => node(uuid, "small")),
      flavors: [{ name: "small" }],
      images: [image("i1", "Ubuntu")],
    },
    { percentage_to_cache: 0.5 },
    { random: seededRandom(record.seed), imageWeights: UNIFORM_WEIGHTS, deploys: [] },
  );
  assert.deepEqual(
    record.directives.map((d) => d.nodeUuid),
    (again as PlanResult).directives.map((d) => d.nodeUuid),
  );
});

Deno.test("Loop skips a cycle on a probable scouting error, and counts it", async (t) => {
  for (const source of ["nodes", "flavors", "images"] as const) {
    await t.step(`no ${source}`, async () => {
      const { scout, loop, cycles } = setup();
      scout[source] = [];
      const record = await loop.runOnce();
      assert.equal(record.outcome, "skipped");
      assert.match(record.reason!, new RegExp(`probable scouting error: no ${source}`));
      assert.equal(scout.issued.length, 0);
      assert.equal(cycles.length, 1);
    });
  }
});

Deno.test("Loop records a failed cycle when the scout cannot list nodes", async () => {
  const { scout, loop, scouted } = setup();
  scout.failing.add("nodes");
  const record = await loop.runOnce();
  assert.equal(record.outcome, "failed");
  assert.match(record.reason!, /failed to retrieve nodes/);
  assert.deepEqual(scouted.filter(([, ok]) => !ok), [["nodes", false]]);
});

Deno.test("Loop.runOnce() has the scout resume unfinished work after listing nodes, before planning, dry run too", async () => {
  const { scout, loop } = setup({ settings: settingsOf({ dry_run: true }) });
  scout.resume = (signal) => {
    assert.equal(signal.aborted, false);
    scout.calls.push("resume");
    return Promise.resolve();
  };
  const record = await loop.runOnce();
  assert.equal(record.outcome, "success");
  assert.deepEqual(scout.calls.filter((c) => c === "nodes" || c === "resume"), ["nodes", "resume"]);
  assert.ok(
    record.directives.length > 0 && record.directives.every((d) => d.outcome === "dry_run"),
  );
});

Deno.test("Loop.runOnce() does not resume when the node listing failed, and survives a resume that throws", async () => {
  const { scout, loop } = setup();
  scout.resume = () => {
    scout.calls.push("resume");
    return Promise.reject(new Error("resume broke"));
  };
  scout.failing.add("nodes");
  assert.equal((await loop.runOnce()).outcome, "failed");
  assert.ok(!scout.calls.includes("resume"));
  scout.failing.delete("nodes");
  const record = await loop.runOnce();
  assert.equal(record.outcome, "success");
  assert.equal(scout.calls.filter((c) => c === "resume").length, 1);
  assert.equal(scout.issued.length, 4);
});

Deno.test("Loop records a failed cycle when the strategy fails", async () => {
  const { loop } = setup({
    strategy: {
      ...strategy,
      strategy: {
        ...strategy.strategy,
        plan: () => [{ kind: "cache", nodeUuid: "ghost" }] as never,
      },
    },
  });
  const record = await loop.runOnce();
  assert.equal(record.outcome, "failed");
  assert.match(record.reason!, /invalid directives/);
});

Deno.test("Loop.run() polls at start, then cycles every directive_spacing", async () => {
  const { clock, scout, loop, cycles, stop } = setup();
  const running = loop.run();
  await clock.advance(0);
  assert.deepEqual(scout.calls.slice(0, 3), ["flavors", "images", "nodes"]);
  assert.equal(cycles.length, 1);
  await clock.advance(59_000);
  assert.equal(cycles.length, 1);
  await clock.advance(1_000);
  assert.equal(cycles.length, 2);
  await clock.advance(120_000);
  assert.equal(cycles.length, 4);
  assert.equal(scout.calls.filter((c) => c === "flavors").length, 2, "polled at 0 and 120 s");
  assert.deepEqual(cycles.map((c) => (c.startedAt - T0) / 1000), [0, 60, 120, 180]);
  stop.abort();
  await running;
});

Deno.test("Loop.run() spreads spacings by the jitter, within bounds", async () => {
  const { clock, loop, cycles, stop } = setup({ directiveJitter: 0.5 });
  const running = loop.run();
  await clock.advance(20 * 60_000);
  const gaps = cycles.slice(1).map((c, i) => (c.startedAt - cycles[i].startedAt) / 1000);
  assert.ok(gaps.length >= 13, `${gaps.length} cycles`);
  assert.ok(gaps.every((g) => g >= 30 && g <= 90), gaps.join(" "));
  assert.ok(new Set(gaps).size > 1, "the gaps vary");
  stop.abort();
  await running;
});

Deno.test("Loop applies a runtime change at the next cycle", async () => {
  const { clock, scout, settings, loop, cycles, stop } = setup();
  scout.gate = undefined;
  const running = loop.run();
  await clock.advance(0);
  assert.equal(cycles[0].dryRun, false);
  settings.patch({ dry_run: true });
  scout.nodes = [node("n5", "small")];
  await clock.advance(60_000);
  assert.equal(cycles[1].dryRun, true);
  assert.deepEqual(cycles[1].directives.map((d) => d.outcome), ["dry_run"]);
  assert.equal(scout.issued.length, 4, "nothing issued in dry run");
  stop.abort();
  await running;
});

Deno.test("Loop.run() reschedules the next cycle when directive_spacing changes", async () => {
  const { clock, settings, loop, cycles, stop } = setup();
  const running = loop.run();
  await clock.advance(0);
  settings.patch({ directive_spacing: 600 });
  await clock.advance(100_000);
  assert.equal(cycles.length, 1, "no cycle 60 s after the first: the spacing is 600 s now");
  settings.patch({ directive_spacing: 5 });
  await clock.advance(0);
  assert.equal(cycles.length, 2, "100 s after the last start is past 5 s: a cycle at once");
  await clock.advance(5_000);
  assert.deepEqual(cycles.map((c) => (c.startedAt - T0) / 1000), [0, 100, 105]);
  stop.abort();
  await running;
});

Deno.test("Loop.run() reschedules the next cycle when a reload changes directive_spacing", async () => {
  const { clock, settings, loop, cycles, stop } = setup();
  const running = loop.run();
  await clock.advance(0);
  await clock.advance(30_000);
  settings.reconfigure(
    tunables({ directive_spacing: 40, strategy: { percentage_to_cache: 1 } }),
    simpleProportional.options,
    "reload",
  );
  await clock.advance(10_000);
  assert.deepEqual(cycles.map((c) => (c.startedAt - T0) / 1000), [0, 40]);
  stop.abort();
  await running;
});

Deno.test("Loop runs no scheduled cycle while paused, but still polls", async () => {
  const { clock, scout, loop, cycles, stop } = setup({ settings: settingsOf({ paused: true }) });
  const running = loop.run();
  await clock.advance(300_000);
  assert.equal(cycles.length, 0);
  assert.ok(scout.calls.includes("flavors"));
  assert.equal(loop.liveness().ok, true, "a paused loop is alive");
  stop.abort();
  await running;
});

Deno.test("Loop.triggerCycle() runs a cycle now, never two at once", async () => {
  const { scout, loop } = setup();
  await loop.poll();
  const gate = deferred();
  scout.gate = gate.promise;
  const first = loop.triggerCycle();
  assert.ok(first);
  assert.equal(loop.triggerCycle(), undefined, "busy while the first runs");
  gate.resolve();
  assert.equal((await first).trigger, "manual");
  assert.ok(loop.triggerCycle(), "free again");
});

Deno.test("Loop.readiness() waits for flavors, images and a node listing", async () => {
  const { scout, loop } = setup();
  const notYet = { ok: false, reason: "the fleet has not been scouted successfully yet" };
  assert.deepEqual(loop.readiness(), notYet);
  await loop.poll();
  assert.deepEqual(loop.readiness(), notYet, "no node listing yet");
  scout.failing.add("nodes");
  await loop.triggerCycle();
  assert.deepEqual(loop.readiness(), notYet, "the node listing failed");
  scout.failing.delete("nodes");
  await loop.triggerCycle();
  assert.deepEqual(loop.readiness(), { ok: true });
});

Deno.test("Loop.readiness() fails when node listings fail for three spacings, though polls succeed", async () => {
  const { clock, scout, loop, scouted, stop } = setup();
  const running = loop.run();
  await clock.advance(0);
  assert.deepEqual(loop.readiness(), { ok: true });
  scout.failing.add("nodes");
  await clock.advance(360_000);
  assert.deepEqual(loop.readiness(), { ok: true }, "within three spacings (3 x 120 s)");
  await clock.advance(60_000);
  assert.ok(scouted.some(([source, ok]) => source === "flavors" && ok), "polls go on");
  assert.deepEqual(loop.readiness(), {
    ok: false,
    reason: "last successful node listing was 420 s ago (limit 360 s)",
  });
  scout.failing.delete("nodes");
  await clock.advance(60_000);
  assert.deepEqual(loop.readiness(), { ok: true }, "ready again after a good listing");
  stop.abort();
  await running;
});

Deno.test("Loop.readiness() keeps the last listing's verdict while paused (none is due)", async () => {
  const { clock, settings, loop, stop } = setup();
  const running = loop.run();
  await clock.advance(0);
  settings.patch({ paused: true });
  await clock.advance(3600_000);
  assert.deepEqual(loop.readiness(), { ok: true });
  stop.abort();
  await running;
});

Deno.test("Loop.liveness() fails when nothing happens for three spacings", async () => {
  const { clock, loop } = setup();
  assert.deepEqual(loop.liveness(), { ok: true });
  await clock.advance(180_000);
  assert.deepEqual(loop.liveness(), { ok: true });
  await clock.advance(1_000);
  assert.deepEqual(loop.liveness(), { ok: false, reason: "no progress for 181 s (limit 180 s)" });
});

Deno.test("Loop.liveness() fails for a loop wedged on a scout call with no upstream activity", async () => {
  const { clock, scout, loop, stop } = setup();
  scout.retrieveNodes = () => new Promise(() => {});
  const running = loop.run();
  await clock.advance(180_000);
  assert.deepEqual(loop.liveness(), { ok: true });
  await clock.advance(1_000);
  assert.deepEqual(loop.liveness(), { ok: false, reason: "no progress for 181 s (limit 180 s)" });
  stop.abort();
  void running;
});

/** Waits (in real time, bounded) until `done()`: for a fake cloud's answer to arrive. */
async function until(done: () => boolean): Promise<void> {
  for (let tries = 0; tries < 500 && !done(); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.ok(done(), "the fake cloud never got there");
}

/** A loop over a fake cloud, its scout reporting upstream activity to the loop's heartbeat. */
async function openStackSetup(fake: FakeOpenStack, clientWrapper = "") {
  fake.addFlavor({ name: "bm.small", extra_specs: { "resources:CUSTOM_BAREMETAL_SMALL": "1" } });
  fake.addImage({ name: "ubuntu" });
  fake.addNodes(2, { resource_class: "baremetal.small" });
  await using dir = await tempDir();
  const file = await dir.write(
    "arsenal.conf",
    `[director]\nscout = openstack\n[client_wrapper]\nos_api_url = ${fake.keystoneUrl}\n` +
      "os_username = admin\nos_password = secret\nos_tenant_name = admin\n" +
      `region_name = RegionOne\n${clientWrapper}`,
  );
  const { config, problems } = readConfig(file);
  assert.deepEqual(problems, []);
  const clock = new ManualClock(T0);
  const heartbeat = new Heartbeat(clock);
  const attempts: string[] = [];
  const scout = new OpenStackScout(config!.openstack!, {
    clock,
    random: seededRandom(1),
    observer: {
      observeUpstream(service, method, status) {
        heartbeat.beat();
        attempts.push(`${service} ${method} ${status}`);
      },
      observeWait: (_service, ms) => heartbeat.beat(ms),
      observeUnidentified() {},
    },
  });
  const stop = new AbortController();
  const abort = new AbortController();
  const settings = settingsOf({ directive_spacing: 5 });
  const loop = new Loop({
    clock,
    scout,
    strategy,
    director: new Director(scout, clock, settings.current, 8),
    settings,
    imageWeights: UNIFORM_WEIGHTS,
    pollSpacing: 120,
    heartbeat,
    signals: { stop: stop.signal, abort: abort.signal },
  });
  const running = loop.run();
  const end = async () => {
    stop.abort();
    abort.abort(new Error("test over"));
    await running;
  };
  return { clock, loop, attempts, end };
}

Deno.test("Loop.liveness() counts an upstream's Retry-After wait as progress", async () => {
  await using fake = await FakeOpenStack.start();
  fake.inject({ method: "GET", path: "/baremetal/v1/nodes" }, {
    status: 503,
    headers: { "Retry-After": "120" },
    body: "busy",
    times: Infinity,
  });
  const { clock, loop, attempts, end } = await openStackSetup(fake);
  await until(() => attempts.includes("baremetal GET 503"));
  await clock.advance(66_000);
  assert.deepEqual(loop.liveness(), { ok: true }, "waiting on Ironic's Retry-After");
  await clock.advance(114_000);
  assert.deepEqual(loop.liveness(), { ok: true }, "120 s wait + 60 s bound");
  await clock.advance(1_000);
  assert.equal(loop.liveness().ok, false, "the wait and the bound are over: wedged");
  await end();
});

Deno.test("Loop.liveness() counts an upstream attempt as progress until its call_timeout", async () => {
  await using fake = await FakeOpenStack.start();
  fake.inject({ method: "GET", path: "/baremetal/v1/nodes" }, { hang: true });
  const { clock, loop, end } = await openStackSetup(fake, "call_timeout = 300\n");
  await until(() => fake.requests.some((r) => r.path === "/baremetal/v1/nodes"));
  await clock.advance(299_000);
  assert.deepEqual(loop.liveness(), { ok: true }, "the attempt may take 300 s");
  await clock.advance(62_000);
  assert.equal(loop.liveness().ok, false, "300 s + 60 s bound are over");
  await end();
});

Deno.test("Loop.run() returns on stop, after the running cycle finishes", async () => {
  const { clock, scout, loop, stop } = setup();
  const gate = deferred();
  scout.gate = gate.promise;
  let returned = false;
  const running = loop.run().then(() => returned = true);
  await clock.advance(0);
  stop.abort();
  await clock.advance(0);
  assert.equal(returned, false, "waits for the cycle in flight");
  gate.resolve();
  await running;
  assert.equal(loop.lastCycle()?.outcome, "success");
});

Deno.test("Loop.reconfigure() hands the director a new scout only when the running cycle ends", async () => {
  const { scout, loop } = setup();
  await loop.poll();
  loop.reconfigure({ directiveConcurrency: 1 });
  const gate = deferred();
  scout.gate = gate.promise;
  const running = loop.triggerCycle()!;
  await new Promise((resolve) => setTimeout(resolve, 0));
  const other = new FakeScout();
  Object.assign(other, { nodes: scout.nodes, flavors: scout.flavors, images: scout.images });
  loop.reconfigure({ scout: other, directiveConcurrency: 8 });
  gate.resolve();
  await running;
  assert.equal(scout.issued.length, 4, "the cycle issued all through the scout it started with");
  assert.equal(scout.maxInFlight, 1);
  await loop.poll();
  await loop.triggerCycle();
  assert.ok(other.calls.includes("nodes"), "the next cycle uses the new scout");
});

const faulty = await importStrategy({
  kind: "file",
  path: `${ROOT}tests/_fixtures/plugins/faulty.ts`,
}, STRATEGIES);

/** A loop planning with the `faulty` plugin file, `fault` set in its runtime options. */
function faultySetup(fault: string) {
  const settings = new RuntimeSettings(
    tunables({ directive_spacing: 60, strategy: { fault } }),
    faulty.options,
  );
  return setup({ strategy: faulty, settings, planTimeout: 5 });
}

/** Resolves when the `faulty` plugin says it is spinning. */
function spinning(): Promise<void> & Disposable {
  const channel = new BroadcastChannel("faulty");
  const said = new Promise<void>((resolve) => channel.onmessage = () => resolve());
  return Object.assign(said, { [Symbol.dispose]: () => channel.close() });
}

Deno.test("Loop fails a cycle whose plugin runs over plan_timeout, serving the API meanwhile", async () => {
  const { clock, scout, settings, loop, failures } = faultySetup("spin");
  const metrics = new Metrics({ version: "0", strategy: faulty.strategy, scout: "fake" });
  const api = createApi({ controller: loop, settings, metrics, readOnly: false });
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, api.fetch);
  using stuck = spinning();
  const cycle = loop.runOnce();
  await stuck;
  const livez = await fetch(`http://127.0.0.1:${server.addr.port}/livez`);
  assert.equal(livez.status, 200);
  await livez.body?.cancel();
  await clock.advance(5_000);
  const record = await cycle;
  assert.equal(record.outcome, "failed");
  assert.equal(
    record.reason,
    `Strategy "${faulty.module}": plan() did not finish within 5 s; the worker was stopped`,
  );
  assert.deepEqual(failures, ["timeout"]);
  assert.equal(scout.issued.length, 0);

  assert.ok(settings.patch({ strategy: { fault: "none" } }).ok);
  const next = await loop.runOnce();
  assert.equal(next.outcome, "success", next.reason);
  assert.equal(next.directives.length, 1);
});

Deno.test("Loop counts a plugin's invalid plan and its throwing code apart", async () => {
  const { settings, loop, failures } = faultySetup("ghost");
  assert.equal((await loop.runOnce()).outcome, "failed");
  assert.ok(settings.patch({ strategy: { fault: "getter" } }).ok);
  assert.equal((await loop.runOnce()).outcome, "failed");
  assert.ok(settings.patch({ strategy: { fault: "flood" } }).ok);
  const flooded = await loop.runOnce();
  assert.match(flooded.reason!, /returned 1000000 directives for a fleet of 4 nodes/);
  assert.deepEqual(failures, ["invalid", "error", "invalid"]);
});

Deno.test("Loop.run() stops at once while a plugin spins, abandoning the plan", async () => {
  const { clock, loop, cycles, stop, failures } = faultySetup("spin");
  using stuck = spinning();
  const running = loop.run();
  await clock.advance(0);
  await stuck;
  stop.abort();
  await running;
  assert.equal(cycles.length, 1);
  assert.equal(cycles[0].outcome, "skipped");
  assert.equal(cycles[0].reason, "Arsenal is stopping");
  assert.deepEqual(failures, [], "a stop is no plan failure");
  assert.equal(clock.pending, 0, "nothing left waiting on the clock");
});

Deno.test("Loop.liveness() counts a plan within its plan_timeout as progress", async () => {
  const settings = new RuntimeSettings(
    tunables({ directive_spacing: 10, strategy: { fault: "spin" } }),
    faulty.options,
  );
  const { clock, loop } = setup({ strategy: faulty, settings, planTimeout: 300 });
  using stuck = spinning();
  const cycle = loop.runOnce();
  await stuck;
  await clock.advance(200_000);
  assert.deepEqual(loop.liveness(), { ok: true }, "a plan may take up to plan_timeout");
  await clock.advance(100_000);
  assert.equal((await cycle).outcome, "failed");
});

Deno.test("Loop plans with every deploy it observed, images named, oldest first", async () => {
  const { loaded, seen } = historyWatcher();
  const { clock, scout, loop } = setup({ strategy: loaded });
  scout.images = [image("i1", "Ubuntu"), image("i2", "")];
  const phased = (phase: NodePhase, instanceImage?: string) => (n: Node) => ({
    ...n,
    phase,
    provisioned: phase !== "available",
    instanceImage,
  });
  scout.nodes = scout.nodes.map(phased("available"));
  await loop.runOnce();
  assert.deepEqual(seen, [[]]);
  await clock.advance(60_000);
  scout.nodes = [
    phased("active", "i1")(scout.nodes[0]),
    phased("deploying", "i2")(scout.nodes[1]),
    ...scout.nodes.slice(2),
  ];
  const first = await loop.runOnce();
  await clock.advance(60_000);
  scout.nodes = [...scout.nodes.slice(0, 3), phased("active", "unlisted")(scout.nodes[3])];
  const second = await loop.runOnce();
  const [at1, at2] = [T0 + 60_000, T0 + 120_000];
  assert.deepEqual(seen.at(-1), [
    { at: at1, flavor: "small", image: "Ubuntu", hit: false },
    { at: at1, flavor: "small", image: "i2", hit: false },
    { at: at2, flavor: "small", image: "unlisted", hit: false },
  ]);
  assert.deepEqual([first.deploys, second.deploys], [2, 3], "the record counts what the plan saw");
});

Deno.test("Loop keeps its deploy history when reconfigured, and plans from one it is given", async () => {
  const { loaded, seen } = historyWatcher();
  const history = new DeployHistory();
  history.append({ at: T0 - 60_000, flavor: "small", image: "Ubuntu", hit: true });
  const { loop } = setup({ strategy: loaded, deployHistory: history });
  await loop.runOnce();
  const other = historyWatcher();
  loop.reconfigure({ strategy: other.loaded, pollSpacing: 60 });
  await loop.runOnce();
  assert.deepEqual(seen, [[{ at: T0 - 60_000, flavor: "small", image: "Ubuntu", hit: true }]]);
  assert.deepEqual(other.seen, seen);
});

Deno.test("Loop with watchDeploys false compares no listings: no deploy is seen or kept", async () => {
  for (const watchDeploys of [true, false]) {
    const events: unknown[] = [];
    const { scout, loop } = setup({
      watchDeploys,
      observer: {
        observeCycle: () => {},
        observeScout: () => {},
        observeEvents: (seen) => events.push(...seen),
      },
    });
    scout.nodes = scout.nodes.map((n) => ({ ...n, phase: "available" as const }));
    await loop.runOnce();
    scout.nodes = scout.nodes.map((n) => ({
      ...n,
      provisioned: true,
      phase: "active" as const,
      instanceImage: "i1",
    }));
    await loop.runOnce();
    assert.equal(events.length, watchDeploys ? 4 : 0, `watchDeploys ${watchDeploys}`);
    assert.equal(loop.recentDeploys().length, watchDeploys ? 4 : 0);
  }
});
