/**
 * Image weights: how strongly each image (by name) should be represented in the cache.
 *
 * @module
 */

/** Weights by image name, with the weight of every image not listed. */
export interface ImageWeights {
  readonly byName: ReadonlyMap<string, number>;
  readonly defaultWeight: number;
}

/** No weights file: every image weighs the same. */
export const UNIFORM_WEIGHTS: ImageWeights = { byName: new Map(), defaultWeight: 1 };

/**
 * The weight of the image called `name`.
 *
 * @example
 * ```ts
 * const weights = { byName: new Map([["Ubuntu", 5]]), defaultWeight: 1 };
 * weightOf(weights, "Ubuntu"); // 5
 * weightOf(weights, "Windows"); // 1
 * ```
 */
export function weightOf(weights: ImageWeights, name: string): number {
  return weights.byName.get(name) ?? weights.defaultWeight;
}
