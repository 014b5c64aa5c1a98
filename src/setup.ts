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
import { readSection } from "./config/section.ts";
import { typoWarnings as guardTypos } from "./config/typo_warnings.ts";
import type { ImageWeights } from "./domain/image_weights.ts";
import { BUILTIN_STRATEGIES } from "../plugins/mod.ts";
import { ConfigError, type ConfigProblem, PluginError } from "./runtime/errors.ts";
import { noEffectWarnings } from "./scout/openstack/config.ts";
import { type OpenStackSettings, resolveOpenStack } from "./scout/openstack/settings.ts";
import { simulatorSpacings } from "./scout/simulator/config.ts";
import { SECRETS, SECTIONS } from "./sections.ts";
import { readImageWeights } from "./strategy/image_weights_file.ts";
import {
  checkStrategy,
  importStrategy,
  type LoadedStrategy,
  type StrategyCatalog,
  type StrategyModule,
} from "./strategy/loader.ts";
import { resolveStrategy } from "./strategy/resolve_strategy.ts";

/** The strategies a name selects, and the sections no plugin may take: Arsenal's own. */
export const STRATEGIES: StrategyCatalog = {
  builtins: BUILTIN_STRATEGIES,
  reserved: new Set(Object.keys(SECTIONS)),
};

type Sections = typeof SECTIONS;

/** The validated configuration: Arsenal's own sections, plus everything as given. */
export type Config =
  & { readonly [S in keyof Sections]: z.infer<Sections[S]> }
  & {
    /** The configuration file, or undefined when running on defaults. */
    readonly file: string | undefined;
    /** The strategy plugin to load, and where it was configured. */
    readonly strategyModule: StrategyModule & { readonly where: string };
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
  // The strategy and the weights file need no other option: check them whatever else failed.
  const strategyOptions = raw.get("strategy");
  const builtins = Object.keys(STRATEGIES.builtins);
  const strategyModule = resolveStrategy(strategyOptions, builtins, where, problems);
  const weightsFile = strategyOptions?.get("image_weights_filename");
  const imageWeights = readImageWeights(
    weightsFile?.value.trim() ? weightsFile.value : undefined,
    values.strategy?.default_image_weight ?? 1,
    weightsFile?.where ?? where,
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

/** How to run {@linkcode setup}. */
export interface SetupOptions {
  /** Environment variables (for `ARSENAL_<SECTION>__<OPTION>` overrides). */
  readonly env?: Record<string, string>;
  /**
   * Receives each warning (unknown section, option or variable, ignored section, repeated option,
   * inline comment, an option with no effect); logs it by default.
   */
  readonly onWarning?: (message: string) => void;
}

/** Warnings given one by one; the rest are counted. */
export const MAX_WARNINGS = 20;

/** The built-in strategies by the section each reads. */
function builtinsBySection(): Map<string, LoadedStrategy> {
  return new Map(
    Object.entries(STRATEGIES.builtins).map(([name, plugin]) => {
      const loaded = checkStrategy(name, plugin);
      return [loaded.section, loaded];
    }),
  );
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
  const known = new Map<string, z.core.$ZodType>(Object.entries(SECTIONS));
  if (active) known.set(active.section, active.options);
  const ignored = new Map<string, string>();
  for (const [section, { strategy }] of builtinsBySection()) {
    if (known.has(section)) continue;
    ignored.set(
      section,
      `it configures strategy "${strategy.name}", and the active strategy is ` +
        `"${active?.strategy.name}"`,
    );
  }
  return guardTypos(raw, { known, secrets: SECRETS, ignored }, env);
}

/**
 * Reads `file` (or defaults), loads the configured strategy, and validates its section.
 *
 * @throws {ConfigError} listing every problem: syntax, values, secrets, weights, plugin
 */
export async function setup(file: string | undefined, options: SetupOptions = {}): Promise<Setup> {
  const read = readConfig(file, options.env);
  const problems: ConfigProblem[] = [...read.problems];
  let strategy: LoadedStrategy | undefined;
  let strategyOptions: unknown;
  if (read.strategyModule) {
    const { where, ...module } = read.strategyModule;
    try {
      strategy = await importStrategy(module, STRATEGIES);
    } catch (e) {
      if (!(e instanceof PluginError)) throw e;
      const spec = module.kind === "builtin" ? module.name : module.path;
      problems.push({
        where,
        section: "strategy",
        option: "module",
        value: spec,
        expected: e.reason,
      });
    }
  }
  if (strategy) {
    const section = readSection(
      strategy.options,
      strategy.section,
      read.raw.get(strategy.section),
      file ?? "(defaults)",
    );
    for (const problem of section.problems) problems.push(problem);
    strategyOptions = section.value;
  }
  const warnings = [
    ...read.warnings,
    ...typoWarnings(read.raw, strategy, options.env),
    ...noEffectWarnings(read.raw),
  ];
  // A generated file can hold thousands of typos; the first few tell what is wrong.
  const shown = warnings.slice(0, MAX_WARNINGS);
  if (warnings.length > MAX_WARNINGS) {
    shown.push(`... and ${(warnings.length - MAX_WARNINGS).toLocaleString("en")} more warnings`);
  }
  if (shown.length > 0) {
    // The log's code loads only to log: most configurations warn of nothing.
    const warn = options.onWarning ?? (await import("./config/log_warning.ts")).logWarning;
    for (const warning of shown) warn(warning);
  }
  if (problems.length > 0 || !read.config || !strategy) throw new ConfigError(problems);
  return { config: read.config, strategy, strategyOptions };
}
