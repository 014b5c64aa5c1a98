/**
 * The simulator's node pools: sets of node indices with O(1) add, delete and pick.
 *
 * @module
 */
import type { Random } from "../../domain/random.ts";

/** A set of node indices with O(1) add, delete and pick; `pos` is shared by a family of sets. */
export class IndexSet {
  readonly #items: number[] = [];
  readonly #pos: Int32Array;

  /** `pos[node]` is the node's place in whichever set of the family holds it, else -1. */
  constructor(pos: Int32Array) {
    this.#pos = pos;
  }

  /** Number of members. */
  get size(): number {
    return this.#items.length;
  }

  /** Adds `node`, which no set of the family holds. */
  add(node: number): void {
    this.#pos[node] = this.#items.length;
    this.#items.push(node);
  }

  /** Removes `node`, a member, by moving the last member into its place. */
  delete(node: number): void {
    const at = this.#pos[node];
    const last = this.#items.pop()!;
    if (last !== node) {
      this.#items[at] = last;
      this.#pos[last] = at;
    }
    this.#pos[node] = -1;
  }

  /** A member drawn uniformly; the set must not be empty. */
  pick(random: Random): number {
    return this.#items[random.int(this.#items.length)];
  }
}
