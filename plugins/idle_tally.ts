/**
 * What both built-in strategies first take from a fleet, in one pass over its nodes: the stale
 * caches to eject, and per listed flavor its unprovisioned nodes, their cached nodes per current
 * image, and their free nodes.
 *
 * @module
 */
import type { FleetState, Node } from "../src/domain/fleet.ts";
import { type Directive, eject } from "../src/domain/directive.ts";

/** One listed flavor's idle nodes, the stale ones left out. */
export interface FlavorTally {
  unprovisioned: number;
  cached: number;
  /** Cached nodes per image, by index in the image list. */
  readonly perImage: Float64Array;
  /** Unprovisioned, uncached nodes, in input order. */
  readonly free: Node[];
}

/** A fleet's idle nodes, tallied. */
export interface IdleTally {
  /** Listed flavor names, each once, by first listing. */
  readonly flavorIndex: ReadonlyMap<string, number>;
  /** Image UUIDs, by first listing. */
  readonly imageIndex: ReadonlyMap<string, number>;
  /** Per flavor, as `flavorIndex` numbers them. */
  readonly tallies: readonly FlavorTally[];
  /**
   * Ejects of the unprovisioned nodes, of any flavor, cached with an image no longer listed (an
   * empty UUID never is). They count as provisioned: they are in no tally.
   */
  readonly ejects: readonly Directive[];
}

/** Tallies `fleet`'s idle nodes. Nodes of unlisted flavors are in no tally. */
export function tallyIdle(fleet: FleetState): IdleTally {
  const { nodes, images } = fleet;
  const imageIndex = new Map<string, number>();
  images.forEach((image, i) => imageIndex.has(image.uuid) || imageIndex.set(image.uuid, i));
  const flavorIndex = new Map<string, number>();
  for (const { name } of fleet.flavors) {
    if (!flavorIndex.has(name)) flavorIndex.set(name, flavorIndex.size);
  }
  const tallies: FlavorTally[] = Array.from({ length: flavorIndex.size }, () => ({
    unprovisioned: 0,
    cached: 0,
    perImage: new Float64Array(images.length),
    free: [],
  }));
  const ejects: Directive[] = [];
  // By index, not for-of: `arsenal plan` runs this loop once, mostly before V8 has optimized it,
  // and there the iterator took a third of a 100k-node plan.
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i];
    if (node.provisioned) continue;
    const image = node.cachedImageUuid === "" ? undefined : imageIndex.get(node.cachedImageUuid);
    if (node.cached && image === undefined) {
      ejects.push(eject(node.uuid));
      continue;
    }
    const f = flavorIndex.get(node.flavor);
    if (f === undefined) continue;
    const tally = tallies[f];
    tally.unprovisioned++;
    if (node.cached) {
      tally.cached++;
      tally.perImage[image!]++;
    } else {
      tally.free.push(node);
    }
  }
  return { flavorIndex, imageIndex, tallies, ejects };
}
