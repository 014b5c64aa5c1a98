/**
 * `arsenal trace`: writes a synthetic deploy trace, the tenants `[simulator]` describes, so that
 * anyone can make traces to replay (`arsenal simulate --trace`) or to share.
 *
 * @module
 */
import { serializeTraceLine } from "../domain/trace.ts";
import { UsageError } from "../runtime/errors.ts";
import { syntheticWorkload } from "../scout/simulator/synthetic_workload.ts";
import { setup } from "../setup.ts";
import type { Command } from "./args.ts";
import type { CommandIo } from "./io.ts";

type TraceCommand = Extract<Command, { name: "trace" }>;

/** Text is written in pieces of about this many characters: few writes, bounded memory. */
const CHUNK = 1 << 16;

/** Where the trace goes: standard output, or `--output FILE` (created or emptied first). */
async function openSink(
  command: TraceCommand,
  io: CommandIo,
): Promise<{ write(text: string): Promise<void>; close(): void }> {
  if (command.output === undefined) return { write: (text) => io.write(text), close() {} };
  const path = command.output;
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { write: true, create: true, truncate: true });
  } catch (e) {
    throw new UsageError(`--output: cannot write "${path}": ${(e as Error).message}`);
  }
  const encoder = new TextEncoder();
  return {
    async write(text) {
      const bytes = encoder.encode(text);
      for (let done = 0; done < bytes.length;) done += await file.write(bytes.subarray(done));
    },
    close: () => file.close(),
  };
}

/**
 * Writes the fleet line (`duration_minutes` = hours * 60), then every event up to that minute.
 *
 * @throws {ConfigError} for an invalid configuration
 * @throws {UsageError} when the output file cannot be written
 */
export async function traceCommand(command: TraceCommand, io: CommandIo): Promise<void> {
  const { config } = await setup(command.configFile, { env: io.env });
  const workload = syntheticWorkload({
    ...config.simulator,
    seed: command.seed ?? config.simulator.seed,
  });
  const end = command.hours * 60;
  const sink = await openSink(command, io);
  try {
    let text = serializeTraceLine({ ...workload.fleet, duration_minutes: end }) + "\n";
    while (workload.peek() <= end) {
      text += serializeTraceLine(workload.next()) + "\n";
      if (text.length >= CHUNK) {
        await sink.write(text);
        text = "";
      }
    }
    await sink.write(text);
  } finally {
    sink.close();
  }
}
