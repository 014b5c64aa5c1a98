/**
 * The simulator's timed completions (an instance deleted, cleaning or caching done), earliest
 * first.
 *
 * @module
 */

/** Timed completions: a binary min-heap of (time, node, epoch) in growable typed arrays. */
export class EventQueue {
  #at = new Float64Array(1024);
  #node = new Int32Array(1024);
  #epoch = new Uint32Array(1024);
  #size = 0;

  /** Time of the earliest event; Infinity when there is none. */
  get nextAt(): number {
    return this.#size === 0 ? Infinity : this.#at[0];
  }
  /** Node of the earliest event. */
  get nextNode(): number {
    return this.#node[0];
  }
  /** The node's epoch when the earliest event was scheduled. */
  get nextEpoch(): number {
    return this.#epoch[0];
  }

  /** Schedules `node`'s completion at `at`, as of its `epoch`. */
  push(at: number, node: number, epoch: number): void {
    if (this.#size === this.#at.length) this.#grow();
    let i = this.#size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#at[parent] <= at) break;
      this.#set(i, parent);
      i = parent;
    }
    this.#at[i] = at;
    this.#node[i] = node;
    this.#epoch[i] = epoch;
  }

  /** Removes the earliest event. */
  pop(): void {
    const last = --this.#size;
    const at = this.#at[last];
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= last) break;
      const child = left + 1 < last && this.#at[left + 1] < this.#at[left] ? left + 1 : left;
      if (this.#at[child] >= at) break;
      this.#set(i, child);
      i = child;
    }
    this.#set(i, last);
  }

  #set(to: number, from: number): void {
    this.#at[to] = this.#at[from];
    this.#node[to] = this.#node[from];
    this.#epoch[to] = this.#epoch[from];
  }

  #grow(): void {
    const size = this.#at.length * 2;
    const at = new Float64Array(size), node = new Int32Array(size), ep = new Uint32Array(size);
    at.set(this.#at);
    node.set(this.#node);
    ep.set(this.#epoch);
    [this.#at, this.#node, this.#epoch] = [at, node, ep];
  }
}
