import assert from "node:assert/strict";
import { serializeTrace, type TraceEvent } from "../../src/domain/trace.ts";
import { parseTrace } from "../../src/domain/trace_reader.ts";
import { syntheticWorkload } from "../../src/scout/simulator/synthetic_workload.ts";
import { traceWorkload } from "../../src/scout/simulator/trace_workload.ts";
import type { Workload } from "../../src/scout/simulator/workload.ts";
import { readConfig, setup } from "../../src/setup.ts";
import { runSimulation, simulationSpacings } from "../../src/simulation/simulation.ts";
import { tempDir } from "../_helpers.ts";

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
