/**
 * Validates one INI section against a zod object schema.
 *
 * INI values are strings. Schemas are written with natural types (`z.number()`, `z.boolean()`),
 * for Arsenal's own sections and for plugins' alike; the schema's JSON Schema tells which type
 * each option wants, and the string is converted before zod validates it. Problems name where the
 * value came from and what was expected, in words derived from the same JSON Schema.
 *
 * @module
 */
import { z } from "zod/mini";
// The package's ES module build: its CommonJS main would load Node's module system at every start.
import { closest, distance } from "fastest-levenshtein/esm/mod.js";
import type { ConfigProblem } from "../runtime/errors.ts";
import type { RawOption } from "./ini_file.ts";
import {
  describeShape,
  expectation,
  optionMarks,
  type OptionShape,
  optionType,
  optionTypes,
  type SectionShape,
} from "../runtime/option_shape.ts";

// zod compiles a fast path for each object schema the first time it parses one, which pays off
// after thousands of parses; a start parses each section once, and compiling took most of it.
z.config({ jitless: true });
// zod's classic build sets English messages when it builds its first schema; the mini build, all
// that `healthcheck` loads, sets none, and problems must read alike whichever is loaded.
if (!z.config().localeError) z.config(z.locales.en());

/** Spellings oslo.config accepts for booleans, matched case-insensitively. */
const BOOLEANS = new Map([
  ["true", true],
  ["yes", true],
  ["on", true],
  ["1", true],
  ["false", false],
  ["no", false],
  ["off", false],
  ["0", false],
]);

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Converts an INI string to the type the option wants; leaves it a string when it cannot. */
export function coerce(value: string, prop: OptionShape): unknown {
  const text = value.trim();
  switch (optionType(prop)) {
    case "boolean":
      return BOOLEANS.get(text.toLowerCase()) ?? value;
    case "integer":
    case "number":
      return NUMBER.test(text) ? Number(text) : value;
    case "array":
      return text.split(",").map((item) => item.trim()).filter((item) => item !== "")
        .map((item) => prop.items ? coerce(item, prop.items) : item);
    default:
      return value;
  }
}

/**
 * Options whose values are secret, by section: those marked `meta({ secret: true })`. Each may be
 * read from `<option>_file`; none is ever printed. Sections with no secret are left out.
 */
export function secretOptions(
  sections: Readonly<Record<string, z.core.$ZodType>>,
): Readonly<Record<string, readonly string[]>> {
  return Object.fromEntries(
    Object.entries(sections)
      .map(([name, schema]) => [
        name,
        Object.entries(optionMarks(schema)).filter(([, m]) => m.secret).map(([option]) => option),
      ])
      .filter(([, options]) => options.length > 0),
  );
}

/** The candidate closest to `word`, when it is close enough to be a likely typo of it. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const near = closest(word, candidates as string[]);
  return distance(word, near) <= Math.max(2, word.length / 3) ? near : undefined;
}

/**
 * Options a section does not know, each with a suggestion when one is close.
 *
 * @param suggestFor what to suggest instead of `key` (by default the closest known option)
 */
export function unknownOptions(
  section: string,
  raw: ReadonlyMap<string, RawOption>,
  shape: SectionShape,
  suggestFor?: (key: string, opt: RawOption) => string | undefined,
): string[] {
  const known = Object.keys(shape);
  const warnings: string[] = [];
  for (const [key, opt] of raw) {
    if (Object.hasOwn(shape, key)) continue;
    const near = suggestFor ? suggestFor(key, opt) : suggest(key, known);
    const hint = near ? `; did you mean ${near}?` : "";
    warnings.push(`${opt.where}: unknown option [${section}] ${key} is ignored${hint}`);
  }
  return warnings;
}

/**
 * Validates the raw options of `section` against `schema`. An empty value counts as not set.
 *
 * @param where where to point for problems that concern no single option (usually the file)
 * @returns the parsed options (when valid), and every problem found
 */
export function readSection<T>(
  schema: z.core.$ZodType<T>,
  section: string,
  raw: ReadonlyMap<string, RawOption> | undefined,
  where: string,
): { value?: T; problems: ConfigProblem[] } {
  // Described only when there is a problem to word (converting a value needs only its type, read
  // without describing): describing is most of what reading a section costs.
  let types: SectionShape | undefined;
  const typesOf = () => types ??= optionTypes(schema) ?? describeShape(schema);
  const input: Record<string, unknown> = {};
  for (const [key, opt] of raw ?? []) {
    if (opt.value.trim() !== "" && Object.hasOwn(typesOf(), key)) {
      input[key] = coerce(opt.value, typesOf()[key]);
    }
  }
  const parsed = z.safeParse(schema, input);
  if (parsed.success) return { value: parsed.data, problems: [] };
  const shape = describeShape(schema);
  const problems = parsed.error.issues.map((issue): ConfigProblem => {
    const option = typeof issue.path[0] === "string" ? issue.path[0] : undefined;
    const opt = option === undefined ? undefined : raw?.get(option);
    const given = opt !== undefined && opt.value.trim() !== "";
    const prop = option === undefined ? undefined : shape[option];
    const typed = ["invalid_type", "too_big", "too_small", "invalid_value"].includes(issue.code);
    const expected = prop && typed
      ? (given ? `expected ${expectation(prop)}` : `required: ${expectation(prop)}`)
      : issue.message;
    const at = { where: opt?.where ?? where, section, option };
    // A secret is left out here, where the problem is made, so no later path can print it.
    if (prop?.secret) return { ...at, secret: true, expected };
    return { ...at, value: given ? opt.value : undefined, expected };
  });
  return { problems };
}
