/**
 * Proof, against the lab (real Ironic 21.4, the Arsenal plugin, agents that really download), that
 * caching happens (issue 11 §5, proofs 1, 2, 3 and 6): `arsenal run --once` caches 2 of 4 nodes
 * through the plugin, a deploy of the cached image onto a cached node downloads nothing, other
 * deploys download once, and the plugin refuses what it cannot cache with nothing changed; and
 * (issue 12 §1) an agent watching the lab observes those two deploys as a hit and a miss.
 *
 * The image server sends at 50 MB/s (a busy image server's share), so a deploy's download shows in
 * its time. Skipped unless ARSENAL_OPENSTACK_TESTS=1 (`deno task test:openstack`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { http, Ironic } from "../integration/harness/api.ts";
import { runMain } from "../_run_main.ts";
import { scrape, value } from "../_metrics.ts";
import { assemble } from "../../src/agent.ts";
import { createApi } from "../../src/api/app.ts";
import { parseTrace } from "../../src/domain/trace_reader.ts";
import { systemClock } from "../../src/runtime/clock.ts";
import { setup } from "../../src/setup.ts";
import { startLab } from "./lab.ts";
import { startImageServer } from "./image_server.ts";
import {
  arsenalConfig,
  cacheReaches,
  cacheStatus,
  deploy,
  ENABLED,
  imageInfo,
  MIB,
  node,
  settled,
} from "./_proof.ts";

const RATE = 50_000_000;

Deno.test({
  name: "arsenal run caches 2 of 4 lab nodes, whose deploys of that image then download nothing",
  ignore: !ENABLED,
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  const t0 = performance.now();
  await using lab = await startLab({ nodes: 4 });
  const seconds: Record<string, number> = { start: (performance.now() - t0) / 1000 };
  await using images = startImageServer();
  const ironic = new Ironic(lab.ironic);
  const ubuntu = images.add("proof-ubuntu.raw", { size: 64 * MIB, bytesPerSecond: RATE });
  const rocky = images.add("proof-rocky.raw", { size: 64 * MIB, bytesPerSecond: RATE });
  const config = await Deno.makeTempFile({ suffix: ".conf" });
  await Deno.writeTextFile(config, arsenalConfig(lab.ironic, [ubuntu]));
  let cached: string[] = [];
  let uncached: string[] = [];

  await t.step("1. arsenal run --once caches 2 of 4 nodes: 2 downloads, cached", async () => {
    const run = await runMain(["run", "--once", "--config-file", config]);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const record = JSON.parse(run.stdout.trim().split("\n").at(-1)!);
    const issued = record.directives.filter((d: { outcome: string }) => d.outcome === "issued");
    assert.equal(issued.length, 2, run.stdout);
    // cache_image is asynchronous (202): its record may be written after run --once has ended.
    const targets = new Set(issued.map((d: { nodeUuid: string }) => d.nodeUuid));
    for (const uuid of lab.nodes) {
      if (!targets.has(uuid)) {
        assert.equal((await cacheStatus(ironic, uuid)).status, "none", uuid);
        uncached.push(uuid);
        continue;
      }
      const done = await cacheReaches(ironic, uuid, "cached");
      assert.equal(done.image_id, ubuntu.name);
      cached.push(uuid);
      const machine = await lab.machine(uuid);
      assert.equal(machine.agent?.cached_image_id, ubuntu.name, "the agent holds it");
      assert.equal(done.agent_started_at, machine.agent?.started_at);
      assert.deepEqual(await lab.diskHead(uuid, ubuntu.size), ubuntu.bytes, "on its disk");
      const capabilities = String((await node(ironic, uuid)).properties.capabilities ?? "");
      assert.match(capabilities, new RegExp(`arsenal_cached_image:${ubuntu.name}`));
    }
    assert.equal(cached.length, 2, `cached ${cached}, not ${uncached}`);
    assert.equal(images.gets(ubuntu.name), 2, "one download per cached node");
    const again = await runMain(["run", "--once", "--config-file", config]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(images.gets(ubuntu.name), 2, "a second cycle caches nothing more");
  });
  [cached, uncached] = [cached.sort(), uncached.sort()];

  // An agent that only watches (dry run: it issues nothing, so the downloads counted stay its own).
  const deployLog = await Deno.makeTempFile({ suffix: ".jsonl" });
  await Deno.remove(deployLog);
  const watcherConfig = await Deno.makeTempFile({ suffix: ".conf" });
  await Deno.writeTextFile(
    watcherConfig,
    arsenalConfig(lab.ironic, [ubuntu])
      .replace("dry_run = False", `dry_run = True\ndeploy_log = ${deployLog}`),
  );
  const watcher = await assemble(await setup(watcherConfig, { onWarning() {} }), {
    clock: systemClock,
    env: {},
  });
  assert.equal((await watcher.loop.runOnce()).outcome, "success", "the watcher's first look");

  await t.step("2. a deploy of the cached image onto a cached node downloads nothing", async () => {
    const t1 = performance.now();
    await deploy(ironic, cached[0], ubuntu);
    await settled(ironic, cached[0], "active");
    seconds.cachedDeploy = (performance.now() - t1) / 1000;
    assert.equal(images.gets(ubuntu.name), 2, "no download");
    assert.equal((await lab.machine(cached[0])).running, "instance");
    assert.deepEqual(await lab.diskHead(cached[0], ubuntu.size), ubuntu.bytes);
    const lost = await cacheReaches(ironic, cached[0], "lost");
    assert.match(lost.error ?? "", /a deploy took the node/);
  });

  await t.step("3. onto an uncached node: one download", async () => {
    const t2 = performance.now();
    await deploy(ironic, uncached[0], ubuntu);
    await settled(ironic, uncached[0], "active");
    seconds.uncachedDeploy = (performance.now() - t2) / 1000;
    assert.equal(images.gets(ubuntu.name), 3, "one download");
    assert.deepEqual(await lab.diskHead(uncached[0], ubuntu.size), ubuntu.bytes);
  });

  await t.step(
    "issue 12 §1: the watching agent observes these two deploys: a hit and a miss",
    async () => {
      const record = await watcher.loop.runOnce();
      assert.equal(record.outcome, "success");
      assert.deepEqual(record.directives.map((d) => d.outcome).filter((o) => o !== "dry_run"), []);
      const samples = await scrape(watcher.metrics);
      const total = (result: string) =>
        samples.filter((s) => s.name === "arsenal_deploys_total" && s.labels.result === result)
          .reduce((sum, s) => sum + s.value, 0);
      assert.equal(total("hit"), 1, "the cached image onto a cached node");
      assert.equal(total("miss"), 1, "onto an uncached node");
      const flavor = samples.find((s) => s.name === "arsenal_deploys_total")!.labels.flavor;
      assert.equal(
        value(samples, "arsenal_deploys_total", { flavor, image: ubuntu.name, result: "hit" }),
        1,
        "labelled with the image's configured name",
      );
      const api = createApi({
        controller: watcher.loop,
        settings: watcher.settings,
        metrics: watcher.metrics,
        readOnly: true,
      });
      const { deploys } = await (await api.request("/v1/deploys")).json();
      const seen = deploys.map((d: { node: string; imageName: string; hit: boolean }) => [
        d.node,
        d.imageName,
        d.hit,
      ]).sort();
      assert.deepEqual(
        seen,
        [[cached[0], ubuntu.name, true], [uncached[0], ubuntu.name, false]].sort(),
      );
      const trace = parseTrace(await Deno.readTextFile(deployLog));
      assert.ok(trace.ok, JSON.stringify(trace));
      const logged = trace.trace.events.filter((e) => e.kind === "deploy");
      assert.equal(logged.length, 2, JSON.stringify(trace.trace.events));
      assert.ok(logged.every((e) => e.kind === "deploy" && e.image === ubuntu.name && e.t >= 0));
      assert.equal(images.gets(ubuntu.name), 3, "watching downloads nothing");
    },
  );

  await t.step("3. a different image onto a cached node: one download", async () => {
    const t3 = performance.now();
    await deploy(ironic, cached[1], rocky);
    await settled(ironic, cached[1], "active");
    seconds.otherImageDeploy = (performance.now() - t3) / 1000;
    assert.equal(images.gets(rocky.name), 1, "one download");
    assert.equal(images.gets(ubuntu.name), 3);
    assert.deepEqual(await lab.diskHead(cached[1], rocky.size), rocky.bytes);
  });

  const spare = uncached[1];
  const refused = async (body: unknown, reason: RegExp) => {
    const before = await node(ironic, spare);
    const reply = await ironic.vendorPassthru(spare, "cache_image", body);
    assert.equal(reply.status, 400, JSON.stringify(reply.body));
    assert.match(JSON.stringify(reply.body), reason);
    const after = await node(ironic, spare);
    assert.equal(after.driver_internal_info.arsenal_cache, undefined, "no record");
    assert.equal(after.provision_state, before.provision_state);
    assert.equal(after.power_state, before.power_state);
    assert.equal(images.gets(ubuntu.name), 3, "no download");
  };

  await t.step("6. a call to an agent without its token: 401, nothing done", async () => {
    const machine = await lab.machine(spare);
    const reply = await http("POST", `${machine.agent!.url}/v1/commands/?wait=false`, {
      json: { name: "standby.prepare_image", params: { image_info: imageInfo(ubuntu) } },
      expect: [401],
    });
    assert.equal(reply.status, 401);
    assert.deepEqual((await lab.machine(spare)).agent?.commands, machine.agent!.commands);
    assert.equal(images.gets(ubuntu.name), 3, "no download");
  });

  await t.step("6. cache_image in maintenance: 400 with the reason", async () => {
    await ironic.maintenance(spare, "proof");
    await refused({ image_info: imageInfo(ubuntu) }, /in maintenance \(proof\)/);
    await ironic.call("DELETE", `/v1/nodes/${spare}/maintenance`);
  });

  await t.step("6. cache_image of a partition image: 400 with the reason", async () => {
    const partition = { ...imageInfo(ubuntu), image_type: "partition", kernel: ubuntu.url };
    await refused({ image_info: partition }, /only whole-disk images can be cached/);
  });

  await t.step("6. cache_image on a node without a live agent: 400 with the reason", async () => {
    await ironic.power(spare, "power off");
    await settledPower(ironic, spare, "power off");
    await refused({ image_info: imageInfo(ubuntu) }, /power off|no agent/);
    assert.equal((await lab.machine(spare)).agent, null);
  });

  watcher.deployLog?.close();
  await Promise.all([config, watcherConfig, deployLog].map((f) => Deno.remove(f)));
  const shown = Object.entries(seconds).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(", ");
  console.log(
    `lab proof (4 nodes, 64 MiB images at ${RATE / 1e6} MB/s): ${shown}; ` +
      `start phases ${JSON.stringify(lab.timings)}`,
  );
});

async function settledPower(ironic: Ironic, uuid: string, power: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const n = await node(ironic, uuid);
    if (n.power_state === power && !n.driver_internal_info.agent_url) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`node ${uuid} did not reach ${power}`);
}
