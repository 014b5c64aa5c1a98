/**
 * Arsenal's sections of `arsenal.conf`, each declared by its owner next to its code (the
 * director, the API, the scouts, the strategy): the schemas the composition root hands to
 * `config/`, which knows none of them.
 *
 * @module
 */
import { z } from "zod";
import { apiSection } from "./api/config.ts";
import { text } from "./config/options.ts";
import { secretOptions } from "./config/section.ts";
import type { SectionName } from "./section_names.ts";
import { directorSection } from "./director/config.ts";
import { OPENSTACK_SECTIONS } from "./scout/openstack/config.ts";
import { simulatorSection } from "./scout/simulator/config.ts";
import { strategySection } from "./strategy/config.ts";

/**
 * `[DEFAULT]`: oslo.log options an existing file may carry. The composition root's own section:
 * it configures logging, once.
 */
export const defaultSection = z.object({
  debug: z.boolean().default(false).describe("Log at debug level (like `--debug`)."),
  verbose: z.boolean().default(false).describe("Accepted for compatibility; has no effect."),
  log_file: text().describe("Also write the log to this file (like `--log-file`)."),
  log_dir: text().describe("Accepted for compatibility; has no effect."),
  use_stderr: z.boolean().optional().describe("Accepted for compatibility; has no effect."),
  use_syslog: z.boolean().optional().describe("Accepted for compatibility; has no effect."),
  log_config_append: text().describe("Accepted for compatibility; has no effect."),
  log_date_format: text().describe("Accepted for compatibility; has no effect."),
  default_log_levels: text().describe("Accepted for compatibility; has no effect."),
});

/**
 * Arsenal's sections by name, each from its owner, in the order the README documents them: one
 * for each name of `SECTION_NAMES` (`section_names.ts`), and no other.
 */
export const SECTIONS = {
  DEFAULT: defaultSection,
  director: directorSection,
  api: apiSection,
  simulator: simulatorSection,
  strategy: strategySection,
  ...OPENSTACK_SECTIONS,
} as const satisfies Record<SectionName, z.core.$ZodType>;

/**
 * Options whose values are secret, by section: those marked `meta({ secret: true })`. Each may be
 * read from `<name>_file`; none is ever printed.
 */
export const SECRETS: Readonly<Record<string, readonly string[]>> = secretOptions(SECTIONS);
