/**
 * Smoke test of the lab (tests/lab/): real Ironic 21.4 with two machines whose fake agents
 * really download. A whole-disk image is deployed by URL through Ironic's API, then undeployed.
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

Deno.test({
  name: "lab deploys a whole-disk image by URL through Ironic and cleans it with the agent",
  ignore: !ENABLED,
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const t0 = performance.now();
  await using lab = await startLab({ nodes: 2 });
  const startS = (performance.now() - t0) / 1000;
  await using images = startImageServer();
  const ironic = new Ironic(lab.ironic);

  for (const uuid of lab.nodes) {
    const node = (await ironic.call<LabNode>("GET", `/v1/nodes/${uuid}`)).body;
    assert.equal(node.provision_state, "available");
    assert.equal(node.power_state, "power on");
    const machine = await liveAgent(lab, uuid);
    assert.equal(node.driver_internal_info.agent_url, machine.agent?.url);
    assert.ok(heartbeatAgeS(node) < 30, `heartbeat ${heartbeatAgeS(node)} s old`);
    assert.equal(node.driver_internal_info.agent_secret_token, "******", "the API masks it");
  }

  const image = images.add("lab-smoke.img", { size: 64 * MIB });
  const [uuid] = lab.nodes;
  const before = await liveAgent(lab, uuid);
  await ironic.patch(uuid, [
    { op: "add", path: "/instance_info/image_source", value: image.url },
    { op: "add", path: "/instance_info/image_os_hash_algo", value: "sha256" },
    { op: "add", path: "/instance_info/image_os_hash_value", value: image.sha256 },
    { op: "add", path: "/instance_info/image_disk_format", value: "raw" },
  ]);
  const t1 = performance.now();
  await ironic.provision(uuid, "active");
  const active = await settled(ironic, uuid, "active");
  const deployS = (performance.now() - t1) / 1000;
  assert.equal(active.power_state, "power on");
  assert.equal(images.gets(image.name), 1, "one download");
  assert.deepEqual(await lab.diskHead(uuid, image.size), image.bytes, "the disk holds the image");
  const instance = await lab.machine(uuid);
  assert.equal(instance.running, "instance", "the node boots its instance, not the agent");
  assert.equal(instance.agent, null);
  // the agent powered itself off (standby.power_off): Ironic keeps its URL, which no longer answers
  const stale = active.driver_internal_info.agent_url as string;
  await assert.rejects(fetch(`${stale}/v1/status`), "the agent is gone");

  const t2 = performance.now();
  await ironic.provision(uuid, "deleted");
  const available = await settled(ironic, uuid, "available");
  const undeployS = (performance.now() - t2) / 1000;
  const after = await liveAgent(lab, uuid);
  assert.ok(after.agent!.started_at > before.agent!.started_at, "cleaning booted a new agent");
  assert.equal(available.driver_internal_info.agent_url, after.agent!.url);
  assert.equal(after.agent!.cached_image_id, null);
  assert.ok(
    (await lab.diskHead(uuid, 4 * MIB)).every((b) => b === 0),
    "erase_devices zeroed the disk",
  );
  assert.equal(images.gets(image.name), 1, "cleaning downloads nothing");

  // a wrong hash: the agent fails the write_image step, Ironic collects its logs, and the node
  // recovers through cleaning
  const [, other] = lab.nodes;
  await ironic.patch(other, [
    { op: "add", path: "/instance_info/image_source", value: image.url },
    { op: "add", path: "/instance_info/image_checksum", value: "0".repeat(32) },
  ]);
  await ironic.provision(other, "active");
  const failed = await until("the deploy to fail", SETTLE_MS, async () => {
    const n = (await ironic.call<LabNode>("GET", `/v1/nodes/${other}`)).body;
    return n.provision_state === "deploy failed" ? n : undefined;
  });
  assert.match(failed.last_error ?? "", /ImageChecksumError|checksum/i, failed.last_error ?? "");
  const logs = [...Deno.readDirSync(`${lab.stateDir}/deploy-logs`)].map((e) => e.name);
  assert.ok(logs.some((name) => name.startsWith(other) && name.endsWith(".tar.gz")), `${logs}`);
  assert.equal((await lab.machine(other)).agent?.cached_image_id, null);
  await ironic.provision(other, "deleted");
  await settled(ironic, other, "available");
  await liveAgent(lab, other);

  const pids = Object.values(lab.info.pids);
  await lab.stop();
  for (const pid of pids) {
    // a zombie (state Z) is gone too: only its exit status waits for a parent to collect it
    await until(`process ${pid} of the lab to end`, 10_000, async () => {
      const stat = await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => "");
      return !stat || stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z") ? true : undefined;
    }, { intervalMs: 100 });
  }
  console.log(
    `lab (2 nodes): start ${startS.toFixed(1)} s (${JSON.stringify(lab.timings)}), ` +
      `deploy 64 MiB ${deployS.toFixed(1)} s, undeploy with cleaning ${undeployS.toFixed(1)} s`,
  );
});
