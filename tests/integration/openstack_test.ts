/**
 * Integration suite: `arsenal run --once` against real OpenStack services.
 *
 * Ironic, Glance, Keystone and the Nova API from the Debian 12 packages run on free ports of
 * 127.0.0.1 (tests/integration/harness/), seeded with three images (one then deleted), four
 * flavors and a fleet of fake bare-metal nodes. Each scenario runs Arsenal as a subprocess with
 * the OpenStack scout, and checks what it did to Ironic against snapshots taken before.
 *
 * Skipped unless ARSENAL_OPENSTACK_TESTS=1 (`deno task test:openstack` sets it). It needs Debian
 * 12; as root it installs the missing packages (python3-ironic, -glance, -keystone, -nova).
 *
 * @module
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  type CatalogEntry,
  Glance,
  Ironic,
  ironicFault,
  type IronicNode,
  keystoneToken,
  Nova,
  until,
} from "./harness/api.ts";
import { ensurePackages, type OpenStack, startOpenStack } from "./harness/openstack.ts";
import {
  customResource,
  FAKE,
  FLAVORS,
  NODE_COUNT,
  type SeededFleet,
  seedFleet,
  VENDOR,
} from "./harness/seed.ts";

const ENABLED = Deno.permissions.querySync({ name: "env", variable: "ARSENAL_OPENSTACK_TESTS" })
      .state === "granted" && Deno.env.get("ARSENAL_OPENSTACK_TESTS") === "1";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = `${ROOT}main.ts`;
/**
 * ARSENAL_OPENSTACK_COMMAND=/path/to/arsenal runs that executable (e.g. dist/arsenal from
 * `deno task compile`) instead of `deno run --allow-all main.ts`.
 */
const COMMAND = ENABLED ? Deno.env.get("ARSENAL_OPENSTACK_COMMAND") : undefined;
/** Longest an `arsenal run --once` may take before it is killed. */
const ARSENAL_DEADLINE_MS = 120_000;
/** Longest an eject (manage, cleaning, available) may take to settle. */
const EJECT_DEADLINE_MS = 90_000;
/** Longest a fake cache_image may take to report "cached". */
const CACHE_DEADLINE_MS = 60_000;

// ----------------------------------------------------------------------------- timings --

class Timings {
  readonly #rows: [string, number][] = [];

  async time<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      this.add(name, (performance.now() - t) / 1000);
    }
  }

  add(name: string, seconds: number): void {
    this.#rows.push([name, seconds]);
    console.log(`[openstack suite] ${name}: ${seconds.toFixed(1)} s`);
  }

  print(): void {
    const width = Math.max(...this.#rows.map(([n]) => n.length));
    console.log(
      "\n[openstack suite] timings\n" +
        this.#rows.map(([n, s]) => `  ${n.padEnd(width)}  ${s.toFixed(1).padStart(6)} s`).join(
          "\n",
        ),
    );
  }
}

// ---------------------------------------------------------------------------- snapshots --

/** What the suite compares per node: everything Arsenal could change. */
type NodeView = Pick<
  IronicNode,
  | "name"
  | "driver"
  | "provision_state"
  | "target_provision_state"
  | "maintenance"
  | "driver_info"
  | "extra"
  | "properties"
  | "instance_uuid"
  | "resource_class"
>;
type Snapshot = Map<string, NodeView>;

async function snapshot(ironic: Ironic): Promise<Snapshot> {
  const nodes = await ironic.nodes();
  return new Map(nodes.map((n) => [n.uuid, {
    name: n.name,
    driver: n.driver,
    provision_state: n.provision_state,
    target_provision_state: n.target_provision_state,
    maintenance: n.maintenance,
    driver_info: n.driver_info,
    extra: n.extra,
    properties: n.properties,
    instance_uuid: n.instance_uuid,
    resource_class: n.resource_class,
  }]));
}

/** Asserts that `after` equals `before` but for `expected` (uuid -> the node it should be). */
function assertOnlyChanges(
  before: Snapshot,
  after: Snapshot,
  expected: Map<string, NodeView>,
): void {
  assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), "the set of nodes changed");
  const unexpected: string[] = [];
  for (const [uuid, was] of before) {
    const now = after.get(uuid)!;
    const want = expected.get(uuid) ?? was;
    try {
      assert.deepEqual(now, want);
    } catch {
      unexpected.push(
        `${was.name}:\n    expected ${JSON.stringify(want)}\n    found    ${JSON.stringify(now)}`,
      );
    }
  }
  assert.equal(unexpected.length, 0, `unexpected node changes:\n  ${unexpected.join("\n  ")}`);
}

function withoutCacheKeys(info: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(info).filter(([k]) => !k.startsWith("cache_")));
}

/** The `extra` key Arsenal marks a node with while it ejects it (an ISO timestamp). */
const EJECT_MARK = "arsenal_eject";

function withoutMark(extra: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(extra).filter(([k]) => k !== EJECT_MARK));
}

/**
 * A node after its eject: `was` with no cache markers, and with the eject mark when `now` still
 * has one (the mark goes when a cycle sees the node available again, maybe the next one).
 */
function ejected(was: NodeView, now: NodeView | undefined): NodeView {
  const mark = now?.extra[EJECT_MARK];
  if (mark !== undefined) {
    assert.match(String(mark), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, "the eject mark");
  }
  return {
    ...was,
    driver_info: withoutCacheKeys(was.driver_info),
    extra: mark === undefined ? withoutMark(was.extra) : { ...was.extra, [EJECT_MARK]: mark },
  };
}

/** Arsenal's rules: unprovisioned = available and not in maintenance. */
const unprovisioned = (n: NodeView) => n.provision_state === "available" && !n.maintenance;
/** cached = driver_info.cache_status set and not "failed". */
const isCached = (n: NodeView) =>
  typeof n.driver_info.cache_status === "string" && n.driver_info.cache_status !== "" &&
  n.driver_info.cache_status !== "failed";

/**
 * What simple_proportional must do to `nodes` (a snapshot, filtered as the scout filters):
 * eject the unprovisioned nodes cached with a retired image, and cache
 * `max(0, floor(share * U) - C)` nodes per flavor.
 */
function expectedPlan(
  nodes: Snapshot,
  fleet: SeededFleet,
  share: number,
  liveImages: ReadonlySet<string>,
): { eject: Set<string>; need: Map<string, number>; flavorOf: Map<string, string | null> } {
  const flavorOf = new Map(fleet.nodes.map((n) => [n.uuid, n.flavor]));
  const eject = new Set<string>();
  for (const [uuid, n] of nodes) {
    if (
      unprovisioned(n) && isCached(n) && !liveImages.has(String(n.driver_info.cache_image_id))
    ) eject.add(uuid);
  }
  const need = new Map<string, number>();
  for (const flavor of fleet.flavors) {
    const free = [...nodes].filter(([uuid, n]) =>
      flavorOf.get(uuid) === flavor && unprovisioned(n) && !eject.has(uuid)
    );
    const cached = free.filter(([, n]) => isCached(n)).length;
    need.set(flavor, Math.max(0, Math.floor(share * free.length) - cached));
  }
  return { eject, need, flavorOf };
}

// ------------------------------------------------------------------------------- arsenal --

interface DirectiveRecord {
  readonly kind: "cache" | "eject";
  readonly nodeUuid: string;
  readonly imageUuid?: string;
  readonly outcome: string;
  readonly reason?: string;
}

interface CycleRecord {
  readonly outcome: string;
  readonly reason?: string;
  readonly directives: readonly DirectiveRecord[];
}

interface ArsenalRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The cycle record printed on stdout (its last JSON line), when there is one. */
  readonly record?: CycleRecord;
  /** For assertion messages. */
  readonly summary: string;
}

interface ConfOptions {
  readonly cacheMethod: "annotate" | "vendor_passthru";
  readonly share: number;
  readonly dryRun?: boolean;
  readonly password?: string;
  /** Extra `[ironic]` options (node filters). */
  readonly ironic?: Record<string, string>;
}

/** The arsenal.conf of a scenario: the OpenStack scout, Keystone password auth via catalog. */
function arsenalConf(os: OpenStack, o: ConfOptions): string {
  const env = os.env;
  const ironic = {
    cache_method: o.cacheMethod,
    api_max_retries: "30",
    api_retry_interval: "1",
    ...o.ironic,
  };
  return [
    "[director]",
    "scout = openstack",
    `dry_run = ${o.dryRun ?? false}`,
    "",
    "[simple_proportional_strategy]",
    `percentage_to_cache = ${o.share}`,
    "",
    "[client_wrapper]",
    `os_api_url = ${env.urls.keystone}`,
    `os_username = ${env.adminUser}`,
    `os_password = ${o.password ?? env.adminPassword}`,
    `os_tenant_name = ${env.project}`,
    "os_user_domain_name = Default",
    "os_project_domain_name = Default",
    `region_name = ${env.region}`,
    "call_max_retries = 3",
    "call_retry_interval = 1",
    "call_timeout = 30",
    "",
    "[ironic]",
    ...Object.entries(ironic).map(([k, v]) => `${k} = ${v}`),
    "",
  ].join("\n");
}

async function runArsenal(workDir: string, name: string, conf: string): Promise<ArsenalRun> {
  const file = `${workDir}/${name}.conf`;
  await Deno.writeTextFile(file, conf);
  const arsenal = ["run", "--once", "--config-file", file];
  const out = await new Deno.Command(COMMAND ?? Deno.execPath(), {
    args: COMMAND ? arsenal : ["run", "--allow-all", MAIN, ...arsenal],
    cwd: workDir,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    // ARSENAL_<SECTION>__<OPTION> variables would override the scenario's configuration
    clearEnv: true,
    env: {
      ...Object.fromEntries(
        Object.entries(Deno.env.toObject()).filter(([k]) => !k.startsWith("ARSENAL_")),
      ),
      NO_COLOR: "1",
    },
    signal: AbortSignal.timeout(ARSENAL_DEADLINE_MS),
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  await Deno.writeTextFile(`${workDir}/${name}.stdout`, stdout);
  await Deno.writeTextFile(`${workDir}/${name}.stderr`, stderr);
  let record: CycleRecord | undefined;
  for (const line of stdout.trim().split("\n").reverse()) {
    try {
      const parsed = JSON.parse(line);
      if (parsed && Array.isArray(parsed.directives)) {
        record = parsed;
        break;
      }
    } catch {
      // not the record
    }
  }
  const tail = (s: string) => s.length > 4000 ? "..." + s.slice(-4000) : s;
  const summary = `arsenal run --once --config-file ${file} exited ${out.code}${
    out.signal ? ` (signal ${out.signal})` : ""
  }\n--- stdout\n${tail(stdout)}\n--- stderr\n${tail(stderr)}\n--- config\n${conf}`;
  const counts = new Map<string, number>();
  for (const d of record?.directives ?? []) {
    const key = `${d.kind} ${d.outcome}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  console.log(
    `  ${name}: exit ${out.code}, cycle ${record?.outcome ?? "(no record)"}${
      record?.reason ? ` (${record.reason})` : ""
    }, directives: ${[...counts].map(([k, n]) => `${n} ${k}`).join(", ") || "none"}`,
  );
  return { code: out.code, stdout, stderr, record, summary };
}

function directives(run: ArsenalRun, kind: "cache" | "eject"): DirectiveRecord[] {
  assert.ok(run.record, `no cycle record on stdout\n${run.summary}`);
  return run.record.directives.filter((d) => d.kind === kind);
}

/** Waits until the ejected nodes are back to available with no driver_info cache_* left. */
async function waitEjected(ironic: Ironic, uuids: ReadonlySet<string>): Promise<void> {
  if (!uuids.size) return;
  let pending: IronicNode[] = [];
  await until(
    `${uuids.size} ejected nodes to be available and uncached`,
    EJECT_DEADLINE_MS,
    async () => {
      const nodes = (await ironic.nodes()).filter((n) => uuids.has(n.uuid));
      pending = nodes.filter((n) =>
        n.provision_state !== "available" || n.target_provision_state ||
        Object.keys(n.driver_info).some((k) => k.startsWith("cache_"))
      );
      return pending.length === 0 ? true : undefined;
    },
    {
      describe: () =>
        pending.map((n) =>
          `${n.name}: ${n.provision_state}->${n.target_provision_state} ${
            JSON.stringify(n.driver_info)
          } ${n.last_error ?? ""}`
        ).join("; "),
    },
  );
}

/** Asserts the output has no stack trace and no uncaught-error banner. */
function assertNoStackTrace(run: ArsenalRun): void {
  const text = run.stdout + run.stderr;
  assert.doesNotMatch(text, /^\s+at .+(:\d+:\d+\)?|\(native\))$/m, `stack trace\n${run.summary}`);
  assert.doesNotMatch(text, /Uncaught|Traceback/, `uncaught error\n${run.summary}`);
}

// --------------------------------------------------------------------------------- suite --

Deno.test({
  name: "arsenal run --once against real Ironic, Glance, Keystone and Nova",
  ignore: !ENABLED,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const timings = new Timings();
    let os: OpenStack | undefined;
    let failed = false;
    try {
      const packages = await timings.time("install check", () => ensurePackages());
      if (packages.installed.length) console.log(`installed ${packages.installed.join(" ")}`);
      os = await timings.time("up (4 services, in parallel)", () => startOpenStack());
      const env = os.env;
      // Arsenal's configs and output go beside the service logs (kept when a step fails)
      const workDir = `${env.stateDir}/arsenal`;
      await Deno.mkdir(workDir);
      for (const [name, s] of Object.entries(env.timings)) {
        if (name !== "up" && name !== "packages") console.log(`  ${name} ready after ${s} s`);
      }
      console.log(`  urls ${JSON.stringify(env.urls)} state ${env.stateDir}`);
      const fleet = await timings.time(
        `seed (${NODE_COUNT} nodes)`,
        () => seedFleet(env, { log: (l) => console.log(`  ${l}`) }),
      );
      const ironic = new Ironic(env.urls.ironic);
      const { A, B, C } = fleet.images;
      const live = new Set([A.id, B.id]);
      const byRole = (role: string) => fleet.nodes.filter((n) => n.role === role);
      /** Step a's snapshot before its run, and what it expects the nodes it changed to be. */
      let changedByA: { before: Snapshot; expected: Map<string, NodeView> } | undefined;
      const step = async (name: string, fn: () => Promise<void>) => {
        const ok = await timings.time(name, () => t.step(name, fn));
        failed ||= !ok;
      };

      await step("harness: services up and seeded, token and catalog, cache_image", async () => {
        // Keystone: a real token whose catalog lists the three services
        const auth = await keystoneToken(env.urls.keystone, {
          user: env.adminUser,
          password: env.adminPassword,
          project: env.project,
        });
        assert.equal(auth.status, 201);
        assert.ok(auth.token, "no X-Subject-Token");
        const publicUrl = (type: string) =>
          auth.catalog.find((e: CatalogEntry) => e.type === type)?.endpoints.find((e) =>
            e.interface === "public"
          )?.url;
        assert.equal(publicUrl("baremetal"), env.urls.ironic);
        assert.equal(publicUrl("image"), env.urls.glance);
        assert.equal(publicUrl("compute"), env.urls.nova);
        const wrong = await keystoneToken(env.urls.keystone, {
          user: env.adminUser,
          password: "wrong",
          project: env.project,
        });
        assert.equal(wrong.status, 401);

        // Ironic: every node, through pages of at most [api]max_limit
        const first = await ironic.call<{ nodes: unknown[]; next?: string }>("GET", "/v1/nodes");
        assert.equal(first.body.nodes.length, env.ironicMaxLimit);
        assert.match(first.body.next ?? "", /marker=/);
        const nodes = await ironic.nodes();
        assert.equal(nodes.length, NODE_COUNT);
        const count = (f: (n: IronicNode) => boolean) => nodes.filter(f).length;
        assert.equal(count((n) => n.provision_state === "active"), 3);
        assert.equal(count((n) => n.maintenance), 3);
        assert.equal(count((n) => n.provision_state === "available"), NODE_COUNT - 3);
        assert.equal(count((n) => n.driver === VENDOR), 12);
        assert.equal(count((n) => n.driver_info.cache_image_id === C.id), 8);

        // Glance: A and B active with checksums, C gone
        const images = await new Glance(env.urls.glance).images();
        assert.deepEqual(images.map((i) => i.id).sort(), [A.id, B.id].sort());
        assert.ok(images.every((i) => i.status === "active" && i.checksum));

        // Nova, read with the Keystone token: the flavors and their resource classes
        const flavors = await new Nova(env.urls.nova, auth.token).flavors();
        assert.deepEqual(flavors.map((f) => f.name).sort(), FLAVORS.map((f) => f.name).sort());
        for (const f of FLAVORS) {
          if (!f.resourceClass) continue;
          const specs = flavors.find((x) => x.name === f.name)?.extra_specs ?? {};
          assert.equal(specs[`resources:${customResource(f.resourceClass)}`], "1");
        }

        // fake-hardware: no cache_image
        const plain = byRole("free").find((n) => n.driver === FAKE)!;
        const imageInfo = {
          image_info: { id: A.id, urls: [`${env.urls.glance}${A.file}`], checksum: A.checksum },
        };
        const refused = await ironic.vendorPassthru(plain.uuid, "cache_image", imageInfo);
        assert.equal(refused.status, 400);
        assert.match(ironicFault(refused.body), /No handler for method cache_image/);

        // arsenal-fake-hardware: cache_image works (caching, then cached) ...
        const [probe] = byRole("probe");
        const accepted = await ironic.vendorPassthru(probe.uuid, "cache_image", imageInfo);
        assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
        const cached = await until("the probe to report cached", CACHE_DEADLINE_MS, async () => {
          const n = await ironic.node(probe.uuid);
          return n.driver_info.cache_status === "cached" ? n : undefined;
        }, { intervalMs: 200 });
        assert.equal(cached.driver_info.cache_image_id, A.id);
        assert.equal(cached.driver_info.cache_image_checksum, A.checksum);
        // ... and cleaning (eject: manage, provide) erases it
        await ironic.provision(probe.uuid, "manage");
        await ironic.provision(probe.uuid, "provide");
        await waitEjected(ironic, new Set([probe.uuid]));
        assert.deepEqual((await ironic.node(probe.uuid)).driver_info, {});
      });

      await step(
        "a. cache_method = annotate: stale nodes ejected, free nodes annotated",
        async () => {
          const before = await snapshot(ironic);
          const plan = expectedPlan(before, fleet, 0.5, live);
          assert.deepEqual([...plan.eject].sort(), byRole("stale").map((n) => n.uuid).sort());
          const run = await runArsenal(
            workDir,
            "a-annotate",
            arsenalConf(os!, { cacheMethod: "annotate", share: 0.5 }),
          );
          assert.equal(run.code, 0, run.summary);
          assert.equal(run.record?.outcome, "success", run.summary);
          assertNoStackTrace(run);

          const ejects = directives(run, "eject");
          assert.deepEqual(
            ejects.map((d) => d.nodeUuid).sort(),
            [...plan.eject].sort(),
            run.summary,
          );
          const caches = directives(run, "cache");
          for (const d of [...ejects, ...caches]) assert.equal(d.outcome, "issued", run.summary);
          const perFlavor = new Map<string, number>();
          for (const d of caches) {
            const flavor = plan.flavorOf.get(d.nodeUuid) ?? "(none)";
            perFlavor.set(flavor, (perFlavor.get(flavor) ?? 0) + 1);
            const n = before.get(d.nodeUuid)!;
            assert.ok(unprovisioned(n) && !isCached(n), `cached onto ${n.name}\n${run.summary}`);
            assert.ok(live.has(d.imageUuid!), `cache of a retired image on ${n.name}`);
          }
          assert.deepEqual(
            Object.fromEntries([...perFlavor].sort()),
            Object.fromEntries([...plan.need].filter(([, k]) => k > 0).sort()),
            `cache directives per flavor\n${run.summary}`,
          );

          await waitEjected(ironic, plan.eject);
          const after = await snapshot(ironic);
          const expected = new Map<string, NodeView>();
          for (const uuid of plan.eject) {
            expected.set(uuid, ejected(before.get(uuid)!, after.get(uuid)));
          }
          for (const d of caches) {
            const was = before.get(d.nodeUuid)!;
            expected.set(d.nodeUuid, {
              ...was,
              driver_info: {
                ...was.driver_info,
                cache_image_id: d.imageUuid,
                cache_status: "pending",
              },
            });
          }
          assertOnlyChanges(before, after, expected);
          changedByA = { before, expected };
        },
      );

      await step(
        "a2. dry run: the next cycle removes the marks of ejects that reached available",
        async () => {
          assert.ok(changedByA, "step a did not finish");
          const run = await runArsenal(
            workDir,
            "a2-resume-dry-run",
            arsenalConf(os!, { cacheMethod: "annotate", share: 0.5, dryRun: true }),
          );
          assert.equal(run.code, 0, run.summary);
          assertNoStackTrace(run);
          for (const d of directives(run, "cache")) assert.equal(d.outcome, "dry_run", run.summary);
          const expected = new Map<string, NodeView>();
          for (const [uuid, node] of changedByA.expected) {
            expected.set(uuid, { ...node, extra: withoutMark(node.extra) });
          }
          assertOnlyChanges(changedByA.before, await snapshot(ironic), expected);
        },
      );

      // One run per driver: the node filter makes the random choice of nodes deterministic.
      const vendorRun = async (name: string, resourceClass: string) => {
        const before = await snapshot(ironic);
        const inClass = new Map([...before].filter(([, n]) => n.resource_class === resourceClass));
        const plan = expectedPlan(inClass, fleet, 1, live);
        const need = [...plan.need.values()].reduce((a, b) => a + b, 0);
        assert.ok(need > 0, `nothing left to cache in ${resourceClass}`);
        const run = await runArsenal(
          workDir,
          name,
          arsenalConf(os!, {
            cacheMethod: "vendor_passthru",
            share: 1,
            ironic: { resource_class: resourceClass },
          }),
        );
        assertNoStackTrace(run);
        const caches = directives(run, "cache");
        assert.equal(caches.length, need, `cache directives\n${run.summary}`);
        for (const d of caches) {
          const n = inClass.get(d.nodeUuid);
          assert.ok(n, `a cache directive outside resource class ${resourceClass}\n${run.summary}`);
        }
        const ejects = directives(run, "eject");
        assert.deepEqual(ejects.map((d) => d.nodeUuid).sort(), [...plan.eject].sort(), run.summary);
        return { before, run, caches, ejects: plan.eject };
      };

      await step(
        "b1. vendor_passthru on fake-hardware: No handler for method cache_image",
        async () => {
          const { before, run, caches, ejects } = await vendorRun(
            "b1-vendor-fake",
            "baremetal.small",
          );
          assert.equal(run.code, 1, run.summary);
          for (const d of caches) {
            assert.equal(before.get(d.nodeUuid)!.driver, FAKE);
            assert.equal(d.outcome, "failed", run.summary);
            assert.match(d.reason ?? "", /No handler for method cache_image/, run.summary);
          }
          await waitEjected(ironic, ejects);
          const after = await snapshot(ironic);
          const expected = new Map<string, NodeView>();
          for (const uuid of ejects) {
            expected.set(uuid, ejected(before.get(uuid)!, after.get(uuid)));
          }
          assertOnlyChanges(before, after, expected);
        },
      );

      await step("b2. vendor_passthru on arsenal-fake-hardware: caching, then cached", async () => {
        const { before, run, caches, ejects } = await vendorRun(
          "b2-vendor-arsenal",
          "baremetal.vendor",
        );
        assert.equal(run.code, 0, run.summary);
        const images = new Map([A, B].map((i) => [i.id, i]));
        const seen = new Set<string>();
        let states: string[] = [];
        await until("the cached nodes to report cached", CACHE_DEADLINE_MS, async () => {
          const nodes = await Promise.all(caches.map((d) => ironic.node(d.nodeUuid)));
          states = nodes.map((n) => `${n.name}: ${JSON.stringify(n.driver_info)}`);
          for (const n of nodes) seen.add(String(n.driver_info.cache_status));
          return nodes.every((n) => n.driver_info.cache_status === "cached") ? true : undefined;
        }, { intervalMs: 200, describe: () => states.join("; ") });
        console.log(`  cache_status seen after the run: ${[...seen].join(", ")}`);
        await waitEjected(ironic, ejects);
        const after = await snapshot(ironic);
        const expected = new Map<string, NodeView>();
        for (const uuid of ejects) expected.set(uuid, ejected(before.get(uuid)!, after.get(uuid)));
        for (const d of caches) {
          const was = before.get(d.nodeUuid)!;
          assert.equal(was.driver, VENDOR);
          assert.equal(d.outcome, "issued", run.summary);
          const image = images.get(d.imageUuid!);
          assert.ok(image, `cache of a retired or unknown image ${d.imageUuid}`);
          const info = after.get(d.nodeUuid)!.driver_info;
          const urls = info.cache_image_urls as string[];
          assert.ok(
            Array.isArray(urls) && urls.length === 1 &&
              urls[0].replace(/\/+v2/, "/v2") === `${env.urls.glance}${image.file}`,
            `image urls ${JSON.stringify(urls)}, expected the Glance endpoint + ${image.file}`,
          );
          expected.set(d.nodeUuid, {
            ...was,
            driver_info: {
              ...was.driver_info,
              cache_image_id: image.id,
              cache_status: "cached",
              cache_image_checksum: image.checksum,
              cache_image_urls: urls,
            },
          });
        }
        assertOnlyChanges(before, after, expected);
      });

      await step(
        "d. an eject a crashed Arsenal left half-way is finished; a node managed by hand is not",
        async () => {
          const now = await snapshot(ironic);
          const spare = fleet.nodes.filter((n) => {
            const v = now.get(n.uuid)!;
            return n.driver === FAKE && n.flavor !== null && unprovisioned(v) &&
              !Object.keys(v.driver_info).some((k) => k.startsWith("cache_")) &&
              v.extra[EJECT_MARK] === undefined;
          });
          assert.ok(spare.length >= 2, "no two free fake-hardware nodes left");
          const [crashed, byHand] = spare;
          const markers = [["cache_image_id", A.id], ["cache_status", "cached"]].map(([k, v]) => ({
            op: "add",
            path: `/driver_info/${k}`,
            value: v,
          }));
          for (const n of [crashed, byHand]) await ironic.provision(n.uuid, "manage");
          await ironic.waitForState([crashed.uuid, byHand.uuid], "manageable", EJECT_DEADLINE_MS);
          // As a crash after `manage` leaves it: marked, manageable, still holding its cache.
          await ironic.patch(crashed.uuid, [
            { op: "add", path: `/extra/${EJECT_MARK}`, value: "2026-01-01T00:00:00.000Z" },
            ...markers,
          ]);
          await ironic.patch(byHand.uuid, markers);
          const before = await snapshot(ironic);

          // At a share of 0 there is nothing to plan: every change is the resume's.
          const conf = arsenalConf(os!, { cacheMethod: "annotate", share: 0 });
          const run = await runArsenal(workDir, "d-resume", conf);
          assert.equal(run.code, 0, run.summary);
          assertNoStackTrace(run);
          assert.deepEqual(run.record?.directives, [], run.summary);
          assert.match(run.stderr, new RegExp(`Resumed the eject of node ${crashed.uuid}`));
          const state = (await ironic.node(crashed.uuid)).provision_state;
          assert.ok(["cleaning", "available"].includes(String(state)), `now ${state}`);
          await waitEjected(ironic, new Set([crashed.uuid]));
          const was = before.get(crashed.uuid)!;
          const back: NodeView = {
            ...was,
            provision_state: "available",
            driver_info: withoutCacheKeys(was.driver_info),
          };
          let after = await snapshot(ironic);
          assertOnlyChanges(
            before,
            after,
            new Map([[crashed.uuid, ejected(back, after.get(crashed.uuid))]]),
          );
          if (after.get(crashed.uuid)!.extra[EJECT_MARK] !== undefined) {
            // Cleaning outlasted the run: the next cycle sees the node available and unmarks it.
            const again = await runArsenal(workDir, "d-resume-again", conf);
            assert.equal(again.code, 0, again.summary);
            after = await snapshot(ironic);
          }
          const done = { ...back, extra: withoutMark(was.extra) };
          assertOnlyChanges(before, after, new Map([[crashed.uuid, done]]));
          assert.deepEqual(after.get(byHand.uuid), before.get(byHand.uuid), "managed by hand");
        },
      );

      await step(
        "c. wrong Keystone password: exit 1, a clear message, Ironic untouched",
        async () => {
          const before = await snapshot(ironic);
          const run = await runArsenal(
            workDir,
            "c-wrong-password",
            arsenalConf(os!, { cacheMethod: "annotate", share: 0.5, password: "not-the-password" }),
          );
          assert.equal(run.code, 1, run.summary);
          assertNoStackTrace(run);
          assert.match(
            run.stdout + run.stderr,
            /keystone|authenticat|unauthori[sz]ed|401|credential|password/i,
            run.summary,
          );
          assert.doesNotMatch(run.stdout + run.stderr, /not-the-password/, "the password leaked");
          assertOnlyChanges(before, await snapshot(ironic), new Map());
        },
      );
    } catch (e) {
      failed = true;
      throw e;
    } finally {
      if (os) {
        await timings.time("down", () => os!.stop({ keepState: failed }));
        if (failed) {
          console.log(
            `[openstack suite] kept ${os.env.stateDir}: logs/ (services), arsenal/ (configs, output)`,
          );
        }
      }
      timings.print();
    }
  },
});
