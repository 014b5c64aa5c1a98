/**
 * Seeds the harness's OpenStack with the fleet the integration suite expects.
 *
 * - Glance: three public images, uploaded so that they are active with checksums: A and B stay,
 *   C is deleted at the end (the nodes still holding it are stale).
 * - Nova: flavors bm.small, bm.medium and bm.vendor with the extra spec
 *   `resources:CUSTOM_BAREMETAL_<CLASS>=1`, and vm.tiny, which has no such spec.
 * - Ironic: {@linkcode NODE_COUNT} nodes driven enroll -> manageable -> available, some then
 *   deployed (active), put in maintenance or marked cached (`driver_info.cache_image_id` and
 *   `cache_status`, patched once available). Most are `fake-hardware`, whose vendor interface has
 *   no `cache_image`; the `baremetal.vendor` ones are `arsenal-fake-hardware` (the harness's
 *   plugin), where `cache_image` works. Some carry `extra.flavor`; the others only a resource
 *   class, so their flavor is found through the Nova extra specs.
 *
 * @module
 */
import { Glance, Ironic, Nova, pool } from "./api.ts";
import type { GlanceImage } from "./api.ts";
import type { OpenStackEnv } from "./openstack.ts";

/** Driver whose vendor passthru has no `cache_image` (upstream Ironic). */
export const FAKE = "fake-hardware";
/** The harness plugin's driver: `cache_image` works, cleaning erases `driver_info.cache_*`. */
export const VENDOR = "arsenal-fake-hardware";

/** Flavors: name, resource class (none for vm.tiny), sizes. */
export const FLAVORS = [
  { name: "bm.small", resourceClass: "baremetal.small", ram: 32768, vcpus: 8, disk: 240 },
  { name: "bm.medium", resourceClass: "baremetal.medium", ram: 131072, vcpus: 24, disk: 960 },
  { name: "bm.vendor", resourceClass: "baremetal.vendor", ram: 65536, vcpus: 16, disk: 480 },
  { name: "vm.tiny", resourceClass: null, ram: 512, vcpus: 1, disk: 1 },
] as const;

/** `resources:CUSTOM_<RESOURCE_CLASS upper, non-alphanumerics -> _>`, as Nova/placement name it. */
export function customResource(resourceClass: string): string {
  return `CUSTOM_${resourceClass.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** What a seeded node is for in the scenarios. */
export type Role =
  /** available, uncached */
  | "free"
  /** available, cached image C (deleted from Glance): must be ejected */
  | "stale"
  /** available, cached image A or B: must stay */
  | "cached"
  /** available, cache_status "failed" (image A): counts as uncached */
  | "failed-cache"
  /** deployed */
  | "active"
  /** deployed, and driver_info says it cached image C: still never touched */
  | "active-stale"
  /** available but in maintenance */
  | "maintenance"
  /** in maintenance with image C cached: never ejected */
  | "maintenance-stale"
  /** in maintenance with image A cached */
  | "maintenance-cached"
  /** free; the harness check runs cache_image and an eject on it, then it is free again */
  | "probe";

interface Group {
  readonly key: string;
  readonly count: number;
  readonly driver: string;
  readonly resourceClass: string;
  /** `extra.flavor`, when the node names its flavor itself. */
  readonly extraFlavor?: string;
  /** Roles of the first nodes of the group; the rest are free. */
  readonly roles: readonly Role[];
}

const GROUPS: readonly Group[] = [
  {
    key: "small-x",
    count: 10,
    driver: FAKE,
    resourceClass: "baremetal.small",
    extraFlavor: "bm.small",
    roles: ["stale", "cached", "failed-cache", "active-stale"],
  },
  {
    key: "small-rc",
    count: 12,
    driver: FAKE,
    resourceClass: "baremetal.small",
    roles: ["stale", "maintenance-stale"],
  },
  {
    key: "medium-x",
    count: 10,
    driver: FAKE,
    resourceClass: "baremetal.medium",
    extraFlavor: "bm.medium",
    roles: ["stale", "active"],
  },
  {
    key: "medium-rc",
    count: 10,
    driver: FAKE,
    resourceClass: "baremetal.medium",
    roles: ["stale", "cached", "maintenance-cached"],
  },
  // extra.flavor wins over the resource class
  {
    key: "mixed",
    count: 2,
    driver: FAKE,
    resourceClass: "baremetal.medium",
    extraFlavor: "bm.small",
    roles: [],
  },
  // no flavor has this class: never cached
  { key: "orphan", count: 2, driver: FAKE, resourceClass: "baremetal.orphan", roles: [] },
  {
    key: "vendor-x",
    count: 6,
    driver: VENDOR,
    resourceClass: "baremetal.vendor",
    extraFlavor: "bm.vendor",
    roles: ["stale", "active", "probe"],
  },
  {
    key: "vendor-rc",
    count: 6,
    driver: VENDOR,
    resourceClass: "baremetal.vendor",
    roles: ["stale", "cached", "maintenance"],
  },
];

/** Nodes seeded. */
export const NODE_COUNT = GROUPS.reduce((n, g) => n + g.count, 0);

/** A seeded node. */
export interface SeededNode {
  readonly uuid: string;
  readonly name: string;
  readonly group: string;
  readonly role: Role;
  readonly driver: string;
  readonly resourceClass: string;
  readonly extraFlavor?: string;
  /** The flavor Arsenal should give it: extra.flavor, else via the Nova extra spec, else none. */
  readonly flavor: string | null;
}

/** What was seeded. */
export interface SeededFleet {
  /** A and B stay in Glance; C was deleted after the stale nodes were marked with it. */
  readonly images: { readonly A: GlanceImage; readonly B: GlanceImage; readonly C: GlanceImage };
  readonly flavors: readonly string[];
  readonly nodes: readonly SeededNode[];
  /** Seconds per seeding phase. */
  readonly timings: Record<string, number>;
}

/** The flavor of a node with this resource class, through the Nova extra specs. */
function flavorOfClass(resourceClass: string): string | null {
  return FLAVORS.find((f) => f.resourceClass === resourceClass)?.name ?? null;
}

/** 64 KiB of data distinct per image name (so distinct checksums). */
function imageData(name: string): Uint8Array<ArrayBuffer> {
  const unit = new TextEncoder().encode(`${name}\n`);
  const out = new Uint8Array(65536);
  for (let i = 0; i < out.length; i++) out[i] = unit[i % unit.length];
  return out;
}

/** Seeds images, flavors and nodes (see the module documentation); fresh services only. */
export async function seedFleet(
  env: OpenStackEnv,
  { concurrency = 8, log = (_: string) => {} }: {
    concurrency?: number;
    log?: (line: string) => void;
  } = {},
): Promise<SeededFleet> {
  const ironic = new Ironic(env.urls.ironic);
  const glance = new Glance(env.urls.glance);
  const nova = new Nova(env.urls.nova);
  const timings: Record<string, number> = {};
  const phase = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const result = await fn();
    timings[name] = Math.round(performance.now() - t) / 1000;
    log(`seed: ${name} ${timings[name]} s`);
    return result;
  };

  const [A, B, C] = await phase("images", () =>
    Promise.all(
      ["arsenal-ubuntu-24.04", "arsenal-debian-12", "arsenal-centos-stream-9"].map((name) =>
        glance.createImage(name, imageData(name))
      ),
    ));
  for (const image of [A, B, C]) {
    if (image.status !== "active" || !image.checksum) {
      throw new Error(`Glance image ${image.name} is ${image.status}, checksum ${image.checksum}`);
    }
  }

  await phase("flavors", async () => {
    for (const f of FLAVORS) {
      const specs: Record<string, string> = f.resourceClass
        ? {
          [`resources:${customResource(f.resourceClass)}`]: "1",
          "resources:VCPU": "0",
          "resources:MEMORY_MB": "0",
          "resources:DISK_GB": "0",
        }
        : {};
      await nova.createFlavor(f.name, f, specs);
    }
  });

  const plan = GROUPS.flatMap((g) =>
    Array.from({ length: g.count }, (_, i) => ({ group: g, role: g.roles[i] ?? "free" as Role }))
  );
  const nodes: SeededNode[] = await phase(
    "enroll",
    () =>
      pool(plan, concurrency, async ({ group: g, role }, i) => {
        const name = `arsenal-it-${String(i).padStart(3, "0")}-${g.key}-${role}`;
        const flavor = FLAVORS.find((f) => f.resourceClass === g.resourceClass);
        const node = await ironic.create({
          name,
          driver: g.driver,
          resource_class: g.resourceClass,
          properties: flavor
            ? {
              memory_mb: flavor.ram,
              cpus: flavor.vcpus,
              local_gb: flavor.disk,
              cpu_arch: "x86_64",
            }
            : { memory_mb: 4096, cpus: 2, local_gb: 20, cpu_arch: "x86_64" },
          extra: g.extraFlavor ? { flavor: g.extraFlavor } : {},
          driver_info: {},
        });
        await ironic.power(node.uuid, "power off");
        return {
          uuid: node.uuid,
          name,
          group: g.key,
          role,
          driver: g.driver,
          resourceClass: g.resourceClass,
          ...(g.extraFlavor ? { extraFlavor: g.extraFlavor } : {}),
          flavor: g.extraFlavor ?? flavorOfClass(g.resourceClass),
        };
      }),
  );
  const all = nodes.map((n) => n.uuid);

  await phase("manage", async () => {
    await pool(all, concurrency, (u) => ironic.provision(u, "manage"));
    await ironic.waitForState(all, "manageable", 120_000);
  });
  await phase("provide", async () => {
    await pool(all, concurrency, (u) => ironic.provision(u, "provide"));
    await ironic.waitForState(all, "available", 120_000);
  });

  const withRole = (...roles: Role[]) => nodes.filter((n) => roles.includes(n.role));
  await phase("deploy", async () => {
    const active = withRole("active", "active-stale").map((n) => n.uuid);
    await pool(active, concurrency, (u) => ironic.provision(u, "active"));
    await ironic.waitForState(active, "active", 60_000);
    await pool(active, concurrency, (u) => ironic.power(u, "power on"));
  });

  await phase("mark", async () => {
    const marks: [Role, Record<string, string>][] = [
      ["stale", { cache_image_id: C.id, cache_status: "cached" }],
      ["active-stale", { cache_image_id: C.id, cache_status: "cached" }],
      ["maintenance-stale", { cache_image_id: C.id, cache_status: "cached" }],
      ["failed-cache", { cache_image_id: A.id, cache_status: "failed" }],
      ["maintenance-cached", { cache_image_id: A.id, cache_status: "cached" }],
    ];
    const jobs: { uuid: string; ops: Record<string, unknown>[] }[] = [];
    for (const [role, info] of marks) {
      for (const n of withRole(role)) {
        jobs.push({
          uuid: n.uuid,
          ops: Object.entries(info).map(([k, value]) => ({
            op: "add",
            path: `/driver_info/${k}`,
            value,
          })),
        });
      }
    }
    // the live cached nodes alternate between A and B
    withRole("cached").forEach((n, i) => {
      const image = i % 2 ? B : A;
      jobs.push({
        uuid: n.uuid,
        ops: [
          { op: "add", path: "/driver_info/cache_image_id", value: image.id },
          { op: "add", path: "/driver_info/cache_status", value: "cached" },
        ],
      });
    });
    await pool(jobs, concurrency, (j) => ironic.patch(j.uuid, j.ops));
    const maintenance = withRole("maintenance", "maintenance-stale", "maintenance-cached");
    await pool(
      maintenance,
      concurrency,
      (n) => ironic.maintenance(n.uuid, "arsenal integration test"),
    );
  });

  await phase("retire image C", () => glance.deleteImage(C.id));
  return {
    images: { A, B, C },
    flavors: FLAVORS.map((f) => f.name),
    nodes,
    timings,
  };
}

if (import.meta.main) {
  const dir = Deno.args[0];
  if (!dir) {
    console.error("usage: seed.ts STATE_DIR   (the directory `openstack.ts up` printed)");
    Deno.exit(2);
  }
  const env = JSON.parse(await Deno.readTextFile(`${dir}/env.json`)) as OpenStackEnv;
  const fleet = await seedFleet(env, { log: (line) => console.error(line) });
  await Deno.writeTextFile(`${dir}/fleet.json`, JSON.stringify(fleet, null, 2));
  console.log(JSON.stringify(fleet, null, 2));
}
