/**
 * `arsenal.conf` -> sections validated against the schemas their owners hand in.
 *
 * Order of precedence, lowest first: defaults, the file, `ARSENAL_<SECTION>__<OPTION>` environment
 * variables, and for secrets `<option>_file` (the file's contents, trailing newline removed).
 * Every problem is collected; nothing stops at the first.
 *
 * @module
 */
import type { z } from "zod";
import type { ConfigProblem } from "../runtime/errors.ts";
import { normalizeSection, parseIniText, type RawSections } from "./ini_file.ts";
import { readSection, secretOptions } from "./section.ts";
import {
  ENV_PREFIX,
  FROM_ENVIRONMENT,
  variableAliases,
  type VariableTarget,
} from "./environment.ts";

/** Section schemas by name, in the order they are read and documented. */
export type SectionSchemas = Readonly<Record<string, z.core.$ZodType>>;

/** Each section's options, parsed; undefined for a section with problems. */
export type SectionValues<S extends SectionSchemas> = {
  -readonly [K in keyof S]?: z.infer<S[K]>;
};

/** What {@linkcode readSections} found. */
export interface SectionsRead<S extends SectionSchemas> {
  /** The file, or `(defaults)`: where a problem that concerns no single option points. */
  readonly where: string;
  /** Every section as given, after the environment and secret files. */
  readonly raw: RawSections;
  readonly values: SectionValues<S>;
  readonly problems: ConfigProblem[];
  /** What is likely a mistake in the file: a repeated option or section, an inline comment. */
  readonly warnings: readonly string[];
  /** The file could not be read, and nothing else was looked at. */
  readonly unreadable?: true;
}

/**
 * Overlays `ARSENAL_<SECTION>__<OPTION>=value` variables, e.g. `ARSENAL_DIRECTOR__DRY_RUN`, and
 * variables with names of their own, e.g. `ARSENAL_API_TOKEN` for `[api] token`.
 *
 * @param aliases the variables with names of their own, and what each sets
 */
export function applyEnvironment(
  sections: RawSections,
  env: Record<string, string>,
  aliases: ReadonlyMap<string, VariableTarget> = new Map(),
): void {
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX)) continue;
    const split = name.indexOf("__", ENV_PREFIX.length);
    const alias = aliases.get(name);
    if (split < 0 && !alias) continue;
    const section = alias?.[0] ?? normalizeSection(name.slice(ENV_PREFIX.length, split));
    const option = alias?.[1] ?? name.slice(split + 2).toLowerCase();
    if (!sections.has(section)) sections.set(section, new Map());
    sections.get(section)!.set(option, { value, where: `${FROM_ENVIRONMENT}${name}` });
  }
}

/** Replaces each secret's `<option>_file` with the file's contents. */
function readSecretFiles(
  sections: RawSections,
  secrets: Readonly<Record<string, readonly string[]>>,
  problems: ConfigProblem[],
): void {
  for (const [section, options] of Object.entries(secrets)) {
    const given = sections.get(section);
    for (const option of options) {
      const fileOption = given?.get(`${option}_file`);
      if (!given || !fileOption) continue;
      // Consumed whatever happens next: `<option>_file` is not an option of its own.
      given.delete(`${option}_file`);
      const at = { where: fileOption.where, section, option: `${option}_file` };
      if (given.get(option)?.value) {
        problems.push({ ...at, expected: `set either ${option} or ${option}_file, not both` });
        continue;
      }
      try {
        const secret = Deno.readTextFileSync(fileOption.value).replace(/\r?\n$/, "");
        given.set(option, { value: secret, where: `${fileOption.value} (${fileOption.where})` });
      } catch (e) {
        problems.push({
          ...at,
          value: fileOption.value,
          expected: `cannot read the secret file: ${(e as Error).message}`,
        });
      }
    }
  }
}

/**
 * Reads the configuration and validates each section against its schema.
 *
 * @param file path of `arsenal.conf`; undefined reads the defaults (and the environment)
 * @param sections the schemas, by section: their owners', handed in by the composition root
 * @param env environment variables; only `ARSENAL_<SECTION>__<OPTION>` ones are used
 */
export function readSections<S extends SectionSchemas>(
  file: string | undefined,
  sections: S,
  env: Record<string, string> = {},
): SectionsRead<S> {
  const problems: ConfigProblem[] = [];
  const where = file ?? "(defaults)";
  let raw: RawSections = new Map();
  let warnings: readonly string[] = [];
  if (file !== undefined) {
    let text: string;
    try {
      text = Deno.readTextFileSync(file);
    } catch (e) {
      problems.push({ where: file, expected: `cannot read the file: ${(e as Error).message}` });
      return { where, raw, values: {}, problems, warnings, unreadable: true };
    }
    const parsed = parseIniText(text, file);
    raw = parsed.sections;
    warnings = parsed.warnings;
    for (const problem of parsed.problems) problems.push(problem);
  }
  applyEnvironment(raw, env, variableAliases(new Map(Object.entries(sections))));
  readSecretFiles(raw, secretOptions(sections), problems);
  const values: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(sections)) {
    const result = readSection<unknown>(schema, name, raw.get(name), where);
    for (const problem of result.problems) problems.push(problem);
    values[name] = result.value;
  }
  return { where, raw, values: values as SectionValues<S>, problems, warnings };
}
