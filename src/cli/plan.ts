/**
 * `arsenal plan`: an offline what-if. Plans once on a recorded fleet and prints the directives.
 *
 * @module
 */
import type { SnapshotResult } from "../domain/snapshot.ts";
import { InputError } from "../runtime/errors.ts";
import { systemClock } from "../runtime/clock.ts";
import type { LoadedStrategy } from "../strategy/loader.ts";
import type { CheckedPlan } from "../strategy/run.ts";
import type { Command } from "./args.ts";
import type { CommandIo } from "./io.ts";

type PlanCommand = Extract<Command, { name: "plan" }>;

/**
 * Starts logging, once. A plan logs only its warnings (and `--debug` lines), so it starts logging
 * when it has one: most plans never load LogTape, and the Node modules it brings.
 */
export type StartLogging = () => Promise<void>;

/** Logs the configuration's warnings, once logging has started; nothing when there are none. */
async function logConfigWarnings(warnings: readonly string[], startLogging: StartLogging) {
  if (warnings.length === 0) return;
  await startLogging();
  const { logWarning } = await import("../config/log_warning.ts");
  warnings.forEach(logWarning);
}

/** Logs the plan's warnings, and with `--debug` what made it; starts logging only for those. */
async function logPlan(
  command: PlanCommand,
  plan: CheckedPlan,
  { strategy }: LoadedStrategy,
  startLogging: StartLogging,
): Promise<void> {
  if (plan.warnings.length === 0 && !command.debug) return;
  await startLogging();
  const { getLogger } = await import("@logtape/logtape");
  const log = getLogger(["arsenal", "plan"]);
  for (const warning of plan.warnings) log.warn("{warning}", { warning });
  log.debug("Planned {count} directive(s) with {strategy} {version}, seed {seed}", {
    count: plan.directives.length,
    strategy: strategy.name,
    version: strategy.version,
    seed: command.seed,
  });
}

function millis(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

async function readSnapshot(path: string, io: CommandIo): Promise<string> {
  try {
    return path === "-" ? await io.readStdin() : await Deno.readTextFile(path);
  } catch (e) {
    throw new InputError(path, [`cannot read the snapshot: ${(e as Error).message}`]);
  }
}

/** The snapshot, decoded, and the milliseconds spent reading it and then decoding it. */
async function decodeWhileLoading(
  path: string,
  io: CommandIo,
): Promise<{ decoded: SnapshotResult; parseMs: number }> {
  const started = performance.now();
  const reading = readSnapshot(path, io).then((text) => ({ text, readMs: elapsed(started) }));
  const [{ text, readMs }, { decodeSnapshot }] = await Promise.all([
    reading,
    import("../domain/snapshot.ts"),
  ]);
  const decoding = performance.now();
  const decoded = decodeSnapshot(text);
  return { decoded, parseMs: readMs + elapsed(decoding) };
}

function elapsed(since: number): number {
  return performance.now() - since;
}

/**
 * Prints `{"directives":[...]}` (and `"timings"` when asked) for the snapshot; warnings and
 * `--debug` lines go to the log, started by `startLogging` when there is one.
 *
 * @throws {ConfigError} for an invalid configuration
 * @throws {InputError} for an unreadable or malformed snapshot
 * @throws {PluginError} when the strategy fails or returns an invalid plan
 */
export async function planCommand(
  command: PlanCommand,
  io: CommandIo,
  startLogging: StartLogging,
): Promise<void> {
  // The snapshot is read and decoded while the configuration's code loads: loading modules leaves
  // this thread waiting on the disk, and the snapshot fills those waits.
  const snapshot = decodeWhileLoading(command.snapshot, io);
  snapshot.catch(() => {}); // Settled below, after the configuration's problems (if any).
  const [{ setup }, { planWith }] = await Promise.all([
    import("../setup.ts"),
    import("../strategy/plan_with.ts"),
  ]);
  const warnings: string[] = [];
  const ready = await setup(command.configFile, { env: io.env, onWarning: (w) => warnings.push(w) })
    .finally(() => logConfigWarnings(warnings, startLogging));
  const { decoded, parseMs } = await snapshot;
  if (!decoded.ok) throw new InputError(command.snapshot, decoded.problems);
  const parsed = performance.now();
  const plan = await planWith(ready.strategy, {
    fleet: decoded.fleet,
    options: ready.strategyOptions,
    seed: command.seed,
    imageWeights: ready.config.imageWeights,
    deploys: decoded.deploys,
  }, { clock: systemClock, timeout: ready.config.strategy.plan_timeout });
  const planned = performance.now();
  await logPlan(command, plan, ready.strategy, startLogging);
  const timings = { parseMs: millis(parseMs), planMs: millis(planned - parsed) };
  const output = command.timings
    ? { directives: plan.directives, timings }
    : { directives: plan.directives };
  await io.write(JSON.stringify(output) + "\n");
}
