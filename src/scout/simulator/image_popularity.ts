/**
 * Which image a synthetic deploy picks: Zipf weights over popularity ranks, and for each image
 * order (one shared by every flavor, or one per flavor) which image holds which rank. The orders
 * drift: now and then two neighbours trade places.
 *
 * @module
 */
import type { Random } from "../../domain/random.ts";

/** An exponentially distributed delay with mean `mean` (Infinity when the mean is). */
export function exponential(random: Random, mean: number): number {
  return mean === Infinity ? Infinity : -mean * Math.log(1 - random.next());
}

/** The index `x` falls in, given the cumulative weights (`x` from 0 to the last one). */
export function pickCumulative(cumulative: Float64Array, x: number): number {
  let lo = 0, hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** How a {@linkcode ImagePopularity} is shaped. */
export interface PopularityOptions {
  readonly images: number;
  /** Zipf exponent: the rank-n image weighs 1/n^skew. */
  readonly skew: number;
  /** Number of image orders (1 when flavors share one). */
  readonly orders: number;
  /** Shuffles each order at the start when given; else every order is by image number. */
  readonly shuffle?: Random;
  /** Mean swaps of two neighbours per order and day (0: none). */
  readonly driftPerDay: number;
  /** The drift's own random stream, so that drifting leaves the other draws unchanged. */
  readonly drift: Random;
}

/** Image popularity over time: per order, rank to image, and the rank weights. */
export class ImagePopularity {
  readonly #cumulative: Float64Array;
  readonly #orders: Int32Array[];
  readonly #drift: Random;
  /** Mean minutes between two swaps, over all orders. */
  readonly #driftEvery: number;
  #nextDrift: number;

  constructor(options: PopularityOptions) {
    const { images, skew } = options;
    this.#cumulative = new Float64Array(images);
    // 1/n (not n^-1) at skew 1: the same floats, so the same draws, as before skews existed.
    const weight = (n: number) => skew === 1 ? 1 / n : Math.pow(n, -skew);
    for (let i = 0, sum = 0; i < images; i++) this.#cumulative[i] = sum += weight(i + 1);
    const identity = Array.from({ length: images }, (_, i) => i);
    this.#orders = Array.from(
      { length: options.orders },
      () => Int32Array.from(options.shuffle ? options.shuffle.shuffle(identity) : identity),
    );
    this.#drift = options.drift;
    const perMinute = options.driftPerDay * options.orders / 1440;
    this.#driftEvery = perMinute > 0 && images > 1 ? 1 / perMinute : Infinity;
    this.#nextDrift = exponential(this.#drift, this.#driftEvery);
  }

  /** The image a deploy at minute `t` picks with order `order`, drawing from `random`. */
  pick(order: number, t: number, random: Random): number {
    this.#driftUntil(t);
    const cumulative = this.#cumulative;
    return this.#orders[order][pickCumulative(cumulative, random.next() * cumulative.at(-1)!)];
  }

  /** Applies the swaps due by `t`, in time order (`t` never decreases). */
  #driftUntil(t: number): void {
    while (this.#nextDrift <= t) {
      const order = this.#orders[this.#drift.int(this.#orders.length)];
      const rank = this.#drift.int(order.length - 1);
      [order[rank], order[rank + 1]] = [order[rank + 1], order[rank]];
      this.#nextDrift += exponential(this.#drift, this.#driftEvery);
    }
  }
}
