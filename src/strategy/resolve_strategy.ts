/**
 * Which strategy plugin `[strategy]` selects: a built-in by name, a file by path, a plugin in
 * `plugin_dir` by name, or one of the original's spellings (`module_class`, `strategy_class`).
 *
 * @module
 */
import { absolutePath } from "../runtime/absolute_path.ts";
import type { RawOption } from "../config/ini_file.ts";
import type { ConfigProblem } from "../runtime/errors.ts";
import { LEGACY_MODULE_CLASS } from "./config.ts";
import { looksLikePath, type StrategyModule } from "./loader.ts";

/** Spellings of the original's one strategy, in `module_class` and older `module` options. */
const LEGACY_STRATEGIES = new Map([
  [LEGACY_MODULE_CLASS, "simple_proportional"],
  [`arsenal.strategy.${LEGACY_MODULE_CLASS}`, "simple_proportional"],
  ["simple_proportional_strategy", "simple_proportional"],
  ["arsenal.strategy.simple_proportional_strategy", "simple_proportional"],
]);

/**
 * Decides which strategy plugin `[strategy]` selects, in any of its three spellings. Works from
 * the raw options, so the plugin's own section is checked even if other options are invalid.
 *
 * @param builtins the built-in strategies' names: `module = name` selects one before `plugin_dir`
 * @param file where to point when `[strategy]` names no plugin
 */
export function resolveStrategy(
  raw: ReadonlyMap<string, RawOption> | undefined,
  builtins: readonly string[],
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
    if (looksLikePath(spec)) return { kind: "file", path: absolutePath(spec) };
    if (pluginDir && !builtins.includes(spec)) {
      return { kind: "file", path: findPlugin(absolutePath(pluginDir.value), spec) };
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
    !builtins.includes(moduleClass.value)
  ) {
    problem(
      "module_class",
      moduleClass,
      `expected ${LEGACY_MODULE_CLASS} (the original's only strategy) or a built-in name ` +
        `(${builtins.join(", ")}); load your own plugin with module = /path/to/plugin.ts`,
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
    const path = `${dir}/${name}${extension}`;
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // try the next extension
    }
  }
  return `${dir}/${name}.ts`;
}
