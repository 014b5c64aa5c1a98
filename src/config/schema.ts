/**
 * Arsenal's own `arsenal.conf` sections: every option the original documents, with its defaults.
 *
 * Each option carries its help text (`describe`), which the README's configuration reference
 * mirrors; a test keeps the two in step. Strategy plugins declare their own sections.
 *
 * @module
 */
import { z } from "zod";
import { tunableFields as tunable } from "../runtime/settings.ts";
// The scouts' own sections, imported back to keep SECTIONS whole until config/ is handed them.
import { OPENSTACK_SECTIONS } from "../scout/openstack/config.ts";
import { simulatorSection } from "../scout/simulator/config.ts";
import { count, seconds, text } from "./options.ts";
import { describeShape } from "../runtime/option_shape.ts";

/** `[DEFAULT]`: oslo.log options an existing file may carry. */
export const defaultSection = z.object({
  debug: z.boolean().default(false).describe("Log at debug level (like `--debug`)."),
  verbose: z.boolean().default(false).describe("Accepted for compatibility; has no effect."),
  log_file: text().describe("Also write the log to this file (like `--log-file`)."),
  log_dir: text().describe("Accepted for compatibility; has no effect."),
  use_stderr: z.boolean().optional().describe("Accepted for compatibility; has no effect."),
  use_syslog: z.boolean().optional().describe("Accepted for compatibility; has no effect."),
  log_config_append: text().describe("Accepted for compatibility; has no effect."),
  log_date_format: text().describe("Accepted for compatibility; has no effect."),
  default_log_levels: text().describe("Accepted for compatibility; has no effect."),
});

/** The original's scouts, by `[director] scout` name: the OpenStack scout with a preset. */
export const LEGACY_SCOUTS = {
  "devstack_scout.DevstackScout": "devstack",
  "onmetal_scout.OnMetalScout": "onmetal",
  "openstack_scout.OpenstackScout": "openstack",
} as const;

/** `[director] scout` values. */
export const SCOUTS = [
  "simulator",
  "openstack",
  "standalone",
  ...Object.keys(LEGACY_SCOUTS) as (keyof typeof LEGACY_SCOUTS)[],
] as const;

/** Spacings the simulator uses unless the configuration sets them: seconds, not minutes. */
export const SIMULATOR_SPACINGS = { poll_spacing: 10, directive_spacing: 5 } as const;

const jitter = () => z.number().min(0).max(0.5).default(0);

/** `[director]`: the loop's scout, pacing, rate limits and dry run. */
export const directorSection = z.object({
  scout: z.enum(SCOUTS).default("simulator").describe(
    "Where the fleet comes from: `openstack` (Ironic, Nova, Glance), `standalone` (Ironic only; " +
      "images from `[standalone] images`) or `simulator`. The original's names select " +
      "`openstack` with their filters: `devstack_scout.DevstackScout`, " +
      "`onmetal_scout.OnMetalScout`, `openstack_scout.OpenstackScout`.",
  ),
  poll_spacing: seconds(120).describe(
    `Seconds between polls of flavor and image data (${SIMULATOR_SPACINGS.poll_spacing} with the ` +
      "simulator).",
  ),
  directive_spacing: tunable.directive_spacing.default(120).describe(
    "Seconds between the starts of cycles that issue directives " +
      `(${SIMULATOR_SPACINGS.directive_spacing} with the simulator).`,
  ),
  poll_jitter: jitter().describe(
    "Spread of the poll spacing, as a share of it: 0.1 waits 90% to 110%.",
  ),
  directive_jitter: jitter().describe("Spread of the directive spacing, as a share of it."),
  directive_concurrency: z.number().int().min(1).max(256).default(8).describe(
    "Directives in flight at once.",
  ),
  shutdown_grace_period: count(30).describe(
    "Seconds in-flight directives may take to finish when Arsenal stops.",
  ),
  dry_run: tunable.dry_run.default(false).describe("Plan and log, but issue no directive."),
  cache_directive_rate_limit: tunable.cache_directive_rate_limit.default(0).describe(
    "Cache directives allowed per limiting period; 0 means unlimited.",
  ),
  cache_directive_limiting_period: tunable.cache_directive_limiting_period.default(300).describe(
    "Length in seconds of the cache rate-limit period.",
  ),
  eject_directive_rate_limit: tunable.eject_directive_rate_limit.default(0).describe(
    "Eject directives allowed per limiting period; 0 means unlimited.",
  ),
  eject_directive_limiting_period: tunable.eject_directive_limiting_period.default(300).describe(
    "Length in seconds of the eject rate-limit period.",
  ),
  log_statistics: z.boolean().default(true).describe(
    "Log per-flavor and per-image statistics every cycle.",
  ),
});

/** The original's only strategy class, in the spelling `module_class` used. */
export const LEGACY_MODULE_CLASS = "simple_proportional_strategy.SimpleProportionalStrategy";

/** `[strategy]`: which plugin plans, and the image weights every plugin receives. */
export const strategySection = z.object({
  module: text().describe(
    "Strategy plugin: a built-in name (`simple_proportional`), a plugin in `plugin_dir` by " +
      "name, or the path of a plugin file.",
  ),
  plugin_dir: text().describe(
    "Directory of operators' plugins: `module = name` loads `name.ts` (or .js, .mjs, .mts) " +
      "from it when no built-in has that name.",
  ),
  module_class: z.string().default(LEGACY_MODULE_CLASS).describe(
    "Original spelling of the strategy; its default selects the built-in `simple_proportional`.",
  ),
  strategy_class: text().describe(
    "Older original spelling, used with `module`; only `SimpleProportionalStrategy` is known.",
  ),
  image_weights_filename: text().describe(
    "JSON file of image name -> non-negative integer weight. Relative paths are taken from the " +
      "working directory, as the original did.",
  ),
  default_image_weight: count(1).describe("Weight of an image the weights file does not list."),
  // setTimeout and node:vm take at most 2^31 - 1 ms; an hour is already far beyond any cycle.
  plan_timeout: z.number().int().min(1).max(3600).default(60).describe(
    "Seconds a plugin file's plan may take; one that runs over is stopped and its cycle fails. " +
      "Built-in strategies are not timed.",
  ),
});

/** `[api]`: the HTTP control API. */
export const apiSection = z.object({
  host: z.string().default("127.0.0.1").describe(
    "Address to listen on. Anything but loopback needs a token, or read_only = true.",
  ),
  port: z.number().int().min(0).max(65535).default(9835).describe(
    "Port to listen on; 0 picks a free one (the log says which).",
  ),
  token: z.string().regex(
    /^[A-Za-z0-9._~+/-]+=*$/,
    "a bearer token is letters, digits and . _ ~ + / - (then = padding)",
  ).optional().meta({ secret: true }).describe(
    "Bearer token required by mutating routes (secret; or `token_file`, or ARSENAL_API_TOKEN).",
  ),
  read_only: z.boolean().default(false).describe(
    "Refuse every mutating route (PATCH /v1/runtime, POST /v1/cycle).",
  ),
});

/** Arsenal's sections by name, in the order the README documents them. */
export const SECTIONS = {
  DEFAULT: defaultSection,
  director: directorSection,
  api: apiSection,
  simulator: simulatorSection,
  strategy: strategySection,
  ...OPENSTACK_SECTIONS,
} as const;

/**
 * Options whose values are secret, by section: those marked `meta({ secret: true })`. Each may be
 * read from `<name>_file`; none is ever printed.
 */
export const SECRETS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  Object.entries(SECTIONS)
    .map(([name, schema]) => [
      name,
      Object.entries(describeShape(schema)).filter(([, p]) => p.secret).map(([option]) => option),
    ])
    .filter(([, options]) => options.length > 0),
);
