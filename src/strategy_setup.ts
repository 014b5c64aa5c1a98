/**
 * The strategy's part of the startup: the strategy `[strategy]` names, its image weights, the
 * plugin itself and its own section. {@linkcode setupStrategy} reads only that, for `plan`, and so
 * loads none of the other sections' code; `setup()` (`setup.ts`) builds the whole configuration
 * from the same steps.
 *
 * @module
 */
import type { z } from "zod";
import { BUILTIN_STRATEGIES } from "../plugins/mod.ts";
import type { RawSections } from "./config/ini_file.ts";
import { readSections } from "./config/load.ts";
import { readSection, secretOptions } from "./config/section.ts";
import { typoWarnings } from "./config/typo_warnings.ts";
import type { ImageWeights } from "./domain/image_weights.ts";
import { ConfigError, type ConfigProblem, PluginError } from "./runtime/errors.ts";
import { SECTION_NAMES } from "./section_names.ts";
import { strategySection } from "./strategy/config.ts";
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
  reserved: new Set(SECTION_NAMES),
};

/** Warnings given one by one; the rest are counted. */
export const MAX_WARNINGS = 20;

/** How to read the configuration. */
export interface SetupOptions {
  /** Environment variables (for `ARSENAL_<SECTION>__<OPTION>` overrides). */
  readonly env?: Record<string, string>;
  /**
   * Receives each warning (unknown section, option or variable, ignored section, repeated option,
   * inline comment, an option with no effect); logs it by default.
   */
  readonly onWarning?: (message: string) => void;
}

/** The strategy module `[strategy]` names, and where that was configured. */
export type ConfiguredModule = StrategyModule & { readonly where: string };

/**
 * The strategy `raw`'s `[strategy]` names and the image weights it gives. Neither needs another
 * option, so both are checked whatever else failed.
 */
export function configuredStrategy(
  raw: RawSections,
  defaultImageWeight: number,
  where: string,
  problems: ConfigProblem[],
): { strategyModule?: ConfiguredModule; imageWeights: ImageWeights } {
  const strategyOptions = raw.get("strategy");
  const builtins = Object.keys(STRATEGIES.builtins);
  const strategyModule = resolveStrategy(strategyOptions, builtins, where, problems);
  const weightsFile = strategyOptions?.get("image_weights_filename");
  const imageWeights = readImageWeights(
    weightsFile?.value.trim() ? weightsFile.value : undefined,
    defaultImageWeight,
    weightsFile?.where ?? where,
    problems,
  );
  return { strategyModule, imageWeights };
}

/** The strategy loaded, and its options read from its section of `raw`; problems if not. */
export async function loadStrategy(
  configured: ConfiguredModule | undefined,
  raw: RawSections,
  file: string | undefined,
  problems: ConfigProblem[],
): Promise<{ strategy?: LoadedStrategy; strategyOptions?: unknown }> {
  if (!configured) return {};
  const { where, ...module } = configured;
  let strategy: LoadedStrategy;
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
    return {};
  }
  const section = readSection(
    strategy.options,
    strategy.section,
    raw.get(strategy.section),
    file ?? "(defaults)",
  );
  for (const problem of section.problems) problems.push(problem);
  return { strategy, strategyOptions: section.value };
}

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
 * `sections` and the active strategy's as known, the other built-ins' as ignored, and `unread`
 * (Arsenal's sections this command leaves to others) passed over.
 */
export function strategyTypoWarnings(
  raw: RawSections,
  sections: ReadonlyMap<string, z.core.$ZodType>,
  active: LoadedStrategy | undefined,
  { env = {}, secrets = {}, unread }: {
    readonly env?: Readonly<Record<string, string>>;
    readonly secrets?: Readonly<Record<string, readonly string[]>>;
    readonly unread?: ReadonlySet<string>;
  } = {},
): string[] {
  const known = new Map(sections);
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
  return typoWarnings(raw, { known, secrets, ignored, unread }, env);
}

/** Gives each warning to `onWarning` (or the log), the first {@linkcode MAX_WARNINGS} of them. */
export async function reportWarnings(
  warnings: readonly string[],
  onWarning: ((message: string) => void) | undefined,
): Promise<void> {
  // A generated file can hold thousands of typos; the first few tell what is wrong.
  const shown = warnings.slice(0, MAX_WARNINGS);
  if (warnings.length > MAX_WARNINGS) {
    shown.push(`... and ${(warnings.length - MAX_WARNINGS).toLocaleString("en")} more warnings`);
  }
  if (shown.length === 0) return;
  // The log's code loads only to log: most configurations warn of nothing.
  const warn = onWarning ?? (await import("./config/log_warning.ts")).logWarning;
  for (const warning of shown) warn(warning);
}

/** What `plan` reads of the configuration. */
export interface StrategySetup {
  readonly strategy: LoadedStrategy;
  /** The strategy's options, parsed from its section. */
  readonly strategyOptions: unknown;
  readonly imageWeights: ImageWeights;
  /** `[strategy] plan_timeout`, in seconds. */
  readonly planTimeout: number;
}

/**
 * Reads `[strategy]`, the image weights file, the strategy and its section from `file` (or
 * defaults), and nothing else: Arsenal's other sections are neither checked nor warned of
 * (`check-config` checks them). ARSENAL_ variables set options, but a stray one is not warned of.
 *
 * @throws {ConfigError} listing every problem of what it read
 */
export async function setupStrategy(
  file: string | undefined,
  options: SetupOptions = {},
): Promise<StrategySetup> {
  const sections = { strategy: strategySection };
  const read = readSections(file, sections, options.env);
  const { raw, values, problems } = read;
  let imageWeights: ImageWeights | undefined;
  let loaded: Awaited<ReturnType<typeof loadStrategy>> = {};
  if (!read.unreadable) {
    const defaultWeight = values.strategy?.default_image_weight ?? 1;
    const configured = configuredStrategy(raw, defaultWeight, read.where, problems);
    imageWeights = configured.imageWeights;
    loaded = await loadStrategy(configured.strategyModule, raw, file, problems);
  }
  const { strategy, strategyOptions } = loaded;
  await reportWarnings([
    ...read.warnings,
    ...strategyTypoWarnings(raw, new Map(Object.entries(sections)), strategy, {
      secrets: secretOptions(sections),
      unread: new Set(SECTION_NAMES.filter((name) => name !== "strategy")),
    }),
  ], options.onWarning);
  if (problems.length > 0 || !strategy || !imageWeights || !values.strategy) {
    throw new ConfigError(problems);
  }
  return { strategy, strategyOptions, imageWeights, planTimeout: values.strategy.plan_timeout };
}
