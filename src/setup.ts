/**
 * Startup: configuration, strategy plugin, and the plugin's own section, validated together so
 * that one run reports every problem.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { type Config, readConfig } from "./config/load.ts";
import type { RawOption, RawSections } from "./config/ini_file.ts";
import { FROM_ENVIRONMENT, strayVariables, variableNames } from "./config/environment.ts";
import { readSection, suggest, unknownOptions } from "./config/section.ts";
import { describeShape, type SectionShape } from "./runtime/option_shape.ts";
import { SECRETS, SECTIONS } from "./config/schema.ts";
import { BUILTIN_STRATEGIES } from "../plugins/mod.ts";
import { ConfigError, type ConfigProblem, PluginError } from "./runtime/errors.ts";
import { checkStrategy, importStrategy, type LoadedStrategy } from "./strategy/loader.ts";

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

const log = getLogger(["arsenal", "config"]);

/** Warnings given one by one; the rest are counted. */
export const MAX_WARNINGS = 20;

/** Logs a configuration warning, as {@linkcode setup} does unless told otherwise. */
export function logWarning(warning: string): void {
  log.warn("{warning}", { warning });
}

/** The built-in strategies by the section each reads. */
function builtinsBySection(): Map<string, LoadedStrategy> {
  return new Map(
    Object.entries(BUILTIN_STRATEGIES).map(([name, plugin]) => {
      const loaded = checkStrategy(name, plugin);
      return [loaded.section, loaded];
    }),
  );
}

/** The variable an option came from, when it came from the environment. */
function variableOf(option: RawOption | undefined): string | undefined {
  return option?.where.startsWith(FROM_ENVIRONMENT)
    ? option.where.slice(FROM_ENVIRONMENT.length)
    : undefined;
}

/**
 * Warnings for sections, options and `ARSENAL_` variables nobody reads: the typo guard. Values are
 * never quoted: a misplaced one may be a secret.
 */
export function typoWarnings(
  raw: RawSections,
  active: LoadedStrategy | undefined,
  env: Readonly<Record<string, string>> = {},
): string[] {
  const known = new Map<string, SectionShape>(
    Object.entries(SECTIONS).map(([name, schema]) => [name, describeShape(schema)]),
  );
  if (active) known.set(active.section, active.shape);
  const builtins = builtinsBySection();
  const variables = variableNames(known, SECRETS);
  const sectionNames = [...known.keys(), ...builtins.keys()];
  const hint = (near: string | undefined) => near ? `; did you mean ${near}?` : "";
  const warnings = strayVariables(env).map((name) =>
    `${FROM_ENVIRONMENT}${name} is ignored: options are set by ARSENAL_<SECTION>__<OPTION>` +
    hint(suggest(name, variables))
  );
  for (const [section, options] of raw) {
    const first = options.values().next().value;
    const where = first?.where ?? "configuration";
    const shape = known.get(section);
    if (shape) {
      const suggestFor = (key: string, opt: RawOption) => {
        const variable = variableOf(opt);
        return variable ? suggest(variable, variables) : suggest(key, Object.keys(shape));
      };
      for (const warning of unknownOptions(section, options, shape, suggestFor)) {
        warnings.push(warning);
      }
    } else if (builtins.has(section)) {
      warnings.push(
        `${where}: section [${section}] is ignored: it configures strategy ` +
          `"${builtins.get(section)!.strategy.name}", and the active strategy is ` +
          `"${active?.strategy.name}"`,
      );
    } else {
      const variable = variableOf(first);
      const near = variable ? suggest(variable, variables) : suggest(section, sectionNames);
      const instead = near && !variable ? `[${near}]` : near;
      warnings.push(`${where}: unknown section [${section}] is ignored${hint(instead)}`);
    }
  }
  return warnings;
}

const NOVA_RETRIES = "Arsenal only reads from Nova, and reads are retried under " +
  "[client_wrapper] call_max_retries and call_retry_interval";

/** Options accepted for compatibility whose names promise an effect, and why they have none. */
const NO_EFFECT: readonly (readonly [section: string, option: string, why: string])[] = [
  ["nova", "api_max_retries", NOVA_RETRIES],
  ["nova", "api_retry_interval", NOVA_RETRIES],
];

/** Notes on the options set in `raw` that are accepted for compatibility but have no effect. */
function noEffectWarnings(raw: RawSections): string[] {
  return NO_EFFECT.flatMap(([section, option, why]) => {
    const set = raw.get(section)?.get(option);
    return set
      ? [`${set.where}: [${section}] ${option} has no effect (accepted for compatibility): ${why}`]
      : [];
  });
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
      strategy = await importStrategy(module);
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
  const warn = options.onWarning ?? logWarning;
  // A generated file can hold thousands of typos; the first few tell what is wrong.
  for (const warning of warnings.slice(0, MAX_WARNINGS)) warn(warning);
  if (warnings.length > MAX_WARNINGS) {
    warn(`... and ${(warnings.length - MAX_WARNINGS).toLocaleString("en")} more warnings`);
  }
  if (problems.length > 0 || !read.config || !strategy) throw new ConfigError(problems);
  return { config: read.config, strategy, strategyOptions };
}
