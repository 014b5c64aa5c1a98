/**
 * Items (nodes, images) by UUID. Whoever must look at every UUID anyway builds the index (the
 * snapshot decoder, checking that none repeats), and whoever needs it later asks for it by the
 * list (the plan check, finding the nodes a plan names without another pass over the fleet).
 *
 * @module
 */

/** Indexes already built, by the list they index; lists in a fleet are never changed. */
const built = new WeakMap<readonly Identified[], UuidIndex>();

/** Anything with a UUID. */
export interface Identified {
  readonly uuid: string;
}

/**
 * Positions of items by UUID: an open-addressing table sized once and hashed in JS. A `Map` of a
 * million fresh strings grows, rehashes and hashes them for most of a second; the table takes
 * under half of that, off the JS heap. Strings whose hashes collide badly get a `Map` instead, so
 * building stays linear in the number of items whatever they hold.
 */
export class UuidIndex {
  readonly #items: readonly Identified[];
  readonly #table: Int32Array | undefined;
  readonly #map: Map<string, number> | undefined;

  private constructor(items: readonly Identified[], table?: Int32Array, map?: Map<string, number>) {
    this.#items = items;
    this.#table = table;
    this.#map = map;
  }

  /** Indexes `items`; undefined when a UUID repeats. The index is kept for {@linkcode cached}. */
  static of(items: readonly Identified[]): UuidIndex | undefined {
    const table = hashTable(items);
    let index: UuidIndex | undefined;
    if (table) index = new UuidIndex(items, table);
    else if (table === undefined) {
      const map = new Map<string, number>();
      for (let i = 0; i < items.length; i++) {
        if (map.size === map.set(items[i].uuid, i).size) return undefined;
      }
      index = new UuidIndex(items, undefined, map);
    }
    if (index) built.set(items, index);
    return index;
  }

  /** The index {@linkcode of} built for `items`, if it did. */
  static cached(items: readonly Identified[]): UuidIndex | undefined {
    return built.get(items);
  }

  /** The position of the item with `uuid`, or -1. */
  find(uuid: string): number {
    if (this.#map) return this.#map.get(uuid) ?? -1;
    const table = this.#table!;
    const mask = (table.length >> 1) - 1;
    const h = hash(uuid);
    for (let slot = h & mask;; slot = (slot + 1) & mask) {
      const at = table[2 * slot];
      if (at === 0) return -1;
      if (table[2 * slot + 1] === h && this.#items[at - 1].uuid === uuid) return at - 1;
    }
  }
}

/**
 * The items' positions plus one, by hash of their UUIDs, each slot beside its UUID's full hash;
 * null when a UUID repeats, undefined when the hashes collide past a budget of probes. A probe
 * compares the hashes first: reading the item and its UUID to compare strings would cost two
 * trips to memory on most probes, which took longer than hashing every UUID.
 */
function hashTable(items: readonly Identified[]): Int32Array | null | undefined {
  const count = items.length;
  let size = 16;
  while (size < 2 * count) size *= 2;
  const mask = size - 1;
  const table = new Int32Array(2 * size);
  let budget = 4 * count;
  for (let i = 0; i < count; i++) {
    const uuid = items[i].uuid;
    const h = hash(uuid);
    for (let slot = h & mask;; slot = (slot + 1) & mask) {
      const at = table[2 * slot];
      if (at === 0) {
        table[2 * slot] = i + 1;
        table[2 * slot + 1] = h;
        break;
      }
      if (table[2 * slot + 1] === h && items[at - 1].uuid === uuid) return null;
      if (--budget < 0) return undefined;
    }
  }
  return table;
}

/** FNV-1a over the UTF-16 code units, then mixed so that the low bits (the slot) vary too. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 12);
}
