/**
 * Arsenal's environment variables: `ARSENAL_<SECTION>__<OPTION>` for every option, a few names of
 * their own, and the names that look like Arsenal's but set nothing (a typo to warn about).
 *
 * @module
 */
import type { z } from "zod";
import { describeShape, optionMarks } from "../runtime/option_shape.ts";

/** How an option's `where` names the variable that set it: `environment ARSENAL_API__HOST`. */
export const FROM_ENVIRONMENT = "environment ";

/** Every variable Arsenal reads starts with this. */
export const ENV_PREFIX = "ARSENAL_";

/** A variable's section and option. */
export type VariableTarget = readonly [section: string, option: string];

/**
 * Variables with names of their own, from their options' `meta({ env })`, and what each sets.
 *
 * @param known the sections' schemas, by section
 */
export function variableAliases(
  known: ReadonlyMap<string, z.core.$ZodType>,
): Map<string, VariableTarget> {
  const aliases = new Map<string, VariableTarget>();
  for (const [section, schema] of known) {
    for (const [option, { env }] of Object.entries(optionMarks(schema))) {
      if (env) aliases.set(env, [section, option]);
    }
  }
  return aliases;
}

/**
 * Arsenal's variables that are not options, so never warned about: the integration suite's
 * switches (`tests/integration/`), which the agent itself does not read.
 */
export const OWN_VARIABLES: ReadonlySet<string> = new Set([
  "ARSENAL_OPENSTACK_TESTS",
  "ARSENAL_OPENSTACK_COMMAND",
]);

/** The variable that sets `[section] option`: `ARSENAL_DIRECTOR__DRY_RUN`. */
export function variableName(section: string, option: string): string {
  return `${ENV_PREFIX}${section.toUpperCase()}__${option.toUpperCase()}`;
}

/**
 * Every variable that sets an option of the `known` sections, `<secret>_FILE` ones and aliases
 * included: the candidates a misspelt variable is matched against.
 */
export function variableNames(
  known: ReadonlyMap<string, z.core.$ZodType>,
  secrets: Readonly<Record<string, readonly string[]>>,
): string[] {
  const names = [...variableAliases(known).keys()];
  for (const [section, schema] of known) {
    for (const option of Object.keys(describeShape(schema))) {
      names.push(variableName(section, option));
    }
    for (const option of secrets[section] ?? []) {
      names.push(variableName(section, `${option}_file`));
    }
  }
  return names;
}

/**
 * `ARSENAL_` variables that name no option at all (no `__`, and no name of Arsenal's own):
 * `ARSENAL_DIRECTOR_DRY_RUN` is ignored, and the agent would run live.
 *
 * @param aliases the variables with names of their own ({@linkcode variableAliases})
 */
export function strayVariables(
  env: Readonly<Record<string, string>>,
  aliases: ReadonlyMap<string, VariableTarget>,
): string[] {
  return Object.keys(env).filter((name) =>
    name.startsWith(ENV_PREFIX) && !name.includes("__", ENV_PREFIX.length) &&
    !aliases.has(name) && !OWN_VARIABLES.has(name)
  );
}
