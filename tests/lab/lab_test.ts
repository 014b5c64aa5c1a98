/**
 * Smoke test of the lab (tests/lab/): real Ironic 21.4 with two machines whose fake agents
 * really download. A whole-disk image is deployed by URL through Ironic's API and undeployed; a
 * deploy with a wrong hash fails and recovers; a power cycle boots a fresh agent.
 *
 * Skipped unless ARSENAL_OPENSTACK_TESTS=1 (`deno task test:openstack` sets it). It needs Debian
 * 12; as root it installs python3-ironic when missing.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Ironic, until } from "../integration/harness/api.ts";
import { type Lab, type LabMachine, startLab } from "./lab.ts";
import { startImageServer } from "./image_server.ts";

const ENABLED = Deno.permissions.querySync({ name: "env", variable: "ARSENAL_OPENSTACK_TESTS" })
      .state === "granted" && Deno.env.get("ARSENAL_OPENSTACK_TESTS") === "1";
const MIB = 1024 * 1024;
/** Longest a deploy or an undeploy (cleaning included) may take in the lab. */
const SETTLE_MS = 180_000;

interface LabNode {
  readonly uuid: string;
  readonly provision_state: string;
  readonly target_provision_state: string | null;
  readonly power_state: string | null;
  readonly last_error: string | null;
  readonly driver_internal_info: Record<string, unknown>;
}

async function settled(ironic: Ironic, uuid: string, state: string): Promise<LabNode> {
  let last: LabNode | undefined;
  return await until(`node ${uuid} to become ${state}`, SETTLE_MS, async () => {
    last = (await ironic.call<LabNode>("GET", `/v1/nodes/${uuid}`)).body;
    if (last.provision_state.endsWith("failed")) {
      throw new Error(`node ${uuid} is ${last.provision_state}: ${last.last_error}`);
    }
    return last.provision_state === state && !last.target_provision_state ? last : undefined;
  }, { describe: () => JSON.stringify(last?.provision_state) });
}

function heartbeatAgeS(node: LabNode): number {
  const at = node.driver_internal_info.agent_last_heartbeat as string;
  return (Date.now() - Date.parse(`${at}Z`)) / 1000;
}

async function liveAgent(lab: Lab, uuid: string): Promise<LabMachine> {
  const machine = await lab.machine(uuid);
  assert.equal(machine.running, "agent", `machine of ${uuid} runs ${machine.running}`);
  assert.ok(machine.agent?.has_token, "the agent holds a token");
  return machine;
}

async function deployByUrl(ironic: Ironic, uuid: string, patch: Record<string, string>) {
  await ironic.patch(
    uuid,
    Object.entries(patch).map(([key, value]) => ({
      op: "add",
      path: `/instance_info/${key}`,
      value,
    })),
  );
  await ironic.provision(uuid, "active");
}

Deno.test({
  name: "lab runs deploys, cleaning and power actions of real Ironic on agents that download",
  ignore: !ENABLED,
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  const t0 = performance.now();
  await using lab = await startLab({ nodes: 2 });
  const startS = (performance.now() - t0) / 1000;
  await using images = startImageServer();
  const ironic = new Ironic(lab.ironic);
  const image = images.add("lab-smoke.img", { size: 64 * MIB });
  const [first, second] = lab.nodes;
  const seconds: Record<string, number> = { start: startS };

  await t.step("every node is available with a live, heartbeating agent", async () => {
    for (const uuid of lab.nodes) {
      const node = (await ironic.call<LabNode>("GET", `/v1/nodes/${uuid}`)).body;
      assert.equal(node.provision_state, "available");
      assert.equal(node.power_state, "power on");
      const machine = await liveAgent(lab, uuid);
      assert.equal(node.driver_internal_info.agent_url, machine.agent?.url);
      assert.ok(heartbeatAgeS(node) < 30, `heartbeat ${heartbeatAgeS(node)} s old`);
      assert.equal(node.driver_internal_info.agent_secret_token, "******", "the API masks it");
    }
  });

  const before = await liveAgent(lab, first);
  await t.step("a deploy by URL downloads once, writes the disk, boots the instance", async () => {
    const t1 = performance.now();
    await deployByUrl(ironic, first, {
      image_source: image.url,
      image_os_hash_algo: "sha256",
      image_os_hash_value: image.sha256,
      image_disk_format: "raw",
    });
    const active = await settled(ironic, first, "active");
    seconds.deploy = (performance.now() - t1) / 1000;
    assert.equal(active.power_state, "power on");
    assert.equal(images.gets(image.name), 1, "one download");
    assert.deepEqual(await lab.diskHead(first, image.size), image.bytes, "the disk holds it");
    const instance = await lab.machine(first);
    assert.equal(instance.running, "instance", "the node boots its instance, not the agent");
    assert.equal(instance.agent, null);
    // the agent powered itself off (standby.power_off): Ironic keeps its URL, which is dead
    const stale = active.driver_internal_info.agent_url as string;
    await assert.rejects(fetch(`${stale}/v1/status`), "the agent is gone");
  });

  await t.step("an undeploy cleans with a fresh agent, which zeroes the disk", async () => {
    const t2 = performance.now();
    await ironic.provision(first, "deleted");
    const available = await settled(ironic, first, "available");
    seconds.undeploy = (performance.now() - t2) / 1000;
    const after = await liveAgent(lab, first);
    assert.ok(after.agent!.started_at > before.agent!.started_at, "a new agent");
    assert.equal(available.driver_internal_info.agent_url, after.agent!.url);
    assert.equal(after.agent!.cached_image_id, null);
    const head = await lab.diskHead(first, 4 * MIB);
    assert.ok(head.every((b) => b === 0), "erase_devices zeroed the disk");
    assert.equal(images.gets(image.name), 1, "cleaning downloads nothing");
  });

  await t.step(
    "a wrong hash fails the deploy with the agent's logs; cleaning recovers",
    async () => {
      await deployByUrl(ironic, second, {
        image_source: image.url,
        image_checksum: "0".repeat(32),
      });
      const failed = await until("the deploy to fail", SETTLE_MS, async () => {
        const n = (await ironic.call<LabNode>("GET", `/v1/nodes/${second}`)).body;
        return n.provision_state === "deploy failed" ? n : undefined;
      });
      assert.match(failed.last_error ?? "", /checksum/i, failed.last_error ?? "");
      const logs = [...Deno.readDirSync(`${lab.stateDir}/deploy-logs`)].map((e) => e.name);
      assert.ok(
        logs.some((name) => name.startsWith(second) && name.endsWith(".tar.gz")),
        `${logs}`,
      );
      assert.equal((await lab.machine(second)).agent?.cached_image_id, null);
      await ironic.provision(second, "deleted");
      await settled(ironic, second, "available");
      await liveAgent(lab, second);
    },
  );

  await t.step("power off stops the agent; power on boots a fresh one", async () => {
    const running = await liveAgent(lab, second);
    await ironic.power(second, "power off");
    const off = await until("the machine to be off", 30_000, async () => {
      const m = await lab.machine(second);
      return m.power === "power off" ? m : undefined;
    });
    assert.equal(off.agent, null);
    await assert.rejects(fetch(`${running.agent!.url}/v1/status`), "nothing answers");
    await ironic.power(second, "power on");
    const fresh = await until("a fresh agent's heartbeat", 60_000, async () => {
      const n = (await ironic.call<LabNode>("GET", `/v1/nodes/${second}`)).body;
      const m = await lab.machine(second);
      const url = n.driver_internal_info.agent_url;
      return url && url === m.agent?.url ? m : undefined;
    });
    assert.ok(fresh.agent!.started_at > running.agent!.started_at);
    assert.ok(fresh.agent!.has_token, "power off wiped the token: lookup handed out a new one");
  });

  await t.step("stop leaves no process behind", async () => {
    const pids = Object.values(lab.info.pids);
    await lab.stop();
    for (const pid of pids) {
      // a zombie (state Z) is gone too: only its exit status waits for a parent to collect it
      await until(`process ${pid} of the lab to end`, 10_000, async () => {
        const stat = await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => "");
        return !stat || stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z") ? true : undefined;
      }, { intervalMs: 100 });
    }
  });
  const shown = Object.entries(seconds).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(", ");
  console.log(`lab (2 nodes, 64 MiB image): ${shown}; start phases ${JSON.stringify(lab.timings)}`);
});
