/**
 * The seeded random source a strategy receives: same seed, same choices.
 *
 * @module
 */
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { MAX_SEED } from "./seed.ts";

/** Randomness for planning. Every draw comes from one seeded generator (xoroshiro128+). */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, `bound`). */
  int(bound: number): number;
  /** A new array holding `items` in random order. */
  shuffle<T>(items: readonly T[]): T[];
  /** `count` distinct items in random order: the first `count` of {@linkcode Random.shuffle}. */
  sample<T>(items: readonly T[], count: number): T[];
}

/**
 * Creates a random source from `seed`.
 *
 * @throws {RangeError} when `seed` is not an integer from 0 to {@linkcode MAX_SEED}
 * @example
 * ```ts
 * const a = seededRandom(7).shuffle([1, 2, 3]);
 * const b = seededRandom(7).shuffle([1, 2, 3]);
 * // a and b are equal
 * ```
 */
export function seededRandom(seed: number): Random {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new RangeError(`Seed must be an integer from 0 to ${MAX_SEED}, got ${seed}`);
  }
  const rng = xoroshiro128plus(seed | 0);
  const int = (bound: number) => uniformInt(rng, 0, bound - 1);
  const sample = <T>(items: readonly T[], count: number): T[] => {
    const out = items.slice();
    const n = Math.min(count, out.length);
    // Forward Fisher-Yates, stopped after `n` swaps: the prefix is a uniform sample.
    for (let i = 0; i < n; i++) {
      const j = i + int(out.length - i);
      const swap = out[i];
      out[i] = out[j];
      out[j] = swap;
    }
    out.length = n;
    return out;
  };
  return {
    next: () => uniformFloat64(rng),
    int,
    sample,
    shuffle: (items) => sample(items, items.length),
  };
}
