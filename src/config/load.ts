/**
 * `arsenal.conf` -> typed, validated {@linkcode Config}.
 *
 * Order of precedence, lowest first: defaults, the file, `ARSENAL_<SECTION>__<OPTION>` environment
 * variables, and for secrets `<option>_file` (the file's contents, trailing newline removed).
 * Every problem is collected; nothing stops at the first.
 *
 * @module
 */
import { isAbsolute, join, resolve } from "node:path";
import { z } from "zod";
import type { ConfigProblem } from "../runtime/errors.ts";
import type { ImageWeights } from "../domain/image_weights.ts";
import { builtinNames, looksLikePath, type StrategyModule } from "../strategy/loader.ts";
import { normalizeSection, parseIniText, type RawOption, type RawSections } from "./ini_file.ts";
import { readSection } from "./section.ts";
import { ENV_ALIASES, ENV_PREFIX, FROM_ENVIRONMENT } from "./environment.ts";
import { isLoopback } from "../runtime/net.ts";
import { LEGACY_MODULE_CLASS, SECRETS, SECTIONS, SIMULATOR_SPACINGS } from "./schema.ts";
import { type OpenStackSettings, resolveOpenStack } from "../scout/openstack/settings.ts";

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

/** Spellings of the original's one strategy, in `module_class` and older `module` options. */
const LEGACY_STRATEGIES = new Map([
  [LEGACY_MODULE_CLASS, "simple_proportional"],
  [`arsenal.strategy.${LEGACY_MODULE_CLASS}`, "simple_proportional"],
  ["simple_proportional_strategy", "simple_proportional"],
  ["arsenal.strategy.simple_proportional_strategy", "simple_proportional"],
]);

/**
 * Overlays `ARSENAL_<SECTION>__<OPTION>=value` variables, e.g. `ARSENAL_DIRECTOR__DRY_RUN`, and
 * `ARSENAL_API_TOKEN` for `[api] token`.
 */
export function applyEnvironment(sections: RawSections, env: Record<string, string>): void {
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX)) continue;
    const split = name.indexOf("__", ENV_PREFIX.length);
    const alias = ENV_ALIASES[name];
    if (split < 0 && !alias) continue;
    const section = alias?.[0] ?? normalizeSection(name.slice(ENV_PREFIX.length, split));
    const option = alias?.[1] ?? name.slice(split + 2).toLowerCase();
    if (!sections.has(section)) sections.set(section, new Map());
    sections.get(section)!.set(option, { value, where: `${FROM_ENVIRONMENT}${name}` });
  }
}

/** Replaces each secret's `<option>_file` with the file's contents. */
function readSecretFiles(sections: RawSections, problems: ConfigProblem[]): void {
  for (const [section, secrets] of Object.entries(SECRETS)) {
    const options = sections.get(section);
    for (const option of secrets) {
      const fileOption = options?.get(`${option}_file`);
      if (!options || !fileOption) continue;
      // Consumed whatever happens next: `<option>_file` is not an option of its own.
      options.delete(`${option}_file`);
      const at = { where: fileOption.where, section, option: `${option}_file` };
      if (options.get(option)?.value) {
        problems.push({ ...at, expected: `set either ${option} or ${option}_file, not both` });
        continue;
      }
      try {
        const secret = Deno.readTextFileSync(fileOption.value).replace(/\r?\n$/, "");
        options.set(option, { value: secret, where: `${fileOption.value} (${fileOption.where})` });
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
 * Decides which strategy plugin `[strategy]` selects, in any of its three spellings. Works from
 * the raw options, so the plugin's own section is checked even if other options are invalid.
 */
function resolveStrategy(
  raw: ReadonlyMap<string, RawOption> | undefined,
  file: string,
  problems: ConfigProblem[],
): (StrategyModule & { where: string }) | undefined {
  const given = (key: string) => {
    const option = raw?.get(key);
    return option && option.value.trim() !== ""
      ? { ...option, value: option.value.trim() }
      : undefined;
  };
  const problem = (option: string, at: RawOption, expected: string) =>
    problems.push({ where: at.where, section: "strategy", option, value: at.value, expected });
  const pluginDir = given("plugin_dir");
  const toModule = (spec: string): StrategyModule => {
    const legacy = LEGACY_STRATEGIES.get(spec);
    if (legacy) return { kind: "builtin", name: legacy };
    if (looksLikePath(spec)) return { kind: "file", path: resolve(spec) };
    if (pluginDir && !builtinNames().includes(spec)) {
      return { kind: "file", path: findPlugin(resolve(pluginDir.value), spec) };
    }
    return { kind: "builtin", name: spec };
  };
  const module = given("module");
  const moduleClass = given("module_class");
  const strategyClass = given("strategy_class");
  if (strategyClass && strategyClass.value !== "SimpleProportionalStrategy") {
    problem(
      "strategy_class",
      strategyClass,
      "only SimpleProportionalStrategy is known; set module = <name or plugin path>",
    );
  }
  if (
    moduleClass && !LEGACY_STRATEGIES.has(moduleClass.value) &&
    !builtinNames().includes(moduleClass.value)
  ) {
    problem(
      "module_class",
      moduleClass,
      `expected ${LEGACY_MODULE_CLASS} (the original's only strategy) or a built-in name ` +
        `(${builtinNames().join(", ")}); load your own plugin with module = /path/to/plugin.ts`,
    );
    return undefined;
  }
  if (
    module && moduleClass &&
    JSON.stringify(toModule(module.value)) !== JSON.stringify(toModule(moduleClass.value))
  ) {
    problem(
      "module_class",
      moduleClass,
      `conflicts with module = ${module.value} (${module.where}); set only one`,
    );
  }
  const chosen = module ?? moduleClass;
  return chosen
    ? { ...toModule(chosen.value), where: chosen.where }
    : { ...toModule(LEGACY_MODULE_CLASS), where: file };
}

/** `<dir>/<name>` with the first plugin extension that exists (`.ts` when none does). */
function findPlugin(dir: string, name: string): string {
  for (const extension of [".ts", ".js", ".mjs", ".mts"]) {
    const path = join(dir, name + extension);
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // try the next extension
    }
  }
  return join(dir, `${name}.ts`);
}

const weightSchema = z.number().int().min(0);

/** A weight as given: `JSON.stringify` would call 1e400 (parsed as Infinity) `null`. */
function describeWeight(weight: unknown): string {
  if (typeof weight === "number" && !Number.isFinite(weight)) {
    return `a number too large to represent (${weight})`;
  }
  const json = JSON.stringify(weight);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

/** Reads the image-weights file: a JSON object of image name -> non-negative integer. */
export function readImageWeights(
  path: string | undefined,
  defaultWeight: number,
  where: string,
  problems: ConfigProblem[],
): ImageWeights {
  const none: ImageWeights = { byName: new Map(), defaultWeight };
  if (path === undefined) return none;
  const option = { section: "strategy", option: "image_weights_filename", value: path };
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    const resolved = isAbsolute(path)
      ? ""
      : ` (resolved to ${resolve(path)}: relative paths start at the working directory)`;
    problems.push({
      where,
      ...option,
      expected: `cannot read the file: ${(e as Error).message}${resolved}`,
    });
    return none;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const hint = /^\s*#/m.test(text) ? "; JSON allows no comments" : "";
    problems.push({ where, ...option, expected: `not valid JSON: ${(e as Error).message}${hint}` });
    return none;
  }
  const file = `${resolve(path)} ([strategy] image_weights_filename, ${where})`;
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    const got = JSON.stringify(json).slice(0, 60);
    problems.push({
      where: file,
      expected: `expected a JSON object of image name -> weight, got ${got}`,
    });
    return none;
  }
  // Object.entries keeps a "__proto__" name as the plain key JSON.parse made it.
  const entries = Object.entries(json);
  const bad = entries.filter(([, weight]) => !weightSchema.safeParse(weight).success);
  for (const [name, weight] of bad) {
    problems.push({
      where: file,
      option: JSON.stringify(name),
      expected: `expected a non-negative integer weight, got ${describeWeight(weight)}`,
    });
  }
  return bad.length === 0
    ? { byName: new Map(entries as [string, number][]), defaultWeight }
    : none;
}

/** The simulator's spacings are seconds, unless the configuration sets them. */
function simulatorSpacings(
  director: z.infer<Sections["director"]>,
  raw: ReadonlyMap<string, RawOption> | undefined,
): z.infer<Sections["director"]> {
  if (director.scout !== "simulator") return director;
  const given = (key: string) => raw?.get(key)?.value.trim();
  return {
    ...director,
    poll_spacing: given("poll_spacing") ? director.poll_spacing : SIMULATOR_SPACINGS.poll_spacing,
    directive_spacing: given("directive_spacing")
      ? director.directive_spacing
      : SIMULATOR_SPACINGS.directive_spacing,
  };
}

/** Refuses an API open beyond loopback with no token, unless it is read-only. */
function checkApiExposure(
  api: z.infer<Sections["api"]>,
  raw: ReadonlyMap<string, RawOption> | undefined,
  where: string,
  problems: ConfigProblem[],
): void {
  if (isLoopback(api.host) || api.token || api.read_only) return;
  problems.push({
    where: raw?.get("host")?.where ?? where,
    section: "api",
    option: "host",
    value: api.host,
    expected: "listening beyond loopback needs a token ([api] token_file or ARSENAL_API_TOKEN), " +
      "or read_only = true",
  });
}

/**
 * Reads and validates the configuration.
 *
 * @param file path of `arsenal.conf`; undefined runs on defaults (and the environment)
 * @param env environment variables; only `ARSENAL_<SECTION>__<OPTION>` ones are used
 */
export function readConfig(file: string | undefined, env: Record<string, string> = {}): ReadResult {
  const problems: ConfigProblem[] = [];
  const where = file ?? "(defaults)";
  let sections: RawSections = new Map();
  let warnings: readonly string[] = [];
  if (file !== undefined) {
    let text: string;
    try {
      text = Deno.readTextFileSync(file);
    } catch (e) {
      return {
        raw: sections,
        problems: [{ where: file, expected: `cannot read the file: ${(e as Error).message}` }],
        warnings,
      };
    }
    const parsed = parseIniText(text, file);
    sections = parsed.sections;
    warnings = parsed.warnings;
    for (const problem of parsed.problems) problems.push(problem);
  }
  applyEnvironment(sections, env);
  readSecretFiles(sections, problems);

  const values: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(SECTIONS)) {
    const result = readSection<unknown>(schema, name, sections.get(name), where);
    for (const problem of result.problems) problems.push(problem);
    values[name] = result.value;
  }
  const typed = values as { -readonly [S in keyof Sections]: z.infer<Sections[S]> | undefined };
  if (typed.director) typed.director = simulatorSpacings(typed.director, sections.get("director"));
  if (typed.api) checkApiExposure(typed.api, sections.get("api"), where, problems);
  let openstack: OpenStackSettings | undefined;
  const { client_wrapper, ironic, nova, glance, standalone } = typed;
  if (typed.director && client_wrapper && ironic && nova && glance && standalone) {
    const scout = typed.director.scout;
    const resolved = resolveOpenStack(
      { scout, client_wrapper, ironic, nova, glance, standalone },
      sections,
      where,
    );
    for (const problem of resolved.problems) problems.push(problem);
    openstack = resolved.settings;
  }

  // The strategy and the weights file need no other option: check them whatever else failed.
  const strategyOptions = sections.get("strategy");
  const strategyModule = resolveStrategy(strategyOptions, where, problems);
  const weightsFile = strategyOptions?.get("image_weights_filename");
  const imageWeights = readImageWeights(
    weightsFile?.value.trim() ? weightsFile.value : undefined,
    typed.strategy?.default_image_weight ?? 1,
    weightsFile?.where ?? where,
    problems,
  );
  return {
    config: problems.length === 0 && strategyModule
      ? {
        ...(typed as { [S in keyof Sections]: z.infer<Sections[S]> }),
        file,
        strategyModule,
        imageWeights,
        openstack,
        raw: sections,
      }
      : undefined,
    strategyModule,
    raw: sections,
    problems,
    warnings,
  };
}
