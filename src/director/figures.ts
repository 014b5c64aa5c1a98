/**
 * Per-flavor and per-image figures of a fleet: for statistics logs, `/v1/plan` and metrics.
 *
 * @module
 */
import type { FleetState, RecordStatus } from "../domain/fleet.ts";
import type { FlavorFigures, ImageFigures } from "./record.ts";

/** Name given to cached images that are no longer listed. */
export const RETIRED = "(retired)";

/** A flavor's counts while they are taken. */
interface Counts {
  provisioned: number;
  available: number;
  cached: number;
  notCacheable: number;
  records: Record<RecordStatus, number>;
}

/**
 * Counts, per listed flavor: provisioned, available (free to cache) and cached nodes; and per image,
 * the unprovisioned nodes holding it (listed images first, in order, then retired ones). Where the
 * scout reads cache records (a node has a `cacheStatus`), also the nodes that cannot be cached now
 * and the records by status.
 *
 * @param targets each flavor's cache target, when the strategy states them
 */
export function fleetFigures(
  fleet: FleetState,
  targets: Readonly<Record<string, number>> = {},
): { flavors: FlavorFigures[]; images: ImageFigures[] } {
  const flavors = new Map<string, Counts>();
  for (const { name } of fleet.flavors) {
    if (flavors.has(name)) continue;
    const records = { caching: 0, cached: 0, failed: 0, lost: 0 };
    flavors.set(name, { provisioned: 0, available: 0, cached: 0, notCacheable: 0, records });
  }
  const images = new Map<string, ImageFigures & { cached: number }>();
  for (const { uuid, name } of fleet.images) {
    if (!images.has(uuid)) images.set(uuid, { uuid, name, cached: 0 });
  }
  let recorded = false;
  for (const node of fleet.nodes) {
    const counts = flavors.get(node.flavor);
    const status = node.cacheStatus;
    if (status !== undefined) {
      recorded = true;
      if (counts && status !== "none") counts.records[status]++;
    }
    if (node.notCacheable) {
      if (counts) counts.notCacheable++;
      continue;
    }
    if (node.provisioned) {
      if (counts) counts.provisioned++;
      continue;
    }
    if (!node.cached) {
      if (counts) counts.available++;
      continue;
    }
    if (counts) counts.cached++;
    const uuid = node.cachedImageUuid;
    const image = images.get(uuid) ?? { uuid, name: RETIRED, cached: 0 };
    image.cached++;
    images.set(uuid, image);
  }
  return {
    flavors: [...flavors].map(([flavor, { notCacheable, records, ...counts }]) => ({
      flavor,
      ...(Object.hasOwn(targets, flavor) ? { target: targets[flavor] } : {}),
      ...counts,
      ...(recorded ? { notCacheable, cacheRecords: records } : {}),
    })),
    images: [...images.values()],
  };
}
