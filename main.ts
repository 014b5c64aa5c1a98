/**
 * Arsenal's entry point: parse the command line, set up logging, run the command, stop on
 * SIGTERM/SIGINT, and turn errors into the documented exit statuses.
 *
 * @module
 */
import type { Logger } from "@logtape/logtape";
import { type Command, EXIT, parseCommandLine, USAGE } from "./src/cli/args.ts";
import { COMMAND_MODULES } from "./src/cli/command_modules.ts";
import { type CommandIo, processIo } from "./src/cli/io.ts";
import { ConfigError, InputError, PluginError, UsageError } from "./src/runtime/errors.ts";
import { buildInfo } from "./src/version.ts";

/**
 * The entry point's logger. LogTape is loaded only by the commands that log, when they do (it
 * brings Node's stream and util modules: a quarter of what `version` and `healthcheck` would cost
 * otherwise, and about 20 ms of CPU for a plan).
 */
let log: Logger | undefined;

/**
 * Whether `command` starts logging itself, when it first has something to log: a plan logs only
 * warnings, unless asked for debug lines or a log file (whose path is checked at the start).
 */
function logsOnDemand(command: Command): boolean {
  return command.name === "plan" && !command.debug && command.logFile === undefined;
}

type LoggedCommand = Exclude<Command, { name: "help" | "version" }>;

/** Loads LogTape, and starts logging for every command but `run`, which starts it itself. */
async function loadLogging(command: LoggedCommand) {
  const [{ getLogger }, { startLogging }, { closeLogging }] = await Promise.all([
    import("@logtape/logtape"),
    import("./src/cli/start_logging.ts"),
    import("./src/runtime/log.ts"),
  ]);
  log = getLogger(["arsenal"]);
  // `run` starts logging once it has read its configuration ([DEFAULT] debug and log_file).
  // A simulation runs thousands of cycles: only their warnings and errors are worth a line.
  if (command.name === "simulate") await startLogging({ ...command, quiet: !command.debug });
  else if (command.name !== "run") await startLogging(command);
  return closeLogging;
}

/** Logging for `command`, started at most once however often it is asked to start. */
function loggingFor(command: LoggedCommand) {
  let starting: Promise<void> | undefined;
  let close: (() => Promise<void>) | undefined;
  return {
    start: () =>
      starting ??= loadLogging(command).then((closeLogging) => void (close = closeLogging)),
    /** Flushes and closes the sinks, if logging started. */
    close: async () => await close?.(),
  };
}

/** Imports the module of `command` (typed by the caller, from the module itself). */
async function commandModule<T>(command: keyof typeof COMMAND_MODULES): Promise<T> {
  return await import(new URL(COMMAND_MODULES[command], import.meta.url).href);
}

function printError(message: string): void {
  console.error(`arsenal: ${message}`);
}

/**
 * A stop signal this soon after the first is the same one: in a terminal, Ctrl-C sends SIGINT to
 * the whole process group and `deno task` forwards it too, so one Ctrl-C arrives twice.
 */
const REPEAT_MS = 1_000;

/**
 * Aborts the returned signal on the first SIGTERM or SIGINT. A repeat within a second is the same
 * signal; a later one exits at once (status 143 or 130).
 */
function stopOnSignals(): { signal: AbortSignal; dispose(): void } {
  const shutdown = new AbortController();
  let first = 0;
  const listeners = (["SIGTERM", "SIGINT"] as const).map((name) => {
    const listener = () => {
      if (!shutdown.signal.aborted) {
        first = performance.now();
        log?.info("Received {signal}", { signal: name });
        shutdown.abort();
        return;
      }
      if (performance.now() - first < REPEAT_MS) {
        log?.debug("Received {signal} again within 1 s: taken as the same signal", {
          signal: name,
        });
        return;
      }
      log?.warn("Received {signal} again: exiting now", { signal: name });
      Deno.exit(name === "SIGINT" ? 130 : 143);
    };
    Deno.addSignalListener(name, listener);
    return [name, listener] as const;
  });
  return {
    signal: shutdown.signal,
    dispose: () => listeners.forEach(([name, l]) => Deno.removeSignalListener(name, l)),
  };
}

/** Runs the command line `args` and returns the exit status. */
export async function main(args: readonly string[], io: CommandIo = processIo()): Promise<number> {
  let command;
  try {
    command = parseCommandLine(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    printError(`${e.message}\nRun "arsenal --help" for usage.`);
    return EXIT.usage;
  }
  if (command.name === "help") {
    await io.write(USAGE);
    return EXIT.ok;
  }
  if (command.name === "version") {
    const { version, commit, builtAt } = buildInfo();
    await io.write(
      `arsenal ${version} (deno ${Deno.version.deno}, commit ${commit}` +
        `${builtAt ? `, built ${builtAt}` : ""})\n`,
    );
    return EXIT.ok;
  }
  const signals = command.name === "run" && !command.once ? stopOnSignals() : undefined;
  const logging = loggingFor(command);
  try {
    // healthcheck logs nothing: it prints one line. A plan starts logging when it has a warning.
    if (command.name !== "healthcheck" && !logsOnDemand(command)) await logging.start();
    switch (command.name) {
      // Each command imports only its own modules: `plan` never loads the API or the metrics.
      case "plan": {
        const { planCommand } = await commandModule<typeof import("./src/cli/plan.ts")>("plan");
        await planCommand(command, io, logging.start);
        return EXIT.ok;
      }
      case "simulate": {
        const { simulateCommand } = await commandModule<typeof import("./src/cli/simulate.ts")>(
          "simulate",
        );
        await simulateCommand(command, io);
        return EXIT.ok;
      }
      case "check-config": {
        const { checkConfigCommand } = await commandModule<
          typeof import("./src/cli/check_config.ts")
        >("check-config");
        await checkConfigCommand(command, io);
        return EXIT.ok;
      }
      case "healthcheck": {
        const { healthcheckCommand } = await commandModule<
          typeof import("./src/cli/healthcheck.ts")
        >("healthcheck");
        return await healthcheckCommand(command, io);
      }
      case "trace": {
        const { traceCommand } = await commandModule<typeof import("./src/cli/trace.ts")>("trace");
        await traceCommand(command, io);
        return EXIT.ok;
      }
      default: {
        const { runCommand } = await commandModule<typeof import("./src/cli/run.ts")>("run");
        return await runCommand(command, io, signals?.signal ?? new AbortController().signal);
      }
    }
  } catch (e) {
    if (e instanceof ConfigError || e instanceof InputError || e instanceof UsageError) {
      printError(e.message);
      return EXIT.usage;
    }
    if (e instanceof PluginError) {
      printError(e.message);
      if (e.cause) log?.debug("Cause: {cause}", { cause: e.cause });
      return EXIT.failed;
    }
    printError(`internal error, please report it: ${(e as Error)?.stack ?? e}`);
    return EXIT.failed;
  } finally {
    signals?.dispose();
    await logging.close();
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
