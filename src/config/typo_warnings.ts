/**
 * The typo guard: warnings for sections, options and `ARSENAL_` variables nobody reads. Which
 * sections are read is the caller's to say. Values are never quoted: a misplaced one may be a
 * secret.
 *
 * @module
 */
import type { z } from "zod";
import { describeShape, optionTypes } from "../runtime/option_shape.ts";
import { FROM_ENVIRONMENT, strayVariables, variableAliases, variableNames } from "./environment.ts";
import type { RawOption, RawSections } from "./ini_file.ts";
import { suggest, unknownOptions } from "./section.ts";

/** Who reads what: the sections read now, and those that are known but not read now. */
export interface Readers {
  /** The sections read, with their schemas. */
  readonly known: ReadonlyMap<string, z.core.$ZodType>;
  /** Secret options by section: their `<option>_file` variables are known too. */
  readonly secrets: Readonly<Record<string, readonly string[]>>;
  /** Sections that are known but not read now, each with why: ignored, not unknown. */
  readonly ignored: ReadonlyMap<string, string>;
  /** Sections a command leaves to others: neither checked nor warned of. */
  readonly unread?: ReadonlySet<string>;
}

/** The variable an option came from, when it came from the environment. */
function variableOf(option: RawOption | undefined): string | undefined {
  return option?.where.startsWith(FROM_ENVIRONMENT)
    ? option.where.slice(FROM_ENVIRONMENT.length)
    : undefined;
}

/**
 * Warnings for what in `raw` and `env` nobody reads, each with the likely intended name when one
 * is close: an unknown section, option or variable, or a section that is ignored (and why).
 */
export function typoWarnings(
  raw: RawSections,
  readers: Readers,
  env: Readonly<Record<string, string>> = {},
): string[] {
  const { known, ignored } = readers;
  // Every section is described only when a variable looks misspelt: describing is most of what
  // a start would spend on the configuration.
  let allVariables: string[] | undefined;
  const variables = () => allVariables ??= variableNames(known, readers.secrets);
  const unread = readers.unread ?? new Set();
  const sectionNames = [...known.keys(), ...ignored.keys(), ...unread];
  const hint = (near: string | undefined) => near ? `; did you mean ${near}?` : "";
  const warnings = strayVariables(env, variableAliases(known)).map((name) =>
    `${FROM_ENVIRONMENT}${name} is ignored: options are set by ARSENAL_<SECTION>__<OPTION>` +
    hint(suggest(name, variables()))
  );
  for (const [section, options] of raw) {
    const first = options.values().next().value;
    const where = first?.where ?? "configuration";
    const schema = known.get(section);
    if (schema) {
      // Only the option names are needed: read from the definition, the section is not described.
      const shape = optionTypes(schema) ?? describeShape(schema);
      const suggestFor = (key: string, opt: RawOption) => {
        const variable = variableOf(opt);
        return variable ? suggest(variable, variables()) : suggest(key, Object.keys(shape));
      };
      for (const warning of unknownOptions(section, options, shape, suggestFor)) {
        warnings.push(warning);
      }
    } else if (unread.has(section)) {
      continue;
    } else if (ignored.has(section)) {
      warnings.push(`${where}: section [${section}] is ignored: ${ignored.get(section)}`);
    } else {
      const variable = variableOf(first);
      const near = variable ? suggest(variable, variables()) : suggest(section, sectionNames);
      const instead = near && !variable ? `[${near}]` : near;
      warnings.push(`${where}: unknown section [${section}] is ignored${hint(instead)}`);
    }
  }
  return warnings;
}
