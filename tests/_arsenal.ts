/**
 * Arsenal as a process of its own, for what a test cannot do in-process (tests/_run_main.ts):
 * signals, the process's own exit, permissions, an agent that keeps running. {@linkcode runArsenal}
 * runs one to its exit; {@linkcode startArsenal} starts `arsenal run` and keeps it running. Both
 * start it the way `deno task start` does: deno.json's permission set, from this checkout.
 *
 * @module
 */
import type { Finished, RunOptions } from "./_run_main.ts";
import { ROOT } from "./_helpers.ts";

/** Variables a child `deno` needs from this environment; everything else is left out. */
const KEPT = [
  "PATH",
  "HOME",
  "DENO_DIR",
  "XDG_CACHE_HOME",
  "TMPDIR",
  "DENO_TLS_CA_STORE",
  "NODE_EXTRA_CA_CERTS",
];

/** `deno run` for `arsenal ...args` with deno.json's permission set, as `deno task start` does. */
function spawn(
  args: readonly string[],
  options: RunOptions,
  stdout: "piped" | "null",
): Deno.ChildProcess {
  const env: Record<string, string> = { NO_COLOR: "1" };
  for (const name of KEPT) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      `--config=${ROOT}deno.json`,
      "--permission-set=arsenal",
      `${ROOT}main.ts`,
      ...args,
    ],
    cwd: ROOT,
    env: { ...env, ...options.env },
    clearEnv: true,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout,
    stderr: "piped",
  }).spawn();
}

/** Runs `arsenal ...args` as a process of its own until it exits. */
export async function runArsenal(
  args: readonly string[],
  options: RunOptions = {},
): Promise<Finished> {
  const child = spawn(args, options, "piped");
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

/** Bounds every wait on a started agent: its start, each line it should log, and its exit. */
const DEADLINE_MS = 30_000;

/** A process's standard error as it arrives, and waits on what it says. */
class Log {
  #text = "";
  #ended = false;
  readonly #waiters = new Set<() => void>();
  /** Resolves when the stream ends (the process exited). */
  readonly ended: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.ended = this.#read(stream);
  }

  get text(): string {
    return this.#text;
  }

  async #read(stream: ReadableStream<Uint8Array>): Promise<void> {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      this.#text += chunk;
      this.#waiters.forEach((wake) => wake());
    }
    this.#ended = true;
    this.#waiters.forEach((wake) => wake());
  }

  /** Resolves once the text matched `pattern` `count` times; rejects at its end or deadline. */
  until(pattern: RegExp, count = 1): Promise<void> {
    const all = new RegExp(pattern.source, pattern.flags.replace("g", "") + "g");
    const seen = () => (this.#text.match(all) ?? []).length >= count;
    return new Promise((resolve, reject) => {
      const settle = (late = false) => {
        if (!seen() && !this.#ended && !late) return;
        this.#waiters.delete(wake);
        clearTimeout(timer);
        if (seen()) return resolve();
        const why = late ? `not within ${DEADLINE_MS / 1000} s` : "Arsenal exited";
        reject(new Error(`the log never showed ${pattern} (${why}):\n${this.#text}`));
      };
      const wake = () => settle();
      const timer = setTimeout(() => settle(true), DEADLINE_MS);
      this.#waiters.add(wake);
      settle();
    });
  }
}

/** The line that names the control API's address, once it is whole. */
const LISTENING = /Control API listening on (http:\/\/\S+)\s/;

/** A running `arsenal run`: its API's base URL, its log so far, and ways to wait and stop it. */
export interface RunningArsenal extends AsyncDisposable {
  readonly url: string;
  readonly child: Deno.ChildProcess;
  /** The log (standard error) so far. */
  log(): string;
  /** Resolves once the log matched `pattern` `count` times; rejects when Arsenal exits first. */
  logged(pattern: RegExp, count?: number): Promise<void>;
  /**
   * Sends `signal` (SIGTERM by default) and resolves with the exit status and the whole log; one
   * that does not exit within the deadline is killed.
   */
  stop(signal?: Deno.Signal): Promise<{ code: number; log: string }>;
}

/** Sends `signal` to `child` and waits for its exit: SIGKILL after {@linkcode DEADLINE_MS}. */
async function signalAndWait(child: Deno.ChildProcess, signal: Deno.Signal): Promise<number> {
  const kill = (s: Deno.Signal) => {
    try {
      child.kill(s);
    } catch { /* already gone */ }
  };
  kill(signal);
  const timer = setTimeout(() => kill("SIGKILL"), DEADLINE_MS);
  try {
    return (await child.status).code;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts `arsenal run --config-file config` and resolves once its log names the control API's
 * address. Disposing it kills it, unless {@linkcode RunningArsenal.stop} stopped it.
 */
export async function startArsenal(
  config: string,
  options: { env?: Record<string, string> } = {},
): Promise<RunningArsenal> {
  const child = spawn(["run", "--config-file", config], options, "null");
  const log = new Log(child.stderr);
  let stopped: Promise<{ code: number; log: string }> | undefined;
  const stop = (signal: Deno.Signal = "SIGTERM") =>
    stopped ??= (async () => {
      const code = await signalAndWait(child, signal);
      await log.ended;
      return { code, log: log.text };
    })();
  try {
    await log.until(LISTENING);
  } catch (e) {
    await stop("SIGKILL");
    throw e;
  }
  return {
    url: LISTENING.exec(log.text)![1],
    child,
    log: () => log.text,
    logged: (pattern, count) => log.until(pattern, count),
    stop,
    [Symbol.asyncDispose]: async () => void await stop("SIGKILL"),
  };
}
