/**
 * Per-flavor and per-image figures of a fleet: for statistics logs, `/v1/plan` and metrics.
 *
 * @module
 */
import type { FleetState } from "../domain/fleet.ts";
import type { FlavorFigures, ImageFigures } from "./record.ts";

/** Name given to cached images that are no longer listed. */
export const RETIRED = "(retired)";

/**
 * Counts, per listed flavor: provisioned, available (free to cache) and cached nodes; and per image,
 * the unprovisioned nodes holding it (listed images first, in order, then retired ones).
 *
 * @param targets each flavor's cache target, when the strategy states them
 */
export function fleetFigures(
  fleet: FleetState,
  targets: Readonly<Record<string, number>> = {},
): { flavors: FlavorFigures[]; images: ImageFigures[] } {
  const flavors = new Map<string, { provisioned: number; available: number; cached: number }>();
  for (const { name } of fleet.flavors) {
    if (!flavors.has(name)) flavors.set(name, { provisioned: 0, available: 0, cached: 0 });
  }
  const images = new Map<string, ImageFigures & { cached: number }>();
  for (const { uuid, name } of fleet.images) {
    if (!images.has(uuid)) images.set(uuid, { uuid, name, cached: 0 });
  }
  for (const node of fleet.nodes) {
    const counts = flavors.get(node.flavor);
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
    flavors: [...flavors].map(([flavor, counts]) => ({
      flavor,
      ...(Object.hasOwn(targets, flavor) ? { target: targets[flavor] } : {}),
      ...counts,
    })),
    images: [...images.values()],
  };
}
