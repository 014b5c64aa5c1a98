/**
 * `arsenal check-config`: validate the configuration and show what is in force.
 *
 * @module
 */
import { renderEffectiveConfig } from "./effective.ts";
import { setup } from "../setup.ts";
import type { Command } from "./args.ts";
import type { CommandIo } from "./io.ts";

/**
 * Prints the effective configuration (secrets redacted); warnings go to the log.
 *
 * @throws {ConfigError} listing every problem
 */
export async function checkConfigCommand(
  command: Extract<Command, { name: "check-config" }>,
  io: CommandIo,
): Promise<void> {
  const ready = await setup(command.configFile, { env: io.env });
  await io.write(renderEffectiveConfig(ready));
}
