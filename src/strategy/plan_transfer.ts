/**
 * The fleet and the plan in the compact form they cross to and from the plan worker.
 *
 * `postMessage` copies on the sending thread, and copying 100,000 node objects takes over 100 ms
 * of the main thread; columns (two long strings and typed arrays, which are transferred, not
 * copied) take a few. The deploy history goes the same way, its names listed once. A plan comes
 * back as indices into the fleet the main thread already holds.
 *
 * @module
 */
import type { ObservedDeploy } from "../domain/deploy_history.ts";
import type { Directive } from "../domain/directive.ts";
import type { Flavor, FleetState, Image, Node } from "../domain/fleet.ts";
import type { PairExplanation } from "../domain/pair_explanation.ts";
import type { CheckedPlan } from "./run.ts";

/** A fleet as columns: node `i` is `uuids[uuidEnds[i-1]..uuidEnds[i]]`, and so on. */
export interface PackedFleet {
  readonly observedAt: number;
  readonly flavors: readonly Flavor[];
  readonly images: readonly Image[];
  /** The flavor names nodes use, indexed by `flavorOf`. */
  readonly nodeFlavors: readonly string[];
  readonly uuids: string;
  readonly uuidEnds: Uint32Array;
  readonly cachedImages: string;
  readonly cachedImageEnds: Uint32Array;
  readonly flavorOf: Uint32Array;
  /** Bit 1: provisioned; bit 2: cached. */
  readonly flags: Uint8Array;
}

/** Deploys as columns: deploy `i` is on flavor `names[flavorOf[i]]` with image `names[imageOf[i]]`. */
export interface PackedDeploys {
  /** Each flavor and image name once, in order of first use. */
  readonly names: readonly string[];
  readonly at: Float64Array;
  readonly flavorOf: Uint32Array;
  readonly imageOf: Uint32Array;
  /** 1 for a hit. */
  readonly hits: Uint8Array;
}

/** A checked plan as indices into the fleet it was planned on. */
export interface PackedPlan {
  /** 0: cache; 1: eject. */
  readonly kinds: Uint8Array;
  readonly nodes: Uint32Array;
  /** Index of the cached image (0 for an eject). */
  readonly images: Uint32Array;
  readonly warnings: readonly string[];
  readonly targets: Readonly<Record<string, number>>;
  /** As checked: a few thousand small objects at most, copied as they are. */
  readonly explain?: readonly PairExplanation[];
}

const PROVISIONED = 1;
const CACHED = 2;

/** Packs `fleet`; only the members of the contract's `Node` go. */
export function packFleet(fleet: FleetState): PackedFleet {
  const count = fleet.nodes.length;
  const flavorIndex = new Map<string, number>();
  const nodeFlavors: string[] = [];
  const uuids: string[] = new Array(count);
  const cachedImages: string[] = new Array(count);
  const uuidEnds = new Uint32Array(count);
  const cachedImageEnds = new Uint32Array(count);
  const flavorOf = new Uint32Array(count);
  const flags = new Uint8Array(count);
  let uuidEnd = 0;
  let cachedImageEnd = 0;
  for (let i = 0; i < count; i++) {
    const node = fleet.nodes[i];
    uuids[i] = node.uuid;
    uuidEnds[i] = uuidEnd += node.uuid.length;
    cachedImages[i] = node.cachedImageUuid;
    cachedImageEnds[i] = cachedImageEnd += node.cachedImageUuid.length;
    let flavor = flavorIndex.get(node.flavor);
    if (flavor === undefined) {
      flavorIndex.set(node.flavor, flavor = nodeFlavors.length);
      nodeFlavors.push(node.flavor);
    }
    flavorOf[i] = flavor;
    flags[i] = (node.provisioned ? PROVISIONED : 0) | (node.cached ? CACHED : 0);
  }
  return {
    observedAt: fleet.observedAt,
    flavors: fleet.flavors.map(({ name }) => ({ name })),
    images: fleet.images.map(({ uuid, name, checksum }) => ({ uuid, name, checksum })),
    nodeFlavors,
    uuids: uuids.join(""),
    uuidEnds,
    cachedImages: cachedImages.join(""),
    cachedImageEnds,
    flavorOf,
    flags,
  };
}

/** Packs `deploys`; only the members of the contract's `ObservedDeploy` go. */
export function packDeploys(deploys: readonly ObservedDeploy[]): PackedDeploys {
  const count = deploys.length;
  const nameIndex = new Map<string, number>();
  const names: string[] = [];
  const indexOf = (name: string) => {
    let index = nameIndex.get(name);
    if (index === undefined) {
      nameIndex.set(name, index = names.length);
      names.push(name);
    }
    return index;
  };
  const at = new Float64Array(count);
  const flavorOf = new Uint32Array(count);
  const imageOf = new Uint32Array(count);
  const hits = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const deploy = deploys[i];
    at[i] = deploy.at;
    flavorOf[i] = indexOf(deploy.flavor);
    imageOf[i] = indexOf(deploy.image);
    hits[i] = deploy.hit ? 1 : 0;
  }
  return { names, at, flavorOf, imageOf, hits };
}

/** The deploys a {@linkcode PackedDeploys} holds. */
export function unpackDeploys(packed: PackedDeploys): ObservedDeploy[] {
  const { names, at, flavorOf, imageOf, hits } = packed;
  const deploys: ObservedDeploy[] = new Array(at.length);
  for (let i = 0; i < at.length; i++) {
    deploys[i] = {
      at: at[i],
      flavor: names[flavorOf[i]],
      image: names[imageOf[i]],
      hit: hits[i] === 1,
    };
  }
  return deploys;
}

/** The buffers a packed value can hand over instead of copying. */
export function transferables(packed: PackedFleet | PackedPlan | PackedDeploys): ArrayBuffer[] {
  const arrays = "flags" in packed
    ? [packed.uuidEnds, packed.cachedImageEnds, packed.flavorOf, packed.flags]
    : "hits" in packed
    ? [packed.at, packed.flavorOf, packed.imageOf, packed.hits]
    : [packed.kinds, packed.nodes, packed.images];
  return arrays.map((array) => array.buffer as ArrayBuffer);
}

/** The fleet a {@linkcode PackedFleet} holds. */
export function unpackFleet(packed: PackedFleet): FleetState {
  const nodes: Node[] = new Array(packed.flags.length);
  let uuidStart = 0;
  let cachedImageStart = 0;
  for (let i = 0; i < nodes.length; i++) {
    nodes[i] = {
      uuid: packed.uuids.slice(uuidStart, uuidStart = packed.uuidEnds[i]),
      flavor: packed.nodeFlavors[packed.flavorOf[i]],
      provisioned: (packed.flags[i] & PROVISIONED) !== 0,
      cached: (packed.flags[i] & CACHED) !== 0,
      cachedImageUuid: packed.cachedImages.slice(
        cachedImageStart,
        cachedImageStart = packed.cachedImageEnds[i],
      ),
    };
  }
  return { observedAt: packed.observedAt, nodes, flavors: packed.flavors, images: packed.images };
}

/** Packs a plan checked against `fleet` (so every node and image it names is in `fleet`). */
export function packPlan(plan: CheckedPlan, fleet: FleetState): PackedPlan {
  const count = plan.directives.length;
  const named = new Map<string, number>(plan.directives.map((d) => [d.nodeUuid, -1]));
  for (let i = 0; i < fleet.nodes.length && count > 0; i++) {
    if (named.has(fleet.nodes[i].uuid)) named.set(fleet.nodes[i].uuid, i);
  }
  const imageIndex = new Map(fleet.images.map((image, i) => [image.uuid, i]));
  const kinds = new Uint8Array(count);
  const nodes = new Uint32Array(count);
  const images = new Uint32Array(count);
  plan.directives.forEach((d, i) => {
    kinds[i] = d.kind === "cache" ? 0 : 1;
    nodes[i] = named.get(d.nodeUuid)!;
    images[i] = d.kind === "cache" ? imageIndex.get(d.imageUuid)! : 0;
  });
  const { warnings, targets, explain } = plan;
  return { kinds, nodes, images, warnings, targets, ...(explain ? { explain } : {}) };
}

/**
 * The plan a {@linkcode PackedPlan} holds, with directives rebuilt from `fleet`. What the worker
 * answers is checked, not trusted: plugin code ran there.
 *
 * @throws {TypeError} when `packed` is not shaped as a packed plan
 * @throws {RangeError} when an index is outside `fleet`
 */
export function unpackPlan(packed: PackedPlan, fleet: FleetState): CheckedPlan {
  const { kinds, nodes, images, warnings, targets, explain } = packed;
  if (
    !(kinds instanceof Uint8Array) || !(nodes instanceof Uint32Array) ||
    !(images instanceof Uint32Array) || !Array.isArray(warnings) ||
    !warnings.every((w) => typeof w === "string") || targets === null ||
    typeof targets !== "object" || !Object.values(targets).every(Number.isFinite) ||
    (explain !== undefined && !(Array.isArray(explain) && explain.every(isExplanation)))
  ) {
    throw new TypeError("the plan is not shaped as a packed plan");
  }
  if (nodes.length !== kinds.length || images.length !== kinds.length) {
    throw new RangeError("the plan's columns differ in length");
  }
  const directives: Directive[] = new Array(kinds.length);
  for (let i = 0; i < kinds.length; i++) {
    const node = fleet.nodes[nodes[i]];
    const image = fleet.images[images[i]];
    if (!node || kinds[i] > 1 || (kinds[i] === 0 && !image)) {
      throw new RangeError(`directive ${i} names no node or image of the fleet`);
    }
    directives[i] = kinds[i] === 0
      ? { kind: "cache", nodeUuid: node.uuid, imageUuid: image.uuid, imageChecksum: image.checksum }
      : { kind: "eject", nodeUuid: node.uuid };
  }
  return { directives, warnings, targets, ...(explain ? { explain } : {}) };
}

/** Whether `entry` is shaped as a {@linkcode PairExplanation} (its values were checked before). */
function isExplanation(entry: unknown): boolean {
  if (entry === null || typeof entry !== "object") return false;
  const { flavor, image, expected, target, cached, why } = entry as Record<string, unknown>;
  return typeof flavor === "string" && typeof image === "string" && typeof why === "string" &&
    [expected, target, cached].every((n) => typeof n === "number" && Number.isFinite(n));
}
