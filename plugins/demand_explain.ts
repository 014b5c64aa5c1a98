/**
 * What `demand` says about each (flavor, image) pair in `/v1/plan`: the deploys it expects over
 * the lead time, its target, the cached nodes now, and why. Built from counts per pair, so it
 * costs O(flavors × images), plus one pass over the deploys to count them.
 *
 * @module
 */
import {
  type FleetState,
  MAX_EXPLAINED,
  type ObservedDeploy,
  type PairExplanation,
} from "../src/strategy/contract.ts";
import type { Directive } from "../src/domain/directive.ts";

/** What `demand` decided for one pair, indexed as its pairs are: `flavor * images + image`. */
export interface PairDecisions {
  /** Forecast deploys in the lead time, margin included. */
  readonly mean: ArrayLike<number>;
  readonly target: ArrayLike<number>;
  /** Valid cached nodes now. */
  readonly cached: ArrayLike<number>;
  /** Valid caches ejected to free budget. */
  readonly ejected: ArrayLike<number>;
  /** New caches planned. */
  readonly caching: ArrayLike<number>;
  /** Caches wanted within the budget that found no free node of the flavor. */
  readonly unplaced: ArrayLike<number>;
}

/** Why, with no deploys observed: `demand` then plans as `simple_proportional`. */
export const COLD_START =
  "cold start: no deploys observed; as simple_proportional, by image weights";

/** Index of each image's name, by image index: images sharing a name share a pair. */
function nameIndices(fleet: FleetState): { names: string[]; of: Int32Array } {
  const byName = new Map<string, number>();
  const of = new Int32Array(fleet.images.length);
  fleet.images.forEach(({ name }, m) => {
    let n = byName.get(name);
    if (n === undefined) byName.set(name, n = byName.size);
    of[m] = n;
  });
  return { names: [...byName.keys()], of };
}

/** Listed flavor names, each once, in order: the flavors `demand` indexes. */
function flavorNames(fleet: FleetState): string[] {
  return [...new Set(fleet.flavors.map(({ name }) => name))];
}

/** Per (flavor, image name): the summed counters of {@linkcode PairDecisions}. */
class Sums {
  readonly expected: Float64Array;
  readonly target: Float64Array;
  readonly cached: Float64Array;
  readonly ejected: Float64Array;
  readonly caching: Float64Array;
  readonly unplaced: Float64Array;
  readonly deploys: Float64Array;

  constructor(size: number) {
    this.expected = new Float64Array(size);
    this.target = new Float64Array(size);
    this.cached = new Float64Array(size);
    this.ejected = new Float64Array(size);
    this.caching = new Float64Array(size);
    this.unplaced = new Float64Array(size);
    this.deploys = new Float64Array(size);
  }
}

/**
 * The explanation of a plan from history: every pair with expected deploys (to the hundredth),
 * cached nodes or a target, at most {@linkcode MAX_EXPLAINED} (the weightiest), in flavor and
 * image order.
 */
export function explainDemand(
  fleet: FleetState,
  deploys: readonly ObservedDeploy[],
  decisions: PairDecisions,
): PairExplanation[] {
  const flavors = flavorNames(fleet);
  const { names, of } = nameIndices(fleet);
  const sums = new Sums(flavors.length * names.length);
  const images = fleet.images.length;
  for (let f = 0; f < flavors.length; f++) {
    for (let m = 0; m < images; m++) {
      const k = f * images + m;
      const s = f * names.length + of[m];
      sums.expected[s] += decisions.mean[k];
      sums.target[s] += decisions.target[k];
      sums.cached[s] += decisions.cached[k];
      sums.ejected[s] += decisions.ejected[k];
      sums.caching[s] += decisions.caching[k];
      sums.unplaced[s] += decisions.unplaced[k];
    }
  }
  countDeploys(sums.deploys, deploys, fleet.observedAt, flavors, names);
  return entries(flavors, names, sums, (s) => why(sums, s));
}

/** Raw counts of the deploys up to `now` per (flavor, image name), of listed ones only. */
function countDeploys(
  counts: Float64Array,
  deploys: readonly ObservedDeploy[],
  now: number,
  flavors: readonly string[],
  names: readonly string[],
): void {
  const flavorIndex = new Map(flavors.map((name, f) => [name, f]));
  const nameIndex = new Map(names.map((name, n) => [name, n]));
  for (let i = 0; i < deploys.length; i++) {
    const d = deploys[i];
    if (d.at > now) continue;
    const f = flavorIndex.get(d.flavor);
    const n = nameIndex.get(d.image);
    if (f !== undefined && n !== undefined) counts[f * names.length + n]++;
  }
}

/** Why pair `s` has the target it has, and what the plan does about it. */
function why(sums: Sums, s: number): string {
  const [target, cached, ejected] = [sums.target[s], sums.cached[s], sums.ejected[s]];
  if (ejected > 0) return `over target: ${ejected} ejected to free budget`;
  const deploys = sums.deploys[s];
  const base = deploys > 0
    ? `forecast from ${deploys} recent deploy${deploys === 1 ? "" : "s"}`
    : sums.expected[s] > 0
    ? "forecast from the image weights alone"
    : "no recent deploys";
  if (cached > target) {
    return `over target by ${cached - target}: kept (valid caches are ejected only for pairs ` +
      "far below target once the budget is spent)";
  }
  const caching = sums.caching[s], unplaced = sums.unplaced[s];
  const short = target - cached - caching - unplaced;
  const parts = [
    caching > 0 && `${caching} to cache`,
    unplaced > 0 && `no free node left for ${unplaced}`,
    short > 0 && `${short} wait for budget held by other caches`,
  ].filter(Boolean);
  if (parts.length > 0) return `${base}; ${parts.join(", ")}`;
  return target > 0 ? `${base}; on target` : `${base}; likelier hits took the budget`;
}

/**
 * The explanation of a cold-start plan (`simple_proportional`'s, from `directives`): per pair,
 * the cached nodes now and the target its split implies (cached now plus the caches planned);
 * nothing is expected, as nothing was observed. One pass over the nodes.
 */
export function explainColdStart(
  fleet: FleetState,
  directives: readonly Directive[],
): PairExplanation[] {
  const flavors = flavorNames(fleet);
  const { names, of } = nameIndices(fleet);
  const flavorIndex = new Map(flavors.map((name, f) => [name, f]));
  const imageIndex = new Map<string, number>();
  fleet.images.forEach(({ uuid }, m) => imageIndex.has(uuid) || imageIndex.set(uuid, m));
  const planned = new Map<string, number>();
  for (const d of directives) {
    if (d.kind === "cache") planned.set(d.nodeUuid, of[imageIndex.get(d.imageUuid)!]);
  }
  const sums = new Sums(flavors.length * names.length);
  for (let i = 0; i < fleet.nodes.length; i++) {
    const node = fleet.nodes[i];
    const f = flavorIndex.get(node.flavor);
    if (node.provisioned || f === undefined) continue;
    const m = node.cached ? imageIndex.get(node.cachedImageUuid) : undefined;
    if (m !== undefined) {
      sums.cached[f * names.length + of[m]]++;
      sums.target[f * names.length + of[m]]++;
    }
    const n = planned.get(node.uuid);
    if (n !== undefined) sums.target[f * names.length + n]++;
  }
  return entries(flavors, names, sums, () => COLD_START);
}

/** The pairs worth a word, the weightiest if there are too many, in pair order. */
function entries(
  flavors: readonly string[],
  names: readonly string[],
  sums: Sums,
  reason: (s: number) => string,
): PairExplanation[] {
  // A plan whose explanation breaks the contract is refused: a bad forecast must not cost it.
  const finite = (x: number) => Number.isFinite(x) && x > 0 ? x : 0;
  const expected = (s: number) => Math.round(finite(sums.expected[s]) * 100) / 100;
  let kept: number[] = [];
  for (let s = 0; s < sums.target.length; s++) {
    if (expected(s) > 0 || sums.cached[s] > 0 || sums.target[s] > 0) kept.push(s);
  }
  if (kept.length > MAX_EXPLAINED) {
    const held = (s: number) => sums.cached[s] + sums.target[s] > 0 ? 1 : 0;
    kept = kept.sort((a, b) => held(b) - held(a) || sums.expected[b] - sums.expected[a] || a - b)
      .slice(0, MAX_EXPLAINED).sort((a, b) => a - b);
  }
  return kept.map((s) => ({
    flavor: flavors[Math.floor(s / names.length)],
    image: names[s % names.length],
    expected: expected(s),
    target: finite(sums.target[s]),
    cached: finite(sums.cached[s]),
    why: reason(s),
  }));
}
