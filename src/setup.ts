/**
 * Startup: configuration, strategy plugin, and the plugin's own section, validated together so
 * that one run reports every problem.
 *
 * This is where `arsenal.conf` is put together: `config/` reads the sections of
 * {@linkcode SECTIONS}, then each owner's step derives its settings from them.
 *
 * @module
 */
import type { z } from "zod";
import { checkApiExposure } from "./api/exposure.ts";
import type { RawSections } from "./config/ini_file.ts";
import { readSections } from "./config/load.ts";
import type { ImageWeights } from "./domain/image_weights.ts";
import { ConfigError, type ConfigProblem } from "./runtime/errors.ts";
import { noEffectWarnings } from "./scout/openstack/config.ts";
import { type OpenStackSettings, resolveOpenStack } from "./scout/openstack/settings.ts";
import { simulatorSpacings } from "./scout/simulator/config.ts";
import { SECRETS, SECTIONS } from "./sections.ts";
import type { LoadedStrategy } from "./strategy/loader.ts";
import {
  type ConfiguredModule,
  configuredStrategy,
  loadStrategy,
  reportWarnings,
  type SetupOptions,
  strategyTypoWarnings,
} from "./strategy_setup.ts";

export { type SetupOptions, STRATEGIES } from "./strategy_setup.ts";

type Sections = typeof SECTIONS;

/** The validated configuration: Arsenal's own sections, plus everything as given. */
export type Config =
  & { readonly [S in keyof Sections]: z.infer<Sections[S]> }
  & {
    /** The configuration file, or undefined when running on defaults. */
    readonly file: string | undefined;
    /** The strategy plugin to load, and where it was configured. */
    readonly strategyModule: ConfiguredModule;
    readonly imageWeights: ImageWeights;
    /** The OpenStack scout's settings; undefined with the simulator. */
    readonly openstack?: OpenStackSettings;
    /** Every section as given (after environment and `_file`), for plugins' own sections. */
    readonly raw: RawSections;
  };

/** What reading the configuration found. `config` is absent when there were problems. */
export interface ReadResult {
  readonly config?: Config;
  /** The strategy to load, when `[strategy]` names one (even if other options are invalid). */
  readonly strategyModule?: Config["strategyModule"];
  /** Every section as given. */
  readonly raw: RawSections;
  readonly problems: ConfigProblem[];
  /** What is likely a mistake in the file: a repeated option or section, an inline comment. */
  readonly warnings: readonly string[];
}

/**
 * Reads and validates the configuration: every section, then what their owners derive from them
 * (the simulator's spacings, the API's exposure, the OpenStack settings, the strategy and its
 * weights), in that order.
 *
 * @param file path of `arsenal.conf`; undefined runs on defaults (and the environment)
 * @param env environment variables; only `ARSENAL_<SECTION>__<OPTION>` ones are used
 */
export function readConfig(file: string | undefined, env: Record<string, string> = {}): ReadResult {
  const { where, raw, values, problems, warnings, unreadable } = readSections(file, SECTIONS, env);
  if (unreadable) return { raw, problems, warnings };
  if (values.director) values.director = simulatorSpacings(values.director, raw.get("director"));
  if (values.api) checkApiExposure(values.api, raw.get("api"), where, problems);
  let openstack: OpenStackSettings | undefined;
  const { director, client_wrapper, ironic, nova, glance, standalone } = values;
  if (director && client_wrapper && ironic && nova && glance && standalone) {
    const sections = { scout: director.scout, client_wrapper, ironic, nova, glance, standalone };
    const resolved = resolveOpenStack(sections, raw, where);
    for (const problem of resolved.problems) problems.push(problem);
    openstack = resolved.settings;
  }
  const { strategyModule, imageWeights } = configuredStrategy(
    raw,
    values.strategy?.default_image_weight ?? 1,
    where,
    problems,
  );
  const valid = values as { [S in keyof Sections]: z.infer<Sections[S]> };
  return {
    config: problems.length === 0 && strategyModule
      ? { ...valid, file, strategyModule, imageWeights, openstack, raw }
      : undefined,
    strategyModule,
    raw,
    problems,
    warnings,
  };
}

/** A validated configuration with its strategy, ready to plan. */
export interface Setup {
  readonly config: Config;
  readonly strategy: LoadedStrategy;
  /** The strategy's options, parsed from its section. */
  readonly strategyOptions: unknown;
}

/**
 * Warnings for sections, options and `ARSENAL_` variables nobody reads: the typo guard, with
 * Arsenal's sections and the active strategy's as known, and the other built-ins' as ignored.
 */
export function typoWarnings(
  raw: RawSections,
  active: LoadedStrategy | undefined,
  env: Readonly<Record<string, string>> = {},
): string[] {
  const sections = new Map<string, z.core.$ZodType>(Object.entries(SECTIONS));
  return strategyTypoWarnings(raw, sections, active, { env, secrets: SECRETS });
}

/**
 * Reads `file` (or defaults), loads the configured strategy, and validates its section.
 *
 * @throws {ConfigError} listing every problem: syntax, values, secrets, weights, plugin
 */
export async function setup(file: string | undefined, options: SetupOptions = {}): Promise<Setup> {
  const read = readConfig(file, options.env);
  const problems: ConfigProblem[] = [...read.problems];
  const { strategy, strategyOptions } = await loadStrategy(
    read.strategyModule,
    read.raw,
    file,
    problems,
  );
  await reportWarnings([
    ...read.warnings,
    ...typoWarnings(read.raw, strategy, options.env),
    ...noEffectWarnings(read.raw),
  ], options.onWarning);
  if (problems.length > 0 || !read.config || !strategy) throw new ConfigError(problems);
  return { config: read.config, strategy, strategyOptions };
}
