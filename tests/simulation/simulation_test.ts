import assert from "node:assert/strict";
import { serializeTrace, type TraceEvent } from "../../src/domain/trace.ts";
import { parseTrace } from "../../src/domain/trace_reader.ts";
import { syntheticWorkload } from "../../src/scout/simulator/synthetic_workload.ts";
import { traceWorkload } from "../../src/scout/simulator/trace_workload.ts";
import type { Workload } from "../../src/scout/simulator/workload.ts";
import { readConfig, setup } from "../../src/setup.ts";
import { runSimulation, simulationSpacings } from "../../src/simulation/simulation.ts";
import { historyWatcher, tempDir } from "../_helpers.ts";

Deno.test("simulationSpacings() takes the director's own defaults, not the simulator's quick ones", async () => {
  await using dir = await tempDir();
  const plain = readConfig(await dir.write("a.conf", "[simulator]\nnodes = 10\n")).config!;
  assert.deepEqual(simulationSpacings(plain), { pollSpacing: 120, directiveSpacing: 120 });
  const given = readConfig(
    await dir.write("b.conf", "[director]\npoll_spacing = 30\ndirective_spacing = 45\n"),
  ).config!;
  assert.deepEqual(simulationSpacings(given), { pollSpacing: 30, directiveSpacing: 45 });
  const env = readConfig(undefined, { ARSENAL_DIRECTOR__DIRECTIVE_SPACING: "60" }).config!;
  assert.deepEqual(simulationSpacings(env), { pollSpacing: 120, directiveSpacing: 60 });
});

Deno.test("runSimulation() gives the same result for synthetic tenants and the replay of their trace", async () => {
  const ready = await setup(undefined, { onWarning: () => {} });
  const simulator = { ...ready.config.simulator, nodes: 40, image_refresh_minutes: 30 };
  const config = { ...ready.config, simulator };
  const run = (workload: Workload) =>
    runSimulation({
      config,
      strategy: ready.strategy,
      strategyOptions: ready.strategyOptions,
      workload,
      seed: 4,
      hours: 6,
      warmupHours: 1,
    });
  const synthetic = syntheticWorkload({ ...simulator, seed: 4 });
  const events: TraceEvent[] = [];
  while (synthetic.peek() <= 6 * 60) events.push(synthetic.next());
  const read = parseTrace(serializeTrace({ fleet: synthetic.fleet, events }));
  assert.ok(read.ok);
  const replayed = await run(traceWorkload(read.trace));
  const direct = await run(syntheticWorkload({ ...simulator, seed: 4 }));
  assert.ok(direct.figures.flavors.some((f) => f.hits > 0));
  assert.deepEqual(replayed, direct);
});

Deno.test("runSimulation() hands each plan the deploys served so far, named, in time order", async () => {
  const ready = await setup(undefined, { onWarning: () => {} });
  const { loaded: watcher, seen } = historyWatcher();
  const trace = parseTrace(
    [
      `{"kind":"fleet","flavors":{"small":2,"large":1},"images":["Ubuntu","Debian"]}`,
      `{"t":0,"kind":"deploy","id":"i-0","flavor":"small","image":"Ubuntu"}`,
      `{"t":1,"kind":"deploy","id":"i-1","flavor":"small","image":"Debian"}`,
      `{"t":3,"kind":"deploy","id":"i-2","flavor":"large","image":"Ubuntu"}`,
      `{"t":4,"kind":"deploy","id":"i-3","flavor":"large","image":"Debian"}`,
    ].join("\n") + "\n",
  );
  assert.ok(trace.ok);
  await runSimulation({
    config: ready.config,
    strategy: watcher,
    strategyOptions: {},
    workload: traceWorkload(trace.trace),
    seed: 1,
    hours: 0.2,
    warmupHours: 0,
  });
  const start = Date.UTC(2026, 0, 1);
  assert.deepEqual(seen[0], [], "the instances running at the start are no deploys");
  assert.deepEqual(seen.at(-1), [
    { at: start + 60_000, flavor: "small", image: "Debian", hit: false },
    { at: start + 180_000, flavor: "large", image: "Ubuntu", hit: false },
  ], "the deploy that found no node is not seen");
});
