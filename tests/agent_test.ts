/**
 * The composition root: an agent assembled from a configuration, on a ManualClock, and reloaded.
 * Start and reload must wire the same pieces the same way; a reload keeps what it must keep.
 */
import assert from "node:assert/strict";
import { type Agent, assemble } from "../src/agent.ts";
import { createApi } from "../src/api/app.ts";
import type { CycleRecord } from "../src/director/record.ts";
import { seededRandom } from "../src/domain/random.ts";
import { parseTrace } from "../src/domain/trace_reader.ts";
import { ManualClock } from "../src/runtime/clock.ts";
import type { Change } from "../src/runtime/settings.ts";
import { EJECT_MARK } from "../src/scout/openstack/eject_step.ts";
import type { SimulatorScout } from "../src/scout/simulator/simulator.ts";
import { setup } from "../src/setup.ts";
import { z } from "zod";
import { FakeOpenStack } from "./_fakes/openstack.ts";
import { SIMULATED_AGENT, tempDir, tunables } from "./_helpers.ts";
import { scrape, value } from "./_metrics.ts";

const T0 = Date.parse("2026-03-01T12:00:00.000Z");

/** One cache directive an hour: a second cycle within the hour is rate-limited. */
const LIMITED = SIMULATED_AGENT.replace(
  "[director]\n",
  "[director]\ncache_directive_rate_limit = 1\ncache_directive_limiting_period = 3600\n",
);

/** Assembles an agent from `file` on a ManualClock at T0, with a fixed seed. */
async function agentFrom(file: string | undefined): Promise<Agent> {
  return assemble(await setup(file, { onWarning() {} }), {
    clock: new ManualClock(T0),
    random: seededRandom(1),
    env: {},
  });
}

/** A metric's value in the agent's exposition; undefined when the series is absent. */
async function sample(agent: Agent, series: string): Promise<number | undefined> {
  const text = await agent.metrics.render();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const outcomes = (record: CycleRecord) => [...new Set(record.directives.map((d) => d.outcome))];

Deno.test("assemble() builds the configured scout, settings, loop and build info", async () => {
  await using dir = await tempDir();
  const agent = await agentFrom(await dir.write("arsenal.conf", SIMULATED_AGENT));
  assert.equal(agent.scout.name, "simulator");
  assert.equal(agent.settings.current.directive_spacing, 1);
  assert.deepEqual(agent.settings.current.strategy, { percentage_to_cache: 0.5 });
  assert.equal(agent.setup.config.simulator.nodes, 60);
  const record = await agent.loop.runOnce();
  assert.equal(record.outcome, "success");
  assert.deepEqual(outcomes(record), ["issued"]);
  const metrics = await agent.metrics.render();
  assert.match(
    metrics,
    /^arsenal_build_info\{[^}]*strategy="simple_proportional",[^}]*scout="simulator"\} 1$/m,
  );
  assert.equal(await sample(agent, 'arsenal_cycles_total{outcome="success"}'), 1);
  assert.equal(await sample(agent, "arsenal_simulator_deploys_total"), 0);
});

Deno.test("Agent.reload() to the same configuration changes nothing", async () => {
  await using dir = await tempDir();
  const agent = await agentFrom(await dir.write("arsenal.conf", LIMITED));
  const { scout, director, loop, settings, metrics, heartbeat } = agent;
  const before = settings.current;
  const changes: Change[] = [];
  settings.onChange((change) => changes.push(change));
  assert.equal(await agent.reload(), true);
  assert.equal(agent.scout, scout, "the same scout");
  assert.equal(agent.director, director);
  assert.equal(agent.loop, loop);
  assert.equal(agent.settings, settings);
  assert.equal(agent.metrics, metrics);
  assert.equal(agent.heartbeat, heartbeat);
  assert.deepEqual(agent.settings.current, before);
  assert.deepEqual(changes, []);
  assert.equal(await sample(agent, 'arsenal_config_reloads_total{outcome="success"}'), 1);
});

Deno.test("Agent.reload() with another [simulator] section builds a new scout and keeps the director's rate limits", async () => {
  await using dir = await tempDir();
  const file = await dir.write("arsenal.conf", LIMITED);
  const agent = await agentFrom(file);
  const { scout, director } = agent;
  const first = await agent.loop.runOnce();
  assert.equal(first.directives.filter((d) => d.outcome === "issued").length, 1);

  await Deno.writeTextFile(file, LIMITED.replace("seed = 7", "seed = 8"));
  assert.equal(await agent.reload(), true);
  assert.notEqual(agent.scout, scout, "a new scout");
  assert.equal(agent.scout.name, "simulator");
  assert.equal(agent.setup.config.simulator.seed, 8);
  assert.equal(agent.director, director, "the same director");
  const second = await agent.loop.runOnce();
  assert.ok(second.directives.length > 0);
  assert.deepEqual(outcomes(second), ["rate_limited"], "the hour's one directive was used");
});

Deno.test("Agent.reload() of an invalid configuration keeps everything and counts it", async () => {
  await using dir = await tempDir();
  const file = await dir.write("arsenal.conf", SIMULATED_AGENT);
  const agent = await agentFrom(file);
  const { scout, setup: running } = agent;
  const before = agent.settings.current;
  await Deno.writeTextFile(
    file,
    SIMULATED_AGENT.replace("seed = 7", "seed = 8").replace("spacing = 1", "spacing = soon"),
  );
  assert.equal(await agent.reload(), false);
  assert.equal(agent.scout, scout);
  assert.equal(agent.setup, running);
  assert.equal(agent.settings.current, before);
  assert.equal(await sample(agent, 'arsenal_config_reloads_total{outcome="failed"}'), 1);
  assert.equal(await sample(agent, 'arsenal_config_reloads_total{outcome="success"}'), 0);
});

Deno.test("Agent.reload() without a configuration file changes nothing and counts nothing", async () => {
  const agent = await agentFrom(undefined);
  const { scout, setup: running } = agent;
  assert.equal(await agent.reload(), false);
  assert.equal(agent.scout, scout);
  assert.equal(agent.setup, running);
  assert.equal(await sample(agent, 'arsenal_config_reloads_total{outcome="failed"}'), 0);
  assert.equal(await sample(agent, 'arsenal_config_reloads_total{outcome="success"}'), 0);
});

Deno.test("Agent.reload() wires a configuration as assemble() does", async () => {
  await using dir = await tempDir();
  const plugin = new URL("./_fixtures/plugins/fixed_share.ts", import.meta.url).pathname;
  const next = SIMULATED_AGENT
    .replace("seed = 7", "seed = 9")
    .replace("directive_spacing = 1", "directive_spacing = 5\ndry_run = true") +
    `[strategy]\nmodule = ${plugin}\n[fixed_share]\nshare = 0.25\n`;
  const started = await agentFrom(await dir.write("next.conf", next));
  const file = await dir.write("arsenal.conf", SIMULATED_AGENT);
  const reloaded = await agentFrom(file);
  await Deno.writeTextFile(file, next);
  assert.equal(await reloaded.reload(), true);

  assert.deepEqual(reloaded.settings.current, started.settings.current);
  assert.equal(reloaded.scout.name, started.scout.name);
  const [a, b] = await Promise.all([started.loop.runOnce(), reloaded.loop.runOnce()]);
  assert.equal(a.strategy?.name, "fixed_share");
  assert.deepEqual(outcomes(a), ["dry_run"]);
  assert.deepEqual(b, a, "the same fleet, strategy, options and seed give the same cycle");
  const info = async (agent: Agent) =>
    (await agent.metrics.render()).split("\n").filter((l) =>
      /^arsenal_(build_info|dry_run|paused)\b/.test(l)
    );
  assert.deepEqual(await info(reloaded), await info(started));
});

Deno.test("assemble() counts the OpenStack scout's resumed ejects in arsenal_ejects_resumed_total", async () => {
  await using dir = await tempDir();
  await using fake = await FakeOpenStack.start();
  // An eject a crash left half-way: manageable, cache markers cleared, still marked.
  fake.addNodes(1, {
    provision_state: "manageable",
    extra: { flavor: "bm", [EJECT_MARK]: "img-1" },
  });
  const file = await dir.write(
    "arsenal.conf",
    `[director]\nscout = standalone\n[ironic]\napi_endpoint = ${fake.ironicUrl}\n` +
      "api_retry_interval = 0\n[client_wrapper]\ncall_retry_interval = 0\n" +
      "[standalone]\nimages = u img-1 http://images/img-1 5d41402abc4b2a76b9719d911017c592\n",
  );
  const agent = await agentFrom(file);
  assert.equal(await sample(agent, "arsenal_ejects_resumed_total"), 0);
  await agent.loop.runOnce();
  assert.ok(fake.requests.some((r) => r.body.includes("provide")), "the eject was carried on");
  assert.equal(await sample(agent, "arsenal_ejects_resumed_total"), 1);
});

Deno.test("assemble() with cache_method = arsenal reports records and uncacheable nodes per flavor in metrics and /v1/plan", async () => {
  await using dir = await tempDir();
  await using fake = await FakeOpenStack.start({ arsenalPlugin: true, now: () => T0 });
  const bm = { extra: { flavor: "bm" } };
  const [free, hit, failed] = fake.addNodes(3, bm);
  fake.addNodes(2, bm); // powered off: no agent to cache through
  for (const node of [free, hit, failed]) fake.bootAgent(node.uuid);
  const md5 = "5d41402abc4b2a76b9719d911017c592";
  const file = await dir.write(
    "arsenal.conf",
    `[director]\nscout = standalone\n[ironic]\napi_endpoint = ${fake.ironicUrl}\n` +
      "cache_method = arsenal\napi_retry_interval = 0\n[client_wrapper]\n" +
      `call_retry_interval = 0\n[standalone]\nimages = u u.raw http://images/u.raw ${md5}\n` +
      "[simple_proportional_strategy]\npercentage_to_cache = 1\n",
  );
  const agent = await agentFrom(file);
  for (const node of [hit, failed]) {
    await agent.scout.issue({
      kind: "cache",
      nodeUuid: node.uuid,
      imageUuid: "u.raw",
      imageChecksum: md5,
    }, new AbortController().signal);
  }
  fake.settleCache(hit.uuid, "cached");
  fake.settleCache(failed.uuid, "failed", "checksum mismatch");

  const record = await agent.loop.runOnce();
  assert.equal(record.outcome, "success");
  const figures = {
    flavor: "bm",
    target: 3,
    provisioned: 0,
    available: 2,
    cached: 1,
    notCacheable: 2,
    cacheRecords: { caching: 0, cached: 1, failed: 1, lost: 0 },
  };
  assert.deepEqual(record.flavors, [figures]);
  assert.deepEqual(
    record.directives.map((d) => [d.kind, d.nodeUuid, d.outcome]).sort(),
    [["cache", failed.uuid, "issued"], ["cache", free.uuid, "issued"]].sort(),
    "only nodes with a live agent were offered",
  );
  const metric = (series: string) => sample(agent, series);
  assert.equal(await metric('arsenal_nodes{flavor="bm",state="not_cacheable"}'), 2);
  assert.equal(await metric('arsenal_nodes{flavor="bm",state="available"}'), 2);
  assert.equal(await metric('arsenal_cache_records{flavor="bm",status="cached"}'), 1);
  assert.equal(await metric('arsenal_cache_records{flavor="bm",status="failed"}'), 1);
  assert.equal(await metric('arsenal_cache_records{flavor="bm",status="lost"}'), 0);

  const { loop: controller, settings, metrics } = agent;
  const api = createApi({ controller, settings, metrics, readOnly: true });
  const plan = await (await api.request("/v1/plan")).json();
  assert.deepEqual(plan.flavors, [figures]);
});

Deno.test("assemble() shows the runtime toggles in force and counts every change made", async () => {
  await using dir = await tempDir();
  const file = await dir.write(
    "arsenal.conf",
    SIMULATED_AGENT.replace("[director]\n", "[director]\ndry_run = true\n")
      .replace("percentage_to_cache = 0.5", "percentage_to_cache = 0.125"),
  );
  const { metrics, settings: runtime } = await agentFrom(file);
  let samples = await scrape(metrics);
  assert.equal(value(samples, "arsenal_dry_run"), 1);
  assert.equal(value(samples, "arsenal_paused"), 0);
  runtime.patch({ paused: true, strategy: { percentage_to_cache: 0.5 } });
  assert.equal(value(await scrape(metrics), "arsenal_paused"), 1);
  runtime.patch({ paused: false });
  runtime.patch({ paused: "maybe" });
  samples = await scrape(metrics);
  assert.equal(value(samples, "arsenal_paused"), 0);
  assert.equal(value(samples, "arsenal_runtime_changes_total", { setting: "paused" }), 2);
  assert.equal(
    value(samples, "arsenal_runtime_changes_total", { setting: "strategy.percentage_to_cache" }),
    1,
  );
  runtime.reconfigure(tunables({ dry_run: false }), z.object({}), "reload");
  samples = await scrape(metrics);
  assert.equal(value(samples, "arsenal_dry_run"), 0);
  assert.equal(value(samples, "arsenal_runtime_changes_total", { setting: "dry_run" }), 1);
});

Deno.test("assemble() keeps what is reported before the metrics load, and shows it once they do", async () => {
  await using dir = await tempDir();
  const agent = await agentFrom(await dir.write("arsenal.conf", SIMULATED_AGENT));
  // No cycle was recorded and nothing scraped: prom-client is not loaded yet.
  assert.equal(await agent.loop.poll(), true);
  agent.settings.patch({ paused: true }, { reason: "maintenance" });
  assert.equal(await agent.reload(), true);
  const samples = await scrape(agent.metrics);
  for (const source of ["flavors", "images"]) {
    assert.equal(value(samples, "arsenal_scout_duration_seconds_count", { source }), 1, source);
  }
  assert.equal(value(samples, "arsenal_paused"), 1);
  assert.equal(value(samples, "arsenal_runtime_changes_total", { setting: "paused" }), 1);
  assert.equal(value(samples, "arsenal_config_reloads_total", { outcome: "success" }), 1);
  assert.equal(agent.metrics.contentType, "text/plain; version=0.0.4; charset=utf-8");
});

Deno.test("assemble() on the simulator observes its deploys from node listings: hits and misses in metrics and /v1/deploys", async () => {
  await using dir = await tempDir();
  const clock = new ManualClock(T0);
  const agent = await assemble(
    await setup(await dir.write("arsenal.conf", SIMULATED_AGENT), { onWarning() {} }),
    { clock, random: seededRandom(1), env: {} },
  );
  for (let i = 0; i < 360; i++) {
    await agent.loop.runOnce();
    await clock.advance(5_000);
  }
  await agent.loop.runOnce();
  const samples = await scrape(agent.metrics);
  const total = (result: string) =>
    samples.filter((s) => s.name === "arsenal_deploys_total" && s.labels.result === result)
      .reduce((sum, s) => sum + s.value, 0);
  const [hits, misses] = [total("hit"), total("miss")];
  const own = (agent.scout as SimulatorScout).stats();
  assert.ok(hits > 0 && misses > 0, `${hits} hits, ${misses} misses`);
  // A deploy and its delete within one 5 s listing spacing are unseen; lifetimes are ~20 min.
  assert.ok(hits + misses <= own.deploys && hits + misses >= 0.9 * own.deploys);
  // A cache that became ready after the last listing is a hit to the simulator, not observed.
  assert.ok(hits <= own.cacheHits && hits >= 0.8 * own.cacheHits, `${hits} of ${own.cacheHits}`);
  const images = new Set(
    samples.filter((s) => s.name === "arsenal_deploys_total")
      .map((s) => s.labels.image),
  );
  assert.ok(images.has("Ubuntu 24.04"), "labelled by name");

  const api = createApi({
    controller: agent.loop,
    settings: agent.settings,
    metrics: agent.metrics,
    readOnly: true,
  });
  const { deploys } = await (await api.request("/v1/deploys")).json();
  assert.equal(deploys.length, Math.min(100, hits + misses));
  assert.ok(deploys.some((d: { hit: boolean }) => d.hit));
  assert.ok(deploys[0].time > deploys.at(-1).time, "newest first");
});

Deno.test("assemble() without a configuration shows deploys by hit and miss within a minute (deno task start)", async () => {
  for (const seed of [1, 2, 3]) {
    const clock = new ManualClock(T0);
    const agent = await assemble(await setup(undefined, { onWarning() {} }), {
      clock,
      random: seededRandom(seed),
      env: {},
    });
    for (let t = 0; t < 60_000; t += agent.settings.current.directive_spacing * 1000) {
      await agent.loop.runOnce();
      await clock.advance(agent.settings.current.directive_spacing * 1000);
    }
    await agent.loop.runOnce();
    const samples = await scrape(agent.metrics);
    const results = new Set(
      samples.filter((s) => s.name === "arsenal_deploys_total" && s.value > 0)
        .map((s) => s.labels.result),
    );
    assert.deepEqual([...results].sort(), ["hit", "miss"], `loop seed ${seed}`);
  }
});

Deno.test("assemble() against Ironic observes deploys from instance_info: a hit on the node cached with the image, a miss elsewhere", async () => {
  await using dir = await tempDir();
  await using fake = await FakeOpenStack.start();
  const bm = { extra: { flavor: "bm" } };
  const [cached, bare, pending] = [
    { driver_info: { cache_image_id: "img-1", cache_status: "cached" } },
    {},
    { driver_info: { cache_image_id: "img-1", cache_status: "pending" } },
  ].map((template) => fake.addNodes(1, { ...bm, ...template })[0]);
  const file = await dir.write(
    "arsenal.conf",
    `[director]\nscout = standalone\ndry_run = true\n[ironic]\napi_endpoint = ${fake.ironicUrl}\n` +
      "api_retry_interval = 0\n[client_wrapper]\ncall_retry_interval = 0\n" +
      "[standalone]\nimages = ubuntu img-1 http://images/img-1 5d41402abc4b2a76b9719d911017c592\n",
  );
  const agent = await agentFrom(file);
  await agent.loop.runOnce();
  // What Nova does: the image into instance_info, then deploy.
  for (const node of [cached, bare, pending]) {
    node.instance_info = { image_source: "http://images/img-1" };
    node.provision_state = "active";
  }
  await agent.loop.runOnce();
  const samples = await scrape(agent.metrics);
  const deploys = (result: string) =>
    value(samples, "arsenal_deploys_total", { flavor: "bm", image: "ubuntu", result });
  assert.equal(deploys("hit"), 1);
  assert.equal(deploys("miss"), 2, "not cached, and cached but still pending");
  const hits = agent.loop.recentDeploys().filter((d) => d.hit).map((d) => d.node);
  assert.deepEqual(hits, [cached.uuid]);

  cached.provision_state = "cleaning";
  cached.instance_info = {};
  await agent.loop.runOnce();
  assert.equal(agent.loop.recentDeploys().length, 3, "a delete is no deploy");
});

Deno.test("assemble() with [director] deploy_log appends the observed deploys as a trace, reopens it on reload, and a write error fails no cycle", async () => {
  await using dir = await tempDir();
  const log = `${dir.path}/deploys.jsonl`;
  const conf = SIMULATED_AGENT.replace("[director]\n", `[director]\ndeploy_log = ${log}\n`);
  const clock = new ManualClock(T0);
  const agent = await assemble(await setup(await dir.write("arsenal.conf", conf)), {
    clock,
    random: seededRandom(1),
    env: {},
  });
  const cycles = async (n: number) => {
    for (let i = 0; i < n; i++) {
      assert.equal((await agent.loop.runOnce())?.outcome ?? "success", "success");
      await clock.advance(5_000);
    }
  };
  await cycles(120);
  const first = parseTrace(await Deno.readTextFile(log));
  assert.ok(first.ok && first.trace.events.length > 0, JSON.stringify(first));
  const started = JSON.parse((await Deno.readTextFile(log)).split("\n")[0]).started_at;

  await Deno.rename(log, `${log}.1`);
  assert.ok(await agent.reload());
  await cycles(120);
  const text = await Deno.readTextFile(log);
  const second = parseTrace(text);
  assert.ok(second.ok && second.trace.events.length > 0, JSON.stringify(second));
  assert.equal(JSON.parse(text.split("\n")[0]).started_at, started, "t counts from the same start");
  // The second file's events come after the reload, 10 minutes from T0, in minutes from the start
  // of the first file (its first event's time).
  const reloadedAt = (T0 + 10 * 60_000 - Date.parse(started)) / 60_000;
  assert.ok(second.trace.events[0].t >= reloadedAt, "minutes since the log's start");

  await Deno.rename(log, `${log}.2`);
  await Deno.mkdir(log);
  assert.ok(await agent.reload());
  await cycles(60);
  const samples = await scrape(agent.metrics);
  assert.ok((value(samples, "arsenal_deploy_log_errors_total") ?? 0) > 0);
});

/** Runs `n` cycles of `agent`, 5 s apart on `clock`. */
async function runCycles(agent: Agent, clock: ManualClock, n: number): Promise<CycleRecord> {
  let record!: CycleRecord;
  for (let i = 0; i < n; i++) {
    record = await agent.loop.runOnce();
    await clock.advance(5_000);
  }
  return record;
}

Deno.test("Agent.reload() keeps the deploy history the loop observed, and plans go on with it", async () => {
  await using dir = await tempDir();
  const file = await dir.write("arsenal.conf", SIMULATED_AGENT);
  const clock = new ManualClock(T0);
  const agent = await assemble(await setup(file, { onWarning() {} }), {
    clock,
    random: seededRandom(1),
    env: {},
  });
  await runCycles(agent, clock, 120);
  const history = agent.loop.deployHistory;
  const before = [...history.deploys];
  assert.ok(before.length > 0, "the simulator's tenants deployed");
  await dir.write("arsenal.conf", SIMULATED_AGENT.replace("= 0.5", "= 0.25"));
  assert.equal(await agent.reload(), true);
  assert.equal(agent.settings.current.strategy.percentage_to_cache, 0.25, "reloaded");
  assert.deepEqual(agent.loop.deployHistory.deploys.slice(0, before.length), before);
  const record = await agent.loop.runOnce();
  assert.ok(record.deploys! >= before.length, `${record.deploys} deploys planned from`);
});

Deno.test("assemble() with [director] deploy_log reads the deploy history back from it at start", async () => {
  await using dir = await tempDir();
  const log = `${dir.path}/deploys.jsonl`;
  const file = await dir.write(
    "arsenal.conf",
    SIMULATED_AGENT.replace("[director]\n", `[director]\ndeploy_log = ${log}\n`),
  );
  const clock = new ManualClock(T0);
  const deps = { clock, random: seededRandom(1), env: {} };
  const first = await assemble(await setup(file, { onWarning() {} }), deps);
  await runCycles(first, clock, 120);
  first.deployLog?.close();
  const observed = first.loop.deployHistory.deploys;
  assert.ok(observed.length > 0);

  const restarted = await assemble(await setup(file, { onWarning() {} }), deps);
  const read = restarted.loop.deployHistory.deploys;
  assert.equal(read.length, observed.length);
  read.forEach((deploy, i) => {
    const { at, flavor, image } = observed[i];
    assert.deepEqual([deploy.flavor, deploy.image], [flavor, image]);
    assert.ok(Math.abs(deploy.at - at) <= 30, "t is written to the 60 ms");
  });
  const record = await restarted.loop.runOnce();
  assert.ok(record.deploys! >= observed.length);

  const fresh = await agentFrom(await dir.write("plain.conf", SIMULATED_AGENT));
  assert.equal(fresh.loop.deployHistory.size, 0, "without a deploy log, a start is empty");
});

Deno.test("assemble() with demand on the simulator explains each flavor and image in /v1/plan", async () => {
  await using dir = await tempDir();
  const conf = `${SIMULATED_AGENT}[strategy]\nmodule = demand\n[demand]\ncache_share = 0.5\n`;
  const clock = new ManualClock(T0);
  const agent = await assemble(
    await setup(await dir.write("arsenal.conf", conf), {
      onWarning() {},
    }),
    { clock, random: seededRandom(1), env: {} },
  );
  const first = await agent.loop.runOnce();
  assert.ok(first.explain?.every((e) => e.why.startsWith("cold start")), "no deploys yet");
  await runCycles(agent, clock, 120);
  assert.ok(agent.loop.deployHistory.size > 0, "the simulated tenants deployed");

  const { loop: controller, settings, metrics } = agent;
  const api = createApi({ controller, settings, metrics, readOnly: true });
  const plan = await (await api.request("/v1/plan")).json() as CycleRecord;
  assert.equal(plan.strategy.name, "demand");
  assert.ok(plan.explain && plan.explain.length > 0, JSON.stringify(plan));
  for (const entry of plan.explain) {
    assert.deepEqual(Object.keys(entry), [
      "flavor",
      "image",
      "expected",
      "target",
      "cached",
      "why",
    ]);
  }
  assert.ok(plan.explain.some((e) => /^forecast from \d+ recent deploys/.test(e.why)));
  const targets = new Map<string, number>();
  for (const e of plan.explain) targets.set(e.flavor, (targets.get(e.flavor) ?? 0) + e.target);
  for (const figures of plan.flavors) {
    assert.equal(targets.get(figures.flavor) ?? 0, figures.target);
  }
});
