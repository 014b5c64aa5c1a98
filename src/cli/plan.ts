/**
 * `arsenal plan`: an offline what-if. Plans once on a recorded fleet and prints the directives.
 *
 * @module
 */
import { InputError } from "../runtime/errors.ts";
import { systemClock } from "../runtime/clock.ts";
import { readWholeText } from "../runtime/read_text.ts";
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

/** The snapshot's text, from its file or, for "-", from standard input. */
async function readSnapshot(path: string, io: CommandIo): Promise<string> {
  try {
    return path === "-" ? await io.readStdin() : readWholeText(path);
  } catch (e) {
    throw new InputError(path, [`cannot read the snapshot: ${(e as Error).message}`]);
  }
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
  // Read after the configuration, whose problems come first. Reading it sooner would gain nothing:
  // while modules load, Deno settles no other promise, so a read started then waits for them.
  const [{ setupStrategy }, { planWith }, { decodeSnapshot }] = await Promise.all([
    import("../strategy_setup.ts"),
    import("../strategy/plan_with.ts"),
    import("../domain/snapshot.ts"),
  ]);
  const warnings: string[] = [];
  const onWarning = (warning: string) => void warnings.push(warning);
  // Only what a plan uses: the strategy, its section and the image weights.
  const ready = await setupStrategy(command.configFile, { env: io.env, onWarning })
    .finally(() => logConfigWarnings(warnings, startLogging));
  const reading = performance.now();
  const decoded = decodeSnapshot(await readSnapshot(command.snapshot, io));
  if (!decoded.ok) throw new InputError(command.snapshot, decoded.problems);
  const parsed = performance.now();
  const plan = await planWith(ready.strategy, {
    fleet: decoded.fleet,
    options: ready.strategyOptions,
    seed: command.seed,
    imageWeights: ready.imageWeights,
    deploys: decoded.deploys,
  }, { clock: systemClock, timeout: ready.planTimeout });
  const planned = performance.now();
  await logPlan(command, plan, ready.strategy, startLogging);
  const timings = { parseMs: millis(parsed - reading), planMs: millis(planned - parsed) };
  const output = command.timings
    ? { directives: plan.directives, timings }
    : { directives: plan.directives };
  await io.write(JSON.stringify(output) + "\n");
}
