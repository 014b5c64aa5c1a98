/**
 * `arsenal simulate`'s replay speed (issue #12 §3): a week of a 2,000-node fleet with about
 * 20,000 deploys (half the fleet deployed: 1.98 deploys a minute living 500 minutes), replayed
 * from a trace with simple_proportional at the director's default spacings (120 s: 5,040
 * cycles). The bar: under 3 s on a 2-core machine.
 */
import type { TraceEvent } from "../../src/domain/trace.ts";
import { parseTrace } from "../../src/domain/trace_reader.ts";
import { serializeTrace } from "../../src/domain/trace.ts";
import { simulatorSection } from "../../src/scout/simulator/config.ts";
import { syntheticWorkload } from "../../src/scout/simulator/synthetic_workload.ts";
import { traceWorkload } from "../../src/scout/simulator/trace_workload.ts";
import { setup } from "../../src/setup.ts";
import { runSimulation } from "../../src/simulation/simulation.ts";

const HOURS = 168;
const options = simulatorSection.parse({
  nodes: 2000,
  deploys_per_minute: 1.98,
  instance_minutes: 500,
});

/** The synthetic week as a trace file's text, read back as `arsenal simulate --trace` reads it. */
function weekTrace() {
  const workload = syntheticWorkload(options);
  const events: TraceEvent[] = [];
  while (workload.peek() <= HOURS * 60) events.push(workload.next());
  const text = serializeTrace({
    fleet: { ...workload.fleet, duration_minutes: HOURS * 60 },
    events,
  });
  const read = parseTrace(text);
  if (!read.ok) throw new Error(read.problems.join("\n"));
  return read.trace;
}

const trace = weekTrace();
const deploys = trace.events.filter((e) => e.kind === "deploy" && e.t > 0).length;
const ready = await setup(undefined, { onWarning: () => {} });

Deno.bench({
  name: `simulate --trace: a week, 2,000 nodes, ${deploys.toLocaleString("en")} deploys, ` +
    "simple_proportional, 120 s spacings",
  n: 3,
  warmup: 1,
  async fn() {
    const result = await runSimulation({
      config: ready.config,
      strategy: ready.strategy,
      strategyOptions: ready.strategyOptions,
      workload: traceWorkload(trace),
      seed: 1,
      hours: HOURS,
      warmupHours: 0,
    });
    if (result.cycles !== 5040) throw new Error(`${result.cycles} cycles`);
  },
});
