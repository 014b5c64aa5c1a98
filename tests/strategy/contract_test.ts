/** Runs every built-in strategy, and an external plugin, through the shared contract. */
import assert from "node:assert/strict";
import { cache, eject } from "../../src/domain/directive.ts";
import type { FleetState, Node } from "../../src/domain/fleet.ts";
import type { Strategy } from "../../src/strategy/contract.ts";
import { checkStrategy, importStrategy } from "../../src/strategy/loader.ts";
import { STRATEGIES } from "../../src/setup.ts";
import { ROOT } from "../_helpers.ts";
import {
  checkDeterministic,
  checkEmptyFleet,
  checkTargets,
  strategyContract,
} from "./_contract.ts";

strategyContract(
  await importStrategy({ kind: "builtin", name: "simple_proportional" }, STRATEGIES),
  { percentage_to_cache: 0.5 },
);

const demand = await importStrategy({ kind: "builtin", name: "demand" }, STRATEGIES);
// Parsed, as the loader hands them: unparsed, the options lack their defaults (NaN forecasts).
strategyContract(demand, demand.strategy.options!.parse({ cache_share: 0.5 }));

strategyContract(
  await importStrategy(
    { kind: "file", path: `${ROOT}tests/_fixtures/plugins/fixed_share.ts` },
    STRATEGIES,
  ),
  { share: 0.5 },
);

Deno.test("strategyContract checks reject plugins that break the contract", async (t) => {
  const idle = (fleet: FleetState) => fleet.nodes.filter((n) => !n.provisioned && !n.cached);
  const cacheAll = (fleet: FleetState, nodes: readonly Node[]) =>
    nodes.map((n) => cache(n.uuid, fleet.images[0]));
  const cases: { what: string; plan: Strategy["plan"]; check: typeof checkTargets }[] = [
    {
      what: "uses Math.random",
      plan: (f) => cacheAll(f, idle(f).filter(() => Math.random() < 0.5)),
      check: checkDeterministic,
    },
    {
      what: "reads the clock",
      plan: (f) => Date.now() > 0 ? cacheAll(f, idle(f)) : [],
      check: checkDeterministic,
    },
    {
      what: "mutates the fleet",
      plan: (f) => [eject((f.nodes as Node[]).pop()!.uuid)],
      check: checkDeterministic,
    },
    {
      what: "mutates the deploy history",
      plan(f, _, { deploys }) {
        (deploys as unknown[]).length = 0;
        return cacheAll(f, idle(f));
      },
      check: checkDeterministic,
    },
    {
      what: "caches a provisioned node",
      plan: (f) => cacheAll(f, f.nodes.filter((n) => n.provisioned)),
      check: checkTargets,
    },
    {
      what: "ejects an uncached node",
      plan: (f) => idle(f).map((n) => eject(n.uuid)),
      check: checkTargets,
    },
    { what: "plans on an empty fleet", plan: () => [eject("ghost")], check: checkEmptyFleet },
  ];
  for (const { what, plan, check } of cases) {
    await t.step(what, () => {
      const loaded = checkStrategy("bad", { name: "bad", version: "0", plan });
      assert.throws(() => check(loaded, {}));
    });
  }
});
