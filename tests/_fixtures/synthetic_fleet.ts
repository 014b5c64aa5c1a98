/**
 * Deterministic synthetic fleets for tests, benchmarks and the bundled example snapshot.
 *
 * @module
 */
import type { FleetState, Image, Node } from "../../src/domain/fleet.ts";
import { seededRandom } from "../../src/domain/random.ts";

/** Shape of a synthetic fleet. Shares are fractions from 0 to 1. */
export interface SyntheticFleetOptions {
  readonly nodes: number;
  readonly flavors: number;
  readonly images: number;
  /** Share of nodes deployed. */
  readonly provisioned?: number;
  /** Share of the other nodes already cached. */
  readonly cached?: number;
  /** Share of cached nodes holding an image that is no longer listed. */
  readonly stale?: number;
  readonly seed?: number;
}

/** A UUID-shaped identifier, unique per (`kind`, `i`). */
export function fakeUuid(kind: number, i: number): string {
  const hex = i.toString(16).padStart(12, "0");
  return `${kind.toString(16).padStart(8, "0")}-0000-4000-8000-${hex}`;
}

/** Builds a fleet; the same options always give the same fleet. */
export function syntheticFleet(options: SyntheticFleetOptions): FleetState {
  const { provisioned = 0.5, cached = 0.05, stale = 0.2, seed = 1 } = options;
  const random = seededRandom(seed);
  const flavors = Array.from({ length: options.flavors }, (_, i) => ({ name: `baremetal-${i}` }));
  const images: Image[] = Array.from({ length: options.images }, (_, i) => ({
    uuid: fakeUuid(2, i),
    name: `image-${i}`,
    checksum: `md5-${i}`,
  }));
  const nodes: Node[] = Array.from({ length: options.nodes }, (_, i) => {
    const deployed = random.next() < provisioned;
    const isCached = !deployed && random.next() < cached;
    const imageUuid = !isCached
      ? ""
      : random.next() < stale
      ? fakeUuid(3, i)
      : images[random.int(images.length)].uuid;
    return {
      uuid: fakeUuid(1, i),
      flavor: flavors[i % flavors.length].name,
      provisioned: deployed,
      cached: isCached,
      cachedImageUuid: imageUuid,
    };
  });
  return { observedAt: 0, nodes, flavors, images };
}
