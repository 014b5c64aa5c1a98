/**
 * Ejects through the OpenStack scout against the fake cloud: a write is never sent again on
 * faith, a node is never left stranded, and a later scout (after a crash or a shutdown) finishes
 * what an earlier one started.
 */
import assert from "node:assert/strict";
import { readConfig } from "../../../src/setup.ts";
import { eject } from "../../../src/domain/directive.ts";
import type { OpenStackSettings } from "../../../src/scout/openstack/settings.ts";
import { seededRandom } from "../../../src/domain/random.ts";
import { ManualClock } from "../../../src/runtime/clock.ts";
import { EJECT_MARK } from "../../../src/scout/openstack/eject_step.ts";
import { OpenStackScout } from "../../../src/scout/openstack/openstack_scout.ts";
import { type FakeNode, FakeOpenStack, type Fault } from "../../_fakes/openstack.ts";
import { tempDir } from "../../_helpers.ts";
import { scoutWarnings } from "./_scout_warnings.ts";

const T0 = Date.parse("2026-03-01T12:00:00.000Z");
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const signal = new AbortController().signal;
const CACHED = { cache_image_id: "img-1", cache_status: "cached", ipmi_address: "10.0.0.1" };

/**
 * Standalone settings against the fake's Ironic: no waits, 250 ms per attempt (short for the
 * faults that hang; long enough for the in-process fake on a loaded machine, where 50 ms was not).
 */
async function settingsFor(fake: FakeOpenStack): Promise<OpenStackSettings> {
  await using dir = await tempDir();
  const file = await dir.write(
    "arsenal.conf",
    `[director]\nscout = standalone\n[ironic]\napi_endpoint = ${fake.ironicUrl}\n` +
      "api_retry_interval = 0\napi_max_retries = 2\n[client_wrapper]\ncall_retry_interval = 0\n" +
      "call_max_retries = 2\n[standalone]\nimages = u img-1 http://images/img-1 5d41402abc4b2a76b9719d911017c592\n",
  );
  const { config, problems } = readConfig(file);
  assert.deepEqual(problems, []);
  const settings = config!.openstack!;
  return { ...settings, policy: { ...settings.policy, timeoutSeconds: 0.25 } };
}

/** A scout that counts the ejects it resumes into `resumed`. */
function resumingScout(settings: OpenStackSettings, clock: ManualClock, resumed: number[]) {
  return new OpenStackScout(settings, {
    clock,
    random: seededRandom(1),
    observer: {
      observeUpstream() {},
      observeUnidentified() {},
      observeResumedEjects: (count) => resumed.push(count),
    },
  });
}

/** A fake cloud with one available, cached node (`extra.flavor` set), and scouts onto it. */
async function cloud(nodes: Partial<FakeNode>[] = [{}]) {
  const fake = await FakeOpenStack.start();
  const added = nodes.map((template) =>
    fake.addNodes(1, {
      driver_info: CACHED,
      ...template,
      extra: { flavor: "bm", ...template.extra },
    })[0]
  );
  const settings = await settingsFor(fake);
  const resumed: number[] = [];
  const scout = (clock = new ManualClock(T0)) => resumingScout(settings, clock, resumed);
  const writes = () =>
    fake.requests.filter((r) => r.method !== "GET").map((r) =>
      `${r.method} ${
        r.body.includes("manage") ? "manage" : r.body.includes("provide") ? "provide" : r.body
      }`
    );
  return { fake, nodes: added, scout, resumed, writes };
}

const provisionPath = (uuid: string) => `/baremetal/v1/nodes/${uuid}/states/provision`;

/** Faults after which Ironic did apply `manage`, though the answer said otherwise or never came. */
const LOST_ANSWERS: Record<string, Fault> = {
  "a 500": { applied: true, status: 500, body: '{"error_message": "oops"}' },
  "no answer within call_timeout": { applied: true, hang: true },
  "a body that stalls after the headers": { applied: true, status: 202, body: "{}", stall: true },
  "a 400 (already manageable)": {
    applied: true,
    status: 400,
    body: JSON.stringify({
      error_message: JSON.stringify({
        faultstring: 'The requested action "manage" can not be performed on node "n" while it ' +
          'is in state "manageable".',
      }),
    }),
  },
};

for (const [answer, fault] of Object.entries(LOST_ANSWERS)) {
  Deno.test(`OpenStackScout.issue() carries an eject on after manage took but got ${answer}`, async () => {
    const { fake, nodes: [node], scout, writes } = await cloud();
    await using _ = fake;
    fake.inject({ method: "PUT", path: provisionPath(node.uuid), body: /manage/ }, fault);
    assert.deepEqual(await scout().issue(eject(node.uuid), signal), { outcome: "issued" });
    assert.deepEqual(node.history, ["available", "manageable", "cleaning", "available"]);
    assert.deepEqual(node.driver_info, { ipmi_address: "10.0.0.1" });
    assert.deepEqual(node.extra, { flavor: "bm" }, "the mark is gone once available");
    assert.deepEqual(writes(), [
      `PATCH [{"op":"add","path":"/extra/${EJECT_MARK}","value":"2026-03-01T12:00:00.000Z"}]`,
      "PUT manage",
      'PATCH [{"op":"remove","path":"/driver_info/cache_image_id"},' +
      '{"op":"remove","path":"/driver_info/cache_status"}]',
      "PUT provide",
      `PATCH [{"op":"remove","path":"/extra/${EJECT_MARK}"}]`,
    ]);
  });
}

Deno.test("OpenStackScout.issue() carries an eject on when the mark took but its answer was lost", async () => {
  const { fake, nodes: [node], scout, writes } = await cloud();
  await using _ = fake;
  fake.inject({ method: "PATCH", path: /nodes/ }, { applied: true, status: 502, body: "{}" });
  assert.deepEqual(await scout().issue(eject(node.uuid), signal), { outcome: "issued" });
  assert.equal(node.provision_state, "available");
  assert.equal(
    writes().filter((w) => w.includes(`/extra/${EJECT_MARK}`)).length,
    2,
    "mark, unmark",
  );
});

Deno.test("OpenStackScout.issue() fails an eject whose manage did not take, and a later resume finishes it", async () => {
  const { fake, nodes: [node], scout, resumed, writes } = await cloud();
  await using _ = fake;
  fake.inject({ method: "PUT", path: provisionPath(node.uuid) }, { status: 500, body: "{}" });
  const first = scout();
  await assert.rejects(
    first.issue(eject(node.uuid), signal),
    /^UpstreamError: Ironic: PUT \/baremetal\/v1\/nodes\/\{uuid\}\/states\/provision: 500/,
  );
  assert.deepEqual(writes().slice(1), ["PUT manage"], "manage was not sent again");
  assert.equal(node.provision_state, "available");
  assert.ok(node.extra[EJECT_MARK], "the mark stays");

  // The next cycle: the marked node is not free to plan on, and resume carries it on.
  const listed = await first.retrieveNodes(signal);
  assert.equal(listed.find((n) => n.uuid === node.uuid)?.provisioned, true);
  await first.resume(signal);
  assert.deepEqual(node.history, ["available", "manageable", "cleaning", "available"]);
  assert.deepEqual(node.extra, { flavor: "bm" });
  assert.deepEqual(resumed, [1]);
});

Deno.test("OpenStackScout.issue() and resume() never touch a node an operator moved to manageable", async () => {
  const { fake, nodes: [byHand], scout, resumed, writes } = await cloud([
    { provision_state: "manageable" },
  ]);
  await using _ = fake;
  const s = scout();
  const result = await s.issue(eject(byHand.uuid), signal);
  assert.deepEqual(result, {
    outcome: "skipped",
    reason: "nothing to eject: the node is no longer available and cached",
  });
  await s.retrieveNodes(signal);
  await s.resume(signal);
  assert.deepEqual(writes(), []);
  assert.deepEqual(byHand.history, ["manageable"]);
  assert.deepEqual(byHand.driver_info, CACHED);
  assert.deepEqual(resumed, []);
});

Deno.test("OpenStackScout.resume() after a shutdown cut an eject short finishes it in a new scout", async () => {
  const { fake, nodes: [node], scout, resumed } = await cloud();
  await using _ = fake;
  fake.inject({ method: "PUT", path: provisionPath(node.uuid), body: /provide/ }, { hang: true });
  const shutdown = new AbortController();
  const issuing = scout().issue(eject(node.uuid), shutdown.signal).then(() => "resolved", (e) => e);
  const provided = () => fake.requests.some((r) => r.body.includes("provide"));
  for (let n = 0; n < 20 && !provided(); n++) await fake.waitForRequests(fake.requests.length + 1);
  assert.ok(provided(), "provide was sent");
  shutdown.abort(new Error("the shutdown grace period is over"));
  assert.match(String(await issuing), /grace period is over/);
  assert.equal(node.provision_state, "manageable", "stopped half-way");
  assert.ok(node.extra[EJECT_MARK]);
  assert.deepEqual(node.driver_info, { ipmi_address: "10.0.0.1" });

  const restarted = scout(new ManualClock(T0 + 3_600_000));
  const listed = await restarted.retrieveNodes(signal);
  assert.equal(listed[0].provisioned, true, "a marked node is not free");
  await restarted.resume(signal);
  assert.deepEqual(node.history, ["available", "manageable", "cleaning", "available"]);
  assert.deepEqual(node.extra, { flavor: "bm" });
  assert.deepEqual(resumed, [1]);
});

Deno.test("OpenStackScout.resume() leaves cleaning to finish, then removes the mark", async () => {
  await using fake = await FakeOpenStack.start({ cleaningReads: 5 });
  fake.addNodes(1, { driver_info: CACHED, extra: { flavor: "bm" } });
  const [node] = fake.nodes.values();
  const s = new OpenStackScout(await settingsFor(fake), {
    clock: new ManualClock(T0),
    random: seededRandom(1),
  });
  assert.deepEqual(await s.issue(eject(node.uuid), signal), { outcome: "issued" });
  assert.equal(node.provision_state, "cleaning", "the eject does not wait for cleaning");
  assert.ok(node.extra[EJECT_MARK]);
  await s.retrieveNodes(signal);
  const before = fake.requests.length;
  await s.resume(signal);
  assert.equal(fake.requests.length, before, "cleaning: nothing to do, not even a read");
  fake.completeCleaning();
  await s.retrieveNodes(signal);
  await s.resume(signal);
  assert.deepEqual(node.extra, { flavor: "bm" });
  assert.equal(node.provision_state, "available");
});

Deno.test("OpenStackScout.resume() gives up on a node that failed cleaning: mark removed, no retry", async () => {
  const { fake, nodes: [failed, held], scout, resumed, writes } = await cloud([
    { provision_state: "clean failed", extra: { [EJECT_MARK]: "2026-03-01T11:00:00.000Z" } },
    {
      provision_state: "manageable",
      maintenance: true,
      extra: { [EJECT_MARK]: "2026-03-01T11:00:00.000Z" },
    },
  ]);
  await using _ = fake;
  const s = scout();
  await s.retrieveNodes(signal);
  await s.resume(signal);
  assert.deepEqual(writes(), [`PATCH [{"op":"remove","path":"/extra/${EJECT_MARK}"}]`]);
  assert.deepEqual(failed.extra, { flavor: "bm" });
  assert.deepEqual(failed.history, ["clean failed"]);
  assert.ok(held.extra[EJECT_MARK], "a node in maintenance is never touched");
  assert.deepEqual(resumed, []);
  await s.retrieveNodes(signal);
  await s.resume(signal);
  assert.equal(writes().length, 1, "not retried");
});

Deno.test("OpenStackScout.issue() reasons never name the node", async () => {
  const { fake, nodes: [gone, busy], scout } = await cloud([
    { provision_state: "active" },
    {},
  ]);
  await using _ = fake;
  const s = scout();
  const skipped = await s.issue(eject(gone.uuid), signal);
  assert.equal(skipped.outcome, "skipped");
  assert.doesNotMatch(skipped.outcome === "skipped" ? skipped.reason : "", UUID);
  // Ironic's own explanations name the node: the reason keeps them, without the UUID.
  const refusal = `The requested action "manage" can not be performed on node "${busy.uuid}" ` +
    'while it is in state "available".';
  fake.inject({ method: "PUT", path: provisionPath(busy.uuid) }, {
    status: 400,
    body: JSON.stringify({ error_message: JSON.stringify({ faultstring: refusal }) }),
  });
  const error = await s.issue(eject(busy.uuid), signal).catch((e) => e);
  assert.equal(
    error.message,
    "Ironic: PUT /baremetal/v1/nodes/{uuid}/states/provision: 400 The requested action " +
      '"manage" can not be performed on node "{uuid}" while it is in state "available".',
  );
});

Deno.test("OpenStackScout.resume() logs one line per distinct failure with a count, not one per node", async () => {
  const marked = {
    provision_state: "manageable",
    extra: { [EJECT_MARK]: "2026-03-01T11:00:00.000Z" },
  };
  const { fake, nodes, scout, resumed } = await cloud([marked, marked, marked]);
  await using _ = fake;
  const s = scout();
  await s.retrieveNodes(signal);
  fake.inject({ method: "GET", path: /^\/baremetal\/v1\/nodes\/[^/?]+\?/ }, {
    status: 503,
    body: "{}",
    times: Infinity,
  });
  const before = fake.requests.length;
  const lines = await scoutWarnings(() => s.resume(signal));
  assert.deepEqual(lines, [
    `warning Cannot resume 3 interrupted eject(s) yet (${nodes.map((n) => n.uuid).join(", ")}): ` +
    "Ironic: GET /baremetal/v1/nodes/{uuid}: 503 Service Unavailable",
  ]);
  assert.deepEqual(resumed, []);
  assert.equal(
    fake.requests.length - before,
    3,
    "one node's read and its 2 retries: an Ironic that cannot be read is not asked per node",
  );
});

Deno.test("OpenStackScout.issue() leaves a failed eject's write to the director's log, not one warning per node", async () => {
  const { fake, nodes, scout } = await cloud([{}, {}]);
  await using _ = fake;
  const s = scout();
  fake.inject({ method: "PUT", path: /states\/provision/ }, { status: 500, body: "{}", times: 2 });
  const lines = await scoutWarnings(async () => {
    for (const node of nodes) await assert.rejects(s.issue(eject(node.uuid), signal), /500/);
  });
  assert.deepEqual(lines, []);
});

/** A node cached through the `arsenal` plugin, with a live agent, as of `at`. */
function pluginCached(at: number): Partial<FakeNode> {
  const beat = new Date(at).toISOString().replace("Z", "000");
  return {
    power_state: "power on",
    properties: { capabilities: "boot_mode:uefi,arsenal_cached_image:img-1" },
    driver_internal_info: {
      agent_url: "http://192.0.2.7:9999",
      agent_secret_token: "t0k3n",
      agent_last_heartbeat: beat,
      arsenal_cache: {
        image_id: "img-1",
        status: "cached",
        agent_started_at: beat,
        agent_url: "http://192.0.2.7:9999",
        since: beat,
      },
    },
  };
}

/** A fake cloud with the arsenal plugin and fast track, one plugin-cached node, and scouts. */
async function pluginCloud() {
  const clock = new ManualClock(T0);
  const fake = await FakeOpenStack.start({
    arsenalPlugin: true,
    fastTrack: true,
    now: () => clock.now(),
  });
  const [node] = fake.addNodes(1, { ...pluginCached(T0), extra: { flavor: "bm" } });
  const base = await settingsFor(fake);
  const settings = { ...base, ironic: { ...base.ironic, cacheMethod: "arsenal" as const } };
  const resumed: number[] = [];
  const scout = () => resumingScout(settings, clock, resumed);
  const writes = () =>
    fake.requests.filter((r) => r.method !== "GET").map((r) =>
      r.path.endsWith("/vendor_passthru")
        ? `POST ${r.search}`
        : `${r.method} ${
          r.body.includes("manage") ? "manage" : r.body.includes("provide") ? "provide" : r.body
        }`
    );
  return { fake, clock, node, scout, resumed, writes };
}

const EJECTED_THROUGH_PLUGIN = [
  `PATCH [{"op":"add","path":"/extra/${EJECT_MARK}","value":"2026-03-01T12:00:00.000Z"}]`,
  "PUT manage",
  "POST ?method=eject",
  "PUT provide",
  `PATCH [{"op":"remove","path":"/extra/${EJECT_MARK}"}]`,
];

Deno.test("OpenStackScout.issue() with cache_method = arsenal ejects: manage, the plugin's eject, provide", async () => {
  const { fake, node, scout, writes } = await pluginCloud();
  await using _ = fake;
  const s = scout();
  assert.deepEqual(await s.issue(eject(node.uuid), signal), { outcome: "issued" });
  assert.deepEqual(writes(), EJECTED_THROUGH_PLUGIN);
  assert.deepEqual(node.history, ["available", "manageable", "cleaning", "available"]);
  assert.deepEqual(node.extra, { flavor: "bm" });
  assert.equal(node.driver_internal_info?.arsenal_cache, undefined, "the record is gone");
  assert.equal(node.properties.capabilities, "boot_mode:uefi");
  assert.equal(node.driver_internal_info?.agent_url !== "http://192.0.2.7:9999", true, "new agent");

  const [listed] = await s.retrieveNodes(signal);
  assert.deepEqual(
    { ...listed, uuid: undefined },
    {
      uuid: undefined,
      flavor: "bm",
      provisioned: false,
      cached: false,
      cachedImageUuid: "",
      cacheStatus: "none",
      phase: "available",
    },
    "with fast track, a fresh agent: free to cache again",
  );
});

Deno.test("OpenStackScout.issue() carries an eject on after the plugin's eject took but its answer was lost", async () => {
  const { fake, node, scout, writes } = await pluginCloud();
  await using _ = fake;
  fake.inject(
    { method: "POST", path: /method=eject/ },
    { applied: true, status: 500, body: "{}" },
  );
  assert.deepEqual(await scout().issue(eject(node.uuid), signal), { outcome: "issued" });
  assert.deepEqual(writes(), EJECTED_THROUGH_PLUGIN, "the eject was not sent again");
  assert.deepEqual(node.extra, { flavor: "bm" });
});

Deno.test("OpenStackScout.resume() finishes an arsenal eject whose plugin call failed, then one cut short", async () => {
  const { fake, node, scout, resumed, writes } = await pluginCloud();
  await using _ = fake;
  fake.inject({ method: "POST", path: /method=eject/ }, { status: 503, body: "{}" });
  await assert.rejects(
    scout().issue(eject(node.uuid), signal),
    /^UpstreamError: Ironic: POST \/baremetal\/v1\/nodes\/\{uuid\}\/vendor_passthru: 503/,
  );
  assert.equal(node.provision_state, "manageable");
  assert.ok(node.extra[EJECT_MARK], "the mark stays");
  assert.ok(node.driver_internal_info?.arsenal_cache, "the record stays");

  // A shutdown cuts the next attempt short while the plugin's eject is under way (it took).
  fake.inject({ method: "POST", path: /method=eject/ }, { applied: true, hang: true });
  const shutdown = new AbortController();
  const restarted = scout();
  await restarted.retrieveNodes(signal);
  const resuming = restarted.resume(shutdown.signal);
  const sent = () => fake.requests.filter((r) => r.search === "?method=eject").length;
  for (let n = 0; n < 20 && sent() < 2; n++) await fake.waitForRequests(fake.requests.length + 1);
  shutdown.abort(new Error("the shutdown grace period is over"));
  await resuming;
  assert.equal(node.provision_state, "manageable", "stopped half-way");
  assert.equal(node.power_state, "power off");

  // After a restart, the same mark: provide, and the mark removed once available.
  const again = scout();
  await again.retrieveNodes(signal);
  await again.resume(signal);
  assert.deepEqual(writes().slice(-2), [
    "PUT provide",
    `PATCH [{"op":"remove","path":"/extra/${EJECT_MARK}"}]`,
  ]);
  assert.equal(sent(), 2, "the eject that took is not sent again");
  assert.deepEqual(node.history, ["available", "manageable", "cleaning", "available"]);
  assert.deepEqual(node.extra, { flavor: "bm" });
  assert.deepEqual(resumed, [1]);
});
