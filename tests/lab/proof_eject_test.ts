/**
 * Proof, against the lab, that an eject forgets a cached image (issue 11 §5, proof 5): power off
 * → manage → provide leaves the node `available` with a fresh agent, no record, and cacheable
 * again; the old eject (manage → provide only) cleans inside the same agent, whose in-memory
 * `cached_image_id` survives, so the next deploy of that image id skips the write and fails on
 * the erased disk. And an image updated under the same URL keeps its id: a node that cached the
 * old content deploys it, unchecked.
 *
 * Skipped unless ARSENAL_OPENSTACK_TESTS=1 (`deno task test:openstack`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { Ironic, until } from "../integration/harness/api.ts";
import { runMain } from "../_run_main.ts";
import { EJECT_MARK } from "../../src/scout/openstack/eject_step.ts";
import { type Lab, startLab } from "./lab.ts";
import { startImageServer } from "./image_server.ts";
import {
  arsenalConfig,
  cacheImage,
  cacheReaches,
  cacheStatus,
  deploy,
  ENABLED,
  MIB,
  node,
  SETTLE_MS,
  settled,
} from "./_proof.ts";

/** The agent's started_at once it is back, heartbeating and known to Ironic. */
async function freshAgent(lab: Lab, ironic: Ironic, uuid: string, after: number) {
  return await until(`a fresh agent on ${uuid}`, 60_000, async () => {
    const machine = await lab.machine(uuid);
    const url = (await node(ironic, uuid)).driver_internal_info.agent_url;
    const agent = machine.agent;
    return agent && agent.started_at > after && agent.has_token && url === agent.url
      ? agent
      : undefined;
  });
}

Deno.test({
  name: "an eject powers the lab node off, so its fresh agent forgets the cached image",
  ignore: !ENABLED,
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  await using lab = await startLab({ nodes: 4 });
  await using images = startImageServer();
  const ironic = new Ironic(lab.ironic);
  const v1 = images.add("proof-v1.raw", { size: 64 * MIB });
  const v2 = images.add("proof-v2.raw", { size: 64 * MIB });
  const [fixed, old, byArsenal, stale] = lab.nodes;
  const before = new Map<string, number>();
  for (const uuid of lab.nodes) {
    await cacheImage(ironic, uuid, v1);
    await cacheReaches(ironic, uuid, "cached");
    before.set(uuid, (await lab.machine(uuid)).agent!.started_at);
  }
  assert.equal(images.gets(v1.name), 4);

  await t.step(
    "5. eject (power off) → manage → provide: a fresh agent, cacheable again",
    async () => {
      const reply = await ironic.vendorPassthru(fixed, "eject", {});
      assert.equal(reply.status, 202, JSON.stringify(reply.body));
      await until("the eject's power off", 30_000, async () => {
        const n = await node(ironic, fixed);
        return n.power_state === "power off" && !n.driver_internal_info.agent_url ? n : undefined;
      });
      assert.equal((await cacheStatus(ironic, fixed)).status, "none");
      await ironic.provision(fixed, "manage");
      await settled(ironic, fixed, "manageable");
      await ironic.provision(fixed, "provide");
      const available = await settled(ironic, fixed, "available");
      const agent = await freshAgent(lab, ironic, fixed, before.get(fixed)!);
      assert.equal(agent.cached_image_id, null, "the fresh agent has nothing cached");
      assert.equal(available.driver_internal_info.arsenal_cache, undefined, "no record");
      assert.doesNotMatch(String(available.properties.capabilities ?? ""), /arsenal_cached_image/);
      await cacheImage(ironic, fixed, v2);
      await cacheReaches(ironic, fixed, "cached");
      assert.equal(images.gets(v2.name), 1);
      assert.deepEqual(await lab.diskHead(fixed, v2.size), v2.bytes);
      await deploy(ironic, fixed, v2);
      await settled(ironic, fixed, "active");
      assert.equal(images.gets(v2.name), 1, "the deploy used the new cache");
    },
  );

  await t.step(
    "5. the old eject (manage → provide) keeps the stale id: the deploy fails",
    async () => {
      await ironic.provision(old, "manage");
      await settled(ironic, old, "manageable");
      await ironic.provision(old, "provide");
      await settled(ironic, old, "available");
      const machine = await lab.machine(old);
      assert.equal(machine.agent?.started_at, before.get(old), "cleaning ran in the same agent");
      assert.equal(machine.agent?.cached_image_id, v1.name, "which still claims the image");
      assert.ok((await lab.diskHead(old, MIB)).every((b) => b === 0), "on an erased disk");
      const lost = await cacheStatus(ironic, old);
      assert.equal(lost.status, "lost", JSON.stringify(lost));
      await deploy(ironic, old, v1);
      const failed = await settled(ironic, old, "deploy failed");
      assert.match(failed.last_error ?? "", /No partitions found on the device/);
      assert.equal(images.gets(v1.name), 4, "the agent skipped the download");
    },
  );

  await t.step(
    "an image updated under the same URL: a cached node deploys the old content",
    async () => {
      const updated = images.add(v1.name, { size: v1.size, seed: 99 });
      assert.notEqual(updated.sha256, v1.sha256);
      await deploy(ironic, stale, updated);
      await settled(ironic, stale, "active");
      assert.equal(images.gets(v1.name), 4, "the agent skipped the download");
      assert.deepEqual(await lab.diskHead(stale, v1.size), v1.bytes, "the old image, unchecked");
    },
  );

  await t.step({
    name: "5. Arsenal ejects a node whose image is no longer listed: fresh agent, no record",
    fn: async () => {
      const config = await Deno.makeTempFile({ suffix: ".conf" });
      await Deno.writeTextFile(config, arsenalConfig(lab.ironic, [v2], 0));
      try {
        await until("Arsenal's eject to finish", SETTLE_MS, async () => {
          const run = await runMain(["run", "--once", "--config-file", config]);
          assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
          const n = await node(ironic, byArsenal);
          const done = n.provision_state === "available" && !n.target_provision_state &&
            (await cacheStatus(ironic, byArsenal)).status === "none" &&
            !JSON.stringify(n).includes(EJECT_MARK);
          return done ? n : undefined;
        }, { intervalMs: 2000 });
      } finally {
        await Deno.remove(config);
      }
      const agent = await freshAgent(lab, ironic, byArsenal, before.get(byArsenal)!);
      assert.equal(agent.cached_image_id, null);
      await cacheImage(ironic, byArsenal, v2);
      await cacheReaches(ironic, byArsenal, "cached");
    },
  });
});
