/**
 * What the lab's proof suites (tests/lab/proof_*_test.ts, issue 11 §5) share: Ironic calls at the
 * lab's microversion, waiting for a node to settle, deploying an image by URL, the plugin's
 * `cache_image` and `cache_status`, and an Arsenal configuration pointed at the lab.
 *
 * @module
 */
import { Ironic, until } from "../integration/harness/api.ts";
import type { ServedImage } from "./image_server.ts";

/** Whether the integration suites run (`deno task test:openstack` sets it). */
export const ENABLED =
  Deno.permissions.querySync({ name: "env", variable: "ARSENAL_OPENSTACK_TESTS" }).state ===
    "granted" && Deno.env.get("ARSENAL_OPENSTACK_TESTS") === "1";

export const MIB = 1024 * 1024;
/** Longest a deploy or an undeploy (cleaning included) may take in the lab. */
export const SETTLE_MS = 180_000;

/** The node fields the proofs read. */
export interface LabNode {
  readonly uuid: string;
  readonly provision_state: string;
  readonly target_provision_state: string | null;
  readonly power_state: string | null;
  readonly last_error: string | null;
  readonly maintenance: boolean;
  readonly properties: Record<string, unknown>;
  readonly driver_internal_info: Record<string, unknown>;
}

/** The plugin's record (`cache_status`). */
export interface CacheStatus {
  readonly status: "none" | "caching" | "cached" | "failed" | "lost";
  readonly image_id?: string;
  readonly agent_started_at?: number;
  readonly agent_url?: string;
  readonly error?: string | null;
}

/** A node as Ironic shows it now. */
export async function node(ironic: Ironic, uuid: string): Promise<LabNode> {
  return (await ironic.call<LabNode>("GET", `/v1/nodes/${uuid}`)).body;
}

/**
 * Waits until the node is in `state` with no transition going on; throws on a failed state (unless
 * that is the one awaited).
 */
export async function settled(ironic: Ironic, uuid: string, state: string): Promise<LabNode> {
  let last: LabNode | undefined;
  return await until(`node ${uuid} to become ${state}`, SETTLE_MS, async () => {
    last = await node(ironic, uuid);
    if (last.provision_state.endsWith("failed") && !state.endsWith("failed")) {
      throw new Error(`node ${uuid} is ${last.provision_state}: ${last.last_error}`);
    }
    // a failed state keeps the target it failed to reach
    const still = !last.target_provision_state || state.endsWith("failed");
    return last.provision_state === state && still ? last : undefined;
  }, { intervalMs: 200, describe: () => JSON.stringify(last?.provision_state) });
}

/** Starts a deploy of a served whole-disk image by URL (its SHA-256, disk format raw). */
export async function deploy(ironic: Ironic, uuid: string, image: ServedImage): Promise<void> {
  const info = {
    image_source: image.url,
    image_os_hash_algo: "sha256",
    image_os_hash_value: image.sha256,
    image_disk_format: "raw",
  };
  await ironic.patch(
    uuid,
    Object.entries(info).map(([key, value]) => ({
      op: "add",
      path: `/instance_info/${key}`,
      value,
    })),
  );
  await ironic.provision(uuid, "active");
}

/** The plugin's `cache_image` body for a served image, as Arsenal sends it. */
export function imageInfo(image: ServedImage): Record<string, unknown> {
  return {
    id: image.name,
    urls: [image.url],
    os_hash_algo: "sha256",
    os_hash_value: image.sha256,
    disk_format: "raw",
  };
}

/** The plugin's record of a node. */
export async function cacheStatus(ironic: Ironic, uuid: string): Promise<CacheStatus> {
  const path = `/v1/nodes/${uuid}/vendor_passthru?method=cache_status`;
  return (await ironic.call<CacheStatus>("GET", path)).body;
}

/** Sends the plugin's `cache_image` and expects its 202. */
export async function cacheImage(ironic: Ironic, uuid: string, image: ServedImage): Promise<void> {
  const reply = await ironic.vendorPassthru(uuid, "cache_image", { image_info: imageInfo(image) });
  if (reply.status !== 202) {
    throw new Error(`Cannot cache ${image.name} on ${uuid}: ${JSON.stringify(reply.body)}`);
  }
}

/** Waits for the node's record to reach `status` (the plugin checks it every second). */
export async function cacheReaches(
  ironic: Ironic,
  uuid: string,
  status: CacheStatus["status"],
  deadlineMs = 60_000,
): Promise<CacheStatus> {
  let last: CacheStatus | undefined;
  return await until(`the cache record of ${uuid} to be ${status}`, deadlineMs, async () => {
    last = await cacheStatus(ironic, uuid);
    return last.status === status ? last : undefined;
  }, { intervalMs: 200, describe: () => JSON.stringify(last) });
}

/** An Arsenal configuration: the standalone scout on the lab, `cache_method = arsenal`. */
export function arsenalConfig(
  ironic: string,
  images: readonly ServedImage[],
  percentageToCache = 0.5,
): string {
  const lines = images.map((i) => `    ${i.name} ${i.name} ${i.url} ${i.sha256}`);
  return `[director]
scout = standalone
dry_run = False

[ironic]
api_endpoint = ${ironic}
auth_type = noauth
cache_method = arsenal
fast_track_timeout = 30

[simple_proportional_strategy]
percentage_to_cache = ${percentageToCache}

[standalone]
images =
${lines.join("\n")}
`;
}
