/**
 * Runs a command line in the test's own process through `main(args, io)`, as an operator would see
 * it: exit status, standard output and standard error. Where a real process is needed (signals,
 * the process's own exit, permissions, an agent that keeps running), tests/_arsenal.ts starts one.
 *
 * @module
 */
import { reset } from "@logtape/logtape";
import { main } from "../main.ts";
import type { CommandIo } from "../src/cli/io.ts";

/** What a finished command said. */
export interface Finished {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A command's surroundings: its environment (nothing else) and standard input. */
export interface RunOptions {
  readonly env?: Record<string, string>;
  readonly stdin?: string;
}

let running = false;

type Sink = (text: string) => void;

/**
 * Takes over this process's standard output and error, as main.ts and the log write them
 * (`console`, `Deno.stdout.writeSync`, `Deno.stderr.writeSync`), and returns the undo. Taken
 * there rather than through `CommandIo`, so that output which bypasses it shows as in a process.
 */
function captureOutput(stdout: Sink, stderr: Sink): () => void {
  const undo: (() => void)[] = [];
  const replace = <T extends object>(target: T, key: keyof T & string, value: unknown) => {
    const own = Object.getOwnPropertyDescriptor(target, key);
    Object.defineProperty(target, key, { value, configurable: true, writable: true });
    undo.push(() =>
      own
        ? Object.defineProperty(target, key, own)
        : delete (target as Record<string, unknown>)[key]
    );
  };
  const print = (sink: Sink) => (...data: unknown[]) =>
    sink(data.map((d) => typeof d === "string" ? d : Deno.inspect(d)).join(" ") + "\n");
  const write = (sink: Sink) => {
    const decoder = new TextDecoder();
    return (bytes: Uint8Array) => {
      sink(decoder.decode(bytes));
      return bytes.length;
    };
  };
  for (const name of ["log", "info", "debug"] as const) replace(console, name, print(stdout));
  for (const name of ["error", "warn"] as const) replace(console, name, print(stderr));
  replace(Deno.stdout, "writeSync", write(stdout));
  replace(Deno.stderr, "writeSync", write(stderr));
  return () => undo.reverse().forEach((restore) => restore());
}

/**
 * Runs `arsenal ...args` in this process and returns its exit status, standard output and standard
 * error. One at a time: its output is this process's own.
 */
export async function runMain(
  args: readonly string[],
  options: RunOptions = {},
): Promise<Finished> {
  if (running) throw new Error("runMain() runs one command at a time: await the first");
  running = true;
  let stdout = "";
  let stderr = "";
  const io: CommandIo = {
    env: { ...options.env },
    write(text) {
      stdout += text;
      return Promise.resolve();
    },
    readStdin: () => Promise.resolve(options.stdin ?? ""),
  };
  const restore = captureOutput((text) => stdout += text, (text) => stderr += text);
  try {
    const code = await main(args, io);
    return { code, stdout, stderr };
  } finally {
    restore();
    // main() closes the log's sinks but leaves its loggers configured: the next test starts clean.
    await reset();
    running = false;
  }
}
