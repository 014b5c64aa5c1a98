/**
 * `demand`: spends a fleet-wide cache budget where the next deploys will land, learning which
 * images each flavor deploys from the deploys Arsenal observed.
 *
 * Each cycle:
 * 1. Eject every unprovisioned, cached node whose image is no longer listed (as
 *    `simple_proportional` does).
 * 2. The budget is `floor(cache_share * U)` cached nodes, U the fleet's unprovisioned nodes: the
 *    same budget `percentage_to_cache` gives `simple_proportional`, spread over the whole fleet.
 * 3. Each (flavor, image) pair's demand over the refill lead time (`lead_minutes`: the time from a
 *    cached node being taken to its replacement being ready) is forecast from the observed
 *    deploys, each weighing half as much every `half_life_hours`, plus a prior from the image
 *    weights that fades as history grows; `burst_margin` inflates it, because a cached node too
 *    few costs a deploy its speed-up while one too many costs only its slot.
 * 4. With N a pair's deploys in the lead time (Poisson with that mean), its k-th cached node is a
 *    hit with probability P(N ≥ k). The budget goes, node by node, to the pair whose next node
 *    is most likely to be hit, never beyond a flavor's unprovisioned nodes. Expected hits are a
 *    sum of concave functions of the nodes given, so this greedy split is the best there is.
 * 5. Pairs under target are cached, most likely hits first (so a rate limit keeps the best);
 *    new caches stop at the budget. When a pair far below target has no free node left to take,
 *    up to `max_ejects` valid caches of pairs far over target are ejected to free room.
 *
 * With no observed deploys at all it plans exactly as `simple_proportional` does.
 *
 * Its plan explains each (flavor, image) pair with expected deploys, cached nodes or a target
 * (see demand_explain.ts); a cold start's, with the targets `simple_proportional`'s split implies.
 *
 * @module
 */
import { z } from "zod";
import type { ObservedDeploy, PlanContext, Strategy } from "../src/strategy/contract.ts";
import type { FleetState, Image, Node } from "../src/domain/fleet.ts";
import { cache, type Directive, eject } from "../src/domain/directive.ts";
import { weightOf } from "../src/domain/image_weights.ts";
import simpleProportional from "./simple_proportional.ts";
import { explainColdStart, explainDemand } from "./demand_explain.ts";

const HOUR_MS = 3_600_000;

const options = z.object({
  cache_share: z.number().min(0).max(1).default(0.125).describe(
    "Share of the fleet's unprovisioned nodes to keep cached, from 0 to 1: the budget, the same " +
      "as simple_proportional's percentage_to_cache but spread over the whole fleet.",
  ),
  half_life_hours: z.number().positive().max(24 * 365).default(24).describe(
    "Hours after which an observed deploy counts half as much in the demand forecast.",
  ),
  lead_minutes: z.number().positive().max(24 * 60).default(15).describe(
    "Minutes from a cached node being deployed to its replacement being ready (a cycle's " +
      "spacing plus the time to cache an image): the horizon demand is forecast over.",
  ),
  burst_margin: z.number().min(1).max(10).default(1.5).describe(
    "Factor on the forecast demand, for bursts: caching too few costs more than too many.",
  ),
  prior_deploys: z.number().min(0).default(20).describe(
    "Weight of the image-weights prior, in observed deploys: with fewer recent deploys than " +
      "this, the prior still shapes the split.",
  ),
  max_ejects: z.number().int().min(0).max(100).default(2).describe(
    "Most valid caches ejected per cycle to free room for pairs far below target.",
  ),
});

/** Options of `[demand]`, parsed. */
export type DemandOptions = z.infer<typeof options>;

/**
 * Added to each node's hit probability, in proportion to its pair's demand per node: once the
 * likely hits are covered, the rest of the budget still goes where demand is, not nowhere.
 */
const SPREAD = 1e-9;

/** A (flavor, image) pair's state during allocation. */
interface Pair {
  readonly flavor: number;
  readonly image: number;
  /** Forecast deploys in the lead time, margin included. */
  readonly mean: number;
  /** Valid cached nodes now. */
  readonly cached: number;
  /** Nodes allocated so far. */
  target: number;
  /** P(N ≥ target + 1): how likely the next node is to be hit. */
  tail: number;
  /** P(N = target), to step the tail: P(N ≥ k + 1) = P(N ≥ k) - P(N = k). */
  pmf: number;
}

/** Per-flavor counts after the stale ejects. */
interface FlavorTally {
  unprovisioned: number;
  /** Valid cached nodes per image index. */
  readonly perImage: Int32Array;
  /** Valid cached nodes per image index, by node. */
  readonly cachedNodes: Node[][];
  /** Unprovisioned, uncached nodes. */
  readonly free: Node[];
}

/**
 * Decayed deploy counts per (flavor, image index), `flavors * images` long: each deploy at or
 * before `now` weighs `2^(-age / halfLife)`. Deploys of unlisted images or flavors are left out.
 */
export function decayedCounts(
  deploys: readonly ObservedDeploy[],
  now: number,
  halfLifeMs: number,
  flavorIndex: ReadonlyMap<string, number>,
  imageIndex: ReadonlyMap<string, number>,
): Float64Array {
  const images = imageIndex.size;
  const counts = new Float64Array(flavorIndex.size * images);
  const rate = Math.LN2 / halfLifeMs;
  for (let i = 0; i < deploys.length; i++) {
    const d = deploys[i];
    if (d.at > now) continue;
    const f = flavorIndex.get(d.flavor);
    const m = imageIndex.get(d.image);
    if (f === undefined || m === undefined) continue;
    counts[f * images + m] += Math.exp(-(now - d.at) * rate);
  }
  return counts;
}

/** How much the pair's next node is worth: the chance it is hit, and a sliver of its demand. */
function worth(pair: Pair): number {
  return pair.tail + SPREAD * pair.mean / (pair.target + 1);
}

/** Gives `pair` one more node, stepping its tail to the next. */
function grow(pair: Pair): void {
  pair.target++;
  pair.pmf *= pair.mean / pair.target;
  pair.tail = Math.max(0, pair.tail - pair.pmf);
}

/**
 * Splits `budget` nodes over `pairs` greedily by {@linkcode worth}, never giving a flavor more
 * than `room[flavor]` nodes, nor a pair without demand any. Sets each pair's `target`.
 */
export function allocate(pairs: Pair[], budget: number, room: Int32Array): void {
  const used = new Int32Array(room.length);
  const value = new Map<Pair, number>(pairs.map((p) => [p, worth(p)]));
  const before = (a: Pair, b: Pair) => {
    const va = value.get(a)!, vb = value.get(b)!;
    return va > vb || (va === vb && (a.flavor < b.flavor ||
      (a.flavor === b.flavor && a.image < b.image)));
  };
  const heap = pairs.filter((p) => p.mean > 0);
  const siftDown = (at: number) => {
    for (;;) {
      const left = 2 * at + 1;
      if (left >= heap.length) return;
      const child = left + 1 < heap.length && before(heap[left + 1], heap[left]) ? left + 1 : left;
      if (!before(heap[child], heap[at])) return;
      const swap = heap[at];
      heap[at] = heap[child];
      heap[child] = swap;
      at = child;
    }
  };
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(i);
  for (let left = budget; left > 0 && heap.length > 0;) {
    const top = heap[0];
    if (used[top.flavor] >= room[top.flavor]) {
      heap[0] = heap[heap.length - 1];
      heap.pop();
      siftDown(0);
      continue;
    }
    grow(top);
    used[top.flavor]++;
    left--;
    value.set(top, worth(top));
    siftDown(0);
  }
}

function pairOf(flavor: number, image: number, mean: number, cached: number): Pair {
  const pmf = Math.exp(-mean);
  return { flavor, image, mean, cached, target: 0, tail: 1 - pmf, pmf };
}

/** The current image of each name: the first listed with it. */
function imagesByName(images: readonly Image[]): Map<string, number> {
  const byName = new Map<string, number>();
  images.forEach((image, i) => byName.has(image.name) || byName.set(image.name, i));
  return byName;
}

function tallyFleet(
  fleet: FleetState,
  flavorIndex: ReadonlyMap<string, number>,
  imageIndex: ReadonlyMap<string, number>,
  ejects: Directive[],
): FlavorTally[] {
  const images = fleet.images.length;
  const tallies: FlavorTally[] = Array.from({ length: flavorIndex.size }, () => ({
    unprovisioned: 0,
    perImage: new Int32Array(images),
    cachedNodes: Array.from({ length: images }, () => []),
    free: [],
  }));
  const { nodes } = fleet;
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
      tally.perImage[image!]++;
      tally.cachedNodes[image!].push(node);
    } else tally.free.push(node);
  }
  return tallies;
}

/** The forecast mean of each pair: decayed counts blended with the weights prior. */
function forecast(
  fleet: FleetState,
  opts: DemandOptions,
  context: PlanContext,
  deploys: readonly ObservedDeploy[],
  flavorIndex: ReadonlyMap<string, number>,
  tallies: readonly FlavorTally[],
): Float64Array {
  const { images } = fleet;
  const halfLife = opts.half_life_hours * HOUR_MS;
  // By name: a deploy of an image's older version counts for the version listed now.
  const counts = decayedCounts(
    deploys,
    fleet.observedAt,
    halfLife,
    flavorIndex,
    byNameIndex(images),
  );
  let observed = 0;
  for (const c of counts) observed += c;
  const weights = images.map((image) => weightOf(context.imageWeights, image.name));
  const weightSum = weights.reduce((a, b) => a + b, 0);
  let unprovisioned = 0;
  for (const t of tallies) unprovisioned += t.unprovisioned;
  // Decayed counts are deploys per half-life / ln 2; the lead time turns them into a mean.
  const perLead = (opts.lead_minutes * 60_000) / (halfLife / Math.LN2);
  const means = new Float64Array(counts.length);
  for (let f = 0; f < tallies.length; f++) {
    const share = unprovisioned === 0 ? 0 : tallies[f].unprovisioned / unprovisioned;
    for (let m = 0; m < images.length; m++) {
      const prior = weightSum === 0 ? 0 : opts.prior_deploys * share * weights[m] / weightSum;
      const k = f * images.length + m;
      // Observed deploys spread the prior's mass in proportion to them as history grows.
      means[k] = (counts[k] + prior * opts.prior_deploys / (opts.prior_deploys + observed)) *
        perLead * opts.burst_margin;
    }
  }
  return means;
}

function byNameIndex(images: readonly Image[]): Map<string, number> {
  return imagesByName(images);
}

const demand = {
  name: "demand",
  version: "0.1.0",
  description: "Spend a fleet-wide cache budget on the flavor and image pairs deploys will want",
  section: "demand",
  options,
  plan(fleet, opts, context) {
    const { deploys } = context;
    if (!deploys.some((d) => d.at <= fleet.observedAt)) {
      const plan = simpleProportional.plan(
        fleet,
        { percentage_to_cache: opts.cache_share },
        context,
      );
      return { ...plan, explain: explainColdStart(fleet, plan.directives) };
    }
    const { images } = fleet;
    const imageIndex = new Map<string, number>();
    images.forEach((image, i) => imageIndex.has(image.uuid) || imageIndex.set(image.uuid, i));
    const flavorIndex = new Map<string, number>();
    for (const { name } of fleet.flavors) {
      if (!flavorIndex.has(name)) flavorIndex.set(name, flavorIndex.size);
    }
    const ejects: Directive[] = [];
    const tallies = tallyFleet(fleet, flavorIndex, imageIndex, ejects);
    const means = forecast(fleet, opts, context, deploys, flavorIndex, tallies);

    let unprovisioned = 0;
    for (const t of tallies) unprovisioned += t.unprovisioned;
    const budget = Math.floor(opts.cache_share * unprovisioned);
    const pairs: Pair[] = [];
    const room = new Int32Array(tallies.length);
    tallies.forEach((t, f) => {
      room[f] = t.unprovisioned;
      for (let m = 0; m < images.length; m++) {
        pairs.push(pairOf(f, m, means[f * images.length + m], t.perImage[m]));
      }
    });
    allocate(pairs, budget, room);

    const flavorNames = [...flavorIndex.keys()];
    const targets: Record<string, number> = Object.fromEntries(flavorNames.map((n) => [n, 0]));
    let cachedNow = 0;
    for (const p of pairs) {
      targets[flavorNames[p.flavor]] += p.target;
      cachedNow += p.cached;
    }
    // Pairs far over target give room, a few per cycle, when others lack it.
    const short = pairs.filter((p) => p.target - p.cached >= 2).length;
    const over = pairs.filter((p) => p.cached - p.target >= 2).sort((a, b) =>
      (b.cached - b.target) - (a.cached - a.target) || a.flavor - b.flavor || a.image - b.image
    );
    const ejected = new Int32Array(pairs.length);
    if (short > 0 && cachedNow >= budget) {
      for (let freed = 0; freed < opts.max_ejects && over.length > 0; freed++) {
        const p = over[freed % over.length];
        const nodes = tallies[p.flavor].cachedNodes[p.image];
        const taken = Math.floor(freed / over.length);
        if (p.cached - taken - p.target < 2) break;
        ejects.push(eject(nodes[taken].uuid));
        ejected[p.flavor * images.length + p.image]++;
        cachedNow--;
      }
    }

    // New caches in order of how likely each is to be hit, up to the budget.
    const wanted: { pair: Pair; p: number }[] = [];
    for (const pair of pairs) {
      const step = pairOf(pair.flavor, pair.image, pair.mean, 0);
      for (let k = 1; k <= pair.target; k++) {
        if (k > pair.cached) wanted.push({ pair, p: worth(step) });
        grow(step);
      }
    }
    wanted.sort((a, b) =>
      b.p - a.p || a.pair.flavor - b.pair.flavor || a.pair.image - b.pair.image
    );
    const caches: Directive[] = [];
    const taken = new Int32Array(tallies.length);
    const room2 = Math.max(0, budget - cachedNow);
    const byFlavor = new Map<number, { pair: Pair }[]>();
    for (const w of wanted.slice(0, room2)) {
      const list = byFlavor.get(w.pair.flavor) ?? [];
      list.push(w);
      byFlavor.set(w.pair.flavor, list);
    }
    const chosen = new Map<number, Node[]>();
    for (const [f, list] of byFlavor) {
      chosen.set(f, context.random.sample(tallies[f].free, list.length));
    }
    const caching = new Int32Array(pairs.length);
    const unplaced = new Int32Array(pairs.length);
    for (const w of wanted.slice(0, room2)) {
      const f = w.pair.flavor;
      const node = chosen.get(f)![taken[f]++];
      if (node) caches.push(cache(node.uuid, images[w.pair.image]));
      (node ? caching : unplaced)[f * images.length + w.pair.image]++;
    }
    const explain = explainDemand(fleet, deploys, {
      mean: means,
      target: pairs.map((p) => p.target),
      cached: pairs.map((p) => p.cached),
      ejected,
      caching,
      unplaced,
    });
    return { directives: ejects.concat(caches), targets, explain };
  },
} satisfies Strategy<DemandOptions>;

export default demand;
