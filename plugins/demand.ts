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
 *    new caches stop at the budget. When a pair 2 or more below target cannot get its nodes (the
 *    budget is spent, or its flavor has no free node left for it), up to `max_ejects` valid
 *    caches of pairs 2 or more over target are ejected to free room, those of a flavor short of
 *    free nodes first.
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
import type { FleetState, Node } from "../src/domain/fleet.ts";
import { cache, type Directive, eject } from "../src/domain/directive.ts";
import { weightOf } from "../src/domain/image_weights.ts";
import simpleProportional from "./simple_proportional.ts";
import { explainColdStart, explainDemand } from "./demand_explain.ts";
import { type FlavorTally, type IdleTally, tallyIdle } from "./idle_tally.ts";

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

/**
 * Decayed deploy counts per (flavor, image index), `flavors * images` long: each deploy at or
 * before `now` weighs `2^(-age / halfLife)`. `imageIndex` maps a deploy's image to its index
 * (several names may share one, so `images` is the list's length, not the map's size). Deploys
 * of unlisted images or flavors are left out.
 */
export function decayedCounts(
  deploys: readonly ObservedDeploy[],
  now: number,
  halfLifeMs: number,
  flavorIndex: ReadonlyMap<string, number>,
  imageIndex: ReadonlyMap<string, number>,
  images: number = imageIndex.size,
): Float64Array {
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
  // A heap of the places in `pairs` of those with demand, ordered by worth, then place (pairs
  // are flavor-major, so ties go to the first flavor and image).
  const slot: number[] = [];
  const value = new Float64Array(pairs.length);
  pairs.forEach((p, i) => {
    if (p.mean > 0) slot.push(i);
    value[i] = worth(p);
  });
  const before = (a: number, b: number) => {
    const va = value[a], vb = value[b];
    return va > vb || (va === vb && a < b);
  };
  const siftDown = (from: number) => {
    for (let i = from;;) {
      const left = 2 * i + 1;
      if (left >= slot.length) return;
      const child = left + 1 < slot.length && before(slot[left + 1], slot[left]) ? left + 1 : left;
      if (!before(slot[child], slot[i])) return;
      const swap = slot[i];
      slot[i] = slot[child];
      slot[child] = swap;
      i = child;
    }
  };
  for (let i = (slot.length >> 1) - 1; i >= 0; i--) siftDown(i);
  for (let left = budget; left > 0 && slot.length > 0;) {
    const top = pairs[slot[0]];
    if (used[top.flavor] >= room[top.flavor]) {
      slot[0] = slot[slot.length - 1];
      slot.pop();
      siftDown(0);
      continue;
    }
    grow(top);
    used[top.flavor]++;
    left--;
    value[slot[0]] = worth(top);
    siftDown(0);
  }
}

function pairOf(flavor: number, image: number, mean: number, cached: number): Pair {
  const pmf = Math.exp(-mean);
  return { flavor, image, mean, cached, target: 0, tail: 1 - pmf, pmf };
}

/** The forecast mean of each pair: decayed counts blended with the weights prior. */
function forecast(
  fleet: FleetState,
  opts: DemandOptions,
  context: PlanContext,
  { flavorIndex, tallies }: IdleTally,
): Float64Array {
  const { images } = fleet;
  const halfLife = opts.half_life_hours * HOUR_MS;
  // By name: a deploy of an image's older version counts for the version listed now.
  const byName = new Map<string, number>();
  images.forEach((image, i) => byName.has(image.name) || byName.set(image.name, i));
  const counts = decayedCounts(
    context.deploys,
    fleet.observedAt,
    halfLife,
    flavorIndex,
    byName,
    images.length,
  );
  let observed = 0;
  for (const c of counts) observed += c;
  const weights = images.map((image) => weightOf(context.imageWeights, image.name));
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const unprovisioned = unprovisionedOf(tallies);
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

function unprovisionedOf(tallies: readonly FlavorTally[]): number {
  let unprovisioned = 0;
  for (const t of tallies) unprovisioned += t.unprovisioned;
  return unprovisioned;
}

/** Every (flavor, image) pair, flavor-major, with its target out of `budget`. */
function allocatedPairs(tallies: readonly FlavorTally[], means: Float64Array, budget: number) {
  const images = tallies[0]?.perImage.length ?? 0;
  const pairs: Pair[] = [];
  const room = new Int32Array(tallies.length);
  tallies.forEach((t, f) => {
    room[f] = t.unprovisioned;
    for (let m = 0; m < images; m++) pairs.push(pairOf(f, m, means[f * images + m], t.perImage[m]));
  });
  allocate(pairs, budget, room);
  return pairs;
}

/** A pair this far or further from its target is short of nodes, or over it. */
const FAR = 2;

/**
 * Ejects up to `maxEjects` valid caches of pairs `FAR` or more over target, most over first,
 * when a pair is `FAR` or more short and cannot get its nodes otherwise: the budget is spent, or
 * its flavor has fewer free nodes than its short pairs want (then only that flavor's caches go).
 * Returns the ejects and how many each pair lost.
 */
function freeRoom(
  fleet: FleetState,
  { imageIndex, flavorIndex, tallies }: IdleTally,
  pairs: readonly Pair[],
  budgetSpent: boolean,
  maxEjects: number,
): { ejects: Directive[]; ejected: Int32Array } {
  const images = fleet.images.length;
  const wanted = new Int32Array(tallies.length);
  let short = false;
  for (const p of pairs) {
    if (p.target - p.cached < FAR) continue;
    short = true;
    wanted[p.flavor] += p.target - p.cached;
  }
  const lacking = (f: number) => wanted[f] > tallies[f].free.length;
  const over = pairs.filter((p) =>
    p.cached - p.target >= FAR && ((short && budgetSpent) || lacking(p.flavor))
  ).sort((a, b) =>
    Number(lacking(b.flavor)) - Number(lacking(a.flavor)) ||
    (b.cached - b.target) - (a.cached - a.target) || a.flavor - b.flavor || a.image - b.image
  );
  const ejected = new Int32Array(pairs.length);
  const ejects: Directive[] = [];
  const ejectable = cachedNodesOf(fleet, over, flavorIndex, imageIndex, images);
  for (let freed = 0; freed < maxEjects && over.length > 0; freed++) {
    const p = over[freed % over.length];
    const k = p.flavor * images + p.image;
    if (p.cached - ejected[k] - p.target < FAR) break;
    ejects.push(eject(ejectable.get(k)![ejected[k]++].uuid));
  }
  return { ejects, ejected };
}

/** The valid cached nodes of `pairs`, by pair index; one pass over the fleet, only when asked. */
function cachedNodesOf(
  fleet: FleetState,
  pairs: readonly Pair[],
  flavorIndex: ReadonlyMap<string, number>,
  imageIndex: ReadonlyMap<string, number>,
  images: number,
): Map<number, Node[]> {
  const nodes = new Map<number, Node[]>(pairs.map((p) => [p.flavor * images + p.image, []]));
  if (nodes.size === 0) return nodes;
  for (const node of fleet.nodes) {
    if (node.provisioned || !node.cached) continue;
    const f = flavorIndex.get(node.flavor), m = imageIndex.get(node.cachedImageUuid);
    if (f !== undefined && m !== undefined) nodes.get(f * images + m)?.push(node);
  }
  return nodes;
}

/**
 * Cache directives for the pairs under target, most likely hits first, at most `room` of them,
 * each on a seeded random free node of its flavor. Returns them and, per pair, how many were
 * planned and how many found no free node.
 */
function placeCaches(
  fleet: FleetState,
  tallies: readonly FlavorTally[],
  pairs: readonly Pair[],
  room: number,
  random: PlanContext["random"],
): { caches: Directive[]; caching: Int32Array; unplaced: Int32Array } {
  const images = fleet.images.length;
  const wanted: { pair: Pair; p: number }[] = [];
  for (const pair of pairs) {
    const step = pairOf(pair.flavor, pair.image, pair.mean, 0);
    for (let k = 1; k <= pair.target; k++) {
      if (k > pair.cached) wanted.push({ pair, p: worth(step) });
      grow(step);
    }
  }
  wanted.sort((a, b) => b.p - a.p || a.pair.flavor - b.pair.flavor || a.pair.image - b.pair.image);
  const taken = wanted.slice(0, Math.max(0, room));
  const perFlavor = new Int32Array(tallies.length);
  for (const w of taken) perFlavor[w.pair.flavor]++;
  const chosen = tallies.map((t, f) => perFlavor[f] > 0 ? random.sample(t.free, perFlavor[f]) : []);
  const used = new Int32Array(tallies.length);
  const caches: Directive[] = [];
  const caching = new Int32Array(pairs.length);
  const unplaced = new Int32Array(pairs.length);
  for (const { pair } of taken) {
    const node = chosen[pair.flavor][used[pair.flavor]++];
    if (node) caches.push(cache(node.uuid, fleet.images[pair.image]));
    (node ? caching : unplaced)[pair.flavor * images + pair.image]++;
  }
  return { caches, caching, unplaced };
}

/** Cached nodes each flavor's pairs should have. */
function targetsOf(flavorIndex: ReadonlyMap<string, number>, pairs: readonly Pair[]) {
  const names = [...flavorIndex.keys()];
  const targets: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  for (const p of pairs) targets[names[p.flavor]] += p.target;
  return targets;
}

const demand = {
  name: "demand",
  version: "0.1.0",
  description: "Spend a fleet-wide cache budget on the flavor and image pairs deploys will want",
  section: "demand",
  options,
  plan(fleet, opts, context) {
    if (!context.deploys.some((d) => d.at <= fleet.observedAt)) {
      const share = { percentage_to_cache: opts.cache_share };
      const plan = simpleProportional.plan(fleet, share, context);
      return { ...plan, explain: explainColdStart(fleet, plan.directives) };
    }
    const idle = tallyIdle(fleet);
    const means = forecast(fleet, opts, context, idle);
    const budget = Math.floor(opts.cache_share * unprovisionedOf(idle.tallies));
    const pairs = allocatedPairs(idle.tallies, means, budget);
    let cachedNow = 0;
    for (const p of pairs) cachedNow += p.cached;
    const { ejects, ejected } = freeRoom(fleet, idle, pairs, cachedNow >= budget, opts.max_ejects);
    const room = budget - cachedNow + ejects.length;
    const { caches, caching, unplaced } = placeCaches(
      fleet,
      idle.tallies,
      pairs,
      room,
      context.random,
    );
    const explain = explainDemand(fleet, context.deploys, {
      mean: means,
      target: pairs.map((p) => p.target),
      cached: pairs.map((p) => p.cached),
      ejected,
      caching,
      unplaced,
    });
    return {
      directives: [...idle.ejects, ...ejects, ...caches],
      targets: targetsOf(idle.flavorIndex, pairs),
      explain,
    };
  },
} satisfies Strategy<DemandOptions>;

export default demand;
