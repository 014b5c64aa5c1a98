/**
 * `[ironic] cache_method = arsenal` through the OpenStack scout against the fake cloud, whose
 * Ironic serves the `arsenal` plugin's vendor methods: nodes read from the plugin's records and
 * Ironic's fast-track rule, caches sent once through `cache_image` and read back when the answer
 * was lost.
 */
import assert from "node:assert/strict";
import { readConfig } from "../../../src/setup.ts";
import { cache } from "../../../src/domain/directive.ts";
import { seededRandom } from "../../../src/domain/random.ts";
import { ManualClock } from "../../../src/runtime/clock.ts";
import type { OpenStackSettings } from "../../../src/scout/openstack/settings.ts";
import { OpenStackScout } from "../../../src/scout/openstack/openstack_scout.ts";
import { type FakeNode, FakeOpenStack, type Fault } from "../../_fakes/openstack.ts";
import { ironicTime } from "../../_fakes/openstack/arsenal_plugin.ts";
import { tempDir } from "../../_helpers.ts";
import { scoutWarnings } from "./_scout_warnings.ts";

const T0 = Date.parse("2026-03-01T12:00:00.000Z");
const signal = new AbortController().signal;
const MD5 = "5d41402abc4b2a76b9719d911017c592";
const SHA256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

/** A heartbeating agent's fields, its last heartbeat `ago` ms before T0. */
function agent(ago = 0): Partial<FakeNode> {
  return {
    power_state: "power on",
    driver_internal_info: {
      agent_url: "http://192.0.2.10:9999",
      agent_secret_token: "secret-token",
      agent_last_heartbeat: ironicTime(T0 - ago),
    },
  };
}

/** A node with a live agent and a cache record of `image` in `status`. */
function recorded(image: string, status: string, extra: Record<string, unknown> = {}) {
  const live = agent();
  return {
    ...live,
    driver_internal_info: {
      ...live.driver_internal_info,
      arsenal_cache: {
        image_id: image,
        status,
        agent_started_at: "2026-03-01T11:00:00.000000",
        agent_url: "http://192.0.2.10:9999",
        since: "2026-03-01T11:30:00.000000",
        ...extra,
      },
    },
  };
}

/** Settings for `text` (after the [ironic] header), through the real configuration path. */
async function settingsOf(text: string): Promise<OpenStackSettings> {
  await using dir = await tempDir();
  const file = await dir.write("arsenal.conf", text);
  const { config, problems } = readConfig(file);
  assert.deepEqual(problems, []);
  const settings = config!.openstack!;
  // Short attempts: the faults that hang end quickly.
  return { ...settings, policy: { ...settings.policy, timeoutSeconds: 0.25 } };
}

/** A cloud with the arsenal plugin on the fake's clock, one flavor, two Glance images. */
async function cloud(ironic = "") {
  const clock = new ManualClock(T0);
  const fake = await FakeOpenStack.start({ arsenalPlugin: true, now: () => clock.now() });
  fake.addFlavor({ name: "bm", extra_specs: { "resources:CUSTOM_BAREMETAL": "1" } });
  const hashed = fake.addImage({ name: "ubuntu" });
  const legacy = fake.addImage({ name: "old", os_hash_algo: null, os_hash_value: null });
  const settings = await settingsOf(
    `[director]\nscout = openstack\n[client_wrapper]\nos_api_url = ${fake.keystoneUrl}\n` +
      "os_username = admin\nos_password = secret\nos_tenant_name = admin\n" +
      "call_retry_interval = 0\ncall_max_retries = 2\n" +
      "[ironic]\ncache_method = arsenal\napi_retry_interval = 0\napi_max_retries = 3\n" + ironic,
  );
  const scout = new OpenStackScout(settings, { clock, random: seededRandom(1) });
  return { fake, clock, scout, hashed, legacy };
}

/**
 * Advances `clock` by a second whenever someone sleeps on it, until `work` settles (bounded);
 * returns how many times it did.
 */
async function driveClock(clock: ManualClock, work: Promise<unknown>): Promise<number> {
  let done = false;
  work.then(() => done = true, () => done = true);
  let advances = 0;
  for (let round = 0; round < 20 && !done; round++) {
    for (let turn = 0; turn < 10_000 && !done && clock.pending === 0; turn++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    if (clock.pending === 0) break;
    await clock.advance(1_000);
    advances++;
  }
  return advances;
}

const posts = (fake: FakeOpenStack) =>
  fake.requests.filter((r) => r.method === "POST" && r.path.endsWith("/vendor_passthru"));

Deno.test("OpenStackScout.retrieveNodes() with cache_method = arsenal reads records and live agents", async () => {
  const c = await cloud("fast_track_timeout = 120\n");
  await using fake = c.fake;
  const rc = { resource_class: "baremetal" };
  const [free, caching, cached, failed, lost, off, stale, erred, maint, active, orphan, legacy] = [
    agent(),
    recorded(c.hashed.id, "caching"),
    recorded(c.hashed.id, "cached"),
    recorded(c.hashed.id, "failed", { error: "checksum mismatch" }),
    { ...recorded(c.hashed.id, "lost"), power_state: "power off" },
    { power_state: "power off" },
    agent(121_000),
    { ...agent(), last_error: "Failed to clean" },
    { maintenance: true },
    { ...agent(), provision_state: "active" },
    { ...recorded(c.hashed.id, "cached"), power_state: "power off" },
    { ...agent(), driver_info: { cache_image_id: c.hashed.id, cache_status: "cached" } },
  ].map((template) => fake.addNodes(1, { ...rc, ...template })[0]);
  await c.scout.retrieveFlavors(signal);
  const nodes = new Map((await c.scout.retrieveNodes(signal)).map((n) => [n.uuid, n]));
  const view = (n: FakeNode) => {
    const { uuid: _, flavor: __, phase: ___, ...rest } = nodes.get(n.uuid)!;
    return rest;
  };
  const plain = { provisioned: false, cached: false, cachedImageUuid: "" };
  const held = { provisioned: true, cached: false, cachedImageUuid: "" };
  const hit = { provisioned: false, cached: true, cachedImageUuid: c.hashed.id };
  assert.deepEqual(view(free), { ...plain, cacheStatus: "none" });
  assert.deepEqual(view(caching), { ...hit, cacheStatus: "caching", cacheReady: false });
  assert.deepEqual(view(cached), { ...hit, cacheStatus: "cached" });
  assert.deepEqual(view(failed), { ...plain, cacheStatus: "failed" }, "free to cache again");
  assert.deepEqual(view(lost), { ...held, notCacheable: true, cacheStatus: "lost" });
  assert.deepEqual(view(off), { ...held, notCacheable: true, cacheStatus: "none" });
  assert.deepEqual(view(stale), { ...held, notCacheable: true, cacheStatus: "none" }, "121 s");
  assert.deepEqual(view(erred), { ...held, notCacheable: true, cacheStatus: "none" });
  assert.deepEqual(view(maint), { ...held, cacheStatus: "none" }, "maintenance: provisioned");
  assert.deepEqual(view(active), { ...held, cacheStatus: "none" });
  assert.deepEqual(view(orphan), { ...hit, cacheStatus: "cached" }, "the record decides");
  assert.deepEqual(view(legacy), { ...plain, cacheStatus: "none" }, "driver_info is not read");

  const listing = fake.requests.find((r) => r.path === "/baremetal/v1/nodes")!;
  const fields = new URLSearchParams(listing.search).get("fields")!.split(",");
  for (const f of ["driver_internal_info", "power_state", "last_error"]) {
    assert.ok(fields.includes(f), `fields= lacks ${f}: ${fields}`);
  }
  assert.equal(
    fake.requests.filter((r) => r.path.includes("vendor_passthru")).length,
    0,
    "records come with the listing",
  );

  c.clock.set(T0 + 60_000);
  const later = new Map((await c.scout.retrieveNodes(signal)).map((n) => [n.uuid, n]));
  assert.equal(later.get(free.uuid)!.notCacheable, undefined, "60 s: still live");
  c.clock.set(T0 + 121_000);
  const stale2 = new Map((await c.scout.retrieveNodes(signal)).map((n) => [n.uuid, n]));
  assert.equal(stale2.get(free.uuid)!.notCacheable, true, "by the injected clock");
});

Deno.test("OpenStackScout.issue() caches through cache_image with Glance's hash and disk format", async () => {
  const c = await cloud();
  await using fake = c.fake;
  const [a, b] = fake.addNodes(2, { resource_class: "baremetal", ...agent() });
  await c.scout.retrieveImages(signal);
  for (const [node, image] of [[a, c.hashed], [b, c.legacy]] as const) {
    assert.deepEqual(
      await c.scout.issue(cache(node.uuid, { uuid: image.id, checksum: "ignored" }), signal),
      { outcome: "issued" },
    );
  }
  const [first, second] = posts(fake);
  assert.equal(first.search, "?method=cache_image");
  assert.deepEqual(JSON.parse(first.body), {
    image_info: {
      id: c.hashed.id,
      urls: [`${fake.glanceUrl}/v2/images/${c.hashed.id}/file`],
      disk_format: "qcow2",
      os_hash_algo: "sha512",
      os_hash_value: c.hashed.os_hash_value,
    },
  });
  assert.deepEqual(JSON.parse(second.body), {
    image_info: {
      id: c.legacy.id,
      urls: [`${fake.glanceUrl}/v2/images/${c.legacy.id}/file`],
      disk_format: "qcow2",
      checksum: c.legacy.checksum,
    },
  }, "no os_hash in Glance: the checksum");
  const record = a.driver_internal_info!.arsenal_cache as Record<string, unknown>;
  assert.equal(record.status, "caching");
  assert.equal(record.image_id, c.hashed.id);
});

Deno.test("OpenStackScout.retrieveImages() with cache_method = arsenal leaves partition images out", async () => {
  const c = await cloud();
  await using fake = c.fake;
  const kernel = fake.addImage({ name: "partition", kernel_id: "k1", ramdisk_id: "r1" });
  const typed = fake.addImage({ name: "typed", img_type: "partition" });
  const whole = fake.addImage({ name: "whole", img_type: "whole-disk", kernel_id: "k1" });
  const listed = (await c.scout.retrieveImages(signal)).map((i) => i.uuid);
  assert.deepEqual(listed, [c.hashed.id, c.legacy.id, whole.id]);
  assert.ok(!listed.includes(kernel.id) && !listed.includes(typed.id));
});

/** Faults after which the cache_image POST took, though the answer said otherwise or never came. */
const TOOK: Record<string, Fault> = {
  "a 500": { applied: true, status: 500, body: "{}" },
  "no answer within call_timeout": { applied: true, hang: true },
};

for (const [answer, fault] of Object.entries(TOOK)) {
  Deno.test(`OpenStackScout.issue() sends cache_image once after ${answer}, and reads the record back`, async () => {
    const c = await cloud();
    await using fake = c.fake;
    const [node] = fake.addNodes(1, { resource_class: "baremetal", ...agent() });
    await c.scout.retrieveImages(signal);
    fake.inject({ method: "POST", path: /vendor_passthru/ }, fault);
    const result = await c.scout.issue(
      cache(node.uuid, { uuid: c.hashed.id, checksum: "" }),
      signal,
    );
    assert.deepEqual(result, { outcome: "issued" });
    assert.equal(posts(fake).length, 1);
  });
}

Deno.test("OpenStackScout.issue() waits for a record the plugin writes after its 202 was lost", async () => {
  const clock = new ManualClock(T0);
  await using fake = await FakeOpenStack.start({
    arsenalPlugin: true,
    now: () => clock.now(),
    recordAfterReads: 2,
  });
  const image = fake.addImage({ name: "ubuntu" });
  const [node] = fake.addNodes(1, { extra: { flavor: "bm" }, ...agent() });
  const settings = await settingsOf(
    `[director]\nscout = openstack\n[client_wrapper]\nos_api_url = ${fake.keystoneUrl}\n` +
      "os_username = admin\nos_password = secret\nos_tenant_name = admin\n" +
      "call_retry_interval = 0\n[ironic]\ncache_method = arsenal\napi_retry_interval = 1\n" +
      "api_max_retries = 3\n",
  );
  const scout = new OpenStackScout(settings, { clock, random: seededRandom(1) });
  await scout.retrieveImages(signal);
  fake.inject({ method: "POST", path: /vendor_passthru/ }, { applied: true, status: 502 });
  const pending = scout.issue(cache(node.uuid, { uuid: image.id, checksum: "" }), signal);
  const waits = await driveClock(clock, pending);
  assert.deepEqual(await pending, { outcome: "issued" });
  assert.equal(waits, 2, "two reads without the record, api_retry_interval apart");
  assert.equal(posts(fake).length, 1, "read back, never sent again");
});

Deno.test("OpenStackScout.issue() fails a cache_image that did not take, sent once, with its error", async () => {
  const c = await cloud();
  await using fake = c.fake;
  const [node] = fake.addNodes(1, {
    resource_class: "baremetal",
    ...recorded(c.hashed.id, "failed", { error: "disk full" }),
  });
  await c.scout.retrieveImages(signal);
  fake.inject({ method: "POST", path: /vendor_passthru/ }, { status: 500, body: "{}" });
  await assert.rejects(
    c.scout.issue(cache(node.uuid, { uuid: c.hashed.id, checksum: "" }), signal),
    /^Error: Ironic: POST \/baremetal\/v1\/nodes\/\{uuid\}\/vendor_passthru: 500 Internal Server Error; read back, the node shows no new cache record for the image$/,
  );
  assert.equal(posts(fake).length, 1);
  const record = node.driver_internal_info!.arsenal_cache as Record<string, unknown>;
  assert.equal(record.status, "failed", "the old record is not taken for the new one");
});

Deno.test("OpenStackScout.issue() skips a node without a live agent, and fails on the plugin's 400", async () => {
  const c = await cloud();
  await using fake = c.fake;
  const [dead, occupied] = [
    fake.addNodes(1, { resource_class: "baremetal", ...agent(301_000) })[0],
    fake.addNodes(1, { resource_class: "baremetal", ...agent(), instance_uuid: "inst-1" })[0],
  ];
  await c.scout.retrieveImages(signal);
  assert.deepEqual(
    await c.scout.issue(cache(dead.uuid, { uuid: c.hashed.id, checksum: "" }), signal),
    {
      outcome: "skipped",
      reason: "nothing to cache: the node has no live agent to cache through (fast track)",
    },
  );
  assert.equal(posts(fake).length, 0);
  await assert.rejects(
    c.scout.issue(cache(occupied.uuid, { uuid: c.hashed.id, checksum: "" }), signal),
    /400 Cannot cache an image on node \{uuid\}: it has an instance$/,
  );
  assert.equal(posts(fake).length, 1, "a refusal is final: not sent again");
});

Deno.test("OpenStackScout.issue() in standalone mode sends the checksum by its algorithm", async () => {
  const clock = new ManualClock(T0);
  await using fake = await FakeOpenStack.start({ arsenalPlugin: true, now: () => clock.now() });
  const [a, b] = fake.addNodes(2, { extra: { flavor: "bm" }, ...agent() });
  const settings = await settingsOf(
    `[director]\nscout = standalone\n[ironic]\napi_endpoint = ${fake.ironicUrl}\n` +
      "cache_method = arsenal\n[standalone]\nimages =\n" +
      `  u u.raw http://images/u.raw ${MD5}\n  r r.qcow2 http://images/r.qcow2 ${SHA256}\n`,
  );
  const scout = new OpenStackScout(settings, { clock, random: seededRandom(1) });
  await scout.retrieveImages(signal);
  await scout.issue(cache(a.uuid, { uuid: "u.raw", checksum: MD5 }), signal);
  await scout.issue(cache(b.uuid, { uuid: "r.qcow2", checksum: SHA256 }), signal);
  assert.deepEqual(posts(fake).map((r) => JSON.parse(r.body).image_info), [
    { id: "u.raw", urls: ["http://images/u.raw"], disk_format: "raw", checksum: MD5 },
    {
      id: "r.qcow2",
      urls: ["http://images/r.qcow2"],
      disk_format: "qcow2",
      os_hash_algo: "sha256",
      os_hash_value: SHA256,
    },
  ]);
});

Deno.test("OpenStackScout.retrieveNodes() says so when Ironic's policy hides driver_internal_info", async () => {
  const c = await cloud();
  await using fake = c.fake;
  const hidden = {
    content: "** Redacted - Requires baremetal:node:get:driver_internal_info permission. **",
  };
  fake.addNodes(2, { resource_class: "baremetal", ...agent(), driver_internal_info: hidden });
  await c.scout.retrieveFlavors(signal);
  let nodes: Awaited<ReturnType<typeof c.scout.retrieveNodes>> = [];
  const warnings = await scoutWarnings(async () => {
    nodes = await c.scout.retrieveNodes(signal);
  });
  assert.deepEqual(nodes.map((n) => n.notCacheable), [true, true]);
  assert.deepEqual(warnings, [
    "error Ironic hides driver_internal_info of 2 node(s) from Arsenal's user (policy " +
    "baremetal:node:get:driver_internal_info): their cache records and agents cannot be read, " +
    "so they count as not cacheable",
  ]);
});
