/**
 * Configuration warnings in the log. Its own module, loaded when there is a warning to log: most
 * configurations have none, and a plan then never loads LogTape.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";

const log = getLogger(["arsenal", "config"]);

/** Logs a configuration warning, under `arsenal.config`. */
export function logWarning(warning: string): void {
  log.warn("{warning}", { warning });
}
