/**
 * demand: the budget, the split by forecast demand, the cold start, and the ejects it may make.
 */
import assert from "node:assert/strict";
import strategy, { allocate, decayedCounts } from "../../plugins/demand.ts";
import type { ObservedDeploy } from "../../src/strategy/contract.ts";
import simpleProportional from "../../plugins/simple_proportional.ts";
import type { Directive } from "../../src/domain/directive.ts";
import type { FleetState, Node } from "../../src/domain/fleet.ts";
import { context, fleet, image, node } from "../_helpers.ts";
import { checkPlan } from "../../src/strategy/run.ts";
import { MAX_EXPLAINED, type PairExplanation } from "../../src/strategy/contract.ts";

const HOUR = 3_600_000;
const NOW = 1000 * HOUR;
const defaults = strategy.options.parse({});

function plan(state: FleetState, deploys: ObservedDeploy[], overrides = {}, seed = 1) {
  const result = strategy.plan(
    { ...state, observedAt: NOW },
    { ...defaults, ...overrides },
    context(seed, undefined, deploys),
  );
  return (result as { directives: Directive[] }).directives;
}

function freeNodes(count: number, flavor: string): Node[] {
  return Array.from({ length: count }, (_, i) => node(`${flavor}-${i}`, flavor));
}

/** `count` deploys of `image` on `flavor`, one a minute up to an hour ago. */
function deploysOf(count: number, flavor: string, imageName: string): ObservedDeploy[] {
  return Array.from({ length: count }, (_, i) => ({
    at: NOW - HOUR + i * 60_000,
    flavor,
    image: imageName,
    hit: false,
  }));
}

function cachedImages(directives: readonly Directive[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const d of directives) {
    if (d.kind === "cache") counts[d.imageUuid] = (counts[d.imageUuid] ?? 0) + 1;
  }
  return counts;
}

const ubuntu = image("u", "Ubuntu");
const debian = image("d", "Debian");
const windows = image("w", "Windows");

Deno.test("demand plans as simple_proportional does when no deploy was observed", () => {
  const state = {
    ...fleet([...freeNodes(40, "small"), ...freeNodes(24, "large")], [ubuntu, debian]),
    observedAt: NOW,
  };
  const expected = simpleProportional.plan(state, { percentage_to_cache: 0.25 }, context(3));
  assert.deepEqual(plan(state, [], { cache_share: 0.25 }, 3), expected.directives);
});

Deno.test("demand spends the fleet-wide budget on the flavor and image deployed", () => {
  const state = fleet([...freeNodes(80, "small"), ...freeNodes(80, "large")], [ubuntu, debian]);
  const directives = plan(state, deploysOf(60, "large", "Debian"), { prior_deploys: 0 });
  assert.equal(directives.length, 20, "0.125 of 160 unprovisioned nodes");
  assert.deepEqual(cachedImages(directives), { d: 20 });
  assert.ok(directives.every((d) => d.nodeUuid.startsWith("large-")));
});

Deno.test("demand splits the budget by demand: the busier image gets more nodes", () => {
  const state = fleet(freeNodes(400, "small"), [ubuntu, debian, windows]);
  const deploys = [...deploysOf(60, "small", "Ubuntu"), ...deploysOf(20, "small", "Debian")];
  const counts = cachedImages(plan(state, deploys, { prior_deploys: 0 }));
  assert.equal(counts.u + counts.d, 50);
  assert.ok(counts.u > counts.d && counts.d > 0, JSON.stringify(counts));
  assert.equal(counts.w, undefined);
});

Deno.test("demand counts cached nodes against the budget and caches only the rest", () => {
  const cached = Array.from(
    { length: 15 },
    (_, i) => node(`c${i}`, "small", { cached: true, cachedImageUuid: "u" }),
  );
  const state = fleet([...cached, ...freeNodes(145, "small")], [ubuntu]);
  const directives = plan(state, deploysOf(60, "small", "Ubuntu"));
  assert.equal(directives.length, 5, "budget 20, 15 cached");
});

Deno.test("demand ejects stale images, and at most max_ejects valid caches over target", () => {
  const stale = node("s1", "small", { cached: true, cachedImageUuid: "gone" });
  const overCached = Array.from(
    { length: 10 },
    (_, i) => node(`w${i}`, "small", { cached: true, cachedImageUuid: "w" }),
  );
  const state = fleet([stale, ...overCached, ...freeNodes(69, "small")], [ubuntu, windows]);
  const directives = plan(state, deploysOf(60, "small", "Ubuntu"), {
    prior_deploys: 0,
    max_ejects: 2,
  });
  const ejects = directives.filter((d) => d.kind === "eject").map((d) => d.nodeUuid);
  assert.equal(ejects[0], "s1");
  assert.equal(ejects.length, 3);
  assert.ok(ejects.slice(1).every((uuid) => uuid.startsWith("w")));
});

Deno.test("demand ignores deploys observed after the fleet and of unlisted images", () => {
  const state = fleet(freeNodes(80, "small"), [ubuntu, debian]);
  const later = deploysOf(60, "small", "Debian").map((d) => ({ ...d, at: NOW + HOUR }));
  const unlisted = deploysOf(60, "small", "Gentoo");
  const deploys = [...later, ...unlisted, ...deploysOf(5, "small", "Ubuntu")];
  assert.deepEqual(cachedImages(plan(state, deploys, { prior_deploys: 0 })), { u: 10 });
});

Deno.test("decayedCounts() halves a deploy's weight every half-life", () => {
  const counts = decayedCounts(
    [
      { at: NOW, flavor: "f", image: "a", hit: false },
      { at: NOW - 2 * HOUR, flavor: "f", image: "b", hit: true },
    ],
    NOW,
    HOUR,
    new Map([["f", 0]]),
    new Map([["a", 0], ["b", 1]]),
  );
  assert.deepEqual([...counts], [1, 0.25]);
});

Deno.test("allocate() gives each node to the pair most likely to use it, within room", () => {
  const pair = (flavor: number, image: number, mean: number) => {
    const pmf = Math.exp(-mean);
    return { flavor, image, mean, cached: 0, target: 0, tail: 1 - pmf, pmf };
  };
  const pairs = [pair(0, 0, 5), pair(0, 1, 0.5), pair(1, 0, 3)];
  allocate(pairs, 8, new Int32Array([4, 10]));
  assert.deepEqual(pairs.map((p) => p.target), [4, 0, 4]);
  const roomy = [pair(0, 0, 5), pair(0, 1, 0.5)];
  allocate(roomy, 8, new Int32Array([100]));
  assert.equal(roomy[0].target + roomy[1].target, 8);
  assert.ok(roomy[0].target >= 6 && roomy[1].target >= 1, JSON.stringify(roomy));
});

/** The checked plan of `demand` (so its explanation is held to the contract), explained. */
function explainedPlan(state: FleetState, deploys: ObservedDeploy[], overrides = {}, seed = 1) {
  const on = { ...state, observedAt: NOW };
  const options = { ...defaults, ...overrides };
  const checked = checkPlan(
    "demand",
    on,
    () => strategy.plan(on, options, context(seed, undefined, deploys)),
  );
  assert.ok(checked.explain, "demand explains its plan");
  return { ...checked, explain: checked.explain };
}

/** The explanation's entries by `flavor/image`. */
function byPair(explain: readonly PairExplanation[]): Record<string, PairExplanation> {
  return Object.fromEntries(explain.map((e) => [`${e.flavor}/${e.image}`, e]));
}

/** Each flavor's explained targets, summed. */
function summedTargets(explain: readonly PairExplanation[]): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const e of explain) sums[e.flavor] = (sums[e.flavor] ?? 0) + e.target;
  return sums;
}

Deno.test("demand explains each pair with demand, cache or target: expected deploys, target, cached now and why", () => {
  const cached = Array.from(
    { length: 15 },
    (_, i) => node(`c${i}`, "small", { cached: true, cachedImageUuid: "u" }),
  );
  const state = fleet([...cached, ...freeNodes(385, "small")], [ubuntu, debian, windows]);
  const deploys = [...deploysOf(60, "small", "Ubuntu"), ...deploysOf(20, "small", "Debian")];
  const plan = explainedPlan(state, deploys, { prior_deploys: 0 });
  const pairs = byPair(plan.explain);
  assert.deepEqual(Object.keys(pairs).sort(), ["small/Debian", "small/Ubuntu"]);
  const { "small/Ubuntu": u, "small/Debian": d } = pairs;
  assert.equal(u.cached, 15);
  assert.equal(d.cached, 0);
  assert.ok(u.expected > d.expected && d.expected > 0, JSON.stringify(plan.explain));
  assert.deepEqual(summedTargets(plan.explain), plan.targets);
  assert.equal(
    plan.directives.filter((x) => x.kind === "cache" && x.imageUuid === "d").length,
    d.target,
  );
  assert.match(u.why, /^forecast from 60 recent deploys; \d+ to cache$/);
  assert.match(d.why, /^forecast from 20 recent deploys; \d+ to cache$/);
});

Deno.test("demand explains that a pair far over target lost nodes to free budget", () => {
  const overCached = Array.from(
    { length: 10 },
    (_, i) => node(`w${i}`, "small", { cached: true, cachedImageUuid: "w" }),
  );
  const state = fleet([...overCached, ...freeNodes(70, "small")], [ubuntu, windows]);
  const plan = explainedPlan(state, deploysOf(60, "small", "Ubuntu"), {
    prior_deploys: 0,
    max_ejects: 2,
  });
  const windowsPair = byPair(plan.explain)["small/Windows"];
  assert.deepEqual(
    { ...windowsPair, why: "" },
    { flavor: "small", image: "Windows", expected: 0, target: 0, cached: 10, why: "" },
  );
  assert.equal(windowsPair.why, "over target: 2 ejected to free budget");
});

Deno.test("demand ejects over-target caches of a flavor with no free node for a short pair, and says so", () => {
  const overCached = Array.from(
    { length: 4 },
    (_, i) => node(`w${i}`, "small", { cached: true, cachedImageUuid: "w" }),
  );
  const state = fleet([...overCached, ...freeNodes(100, "large")], [ubuntu, windows]);
  const plan = explainedPlan(state, deploysOf(60, "small", "Ubuntu"), { prior_deploys: 0 });
  const ejects = plan.directives.filter((d) => d.kind === "eject").map((d) => d.nodeUuid);
  assert.deepEqual(ejects, ["w0", "w1"], "max_ejects of the flavor's own over-target caches");
  const pairs = byPair(plan.explain);
  assert.deepEqual(Object.keys(pairs).sort(), ["small/Ubuntu", "small/Windows"]);
  assert.equal(pairs["small/Ubuntu"].target, 4);
  assert.match(
    pairs["small/Ubuntu"].why,
    /^forecast from 60 recent deploys; no free node left for 4$/,
  );
  assert.match(pairs["small/Windows"].why, /^over target: 2 ejected/);
});

Deno.test("demand explains its cold start with the targets simple_proportional's split implies", () => {
  const cached = node("c1", "small", { cached: true, cachedImageUuid: "d" });
  const state = fleet(
    [cached, ...freeNodes(39, "small"), ...freeNodes(24, "large")],
    [ubuntu, debian],
  );
  const plan = explainedPlan(state, [], { cache_share: 0.25 }, 3);
  assert.deepEqual(summedTargets(plan.explain), plan.targets);
  const pairs = byPair(plan.explain);
  assert.deepEqual(Object.keys(pairs).sort(), [
    "large/Debian",
    "large/Ubuntu",
    "small/Debian",
    "small/Ubuntu",
  ]);
  assert.deepEqual(pairs["small/Debian"], {
    flavor: "small",
    image: "Debian",
    expected: 0,
    target: 5,
    cached: 1,
    why: "cold start: no deploys observed; as simple_proportional, by image weights",
  });
  assert.equal(pairs["small/Ubuntu"].target, 5);
  assert.equal(pairs["large/Ubuntu"].target + pairs["large/Debian"].target, 6);
});

Deno.test("demand explains at most MAX_EXPLAINED pairs, the weightiest, however many the fleet has", () => {
  const images = Array.from({ length: 1000 }, (_, i) => image(`i${i}`, `Image ${i}`));
  const flavors = ["a", "b", "c"];
  const nodes = flavors.flatMap((f) => freeNodes(100, f));
  const deploys = Array.from({ length: 3000 }, (_, i) => ({
    at: NOW - HOUR + i * 1000,
    flavor: flavors[i % 3],
    image: `Image ${Math.floor(i / 3)}`,
    hit: false,
  }));
  deploys.push(...deploysOf(50, "a", "Image 7"));
  const plan = explainedPlan(fleet(nodes, images), deploys);
  assert.equal(plan.explain.length, MAX_EXPLAINED);
  assert.ok(byPair(plan.explain)["a/Image 7"].target > 0, "the pair with a target is kept");
});

Deno.test("demand's explanation holds to the contract even when a forecast is not a number", () => {
  const cached = node("c1", "small", { cached: true, cachedImageUuid: "u" });
  const state = { ...fleet([cached, ...freeNodes(40, "small")], [ubuntu]), observedAt: NOW };
  const options = { ...defaults, lead_minutes: undefined as unknown as number };
  const deploys = deploysOf(10, "small", "Ubuntu");
  const plan = checkPlan(
    "demand",
    state,
    () => strategy.plan(state, options, context(1, undefined, deploys)),
  );
  assert.equal(plan.explain?.length, 1);
});

Deno.test("demand's explanation counts one recent deploy in the singular", () => {
  const state = fleet(freeNodes(80, "small"), [ubuntu]);
  const plan = explainedPlan(state, deploysOf(1, "small", "Ubuntu"));
  assert.match(plan.explain[0].why, /^forecast from 1 recent deploy; /);
});

Deno.test("demand forecasts by image name when two listed images share a name", () => {
  const olderUbuntu = image("u0", "Ubuntu");
  const state = fleet(
    [...freeNodes(80, "small"), ...freeNodes(80, "large")],
    [ubuntu, olderUbuntu, debian],
  );
  const directives = plan(state, deploysOf(60, "large", "Debian"), { prior_deploys: 0 });
  assert.deepEqual(cachedImages(directives), { d: 20 });
  assert.ok(directives.every((d) => d.nodeUuid.startsWith("large-")), "on the flavor deployed");
});
