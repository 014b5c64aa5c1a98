/**
 * `simple_proportional`: the original Arsenal's SimpleProportionalStrategy, decision for decision.
 *
 * Each cycle:
 * 1. Eject every unprovisioned, cached node whose image is no longer listed; such a node counts
 *    as provisioned for the rest of the cycle, so it is not cached again at once.
 * 2. For each listed flavor, in list order: U unprovisioned nodes, C of them cached;
 *    `need = max(0, floor(percentage_to_cache * U) - C)`.
 * 3. Choose `need` images by weight, forcing the cached distribution towards the weights.
 * 4. Pair them with a seeded random sample of the flavor's free nodes (spreads wear).
 *
 * Two deliberate differences from the original: it does not crash when a flavor needs caching
 * and there are no images (it warns), and cache directives come in the order images were chosen,
 * most-needed first (the original popped them from the end), so a rate limit keeps the best ones.
 *
 * @module
 */
import { z } from "zod";
import type { Strategy } from "../src/strategy/contract.ts";
import { cache, type Directive } from "../src/domain/directive.ts";
import { weightOf } from "../src/domain/image_weights.ts";
import { tallyIdle } from "./idle_tally.ts";

const options = z.object({
  percentage_to_cache: z.number().min(0).max(1).default(0.125).describe(
    "Share of each flavor's unprovisioned nodes to keep cached, from 0 to 1 (0.5 is 50%).",
  ),
});

/**
 * Chooses `need` images, as indices into the image list, the way the original did.
 *
 * With W the sum of `weights` and `scale = (cached + need) / W` (1 when W is 0), each image's
 * deficit is `d = scale * weight - perImage`; `need` times, the image with the largest `d` is
 * taken (ties: the first in list order) and its `d` decremented by 1. The float operations are
 * exactly those, so the choices match the original to the last tie. A heap ordered by
 * (d descending, index ascending) picks what a linear `max()` would, in O(log n) per pick.
 */
export function chooseImages(
  need: number,
  cached: number,
  weights: readonly number[],
  perImage: ArrayLike<number>,
): Int32Array {
  const n = weights.length;
  let weightSum = 0;
  for (const w of weights) weightSum += w;
  const scale = weightSum === 0 ? 1 : (cached + need) / weightSum;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = scale * weights[i] - perImage[i];

  const before = (a: number, b: number) => d[a] > d[b] || (d[a] === d[b] && a < b);
  const heap = Int32Array.from({ length: n }, (_, i) => i);
  const siftDown = (at: number) => {
    for (;;) {
      const left = 2 * at + 1;
      if (left >= n) return;
      const child = left + 1 < n && before(heap[left + 1], heap[left]) ? left + 1 : left;
      if (!before(heap[child], heap[at])) return;
      // Not `[a, b] = [b, a]`: until V8 optimizes this, that builds an array and iterates it.
      const swap = heap[at];
      heap[at] = heap[child];
      heap[child] = swap;
      at = child;
    }
  };
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(i);

  const picks = new Int32Array(need);
  for (let k = 0; k < need; k++) {
    const top = heap[0];
    picks[k] = top;
    d[top] -= 1;
    siftDown(0);
  }
  return picks;
}

const simpleProportional = {
  name: "simple_proportional",
  version: "1.0.0",
  description: "Keep a share of each flavor's idle nodes cached, images in proportion to weights",
  section: "simple_proportional_strategy",
  options,
  plan(fleet, { percentage_to_cache: share }, { random, imageWeights }) {
    const { images } = fleet;
    const { flavorIndex, tallies, ejects } = tallyIdle(fleet);

    const weights = images.map((image) => weightOf(imageWeights, image.name));
    const caches: Directive[] = [];
    const warnings: string[] = [];
    const targets: Record<string, number> = {};
    for (const [flavor, f] of flavorIndex) {
      const tally = tallies[f];
      const target = Math.floor(share * tally.unprovisioned);
      targets[flavor] = target;
      const need = Math.max(0, target - tally.cached);
      if (need === 0) continue;
      if (images.length === 0) {
        warnings.push(
          `Flavor "${flavor}" needs ${need} more cached node(s), but there are no images`,
        );
        continue;
      }
      const picks = chooseImages(need, tally.cached, weights, tally.perImage);
      const chosen = random.sample(tally.free, need);
      for (let k = 0; k < need; k++) caches.push(cache(chosen[k].uuid, images[picks[k]]));
    }
    return { directives: ejects.concat(caches), warnings, targets };
  },
} satisfies Strategy<z.infer<typeof options>>;

export default simpleProportional;
