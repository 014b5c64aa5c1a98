/**
 * The fake OpenStack itself: that it answers the way the real services do (which
 * `tests/integration/` runs against), so the scout tests built on it mean something.
 */
import assert from "node:assert/strict";
import { FakeOpenStack } from "../_fakes/openstack.ts";

const LATEST = { "X-OpenStack-Ironic-API-Version": "1.82" };

/** Fetches and always consumes the body: JSON when it parses, text otherwise. */
async function call(url: string, init: RequestInit = {}) {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch { /* not JSON */ }
  // deno-lint-ignore no-explicit-any
  return { status: response.status, headers: response.headers, text, body: body as any };
}

function passwordAuth(password = "secret") {
  return {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ["password"],
          password: { user: { name: "admin", domain: { name: "Default" }, password } },
        },
        scope: { project: { name: "admin", domain: { name: "Default" } } },
      },
    }),
  };
}

Deno.test("keystone answers 401, not an error, to a token request with no identity", async () => {
  await using cloud = await FakeOpenStack.start();
  for (const body of [{}, { auth: {} }, { auth: { identity: { methods: [] } } }]) {
    const refused = await call(`${cloud.keystoneUrl}/auth/tokens`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    assert.equal(refused.status, 401, JSON.stringify(body));
    assert.equal(refused.body.error.title, "Unauthorized");
  }
  assert.equal(cloud.issuedTokens, 0);
});

/** The Ironic error's faultstring, decoding the JSON string inside the JSON. */
function faultstring(body: { error_message: string }): string {
  return JSON.parse(body.error_message).faultstring;
}

Deno.test("keystone issues a token whose catalog points at the fake, per region", async () => {
  await using cloud = await FakeOpenStack.start();
  const issued = await call(`${cloud.keystoneUrl}/auth/tokens`, passwordAuth());
  assert.equal(issued.status, 201);
  const token = issued.headers.get("x-subject-token")!;
  assert.ok(token);
  assert.equal(cloud.issuedTokens, 1);
  const expires = Date.parse(issued.body.token.expires_at);
  assert.ok(Math.abs(expires - Date.now() - 3600_000) < 60_000);
  assert.deepEqual(issued.body.token.roles.map((r: { name: string }) => r.name), [
    "admin",
    "reader",
    "member",
  ]);
  const catalog: {
    type: string;
    endpoints: { interface: string; region: string; url: string }[];
  }[] = issued.body.token.catalog;
  assert.deepEqual(catalog.map((s) => s.type), ["identity", "baremetal", "compute", "image"]);
  const url = (type: string, region: string) =>
    catalog.find((s) => s.type === type)!.endpoints.find((e) =>
      e.region === region && e.interface === "public"
    )!.url;
  assert.equal(url("baremetal", "RegionOne"), cloud.ironicUrl);
  assert.equal(url("compute", "RegionOne"), cloud.novaUrl);
  assert.equal(url("image", "RegionOne"), cloud.glanceUrl);
  assert.equal((await call(`${url("baremetal", "RegionTwo")}/v1/nodes`)).status, 404);

  const read = await call(`${cloud.keystoneUrl}/auth/tokens`, {
    headers: { "x-auth-token": token, "x-subject-token": token },
  });
  assert.equal(read.status, 200);
  assert.deepEqual(read.body, issued.body);

  const wrong = await call(`${cloud.keystoneUrl}/auth/tokens`, passwordAuth("nope"));
  assert.equal(wrong.status, 401);
  assert.deepEqual(wrong.body, {
    error: {
      code: 401,
      message: "The request you have made requires authentication.",
      title: "Unauthorized",
    },
  });
  const appCred = await call(`${cloud.keystoneUrl}/auth/tokens`, {
    method: "POST",
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ["application_credential"],
          application_credential: { id: "arsenal-app-cred", secret: "app-cred-secret" },
        },
      },
    }),
  });
  assert.equal(appCred.status, 201);
  assert.equal(appCred.body.token.catalog.length, 4);
  assert.equal((await call(`${cloud.url}/identity/v2.0/tokens`)).status, 404);
});

Deno.test("expired tokens get 401 from the services; no token or Basic auth is accepted", async () => {
  await using cloud = await FakeOpenStack.start();
  const token = cloud.issueToken();
  const nodes = `${cloud.ironicUrl}/v1/nodes`;
  assert.equal((await call(nodes, { headers: { "x-auth-token": token } })).status, 200);
  cloud.expireTokens();
  const expired = await call(nodes, { headers: { "x-auth-token": token } });
  assert.equal(expired.status, 401);
  assert.equal(expired.body.error.code, 401);
  const images = await call(`${cloud.glanceUrl}/v2/images`, { headers: { "x-auth-token": token } });
  assert.equal(images.status, 401);
  assert.equal((await call(nodes)).status, 200);
  const basic = await call(nodes, { headers: { authorization: `Basic ${btoa("u:p")}` } });
  assert.equal(basic.status, 200);
  assert.equal(cloud.requests.at(-1)!.headers.get("authorization"), `Basic ${btoa("u:p")}`);
});

Deno.test("ironic speaks 1.1 without a version header and sends its version headers", async () => {
  await using cloud = await FakeOpenStack.start();
  const [node] = cloud.addNodes(1, { resource_class: "baremetal.small" });
  const old = await call(`${cloud.ironicUrl}/v1/nodes/${node.uuid}`);
  assert.equal(old.status, 200);
  assert.equal(old.headers.get("x-openstack-ironic-api-version"), "1.1");
  assert.equal(old.headers.get("x-openstack-ironic-api-minimum-version"), "1.1");
  assert.equal(old.headers.get("x-openstack-ironic-api-maximum-version"), "1.82");
  assert.equal(old.body.provision_state, null);
  assert.ok(!("resource_class" in old.body));

  const latest = await call(`${cloud.ironicUrl}/v1/nodes/${node.uuid}`, { headers: LATEST });
  assert.equal(latest.headers.get("x-openstack-ironic-api-version"), "1.82");
  assert.equal(latest.body.provision_state, "available");
  assert.equal(latest.body.resource_class, "baremetal.small");

  const tooNew = await call(`${cloud.ironicUrl}/v1/nodes`, {
    headers: { "X-OpenStack-Ironic-API-Version": "1.99" },
  });
  assert.equal(tooNew.status, 406);
  assert.match(JSON.parse(tooNew.body.error_message).description, /range is: \[1\.1, 1\.82\]/);
  const root = await call(`${cloud.ironicUrl}/`);
  assert.deepEqual(
    [root.body.default_version.min_version, root.body.default_version.version],
    ["1.1", "1.82"],
  );
});

Deno.test("ironic node list: fields, absolute next while pages are full, limit checks", async () => {
  await using cloud = await FakeOpenStack.start({ ironicMaxLimit: 2 });
  const added = cloud.addNodes(4, { driver_info: { cache_status: "cached" } });
  const seen: string[] = [];
  let next: string | undefined =
    `${cloud.ironicUrl}/v1/nodes?fields=uuid,provision_state,driver_info`;
  const pages: number[] = [];
  while (next) {
    const page = await call(next, { headers: LATEST });
    assert.equal(page.status, 200);
    pages.push(page.body.nodes.length);
    for (const node of page.body.nodes) {
      assert.deepEqual(Object.keys(node).sort(), [
        "driver_info",
        "links",
        "provision_state",
        "uuid",
      ]);
      seen.push(node.uuid);
    }
    next = page.body.next;
    if (next) assert.ok(next.startsWith(`${cloud.ironicUrl}/v1/nodes?`), next);
  }
  assert.deepEqual(pages, [2, 2, 0]);
  assert.deepEqual(seen, added.map((n) => n.uuid));

  const err = async (query: string, headers: Record<string, string> = LATEST) => {
    const res = await call(`${cloud.ironicUrl}/v1/nodes${query}`, { headers });
    return [res.status, faultstring(res.body)];
  };
  assert.deepEqual(await err("?limit=0"), [400, "Limit must be positive"]);
  assert.deepEqual(await err("?limit=-3"), [400, "Limit must be positive"]);
  assert.deepEqual(await err("/detail?fields=uuid"), [400, "Unexpected arguments: fields"]);
  assert.deepEqual(await err("?marker=nope"), [404, "Node nope could not be found."]);
  assert.deepEqual(await err("?fields=uuid", { "X-OpenStack-Ironic-API-Version": "1.7" }), [
    406,
    "Request not acceptable.",
  ]);
  assert.deepEqual(await err("?shard=a", { "X-OpenStack-Ironic-API-Version": "1.81" }), [
    406,
    "Request not acceptable.",
  ]);
  // Like real Ironic, `next` keeps sorting, fields and maintenance=true, but drops other filters.
  const filtered = await call(`${cloud.ironicUrl}/v1/nodes?resource_class=baremetal&limit=1`, {
    headers: LATEST,
  });
  assert.equal(
    filtered.body.next,
    `${cloud.ironicUrl}/v1/nodes?sort_key=id&sort_dir=asc&limit=1&marker=${added[0].uuid}`,
  );
  const big = await call(`${cloud.ironicUrl}/v1/nodes/detail?limit=50`, { headers: LATEST });
  assert.equal(big.body.nodes.length, 2, "limit is clamped to max_limit");
});

Deno.test("ironic lists 10k nodes in pages of 1000 with a per-page delay", async () => {
  await using cloud = await FakeOpenStack.start({ pageDelayMs: 1 });
  cloud.addNodes(10_000);
  let next: string | undefined = `${cloud.ironicUrl}/v1/nodes/detail?maintenance=false`;
  let count = 0;
  let pages = 0;
  while (next) {
    const page = await call(next, { headers: LATEST });
    count += page.body.nodes.length;
    pages++;
    next = page.body.next;
  }
  assert.equal(count, 10_000);
  assert.equal(pages, 11);
});

Deno.test("ironic eject: manage, patch, provide passes through cleaning to available", async () => {
  await using cloud = await FakeOpenStack.start();
  const [node] = cloud.addNodes(1, { driver_info: { cache_image_id: "i1" } });
  const nodeUrl = `${cloud.ironicUrl}/v1/nodes/${node.uuid}`;
  const put = (target: string) =>
    call(`${nodeUrl}/states/provision`, {
      method: "PUT",
      headers: { ...LATEST, "content-type": "application/json" },
      body: JSON.stringify({ target }),
    });
  const patch = (ops: unknown) =>
    call(nodeUrl, {
      method: "PATCH",
      headers: { ...LATEST, "content-type": "application/json" },
      body: JSON.stringify(ops),
    });

  const refused = await put("provide");
  assert.equal(refused.status, 400);
  assert.equal(
    faultstring(refused.body),
    `The requested action "provide" can not be performed on node "${node.uuid}" while it is in ` +
      `state "available".`,
  );
  const managed = await put("manage");
  assert.equal(managed.status, 202);
  assert.equal(managed.text, "");
  assert.equal(node.provision_state, "manageable");

  const missing = await patch([{ op: "remove", path: "/driver_info/cache_status" }]);
  assert.equal(missing.status, 400);
  assert.match(faultstring(missing.body), /can't remove a non-existent object 'cache_status'/);
  const patched = await patch([{ op: "remove", path: "/driver_info/cache_image_id" }]);
  assert.equal(patched.status, 200);
  assert.deepEqual(patched.body.driver_info, {});

  assert.equal((await put("provide")).status, 202);
  assert.equal(node.provision_state, "cleaning");
  const locked = await patch([{ op: "add", path: "/extra/x", value: 1 }]);
  assert.equal(locked.status, 409);
  const after = await call(nodeUrl, { headers: LATEST });
  assert.equal(after.body.provision_state, "available");
  assert.deepEqual(node.history, ["available", "manageable", "cleaning", "available"]);
});

Deno.test("ironic vendor passthru: upstream has no cache_image, the plugin mode does", async () => {
  await using upstream = await FakeOpenStack.start();
  const [node] = upstream.addNodes(1);
  const passthru = (cloud: FakeOpenStack, query: string) =>
    call(`${cloud.ironicUrl}/v1/nodes/${node.uuid}/vendor_passthru${query}`, {
      method: "POST",
      headers: { ...LATEST, "content-type": "application/json" },
      body: JSON.stringify({ image_info: { id: "i1", urls: ["http://x/i1"], checksum: "abc" } }),
    });
  const refused = await passthru(upstream, "?method=cache_image");
  assert.equal(refused.status, 400);
  assert.equal(
    refused.text,
    JSON.stringify({
      error_message:
        '{"faultcode": "Client", "faultstring": "No handler for method cache_image", "debuginfo": null}',
    }),
  );
  const noMethod = await passthru(upstream, "");
  assert.equal(faultstring(noMethod.body), "Missing mandatory parameter: method");

  await using plugin = await FakeOpenStack.start({ vendorCacheImage: true });
  const [cached] = plugin.addNodes(1);
  assert.equal(cached.uuid, node.uuid, "uuids are deterministic");
  assert.equal((await passthru(plugin, "?method=cache_image")).status, 202);
  assert.equal(cached.driver_info.cache_image_id, "i1");
  assert.equal(cached.driver_info.cache_status, "caching");
});

Deno.test("ironic arsenal plugin: cache_image refuses what it cannot cache, records, ejects", async () => {
  let now = Date.parse("2026-03-01T12:00:00.000Z");
  await using cloud = await FakeOpenStack.start({ arsenalPlugin: true, now: () => now });
  const [live, dead, busy] = cloud.addNodes(3);
  cloud.bootAgent(live.uuid);
  cloud.bootAgent(busy.uuid);
  busy.instance_uuid = "inst-1";
  const passthru = (uuid: string, method: string, body?: unknown) =>
    call(`${cloud.ironicUrl}/v1/nodes/${uuid}/vendor_passthru?method=${method}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { ...LATEST, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const info = {
    id: "i1",
    urls: ["http://images/i1"],
    disk_format: "qcow2",
    os_hash_algo: "sha512",
    os_hash_value: "ab".repeat(64),
  };
  assert.deepEqual((await passthru(live.uuid, "cache_status")).body, { status: "none" });
  const refusals = [
    [dead.uuid, { image_info: info }, /no live agent/],
    [busy.uuid, { image_info: info }, /it has an instance/],
    [live.uuid, { image_info: { ...info, urls: [] } }, /urls must be a non-empty list/],
    [live.uuid, { image_info: { id: "i1", urls: ["u"] } }, /os_hash_algo and os_hash_value, or/],
  ] as const;
  for (const [uuid, body, reason] of refusals) {
    const refused = await passthru(uuid, "cache_image", body);
    assert.equal(refused.status, 400);
    assert.match(faultstring(refused.body), reason);
  }
  assert.equal((await passthru(live.uuid, "cache_image", { image_info: info })).status, 202);
  const read = await call(`${cloud.ironicUrl}/v1/nodes/${live.uuid}?fields=driver_internal_info`, {
    headers: LATEST,
  });
  const internal = read.body.driver_internal_info;
  assert.equal(internal.agent_secret_token, "******", "the token is masked");
  assert.equal(internal.agent_last_heartbeat, "2026-03-01T12:00:00");
  assert.deepEqual(internal.arsenal_cache, {
    image_id: "i1",
    status: "caching",
    agent_started_at: "2026-03-01T12:00:00",
    agent_url: internal.agent_url,
    since: "2026-03-01T12:00:00",
  });
  now += 1_500;
  cloud.settleCache(live.uuid, "cached");
  assert.equal(live.properties.capabilities, "arsenal_cached_image:i1");
  assert.equal(
    (await passthru(live.uuid, "cache_status")).body.since,
    "2026-03-01T12:00:01.500000",
  );

  now += 301_000;
  cloud.bootAgent(dead.uuid);
  now += 1;
  assert.equal((await passthru(dead.uuid, "cache_image", { image_info: info })).status, 202);
  assert.equal((await passthru(busy.uuid, "cache_image", { image_info: info })).status, 400);

  assert.equal((await passthru(live.uuid, "eject", {})).status, 202);
  assert.equal(live.power_state, "power off");
  assert.deepEqual(live.driver_internal_info, {
    agent_last_heartbeat: "2026-03-01T12:00:00",
  }, "power off wiped the URL and the token; the record is gone");
  assert.equal(live.properties.capabilities, undefined);
  assert.deepEqual((await passthru(live.uuid, "cache_status")).body, { status: "none" });
});

Deno.test("ironic arsenal plugin: with fast track, cleaning ends with a live agent", async () => {
  await using cloud = await FakeOpenStack.start({ arsenalPlugin: true, fastTrack: true });
  const [node] = cloud.addNodes(1, { provision_state: "manageable" });
  const put = await call(`${cloud.ironicUrl}/v1/nodes/${node.uuid}/states/provision`, {
    method: "PUT",
    headers: { ...LATEST, "content-type": "application/json" },
    body: JSON.stringify({ target: "provide" }),
  });
  assert.equal(put.status, 202);
  cloud.completeCleaning();
  assert.equal(node.power_state, "power on");
  assert.ok(node.driver_internal_info?.agent_url);
});

Deno.test("glance pages with relative next links and answers HTML errors", async () => {
  await using cloud = await FakeOpenStack.start();
  const images = [cloud.addImage(), cloud.addImage(), cloud.addImage({ visibility: "community" })];
  const first = await call(`${cloud.glanceUrl}/v2/images?limit=2`);
  assert.deepEqual(first.body.images.map((i: { id: string }) => i.id), [
    images[0].id,
    images[1].id,
  ]);
  assert.equal(first.body.next, `/v2/images?limit=2&marker=${images[1].id}`);
  assert.equal(first.body.images[0].file, `/v2/images/${images[0].id}/file`);
  const second = await call(`${cloud.glanceUrl}${first.body.next}`);
  assert.equal(second.body.images.length, 1);
  assert.ok(!("next" in second.body));
  const community = await call(`${cloud.glanceUrl}/v2/images?visibility=community`);
  assert.deepEqual(community.body.images.map((i: { id: string }) => i.id), [images[2].id]);

  const html = await call(`${cloud.glanceUrl}/v2/images/nope`);
  assert.equal(html.status, 404);
  assert.match(html.headers.get("content-type")!, /text\/html/);
  assert.match(html.text, /No image found with ID nope/);
  const asJson = await call(`${cloud.glanceUrl}/v2/images/nope`, {
    headers: { accept: "application/json" },
  });
  assert.equal(asJson.body.code, "404 Not Found");
  assert.equal((await call(`${cloud.glanceUrl}/v2/images?marker=nope`)).status, 400);
});

Deno.test("nova shows extra_specs inline from 2.61 and pages with flavors_links", async () => {
  await using cloud = await FakeOpenStack.start();
  cloud.addFlavor({ name: "bm.b", extra_specs: { "resources:CUSTOM_BAREMETAL_B": "1" } });
  cloud.addFlavor({ name: "bm.a", extra_specs: { "resources:CUSTOM_BAREMETAL_A": "1" } });
  const v261 = { "OpenStack-API-Version": "compute 2.61" };
  const page = await call(`${cloud.novaUrl}/flavors/detail?limit=1`, { headers: v261 });
  assert.equal(page.headers.get("openstack-api-version"), "compute 2.61");
  assert.equal(page.body.flavors[0].name, "bm.a");
  assert.deepEqual(page.body.flavors[0].extra_specs, { "resources:CUSTOM_BAREMETAL_A": "1" });
  const href = page.body.flavors_links[0].href;
  assert.equal(href, `${cloud.novaUrl}/flavors/detail?limit=1&marker=bm.a`);
  const last = await call(href, { headers: v261 });
  assert.equal(last.body.flavors[0].name, "bm.b");
  const end = await call(`${cloud.novaUrl}/flavors/detail?limit=1&marker=bm.b`, { headers: v261 });
  assert.deepEqual(end.body, { flavors: [] });

  const old = await call(`${cloud.novaUrl}/flavors/detail`);
  assert.ok(!("extra_specs" in old.body.flavors[0]));
  assert.ok(!("flavors_links" in old.body));
  const specs = await call(`${cloud.novaUrl}/flavors/bm.b/os-extra_specs`);
  assert.deepEqual(specs.body, { extra_specs: { "resources:CUSTOM_BAREMETAL_B": "1" } });
  const tooNew = await call(`${cloud.novaUrl}/flavors/detail`, {
    headers: { "OpenStack-API-Version": "compute 2.99" },
  });
  assert.equal(tooNew.status, 406);
  assert.equal(
    tooNew.body.computeFault.message,
    "Version 2.99 is not supported by the API. Minimum is 2.1 and maximum is 2.93.",
  );
});

Deno.test("injected faults: 429, malformed JSON, delay, and a hang until the client aborts", async () => {
  await using cloud = await FakeOpenStack.start();
  cloud.addNodes(1);
  const nodes = `${cloud.ironicUrl}/v1/nodes`;
  cloud.inject({ path: "/baremetal/v1/nodes" }, {
    status: 429,
    headers: { "Retry-After": "0" },
    body: "slow down",
  });
  cloud.inject({ method: "GET", path: /nodes\?limit=1$/ }, { status: 200, body: '{"nodes": [' });
  const limited = await call(nodes);
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get("retry-after"), "0");
  const malformed = await call(`${nodes}?limit=1`);
  assert.equal(malformed.status, 200);
  assert.equal(malformed.text, '{"nodes": [');
  assert.equal((await call(nodes)).status, 200, "each fault applies once by default");

  cloud.inject({ path: "/baremetal/v1/nodes" }, { delayMs: 5 });
  const delayed = await call(nodes, { headers: LATEST });
  assert.equal(delayed.body.nodes.length, 1, "after the delay the request is handled");

  cloud.inject({ path: "/baremetal/v1/nodes" }, { hang: true });
  const abort = new AbortController();
  const before = cloud.requests.length;
  const hanging = fetch(nodes, { signal: abort.signal });
  await cloud.waitForRequests(before + 1);
  abort.abort();
  await assert.rejects(hanging);
  assert.equal(cloud.requests.length, before + 1);
});
