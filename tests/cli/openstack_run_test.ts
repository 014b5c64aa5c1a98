/** `arsenal run --once` (in-process) against the fake OpenStack: the whole path, end to end. */
import assert from "node:assert/strict";
import { FakeOpenStack } from "../_fakes/openstack.ts";
import { runMain } from "../_run_main.ts";
import { tempDir } from "../_helpers.ts";

interface Record {
  outcome: string;
  directives: {
    kind: string;
    nodeUuid: string;
    imageUuid?: string;
    outcome: string;
    reason?: string;
  }[];
}

/** 20 available nodes of one flavor (4 cached with a retired image), 2 deployed, 2 images. */
async function cloud() {
  const fake = await FakeOpenStack.start({ ironicMaxLimit: 7 });
  fake.addFlavor({ name: "bm.small", extra_specs: { "resources:CUSTOM_BAREMETAL_SMALL": "1" } });
  const images = [fake.addImage({ name: "ubuntu" }), fake.addImage({ name: "rocky" })];
  const free = fake.addNodes(16, { resource_class: "baremetal.small" });
  const stale = fake.addNodes(4, {
    resource_class: "baremetal.small",
    driver_info: { cache_image_id: "retired-image", cache_status: "cached" },
  });
  const deployed = fake.addNodes(2, {
    resource_class: "baremetal.small",
    provision_state: "active",
  });
  return { fake, images, free, stale, deployed };
}

async function once(fake: FakeOpenStack, ironic: string, director = "") {
  await using dir = await tempDir();
  const config = await dir.write(
    "arsenal.conf",
    `[director]\nscout = openstack\n${director}[client_wrapper]\nos_api_url = ${fake.keystoneUrl}\n` +
      "os_username = admin\nos_password = secret\nos_tenant_name = admin\n" +
      "call_retry_interval = 0\n[ironic]\napi_retry_interval = 0\n" + ironic +
      "[simple_proportional_strategy]\npercentage_to_cache = 0.5\n",
  );
  const run = await runMain(["run", "--once", "--config-file", config]);
  return { ...run, record: JSON.parse(run.stdout || "{}") as Record };
}

Deno.test("run --once with annotate: stale nodes ejected, free ones annotated, exit 0", async () => {
  const c = await cloud();
  await using fake = c.fake;
  const run = await once(fake, "cache_method = annotate\n");
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.record.outcome, "success");
  const byKind = (kind: string) => run.record.directives.filter((d) => d.kind === kind);
  assert.deepEqual(
    byKind("eject").map((d) => [d.nodeUuid, d.outcome]).sort(),
    c.stale.map((n) => [n.uuid, "issued"]).sort(),
  );
  // 20 unprovisioned at 50%: 10 to cache; the 4 stale ones count as provisioned this cycle.
  const caches = byKind("cache");
  assert.equal(caches.length, 8);
  fake.completeCleaning();
  for (const n of c.stale) {
    const node = fake.nodes.get(n.uuid)!;
    assert.equal(node.provision_state, "available");
    assert.deepEqual(node.history, ["available", "manageable", "cleaning", "available"]);
    assert.deepEqual(node.driver_info, {});
  }
  const live = new Set(c.images.map((i) => i.id));
  for (const d of caches) {
    const node = fake.nodes.get(d.nodeUuid)!;
    assert.equal(node.driver_info.cache_status, "pending");
    assert.ok(live.has(String(node.driver_info.cache_image_id)));
  }
  for (const n of c.deployed) assert.deepEqual(fake.nodes.get(n.uuid)!.history, ["active"]);
});

Deno.test("run --once with vendor_passthru on upstream drivers: failures reported once, exit 1", async () => {
  const c = await cloud();
  await using fake = c.fake;
  const run = await once(fake, "");
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.record.outcome, "success");
  const failed = run.record.directives.filter((d) => d.outcome === "failed");
  assert.equal(failed.length, 8);
  for (const d of failed) {
    assert.equal(d.kind, "cache");
    assert.equal(
      d.reason,
      "Ironic: POST /baremetal/v1/nodes/{uuid}/vendor_passthru: 400 No handler for method " +
        "cache_image",
    );
  }
  const logged = run.stderr.split("\n").filter((l) => l.includes("No handler for method"));
  assert.equal(logged.length, 1, run.stderr);
  assert.match(logged[0], /8 cache directive\(s\) failed/);
  assert.doesNotMatch(run.stderr, /^\s+at /m);
});

Deno.test("run --once with a wrong password fails the cycle clearly and changes nothing", async () => {
  const c = await cloud();
  await using fake = c.fake;
  const run = await once(fake, "[client_wrapper]\nos_password = wrong\n");
  assert.equal(run.code, 1);
  assert.equal(run.record.outcome, "failed");
  assert.match(
    run.stderr,
    /Keystone: POST \/identity\/v3\/auth\/tokens: 401 The request you have made requires authentication/,
  );
  assert.doesNotMatch(run.stderr, /^\s+at /m);
  assert.ok(fake.requests.every((r) => r.method !== "PUT" && r.method !== "PATCH"));
});

Deno.test("run --once records a directive on a node that changed since the listing as skipped, exit 0", async () => {
  const c = await cloud();
  await using fake = c.fake;
  const [taken] = c.stale;
  // Between the listing and the eject, Nova deployed the node: the eject's own read sees it.
  fake.inject({ method: "GET", path: `/baremetal/v1/nodes/${taken.uuid}` }, {
    status: 200,
    body: JSON.stringify({ ...taken, provision_state: "active", history: undefined }),
  });
  const run = await once(fake, "cache_method = annotate\n");
  assert.equal(run.code, 0, run.stderr);
  const record = run.record.directives.find((d) => d.nodeUuid === taken.uuid)!;
  assert.deepEqual([record.outcome, record.reason], [
    "skipped",
    "nothing to eject: the node is no longer available and cached",
  ]);
  assert.deepEqual(fake.nodes.get(taken.uuid)!.history, ["available"], "not touched");
  assert.match(run.stderr, /1 eject directive\(s\) skipped: nothing to eject/);
});

Deno.test("run --once in dry run finishes an eject a crashed Arsenal left, and nothing else", async () => {
  const c = await cloud();
  await using fake = c.fake;
  const cached = { cache_image_id: "retired-image", cache_status: "cached" };
  const [stranded] = fake.addNodes(1, {
    resource_class: "baremetal.small",
    provision_state: "manageable",
    extra: { arsenal_eject: "2026-01-01T00:00:00.000Z" },
    driver_info: cached,
  });
  const [byHand] = fake.addNodes(1, {
    resource_class: "baremetal.small",
    provision_state: "manageable",
    driver_info: cached,
  });
  const run = await once(fake, "cache_method = annotate\n", "dry_run = true\n");
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.record.directives.every((d) => d.outcome === "dry_run"));
  assert.deepEqual(stranded.history, ["manageable", "cleaning", "available"]);
  assert.deepEqual([stranded.driver_info, stranded.extra], [{}, {}]);
  assert.deepEqual([byHand.history, byHand.driver_info], [["manageable"], cached]);
  const writes = fake.requests.filter((r) => r.method === "PUT" || r.method === "PATCH");
  assert.ok(writes.every((r) => r.path.includes(stranded.uuid)), "only the stranded node moved");
});
