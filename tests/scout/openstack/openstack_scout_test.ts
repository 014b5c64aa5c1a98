import assert from "node:assert/strict";
import { readConfig } from "../../../src/setup.ts";
import { cache, eject } from "../../../src/domain/directive.ts";
import { seededRandom } from "../../../src/domain/random.ts";
import { ManualClock } from "../../../src/runtime/clock.ts";
import type { OpenStackSettings } from "../../../src/scout/openstack/settings.ts";
import {
  type OpenStackObserver,
  OpenStackScout,
  type OpenStackScoutDeps,
} from "../../../src/scout/openstack/openstack_scout.ts";
import { FakeOpenStack } from "../../_fakes/openstack.ts";
import { tempDir } from "../../_helpers.ts";

/** OpenStack settings through the real configuration path, pointed at the fake. */
async function settingsFor(fake: FakeOpenStack, extra = ""): Promise<OpenStackSettings> {
  await using dir = await tempDir();
  const text =
    `[director]\nscout = openstack\n[client_wrapper]\nos_api_url = ${fake.keystoneUrl}\n` +
    "os_username = admin\nos_password = secret\nos_tenant_name = admin\n" +
    "region_name = RegionOne\ncall_retry_interval = 0\ncall_max_retries = 3\n" +
    "[ironic]\napi_retry_interval = 0\napi_max_retries = 3\n" + extra;
  const file = await dir.write("arsenal.conf", text);
  const { config, problems } = readConfig(file);
  assert.deepEqual(problems, []);
  return config!.openstack!;
}

/** What the scout reported to its observer. */
function observer() {
  const seen = { requests: [] as string[], unidentified: -1 };
  return {
    seen,
    observeUpstream(service: string, method: string, status: string) {
      seen.requests.push(`${service} ${method} ${status}`);
    },
    observeUnidentified(count: number) {
      seen.unidentified = count;
    },
  };
}

const signal = new AbortController().signal;

/** The scout's collaborators: `clock`, a fixed seed, and `observer` when given. */
function deps(clock = new ManualClock(), observer?: OpenStackObserver): OpenStackScoutDeps {
  return { clock, random: seededRandom(1), observer };
}
const ironicPaths = (fake: FakeOpenStack) =>
  fake.requests.filter((r) => r.path.startsWith("/baremetal/v1")).map((r) =>
    r.method + " " + r.path
  );

/** A small cloud: flavors found three ways, a cached node, a deployed one, one unidentifiable. */
async function cloud(options: Parameters<typeof FakeOpenStack.start>[0] = {}) {
  const fake = await FakeOpenStack.start({ ironicMaxLimit: 2, ...options });
  fake.addFlavor({ name: "bm.small", extra_specs: { "resources:CUSTOM_BAREMETAL_SMALL": "1" } });
  fake.addFlavor({ name: "bm.large", extra_specs: {} });
  fake.addFlavor({ name: "vm.tiny", extra_specs: {} });
  const [live, other] = [fake.addImage({ name: "ubuntu" }), fake.addImage({ name: "rocky" })];
  fake.addImage({ name: "queued", status: "queued", checksum: null });
  const [byExtra] = fake.addNodes(1, { extra: { flavor: "bm.large" } });
  const [byClass] = fake.addNodes(1, { resource_class: "baremetal.small" });
  const [byRule] = fake.addNodes(1, { resource_class: "other", properties: { memory_mb: 131072 } });
  const [cached] = fake.addNodes(1, {
    extra: { flavor: "bm.large" },
    driver_info: { cache_image_id: live.id, cache_status: "cached", ipmi_address: "10.0.0.1" },
  });
  const [deployed] = fake.addNodes(1, { extra: { flavor: "bm.large" }, provision_state: "active" });
  const [unknown] = fake.addNodes(1, { resource_class: "mystery" });
  return { fake, live, other, byExtra, byClass, byRule, cached, deployed, unknown };
}

Deno.test("the scout reads nodes, flavors and images through Keystone's catalog", async () => {
  const c = await cloud();
  await using fake = c.fake;
  const seen = observer();
  const scout = new OpenStackScout(
    await settingsFor(
      fake,
      "flavor_rules = bm.huge: memory_mb=131072\n[nova]\nflavor_name_pattern = ^bm\\.\n",
    ),
    deps(new ManualClock(), seen),
  );
  const flavors = await scout.retrieveFlavors(signal);
  assert.deepEqual(flavors.map((f) => f.name), ["bm.large", "bm.small"]);
  const images = await scout.retrieveImages(signal);
  assert.deepEqual(images, [
    { uuid: c.live.id, name: "ubuntu", checksum: c.live.checksum },
    { uuid: c.other.id, name: "rocky", checksum: c.other.checksum },
  ]);
  const nodes = await scout.retrieveNodes(signal);
  assert.deepEqual(nodes, [
    {
      uuid: c.byExtra.uuid,
      flavor: "bm.large",
      provisioned: false,
      phase: "available",
      cached: false,
      cachedImageUuid: "",
    },
    {
      uuid: c.byClass.uuid,
      flavor: "bm.small",
      provisioned: false,
      phase: "available",
      cached: false,
      cachedImageUuid: "",
    },
    {
      uuid: c.byRule.uuid,
      flavor: "bm.huge",
      provisioned: false,
      phase: "available",
      cached: false,
      cachedImageUuid: "",
    },
    {
      uuid: c.cached.uuid,
      flavor: "bm.large",
      provisioned: false,
      phase: "available",
      cached: true,
      cachedImageUuid: c.live.id,
    },
    {
      uuid: c.deployed.uuid,
      flavor: "bm.large",
      provisioned: true,
      phase: "active",
      cached: false,
      cachedImageUuid: "",
    },
  ]);
  assert.equal(seen.seen.unidentified, 1);
  assert.equal(fake.issuedTokens, 1, "one token serves every service");

  // Ironic: a microversion on every request, the small listing with fields, paging to the end.
  const listing = fake.requests.filter((r) => r.path === "/baremetal/v1/nodes");
  assert.equal(listing.length, 4, "6 nodes at 2 per page: 3 full pages, then an empty one");
  for (const r of fake.requests.filter((r) => r.path.startsWith("/baremetal/v1"))) {
    assert.equal(r.headers.get("X-OpenStack-Ironic-API-Version"), "1.82");
    assert.ok(r.headers.get("X-Auth-Token"));
    assert.doesNotMatch(r.search, /limit=0\b/);
  }
  assert.match(listing[0].search, /fields=uuid%2Cprovision_state%2Cmaintenance%2Cdriver_info/);
  assert.ok(seen.seen.requests.includes("baremetal GET 200"));
  assert.ok(seen.seen.requests.includes("identity POST 201"));
});

Deno.test("an expired token is renewed once, mid-cycle, and the request repeated", async () => {
  const c = await cloud();
  await using fake = c.fake;
  const scout = new OpenStackScout(await settingsFor(fake), deps());
  await scout.retrieveFlavors(signal);
  fake.expireTokens();
  const nodes = await scout.retrieveNodes(signal);
  assert.equal(nodes.length, 4);
  assert.equal(fake.issuedTokens, 2);
});

Deno.test("a token is renewed before it expires, by the injected clock", async () => {
  const c = await cloud({ tokenTtlSeconds: 600 });
  await using fake = c.fake;
  const clock = new ManualClock(Date.now());
  const scout = new OpenStackScout(await settingsFor(fake), deps(clock));
  await scout.retrieveImages(signal);
  clock.set(clock.now() + 400_000);
  await scout.retrieveImages(signal);
  assert.equal(fake.issuedTokens, 1, "still well within its life");
  clock.set(clock.now() + 100_000);
  await scout.retrieveImages(signal);
  assert.equal(fake.issuedTokens, 2, "renewed within 2 minutes of expiry");
});

Deno.test("reads are retried on 5xx, 429 (Retry-After) and malformed JSON is an error", async () => {
  const c = await cloud();
  await using fake = c.fake;
  const scout = new OpenStackScout(await settingsFor(fake), deps());
  fake.inject({ path: "/image/v2/images" }, { status: 503, body: "<h1>busy</h1>" });
  fake.inject({ path: "/image/v2/images" }, {
    status: 429,
    headers: { "Retry-After": "0" },
    body: "{}",
  });
  assert.equal((await scout.retrieveImages(signal)).length, 2);
  assert.equal(fake.requests.filter((r) => r.path === "/image/v2/images").length, 3);

  fake.inject({ path: "/image/v2/images" }, { status: 500, times: 4, body: "oops" });
  await assert.rejects(
    scout.retrieveImages(signal),
    /^UpstreamError: Glance: GET \/image\/v2\/images: 500 oops$/,
  );
  fake.inject({ path: "/image/v2/images" }, { status: 200, body: '{"images": [' });
  await assert.rejects(scout.retrieveImages(signal), /Glance: GET .*the answer is not JSON/);
});

Deno.test("a request that hangs times out, is retried, and finally fails with the reason", async () => {
  const c = await cloud();
  await using fake = c.fake;
  const settings = await settingsFor(fake);
  const quick = { ...settings, policy: { retries: 1, intervalSeconds: 0, timeoutSeconds: 0.05 } };
  const scout = new OpenStackScout(quick, deps());
  fake.inject({ path: /^\/compute\/v2\.1\/flavors\/detail/ }, { hang: true, times: 2 });
  await assert.rejects(scout.retrieveFlavors(signal), /Nova: GET .*: no answer within 0.05 s/);
  const tries = fake.requests.filter((r) => r.path === "/compute/v2.1/flavors/detail");
  assert.equal(tries.length, 2);
});

Deno.test("OpenStackScout.retrieveNodes() retries a node page whose body stalls after the headers", async () => {
  const c = await cloud();
  await using fake = c.fake;
  const settings = await settingsFor(fake);
  // Long enough for the in-process fake's other answers on a loaded machine.
  const quick = { ...settings, policy: { retries: 1, intervalSeconds: 0, timeoutSeconds: 0.25 } };
  const scout = new OpenStackScout(quick, deps());
  const page = /^\/baremetal\/v1\/nodes\?/;
  fake.inject({ path: page }, { status: 200, body: '{"nodes": [{"uuid": "x"}]}', stall: true });
  // A guard, far above call_timeout: an unbounded body read fails the test instead of hanging it.
  const nodes = await scout.retrieveNodes(AbortSignal.timeout(5_000));
  assert.deepEqual(nodes, await scout.retrieveNodes(signal));
  fake.inject({ path: page }, { status: 200, body: '{"nodes": []}', stall: true, times: 2 });
  await assert.rejects(
    scout.retrieveNodes(AbortSignal.timeout(5_000)),
    /^UpstreamError: Ironic: GET \/baremetal\/v1\/nodes: no answer within 0.25 s$/,
  );
});

Deno.test("ServiceClient announces each attempt's timeout and each retry's pause to its observer", async () => {
  const c = await cloud();
  await using fake = c.fake;
  const settings = await settingsFor(fake);
  const policy = { retries: 3, intervalSeconds: 0, timeoutSeconds: 20 };
  const waits: string[] = [];
  const scout = new OpenStackScout(
    { ...settings, policy },
    deps(new ManualClock(), {
      ...observer(),
      observeWait: (service, ms) => void waits.push(`${service} ${ms}`),
    }),
  );
  const date = new Date(Date.now() + 3600_000).toUTCString();
  fake.inject({ path: "/image/v2/images" }, { status: 429, headers: { "Retry-After": "0" } });
  fake.inject({ path: "/image/v2/images" }, { status: 502 });
  assert.equal((await scout.retrieveImages(signal)).length, 2);
  const glance = waits.filter((w) => w.startsWith("image"));
  assert.deepEqual(glance, [
    "image 20000", // each attempt may take until its timeout
    "image 0", // Retry-After: 0
    "image 20000",
    "image 30000", // no Retry-After: up to the backoff's limit
    "image 20000",
  ]);

  waits.length = 0;
  fake.inject({ path: "/image/v2/images" }, { status: 503, headers: { "Retry-After": date } });
  const stop = new AbortController();
  const retrieving = scout.retrieveImages(stop.signal);
  for (let tries = 0; tries < 500 && waits.length < 2; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.deepEqual(waits, ["image 20000", "image 300000"], "an hour away: at most 5 min");
  stop.abort(new Error("enough"));
  await assert.rejects(retrieving, /enough/);
});

Deno.test("a region and an interface pick the endpoint; a missing one is explained", async () => {
  const c = await cloud();
  await using fake = c.fake;
  const elsewhere = await settingsFor(fake, "region_name = RegionTwo\n");
  const scout = new OpenStackScout(elsewhere, deps());
  await assert.rejects(scout.retrieveNodes(signal), /Ironic: GET \/elsewhere\/baremetal\/: 404/);
  const nowhere = await settingsFor(fake, "region_name = Mars\n");
  await assert.rejects(
    new OpenStackScout(nowhere, deps()).retrieveNodes(signal),
    /no baremetal endpoint \(Ironic\) with interface public, region Mars; it lists public@RegionOne/,
  );
});

Deno.test("vendor_passthru caching: upstream's missing handler is a failed directive", async () => {
  const c = await cloud();
  await using fake = c.fake;
  const scout = new OpenStackScout(await settingsFor(fake), deps());
  await scout.retrieveImages(signal);
  await assert.rejects(
    scout.issue(cache(c.byExtra.uuid, { uuid: c.live.id, checksum: "sum" }), signal),
    /Ironic: POST \/baremetal\/v1\/nodes\/\{uuid\}\/vendor_passthru: 400 No handler for method cache_image/,
  );
  const post = fake.requests.find((r) =>
    r.method === "POST" && r.path.endsWith("/vendor_passthru")
  )!;
  assert.equal(post.search, "?method=cache_image");
  assert.deepEqual(JSON.parse(post.body), {
    image_info: {
      id: c.live.id,
      urls: [`${fake.glanceUrl}/v2/images/${c.live.id}/file`],
      checksum: "sum",
    },
  });
});

Deno.test("vendor_passthru caching works where the driver has cache_image; POSTs are not retried", async () => {
  const c = await cloud({ vendorCacheImage: true });
  await using fake = c.fake;
  const scout = new OpenStackScout(await settingsFor(fake), deps());
  await scout.retrieveImages(signal);
  await scout.issue(cache(c.byExtra.uuid, { uuid: c.live.id, checksum: "sum" }), signal);
  assert.equal(fake.nodes.get(c.byExtra.uuid)!.driver_info.cache_image_id, c.live.id);
  fake.inject({ method: "POST", path: /vendor_passthru/ }, { status: 503, body: "{}" });
  await assert.rejects(
    scout.issue(cache(c.byClass.uuid, { uuid: c.live.id, checksum: "sum" }), signal),
    /503/,
  );
  const posts = ironicPaths(fake).filter((p) =>
    p === `POST /baremetal/v1/nodes/${c.byClass.uuid}/vendor_passthru`
  );
  assert.equal(posts.length, 1);
});

Deno.test("annotate caching marks driver_info, and refuses a node that is no longer free", async () => {
  const c = await cloud();
  await using fake = c.fake;
  const scout = new OpenStackScout(await settingsFor(fake, "cache_method = annotate\n"), deps());
  await scout.issue(cache(c.byExtra.uuid, { uuid: c.live.id, checksum: "sum" }), signal);
  assert.deepEqual(fake.nodes.get(c.byExtra.uuid)!.driver_info, {
    cache_image_id: c.live.id,
    cache_status: "pending",
  });
  assert.deepEqual(
    await scout.issue(cache(c.deployed.uuid, { uuid: c.live.id, checksum: "sum" }), signal),
    {
      outcome: "skipped",
      reason: "nothing to cache: the node is no longer available and uncached",
    },
  );
  assert.deepEqual(fake.nodes.get(c.deployed.uuid)!.driver_info, {});
});

Deno.test("OpenStackScout.issue() skips a vendor_passthru cache on a node no longer free, without a POST", async () => {
  const c = await cloud({ vendorCacheImage: true });
  await using fake = c.fake;
  const scout = new OpenStackScout(await settingsFor(fake), deps());
  await scout.retrieveImages(signal);
  for (const taken of [c.deployed, c.cached]) {
    assert.deepEqual(
      await scout.issue(cache(taken.uuid, { uuid: c.live.id, checksum: "sum" }), signal),
      {
        outcome: "skipped",
        reason: "nothing to cache: the node is no longer available and uncached",
      },
    );
  }
  assert.equal(fake.requests.filter((r) => r.method === "POST" && /vendor/.test(r.path)).length, 0);
});

Deno.test("OpenStackScout.issue() reads an annotate cache back after a lost answer instead of sending it again", async (t) => {
  const c = await cloud();
  await using fake = c.fake;
  const scout = new OpenStackScout(await settingsFor(fake, "cache_method = annotate\n"), deps());
  const patches = (uuid: string) =>
    fake.requests.filter((r) => r.method === "PATCH" && r.path.endsWith(uuid)).length;
  await t.step("the PATCH took: issued", async () => {
    fake.inject({ method: "PATCH", path: /nodes/ }, { applied: true, status: 503, body: "{}" });
    const result = await scout.issue(
      cache(c.byExtra.uuid, { uuid: c.live.id, checksum: "s" }),
      signal,
    );
    assert.deepEqual(result, { outcome: "issued" });
    assert.equal(patches(c.byExtra.uuid), 1);
    assert.equal(fake.nodes.get(c.byExtra.uuid)!.driver_info.cache_status, "pending");
  });
  await t.step("the PATCH did not take: failed, with the reason", async () => {
    fake.inject({ method: "PATCH", path: /nodes/ }, { status: 503, body: "{}" });
    await assert.rejects(
      scout.issue(cache(c.byClass.uuid, { uuid: c.live.id, checksum: "s" }), signal),
      /^Error: Ironic: PATCH \/baremetal\/v1\/nodes\/\{uuid\}: 503 Service Unavailable; read back, the node does not hold the image$/,
    );
    assert.equal(patches(c.byClass.uuid), 1);
    assert.deepEqual(fake.nodes.get(c.byClass.uuid)!.driver_info, {});
  });
});

Deno.test("OpenStackScout.issue() reads a vendor_passthru cache back after a lost answer", async () => {
  const c = await cloud({ vendorCacheImage: true });
  await using fake = c.fake;
  const scout = new OpenStackScout(await settingsFor(fake), deps());
  await scout.retrieveImages(signal);
  fake.inject({ method: "POST", path: /vendor_passthru/ }, {
    applied: true,
    status: 500,
    body: "",
  });
  const result = await scout.issue(
    cache(c.byRule.uuid, { uuid: c.live.id, checksum: "s" }),
    signal,
  );
  assert.deepEqual(result, { outcome: "issued" });
  assert.equal(fake.requests.filter((r) => r.path.endsWith("/vendor_passthru")).length, 1);
  assert.equal(fake.nodes.get(c.byRule.uuid)!.driver_info.cache_image_id, c.live.id);
});

Deno.test("eject: manage, clear the markers, provide; a locked node is retried; idempotent", async () => {
  const c = await cloud();
  await using fake = c.fake;
  const scout = new OpenStackScout(await settingsFor(fake), deps());
  fake.inject({ method: "PUT", path: `/baremetal/v1/nodes/${c.cached.uuid}/states/provision` }, {
    status: 409,
    body: JSON.stringify({ error_message: JSON.stringify({ faultstring: "Node is locked" }) }),
  });
  assert.deepEqual(await scout.issue(eject(c.cached.uuid), signal), { outcome: "issued" });
  fake.completeCleaning();
  const node = fake.nodes.get(c.cached.uuid)!;
  assert.equal(node.provision_state, "available");
  assert.deepEqual(node.history, ["available", "manageable", "cleaning", "available"]);
  assert.deepEqual(node.driver_info, { ipmi_address: "10.0.0.1" });
  const puts = ironicPaths(fake).filter((p) => p.startsWith("PUT"));
  assert.equal(puts.length, 3, "manage (409, then again) and provide");

  assert.deepEqual(node.extra, { flavor: "bm.large" }, "the eject mark is gone");

  const before = fake.requests.length;
  const skipped = {
    outcome: "skipped",
    reason: "nothing to eject: the node is no longer available and cached",
  };
  assert.deepEqual(await scout.issue(eject(c.cached.uuid), signal), skipped);
  assert.deepEqual(await scout.issue(eject(c.deployed.uuid), signal), skipped);
  const after = fake.requests.slice(before).map((r) => r.method);
  assert.deepEqual(after, ["GET", "GET"], "nothing to eject: only looked");
});

Deno.test("noauth against api_endpoint sends no credentials; old Ironic and new filters are explained", async () => {
  const c = await cloud({ ironicVersions: ["1.1", "1.50"] });
  await using fake = c.fake;
  await using dir = await tempDir();
  const file = await dir.write(
    "arsenal.conf",
    `[director]\nscout = standalone\n[ironic]\napi_endpoint = ${fake.ironicUrl}/v1\n` +
      `shard = s1\n[standalone]\nimages = ubuntu ${c.live.id} http://images/${c.live.id} 5d41402abc4b2a76b9719d911017c592\n`,
  );
  const settings = readConfig(file).config!.openstack!;
  await assert.rejects(
    new OpenStackScout(settings, deps()).retrieveNodes(signal),
    /the shard filter needs API 1.82, and this Ironic offers up to 1.50/,
  );
  const scout = new OpenStackScout(
    { ...settings, ironic: { ...settings.ironic, filters: {} } },
    deps(),
  );
  assert.deepEqual((await scout.retrieveFlavors(signal)).map((f) => f.name), [
    "baremetal.small",
    "bm.large",
    "mystery",
    "other",
  ]);
  assert.deepEqual(await scout.retrieveImages(signal), [
    { uuid: c.live.id, name: "ubuntu", checksum: "5d41402abc4b2a76b9719d911017c592" },
  ]);
  assert.equal((await scout.retrieveNodes(signal)).length, 6);
  for (const r of fake.requests) {
    assert.equal(r.headers.get("X-Auth-Token"), null);
    if (r.path !== "/baremetal/") {
      assert.equal(r.headers.get("X-OpenStack-Ironic-API-Version"), "1.50");
    }
  }
  await assert.rejects(
    scout.issue(cache(c.byExtra.uuid, { uuid: c.live.id, checksum: "abc" }), signal),
    /No handler for method cache_image/,
  );
  const post = fake.requests.find((r) => r.method === "POST")!;
  assert.deepEqual(JSON.parse(post.body).image_info.urls, [`http://images/${c.live.id}`]);

  await using ancient = await FakeOpenStack.start({ ironicVersions: ["1.1", "1.9"] });
  const old = new OpenStackScout({
    ...settings,
    ironic: { ...settings.ironic, filters: {}, endpoint: ancient.ironicUrl },
  }, deps());
  await assert.rejects(
    old.retrieveNodes(signal),
    /offers API versions up to 1.9; Arsenal needs 1.21/,
  );
});

Deno.test("a pre-issued token reads its catalog; when it is refused, there is no retry loop", async () => {
  const c = await cloud();
  await using fake = c.fake;
  const token = fake.issueToken();
  await using dir = await tempDir();
  const file = await dir.write(
    "arsenal.conf",
    `[director]\nscout = openstack\n[client_wrapper]\nos_api_url = ${fake.keystoneUrl}\n` +
      `os_auth_token = ${token}\ncall_retry_interval = 0\n`,
  );
  const scout = new OpenStackScout(readConfig(file).config!.openstack!, deps());
  assert.equal((await scout.retrieveImages(signal)).length, 2);
  fake.expireTokens();
  await assert.rejects(scout.retrieveImages(signal), /Glance: GET \/image\/v2\/images: 401/);
  assert.equal(fake.issuedTokens, 1);
});

Deno.test("Keystone refusing the password is one clear error, not a stack of retries", async () => {
  const c = await cloud();
  await using fake = c.fake;
  const settings = await settingsFor(fake, "[client_wrapper]\nos_password = wrong\n");
  await assert.rejects(
    new OpenStackScout(settings, deps()).retrieveNodes(signal),
    /^UpstreamError: Keystone: POST \/identity\/v3\/auth\/tokens: 401 The request you have made requires authentication.$/,
  );
  assert.equal(fake.requests.length, 1);
});

Deno.test("node filters hold on every page, though Ironic's next link drops them", async () => {
  await using fake = await FakeOpenStack.start({ ironicMaxLimit: 2 });
  const wanted = fake.addNodes(3, { resource_class: "gold" });
  fake.addNodes(3, { resource_class: "silver" });
  fake.addNodes(2, { resource_class: "gold" }).forEach((n) => wanted.push(n));
  await using dir = await tempDir();
  const file = await dir.write(
    "arsenal.conf",
    `[director]\nscout = standalone\n[ironic]\napi_endpoint = ${fake.ironicUrl}\n` +
      "resource_class = gold\n[standalone]\nimages = u u1 http://x/u1 5d41402abc4b2a76b9719d911017c592\n",
  );
  const scout = new OpenStackScout(readConfig(file).config!.openstack!, deps());
  const nodes = await scout.retrieveNodes(signal);
  assert.deepEqual(nodes.map((n) => n.uuid), wanted.map((n) => n.uuid));
  const pages = fake.requests.filter((r) => r.path === "/baremetal/v1/nodes");
  assert.equal(pages.length, 3);
  for (const p of pages) assert.match(p.search, /resource_class=gold/);
});

Deno.test("application credentials and HTTP basic authenticate as configured", async () => {
  const c = await cloud();
  await using fake = c.fake;
  await using dir = await tempDir();
  const appCred = await dir.write(
    "app.conf",
    `[director]\nscout = openstack\n[client_wrapper]\nos_api_url = ${fake.keystoneUrl}\n` +
      "os_application_credential_id = arsenal-app-cred\n" +
      "os_application_credential_secret = app-cred-secret\n",
  );
  const scout = new OpenStackScout(readConfig(appCred).config!.openstack!, deps());
  assert.equal((await scout.retrieveImages(signal)).length, 2);
  const auth = JSON.parse(fake.requests.find((r) => r.path.endsWith("/auth/tokens"))!.body);
  assert.deepEqual(auth.auth.identity, {
    methods: ["application_credential"],
    application_credential: { id: "arsenal-app-cred", secret: "app-cred-secret" },
  });

  const basic = await dir.write(
    "basic.conf",
    `[director]\nscout = standalone\n[ironic]\nauth_type = http_basic\n` +
      `api_endpoint = ${fake.ironicUrl}\nadmin_username = ironic\nadmin_password = pa:ss\n` +
      `[standalone]\nimages = u u1 http://x/u1 5d41402abc4b2a76b9719d911017c592\n`,
  );
  const before = fake.requests.length;
  const ironic = new OpenStackScout(readConfig(basic).config!.openstack!, deps());
  await ironic.retrieveNodes(signal);
  for (const r of fake.requests.slice(before)) {
    assert.equal(r.headers.get("Authorization"), `Basic ${btoa("ironic:pa:ss")}`);
    assert.equal(r.headers.get("X-Auth-Token"), null);
  }
});

Deno.test("OpenStackScout.retrieveNodes() reads each node's phase and instance image through fields=", async () => {
  const fake = await FakeOpenStack.start();
  await using _ = fake;
  fake.addFlavor({ name: "bm.large", extra_specs: {} });
  const image = fake.addImage({ name: "ubuntu" });
  const large = { extra: { flavor: "bm.large" } };
  const [glance] = fake.addNodes(1, {
    ...large,
    provision_state: "active",
    instance_info: { image_source: image.id },
  });
  const [url] = fake.addNodes(1, {
    ...large,
    provision_state: "wait call-back",
    instance_info: { image_source: "http://images.example/disk/ubuntu.qcow2" },
  });
  const [pending] = fake.addNodes(1, {
    ...large,
    driver_info: { cache_image_id: image.id, cache_status: "pending" },
  });
  const [cleaning] = fake.addNodes(1, { ...large, provision_state: "clean wait" });
  const [enroll] = fake.addNodes(1, { ...large, provision_state: "manageable" });
  const scout = new OpenStackScout(await settingsFor(fake), deps());
  await scout.retrieveFlavors(signal);
  const nodes = new Map((await scout.retrieveNodes(signal)).map((n) => [n.uuid, n]));
  const read = (uuid: string) => {
    const { phase, instanceImage, cacheReady } = nodes.get(uuid)!;
    return { phase, instanceImage, cacheReady };
  };
  assert.deepEqual(read(glance.uuid), {
    phase: "active",
    instanceImage: image.id,
    cacheReady: undefined,
  });
  assert.deepEqual(read(url.uuid), {
    phase: "deploying",
    instanceImage: "ubuntu.qcow2",
    cacheReady: undefined,
  });
  assert.deepEqual(read(pending.uuid), {
    phase: "available",
    instanceImage: undefined,
    cacheReady: false,
  });
  assert.equal(read(cleaning.uuid).phase, "cleaning");
  assert.equal(read(enroll.uuid).phase, "other");
  const listing = fake.requests.filter((r) => r.path === "/baremetal/v1/nodes");
  assert.equal(listing.length, 1, "no call beyond the listing");
  assert.match(decodeURIComponent(listing[0].search), /fields=[^&]*\binstance_info\b/);
});
