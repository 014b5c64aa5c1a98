/**
 * Logging for a command, configured once: from the command line, and for `run` from the
 * configuration's `[DEFAULT]` section too (the command line wins).
 *
 * @module
 */
import type { Config } from "../setup.ts";
import { ConfigError, UsageError } from "../runtime/errors.ts";
import { configureLogging, type LogFormat } from "../runtime/log.ts";

/** The command line's logging options. */
export interface LoggingFlags {
  /** `--debug`: debug lines too. */
  readonly debug: boolean;
  /** `--log-format`. */
  readonly logFormat: LogFormat;
  /** `--log-file`: also append to this file; it wins over `[DEFAULT] log_file`. */
  readonly logFile?: string;
  /** Warnings and errors only (unless `debug`). */
  readonly quiet?: boolean;
}

/**
 * Configures logging from `flags` and, when given, the configuration's `debug` and `log_file`.
 *
 * @throws {UsageError} when `--log-file` cannot be opened
 * @throws {ConfigError} naming `[DEFAULT] log_file` when that file cannot be opened
 */
export async function startLogging(flags: LoggingFlags, config?: Config): Promise<void> {
  const defaults = config?.DEFAULT;
  const file = flags.logFile ?? defaults?.log_file;
  try {
    await configureLogging({
      level: flags.debug || defaults?.debug ? "debug" : flags.quiet ? "warning" : "info",
      format: flags.logFormat,
      file,
    });
  } catch (e) {
    const reason = (e as Error).message;
    if (!config || flags.logFile !== undefined) {
      throw new UsageError(`cannot open the log file ${file}: ${reason}`);
    }
    throw new ConfigError([{
      where: config.raw.get("DEFAULT")?.get("log_file")?.where ?? config.file ?? "(defaults)",
      section: "DEFAULT",
      option: "log_file",
      value: file,
      expected: `cannot open the log file: ${reason}`,
    }]);
  }
}
