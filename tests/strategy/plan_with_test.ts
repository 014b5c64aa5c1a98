/** planWith(): built-ins inline, plugin files in a worker that a timeout or a stop abandons. */
import assert from "node:assert/strict";
import { ManualClock } from "../../src/runtime/clock.ts";
import { PlanError } from "../../src/runtime/errors.ts";
import { checkStrategy, importStrategy } from "../../src/strategy/loader.ts";
import { STRATEGIES } from "../../src/setup.ts";
import { type PlanInput, planWith } from "../../src/strategy/plan_with.ts";
import { runStrategy } from "../../src/strategy/run.ts";
import type { PlanContext } from "../../src/strategy/contract.ts";
import { context, fleet, image, node, ROOT } from "../_helpers.ts";
import { UNIFORM_WEIGHTS } from "../../src/domain/image_weights.ts";

const faulty = await importStrategy({
  kind: "file",
  path: `${ROOT}tests/_fixtures/plugins/faulty.ts`,
}, STRATEGIES);

function input(fault: string): PlanInput {
  return {
    fleet: fleet(Array.from({ length: 4 }, (_, i) => node(`n${i}`, "small")), [image("i1")]),
    options: { fault },
    seed: 7,
    imageWeights: UNIFORM_WEIGHTS,
  };
}

async function failure(promise: Promise<unknown>): Promise<PlanError> {
  const error = await promise.then(() => assert.fail("the plan should fail"), (e) => e);
  assert.ok(error instanceof PlanError, String(error));
  return error;
}

Deno.test("planWith() plans a plugin file in a worker, as inline planning would", async () => {
  const clock = new ManualClock(0);
  const plan = await planWith(faulty, input("none"), { clock, timeout: 60 });
  assert.deepEqual(plan.warnings, ["planned in DedicatedWorkerGlobalScope"]);
  const inline = runStrategy(faulty, input("none").fleet, { fault: "none" }, context(7));
  assert.deepEqual(plan.directives, inline.directives);
  assert.equal(clock.pending, 0, "the timeout is cancelled");
});

Deno.test("planWith() plans a built-in inline, on this thread", async () => {
  let calls = 0;
  const loaded = checkStrategy("inline", {
    name: "inline",
    version: "1",
    plan: () => {
      calls++;
      return { directives: [], warnings: [`planned in ${globalThis.constructor.name}`] };
    },
  });
  const plan = await planWith(loaded, input("none"), { clock: new ManualClock(0), timeout: 1 });
  assert.equal(calls, 1);
  assert.deepEqual(plan.warnings, ["planned in Window"]);
});

Deno.test("planWith() brings a plugin file's explanation back from its worker", async () => {
  const plan = await planWith(faulty, input("explain"), { clock: new ManualClock(0), timeout: 60 });
  assert.deepEqual(plan.explain, [
    { flavor: "small", image: "i1", expected: 1.5, target: 1, cached: 0, why: "in a worker" },
  ]);
});

/** Resolves when the `faulty` plugin says it is spinning. */
function spinning(): Promise<void> & Disposable {
  const channel = new BroadcastChannel("faulty");
  const said = new Promise<void>((resolve) => channel.onmessage = () => resolve());
  return Object.assign(said, { [Symbol.dispose]: () => channel.close() });
}

Deno.test("planWith() stays responsive while a plugin spins, and stops it at the timeout", async () => {
  const clock = new ManualClock(0);
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("alive"),
  );
  using stuck = spinning();
  let settled = false;
  const outcome = planWith(faulty, input("spin"), { clock, timeout: 2 }).then(
    () => assert.fail("a spinning plan cannot succeed"),
    (e) => e,
  ).finally(() => settled = true);
  await stuck;
  for (let i = 0; i < 20; i++) {
    const response = await fetch(`http://127.0.0.1:${server.addr.port}/`);
    assert.equal(await response.text(), "alive");
  }
  assert.equal(settled, false, "the plan is still running");
  await clock.advance(2000);
  const error = await outcome;
  assert.ok(error instanceof PlanError);
  assert.equal(error.failure, "timeout");
  assert.equal(
    error.message,
    `Strategy "${faulty.module}": plan() did not finish within 2 s; the worker was stopped`,
  );
  const next = await planWith(faulty, input("none"), { clock, timeout: 2 });
  assert.equal(next.directives.length, 1, "the next plan works, in a fresh worker");
});

Deno.test("planWith() abandons a spinning plan at once when its signal aborts", async () => {
  const clock = new ManualClock(0);
  const stop = new AbortController();
  using stuck = spinning();
  const planning = planWith(faulty, input("spin"), { clock, timeout: 1, signal: stop.signal });
  await stuck;
  stop.abort(new Error("stopping"));
  await assert.rejects(planning, /stopping/);
  assert.equal(clock.pending, 0);
  await assert.rejects(
    planWith(faulty, input("none"), { clock, timeout: 1, signal: stop.signal }),
    /stopping/,
  );
});

Deno.test("planWith() reports each fault of a plugin in a worker as the plugin's", async (t) => {
  const clock = new ManualClock(0);
  const cases: [string, string, RegExp][] = [
    ["throw", "error", /^plan\(\) threw: boom while planning$/],
    ["getter", "error", /^reading directives threw: directives getter boom$/],
    ["field", "error", /^reading directives\[0\]\.nodeUuid threw: nodeUuid getter boom$/],
    ["warning", "error", /^reading warnings\[0\] threw: a warning without text$/],
    ["async", "error", /^plan\(\) returned a Promise/],
    ["ghost", "invalid", /directives\[0\]: node ghost-1 is not in the fleet/],
    ["flood", "invalid", /^plan\(\) returned 1000000 directives for a fleet of 4 nodes/],
    ["explain_invalid", "invalid", /explain\[0\]: target must be a finite number ≥ 0, got -1/],
    ["forge", "error", /^the plan worker answered something other than a plan$/],
    ["forge_plan", "error", /^the plan worker answered a plan outside the fleet: directive 0 /],
  ];
  for (const [fault, kind, reason] of cases) {
    await t.step(fault, async () => {
      const error = await failure(planWith(faulty, input(fault), { clock, timeout: 60 }));
      assert.equal(error.failure, kind);
      assert.match(error.reason, reason);
      assert.equal(error.module, faulty.module);
    });
  }
});

Deno.test("planWith() refuses options the worker cannot receive, as the plugin's fault", async () => {
  const error = await failure(planWith(faulty, { ...input("none"), options: { f: () => 1 } }, {
    clock: new ManualClock(0),
    timeout: 1,
  }));
  assert.equal(error.failure, "error");
  assert.match(error.reason, /options cannot be handed to the plan worker/);
});

const echo = await importStrategy({
  kind: "file",
  path: `${ROOT}tests/_fixtures/plugins/echo_deploys.ts`,
}, STRATEGIES);

const DEPLOYS = [
  { at: 1_000, flavor: "small", image: "Ubuntu", hit: false },
  { at: 61_000, flavor: "large", image: "Debian 12", hit: true },
];

/** What `echo_deploys` planned from, as its warnings tell. */
function echoed(observedAt: number, deploys: readonly unknown[]): string[] {
  return [
    `observedAt ${observedAt}`,
    `${deploys.length} deploys`,
    JSON.stringify(deploys.slice(0, 3)),
    JSON.stringify(deploys.at(-1) ?? null),
  ];
}

Deno.test("planWith() hands the deploys to a plugin file in its worker", async () => {
  const on = { ...input("none").fleet, observedAt: 120_000 };
  const plan = await planWith(echo, { ...input("none"), fleet: on, deploys: DEPLOYS }, {
    clock: new ManualClock(0),
    timeout: 60,
  });
  assert.deepEqual(plan.warnings, echoed(120_000, DEPLOYS));
});

Deno.test("planWith() hands no deploys to a plugin file when it was given none", async () => {
  const plan = await planWith(echo, input("none"), { clock: new ManualClock(0), timeout: 60 });
  assert.deepEqual(plan.warnings, echoed(0, []));
});

Deno.test("planWith() hands a built-in the deploys themselves, not a copy", async () => {
  let seen: unknown;
  const loaded = checkStrategy("inline", {
    name: "inline",
    version: "1",
    plan: (_fleet: unknown, _options: unknown, { deploys }: PlanContext) => {
      seen = deploys;
      return [];
    },
  });
  await planWith(loaded, { ...input("none"), deploys: DEPLOYS }, {
    clock: new ManualClock(0),
    timeout: 1,
  });
  assert.equal(seen, DEPLOYS);
  await planWith(loaded, input("none"), { clock: new ManualClock(0), timeout: 1 });
  assert.deepEqual(seen, []);
});
