/**
 * The shared contract every strategy plugin must pass, whoever wrote it.
 *
 * ```ts
 * strategyContract(await importStrategy({ kind: "file", path }, STRATEGIES), { share: 0.5 });
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";
import type { ObservedDeploy } from "../../src/domain/deploy_history.ts";
import type { FleetState } from "../../src/domain/fleet.ts";
import type { LoadedStrategy } from "../../src/strategy/loader.ts";
import { runStrategy } from "../../src/strategy/run.ts";
import { syntheticFleet } from "../_fixtures/synthetic_fleet.ts";
import { context, weights } from "../_helpers.ts";

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** A mixed fleet: deployed, idle, cached with current and with retired images. */
function sampleFleet(): FleetState {
  return deepFreeze(syntheticFleet({
    nodes: 400,
    flavors: 3,
    images: 5,
    provisioned: 0.4,
    cached: 0.3,
    stale: 0.3,
    seed: 99,
  }));
}

/** Runs `fn` with the clock, Math.random and fetch made to throw: a pure plan needs none. */
function withoutSideChannels<T>(fn: () => T): T {
  const saved = { now: Date.now, perf: performance.now, random: Math.random, fetch };
  const forbid = (what: string) => () => {
    throw new Error(`a strategy must not use ${what}`);
  };
  Date.now = forbid("Date.now()");
  performance.now = forbid("performance.now()");
  Math.random = forbid("Math.random()");
  globalThis.fetch = forbid("fetch()");
  try {
    return fn();
  } finally {
    Date.now = saved.now;
    performance.now = saved.perf;
    Math.random = saved.random;
    globalThis.fetch = saved.fetch;
  }
}

/** A week of deploys before `fleet` was observed, on its flavors and images, some hits. */
function sampleDeploys(fleet: FleetState): readonly ObservedDeploy[] {
  const hour = 3_600_000;
  const names = fleet.images.map((i) => i.name);
  if (fleet.flavors.length === 0 || names.length === 0) return deepFreeze([]);
  return deepFreeze(Array.from({ length: 7 * 24 }, (_, i) => ({
    at: fleet.observedAt - (7 * 24 - i) * hour,
    flavor: fleet.flavors[i % fleet.flavors.length].name,
    image: names[(i * i) % names.length],
    hit: i % 3 === 0,
  })));
}

function planWith(loaded: LoadedStrategy, options: unknown, fleet: FleetState, seed = 7) {
  const deploys = sampleDeploys(fleet);
  return withoutSideChannels(() =>
    runStrategy(loaded, fleet, options, context(seed, weights({ "image-1": 3 }), deploys))
  );
}

/** An empty fleet gets an empty plan. */
export function checkEmptyFleet(loaded: LoadedStrategy, options: unknown): void {
  const empty = deepFreeze({ observedAt: 0, nodes: [], flavors: [], images: [] });
  assert.deepEqual(planWith(loaded, options, empty).directives, []);
}

/**
 * The same fleet, deploys and seed give the same plan, with no mutation, clock or Math.random.
 */
export function checkDeterministic(loaded: LoadedStrategy, options: unknown): void {
  const fleet = sampleFleet();
  const first = planWith(loaded, options, fleet);
  assert.ok(first.directives.length > 0, "the sample fleet should need some work");
  assert.deepEqual(planWith(loaded, options, fleet), first);
}

/** Directives name known nodes (unprovisioned; ejects only of cached ones) and known images. */
export function checkTargets(loaded: LoadedStrategy, options: unknown): void {
  const fleet = sampleFleet();
  const nodes = new Map(fleet.nodes.map((n) => [n.uuid, n]));
  const images = new Map(fleet.images.map((i) => [i.uuid, i]));
  for (const d of planWith(loaded, options, fleet, 3).directives) {
    const node = nodes.get(d.nodeUuid);
    assert.ok(node, `unknown node ${d.nodeUuid}`);
    assert.equal(node.provisioned, false, `${d.kind} on provisioned node ${d.nodeUuid}`);
    if (d.kind === "eject") {
      assert.ok(node.cached, `eject of uncached node ${d.nodeUuid}`);
    } else {
      assert.equal(images.get(d.imageUuid)?.checksum, d.imageChecksum);
    }
  }
}

/**
 * Registers the contract tests for `loaded`, planning with `options` (parsed section values).
 */
export function strategyContract(loaded: LoadedStrategy, options: unknown): void {
  const name = loaded.strategy.name;
  Deno.test(`${name} (strategy contract) plans nothing for an empty fleet`, () => {
    checkEmptyFleet(loaded, options);
  });
  Deno.test(`${name} (strategy contract) is pure and deterministic for a seed`, () => {
    checkDeterministic(loaded, options);
  });
  Deno.test(`${name} (strategy contract) acts only on known nodes, in a valid state`, () => {
    checkTargets(loaded, options);
  });
}
