/**
 * `arsenal plan`: an offline what-if. Plans once on a recorded fleet and prints the directives.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { SnapshotResult } from "../domain/snapshot.ts";
import { InputError } from "../runtime/errors.ts";
import { systemClock } from "../runtime/clock.ts";
import type { Command } from "./args.ts";
import type { CommandIo } from "./io.ts";

const log = getLogger(["arsenal", "plan"]);

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
 * Prints `{"directives":[...]}` (and `"timings"` when asked) for the snapshot.
 *
 * @throws {ConfigError} for an invalid configuration
 * @throws {InputError} for an unreadable or malformed snapshot
 * @throws {PluginError} when the strategy fails or returns an invalid plan
 */
export async function planCommand(
  command: Extract<Command, { name: "plan" }>,
  io: CommandIo,
): Promise<void> {
  // The snapshot is read and decoded while the configuration's code loads: loading modules leaves
  // this thread waiting on the disk, and the snapshot fills those waits.
  const snapshot = decodeWhileLoading(command.snapshot, io);
  snapshot.catch(() => {}); // Settled below, after the configuration's problems (if any).
  const [{ setup }, { planWith }] = await Promise.all([
    import("../setup.ts"),
    import("../strategy/plan_with.ts"),
  ]);
  const ready = await setup(command.configFile, { env: io.env });
  const { decoded, parseMs } = await snapshot;
  if (!decoded.ok) throw new InputError(command.snapshot, decoded.problems);
  const parsed = performance.now();
  const plan = await planWith(ready.strategy, {
    fleet: decoded.fleet,
    options: ready.strategyOptions,
    seed: command.seed,
    imageWeights: ready.config.imageWeights,
  }, { clock: systemClock, timeout: ready.config.strategy.plan_timeout });
  const planned = performance.now();
  for (const warning of plan.warnings) log.warn("{warning}", { warning });
  log.debug("Planned {count} directive(s) with {strategy} {version}, seed {seed}", {
    count: plan.directives.length,
    strategy: ready.strategy.strategy.name,
    version: ready.strategy.strategy.version,
    seed: command.seed,
  });
  const timings = { parseMs: millis(parseMs), planMs: millis(planned - parsed) };
  const output = command.timings
    ? { directives: plan.directives, timings }
    : { directives: plan.directives };
  await io.write(JSON.stringify(output) + "\n");
}
