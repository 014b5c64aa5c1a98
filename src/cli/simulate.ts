/**
 * `arsenal simulate`: the configured strategy and director against a simulated fleet (the
 * synthetic tenants of `[simulator]`, or a deploy trace), on a virtual clock, and a report of the
 * deploys and cache hits they got.
 *
 * @module
 */
import { parseTrace } from "../domain/trace_reader.ts";
import { type Trace, traceDuration } from "../domain/trace.ts";
import { InputError, UsageError } from "../runtime/errors.ts";
import { syntheticWorkload } from "../scout/simulator/synthetic_workload.ts";
import { MAX_EVENTS_PER_ADVANCE } from "../scout/simulator/simulator.ts";
import { traceWorkload } from "../scout/simulator/trace_workload.ts";
import { formatReport, reportedSimulation } from "../simulation/simulation_report.ts";
import { setup } from "../setup.ts";
import type { Command } from "./args.ts";
import type { CommandIo } from "./io.ts";
import { ProgressBar } from "./progress_bar.ts";

type SimulateCommand = Extract<Command, { name: "simulate" }>;

/** Hours simulated without a trace, unless `--hours` says. */
const DEFAULT_HOURS = 24;

async function readTrace(path: string): Promise<Trace> {
  let text;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new InputError(path, [`cannot read the trace: ${(e as Error).message}`]);
  }
  const result = parseTrace(text);
  if (!result.ok) throw new InputError(path, result.problems);
  return result.trace;
}

/** `--hours`, or the trace's length; checked against `--warmup-hours`. */
function hoursOf(command: SimulateCommand, trace: Trace | undefined): number {
  if (command.hours !== undefined) return command.hours;
  if (!trace) return DEFAULT_HOURS;
  const hours = traceDuration(trace) / 60;
  if (!(hours > 0)) {
    throw new UsageError(
      `--hours: the trace ${command.trace} lasts 0 minutes (no duration_minutes, no event ` +
        "after minute 0): give --hours",
    );
  }
  if (command.warmupHours >= hours) {
    throw new UsageError(
      `--warmup-hours: expected less than the ${hours} simulated hours, got ${command.warmupHours}`,
    );
  }
  return hours;
}

/**
 * Runs the simulation and prints its report (a table, or one JSON object with `--json`).
 *
 * @throws {ConfigError} for an invalid configuration
 * @throws {InputError} for an unreadable or invalid trace
 * @throws {UsageError} when the hours do not make a run
 */
export async function simulateCommand(command: SimulateCommand, io: CommandIo): Promise<void> {
  const trace = command.trace === undefined ? undefined : await readTrace(command.trace);
  const hours = hoursOf(command, trace);
  const ready = await setup(command.configFile, { env: io.env });
  const { config } = ready;
  const seed = command.seed ?? config.simulator.seed;
  const workload = trace ? traceWorkload(trace) : syntheticWorkload({ ...config.simulator, seed });
  const bar = new ProgressBar();
  const { report, skippedMs } = await reportedSimulation({
    config,
    strategy: ready.strategy,
    strategyOptions: ready.strategyOptions,
    workload,
    seed,
    hours,
    warmupHours: command.warmupHours,
    onProgress: (done) => bar.update(done),
  }).finally(() => bar.clear());
  if (skippedMs > 0) {
    const { getLogger } = await import("@logtape/logtape");
    getLogger(["arsenal", "simulate"]).warn(
      "The simulated fleet stood still for {seconds} s: more than {max} events fell between two " +
        "cycles, and the rest came that much late",
      { seconds: skippedMs / 1000, max: MAX_EVENTS_PER_ADVANCE },
    );
  }
  await io.write(command.json ? JSON.stringify(report) + "\n" : formatReport(report));
}
