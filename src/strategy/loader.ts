/**
 * Finds a strategy plugin, checks its shape, and validates its `arsenal.conf` section. The
 * built-in strategies are handed in (by the composition root), never imported from `plugins/`.
 *
 * @module
 */
import { absolutePath } from "../runtime/absolute_path.ts";
import { z } from "zod";
import { PluginError } from "../runtime/errors.ts";
import { normalizeSection } from "../config/ini_file.ts";
import { describeShape, type SectionShape } from "../runtime/option_shape.ts";
import type { Strategy } from "./contract.ts";

/** Where a strategy comes from: a built-in name, or a plugin file. */
export type StrategyModule =
  | { readonly kind: "builtin"; readonly name: string }
  | { readonly kind: "file"; readonly path: string };

/** A strategy ready to plan: the plugin, where it came from, and its section's shape. */
export interface LoadedStrategy {
  // deno-lint-ignore no-explicit-any
  readonly strategy: Strategy<any>;
  /** The module as the operator spelled it: a built-in name or an absolute path. */
  readonly module: string;
  /** INI section holding the plugin's options. */
  readonly section: string;
  /** The section's schema (an empty object schema when the plugin declares none). */
  readonly options: z.ZodType;
  readonly shape: SectionShape;
  /**
   * The `data:` URL a plugin file was imported from: its plans run in a worker that imports it
   * again. Undefined for built-ins, which plan inline.
   */
  readonly moduleUrl?: string;
}

/** What the loader is handed: the strategies it knows by name, and the sections it guards. */
export interface StrategyCatalog {
  /** The built-in strategies, by the name `[strategy] module` selects them with. */
  // deno-lint-ignore no-explicit-any
  readonly builtins: Readonly<Record<string, Strategy<any>>>;
  /** Sections that are Arsenal's own (lower-case but `DEFAULT`): no plugin may take one. */
  readonly reserved: ReadonlySet<string>;
}

const EMPTY_OPTIONS = z.object({});

const pluginShape = z.object({
  name: z.string().regex(/^[A-Za-z][\w.-]*$/, "must be letters, digits, _, - or ."),
  version: z.string().min(1, "must be a non-empty string"),
  description: z.string().optional(),
  section: z.string().min(1).optional(),
  options: z.custom<z.ZodType>(
    (v) => typeof (v as { safeParse?: unknown })?.safeParse === "function",
    "must be a zod object schema",
  ).optional(),
  plan: z.custom<Strategy["plan"]>((v) => typeof v === "function", "must be a function"),
});

/** Whether `spec` names a file rather than a built-in: it has a slash or a script extension. */
export function looksLikePath(spec: string): boolean {
  return /[\\/]/.test(spec) || /\.(ts|js|mjs|mts)$/.test(spec);
}

/**
 * Checks that a module's default export is a strategy.
 *
 * @param reserved sections the plugin may not take: Arsenal's own
 * @throws {PluginError} naming the module and every missing or malformed member
 */
export function checkStrategy(
  module: string,
  exported: unknown,
  reserved: ReadonlySet<string> = new Set(),
): LoadedStrategy {
  if (exported === undefined) throw new PluginError(module, "module has no default export");
  const parsed = pluginShape.safeParse(exported);
  if (!parsed.success) {
    const reasons = parsed.error.issues.map((i) =>
      i.path.length ? `${i.path.join(".")} ${i.message.replace(/^Invalid input: /, "")}` : i.message
    );
    throw new PluginError(module, `default export is not a strategy: ${reasons.join("; ")}`);
  }
  // deno-lint-ignore no-explicit-any
  const strategy = exported as Strategy<any>;
  const options = strategy.options ?? EMPTY_OPTIONS;
  if (!isObjectSchema(options)) {
    throw new PluginError(module, "options must be a zod object schema (z.object({...}))");
  }
  const section = strategy.section ?? strategy.name;
  if (reserved.has(normalizeSection(section))) {
    throw new PluginError(module, `section [${section}] is Arsenal's own; name another section`);
  }
  return {
    strategy,
    module,
    section: normalizeSection(section),
    options,
    // Described when asked: a start that is given no strategy section never needs it.
    get shape() {
      return describeShape(options);
    },
  };
}

/**
 * Whether `options` describes itself as an object, as {@linkcode describeShape} requires: a
 * `z.object()` is one without describing it; anything else is described to find out.
 */
function isObjectSchema(options: z.ZodType): boolean {
  if ((options as Partial<z.ZodType>)._zod?.def.type === "object") return true;
  try {
    describeShape(options);
    return true;
  } catch {
    return false;
  }
}

/**
 * Imports the strategy `module` names and checks its shape.
 *
 * @param catalog the built-ins a name selects, and the sections no plugin may take
 * @throws {PluginError} when the module is unknown, missing, fails to import, or is no strategy
 */
export async function importStrategy(
  module: StrategyModule,
  catalog: StrategyCatalog,
): Promise<LoadedStrategy> {
  if (module.kind === "builtin") {
    const builtin = catalog.builtins[module.name];
    if (!builtin) {
      const names = Object.keys(catalog.builtins).join(", ");
      throw new PluginError(
        module.name,
        `no built-in strategy has this name (built-ins: ${names}); ` +
          "give a plugin file by path, e.g. ./my_strategy.ts",
      );
    }
    return checkStrategy(module.name, builtin, catalog.reserved);
  }
  const path = module.path.startsWith("/") ? module.path : absolutePath(module.path);
  let source: string;
  try {
    source = await Deno.readTextFile(path);
  } catch (e) {
    const why = e instanceof Deno.errors.IsADirectory ? "not a file" : (e as Error).message;
    throw new PluginError(path, `cannot read the plugin file (${why})`);
  }
  const url = moduleUrl(path, source);
  let exports: { default?: unknown };
  try {
    exports = await import(url);
  } catch (e) {
    throw new PluginError(path, `module failed to load: ${(e as Error).message}`, { cause: e });
  }
  return { ...checkStrategy(path, exports.default, catalog.reserved), moduleUrl: url };
}

/** Media types of the plugin files Arsenal loads, by extension. */
const MEDIA_TYPES: Readonly<Record<string, string>> = {
  ".ts": "application/typescript",
  ".mts": "application/typescript",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
};

/** A relative import that brings in code (type-only imports are erased, so they are fine). */
const RELATIVE_IMPORT =
  /^\s*(?:import|export)\s+(?!type\b)(?:[^"';]*?\sfrom\s*)?["'](\.{1,2}\/[^"']*)["']|\bimport\s*\(\s*["'](\.{1,2}\/[^"']*)["']/m;

/**
 * The plugin as a `data:` module. A compiled Arsenal can import only modules embedded at compile
 * time by file URL (denoland/deno#18327), but it can import a `data:` URL; TypeScript needs its
 * media type. Bare imports resolve through Arsenal's own import map (`zod`, for one).
 *
 * @throws {PluginError} for an unknown extension, or a relative import the data: URL cannot resolve
 */
export function moduleUrl(path: string, source: string): string {
  const extension = /\.[^./\\]+$/.exec(path)?.[0] ?? "";
  const type = MEDIA_TYPES[extension];
  if (!type) {
    throw new PluginError(
      path,
      `a plugin file ends in ${Object.keys(MEDIA_TYPES).join(", ")}, not "${
        extension || "(none)"
      }"`,
    );
  }
  const relative = RELATIVE_IMPORT.exec(source);
  if (relative) {
    throw new PluginError(
      path,
      `imports "${relative[1] ?? relative[2]}": a plugin is one self-contained file. Inline what ` +
        "it imports (or bundle the plugin into one file); only `import type` of relative files and " +
        "imports of the packages Arsenal embeds (zod) work",
    );
  }
  const bytes = new TextEncoder().encode(source);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return `data:${type};base64,${btoa(binary)}`;
}
