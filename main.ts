/**
 * Arsenal's entry point: parse the command line, set up logging, run the command, and turn
 * errors into the documented exit statuses (0 ok, 1 failed at run time, 2 bad usage/config/input).
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { EXIT, parseCommandLine, USAGE } from "./src/cli/args.ts";
import { checkConfigCommand } from "./src/cli/check_config.ts";
import { type CommandIo, processIo } from "./src/cli/io.ts";
import { planCommand } from "./src/cli/plan.ts";
import { configureLogging } from "./src/runtime/log.ts";
import { ConfigError, InputError, PluginError, UsageError } from "./src/runtime/errors.ts";
import { VERSION } from "./src/version.ts";

function printError(message: string): void {
  console.error(`arsenal: ${message}`);
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
    await io.write(`arsenal ${VERSION} (deno ${Deno.version.deno})\n`);
    return EXIT.ok;
  }
  await configureLogging({ level: command.debug ? "debug" : "info" });
  try {
    if (command.name === "plan") await planCommand(command, io);
    else await checkConfigCommand(command, io);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof ConfigError || e instanceof InputError || e instanceof UsageError) {
      printError(e.message);
      return EXIT.usage;
    }
    if (e instanceof PluginError) {
      printError(e.message);
      if (e.cause) getLogger(["arsenal"]).debug("Cause: {cause}", { cause: e.cause });
      return EXIT.failed;
    }
    printError(`internal error, please report it: ${(e as Error)?.stack ?? e}`);
    return EXIT.failed;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
