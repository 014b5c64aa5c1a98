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
import { simulatorSection } from "../scout/simulator.ts";
import { describeShape } from "./section.ts";

const text = () => z.string().optional();
/** A secret option: never printed, valid or not, and readable from `<option>_file`. */
const secret = () => text().meta({ secret: true });
const count = (fallback: number) => z.number().int().min(0).default(fallback);
const seconds = (fallback: number) => z.number().int().min(1).default(fallback);

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

/** How a client authenticates. */
export const AUTH_TYPES = [
  "password",
  "v3applicationcredential",
  "token",
  "noauth",
  "http_basic",
] as const;

const authType = () =>
  z.enum(AUTH_TYPES).optional().describe(
    "How to authenticate: `password`, `v3applicationcredential`, `token` (pre-issued), " +
      "`noauth` or `http_basic`. Unset: taken from `[client_wrapper]`, else inferred from the " +
      "credentials given (token, then application credential, then password, else noauth).",
  );

/** Options of `[client_wrapper]`, the credentials and retry policy every OpenStack client shares. */
export const clientWrapperSection = z.object({
  auth_type: authType(),
  os_username: text().describe("Keystone user name (or the HTTP basic user)."),
  os_password: secret().describe(
    "Keystone password, or the HTTP basic password (secret; or `os_password_file`).",
  ),
  os_auth_token: secret().describe("Pre-issued Keystone token (secret; or `os_auth_token_file`)."),
  os_api_url: text().describe(
    "Keystone URL, e.g. `https://keystone.example:5000/v3` (`/v3` is added when missing).",
  ),
  os_tenant_name: text().describe("Project (tenant) name to scope the token to."),
  os_tenant_id: text().describe("Project (tenant) ID; used when no project name is set."),
  os_user_domain_name: z.string().default("Default").describe("Domain of the user."),
  os_project_domain_name: z.string().default("Default").describe("Domain of the project."),
  os_application_credential_id: text().describe("Application credential ID."),
  os_application_credential_secret: secret().describe(
    "Application credential secret (secret; or `os_application_credential_secret_file`).",
  ),
  os_interface: z.enum(["public", "internal", "admin"]).default("public").describe(
    "Which catalog endpoints to use.",
  ),
  call_max_retries: count(60).describe(
    "Retries of a failed read (connection error, timeout, 408, 429, 5xx, a body cut off); " +
      "writes are never retried.",
  ),
  call_retry_interval: count(2).describe(
    "Seconds: base of the jittered exponential backoff between retries (at most 30 s apart).",
  ),
  call_timeout: seconds(60).describe(
    "Seconds one HTTP attempt may take, from sending the request to the answer's last byte.",
  ),
  region_name: text().describe("Region to pick endpoints from."),
  service_name: text().describe("Service name to pick endpoints from."),
  auth_system: z.string().default("keystone").describe(
    "Accepted for compatibility; see auth_type.",
  ),
});

const serviceCredentials = {
  admin_username: text().describe("User name; falls back to `[client_wrapper] os_username`."),
  admin_password: secret().describe(
    "Password (secret; or `admin_password_file`); falls back to `[client_wrapper] os_password`.",
  ),
  admin_auth_token: secret().describe(
    "Pre-issued token (secret; or `admin_auth_token_file`); falls back to " +
      "`[client_wrapper] os_auth_token`.",
  ),
  admin_tenant_name: text().describe(
    "Project name; falls back to `[client_wrapper] os_tenant_name`.",
  ),
  api_endpoint: text().describe("Service endpoint URL, instead of the one in the catalog."),
  auth_type: authType(),
  client_log_level: text().describe("Accepted for compatibility; has no effect."),
  region_name: text().describe("Region; falls back to `[client_wrapper] region_name`."),
};

/** `[nova]` and `[ironic]`: their Keystone URL. */
const adminUrl = text().describe("Keystone URL; falls back to `[client_wrapper] os_api_url`.");

/** `[nova]`: flavors. */
export const novaSection = z.object({
  ...serviceCredentials,
  admin_url: adminUrl,
  // The original declared these for Nova and never read them; Nova is only read here.
  api_max_retries: count(60).describe(
    "Accepted for compatibility; has no effect: Arsenal only reads from Nova, and reads are " +
      "retried under `[client_wrapper] call_max_retries`.",
  ),
  api_retry_interval: count(2).describe(
    "Accepted for compatibility; has no effect: reads are retried under " +
      "`[client_wrapper] call_retry_interval`.",
  ),
  service_name: text().describe("Service name; falls back to `[client_wrapper] service_name`."),
  auth_system: text().describe("Accepted for compatibility; see auth_type."),
  auth_plugin: text().describe("Accepted for compatibility; has no effect."),
  auth_plugin_obj: text().describe("Accepted for compatibility; has no effect."),
  flavor_name_pattern: text().describe(
    "Regular expression: only flavors whose name matches are cached for (default: all).",
  ),
});

/** `[ironic]`: nodes, and where directives go. */
export const ironicSection = z.object({
  ...serviceCredentials,
  admin_url: adminUrl,
  api_max_retries: count(60).describe(
    "How many times a write refused with 409 Conflict (node locked: nothing applied) is sent " +
      "again, and how many times an accepted one is read back before it shows.",
  ),
  api_retry_interval: count(2).describe("Seconds between those retries."),
  api_version: z.number().int().min(1).max(1).default(1).describe("Ironic API major version."),
  cache_method: z.enum(["vendor_passthru", "annotate"]).default("vendor_passthru").describe(
    "How to cache: `vendor_passthru` calls the driver's `cache_image` method (the original's " +
      "call; upstream drivers lack it), `annotate` marks `driver_info` for an out-of-band cacher.",
  ),
  page_size: z.number().int().min(1).max(10000).default(1000).describe(
    "Nodes per page when listing.",
  ),
  conductor_group: text().describe("Only nodes of this conductor group."),
  shard: text().describe("Only nodes of this shard (Ironic 2023.1 or later)."),
  resource_class: text().describe("Only nodes of this resource class."),
  owner: text().describe("Only nodes of this owner."),
  flavor_rules: text().describe(
    "Flavors of nodes without `extra.flavor`, one rule per line: " +
      "`flavor: property=value, ...` over the node's properties (memory_mb, cpus, local_gb...).",
  ),
});

/** `[glance]`: images. */
export const glanceSection = z.object({
  ...serviceCredentials,
  auth_endpoint: text().describe("Keystone URL; falls back to `[client_wrapper] os_api_url`."),
  admin_tenant_id: text().describe("Project ID; falls back to `[client_wrapper] os_tenant_id`."),
  api_version: z.number().int().min(2).max(2).default(2).describe("Glance API major version."),
  image_visibility: text().describe(
    "Comma-separated visibilities to cache (public, community, shared, private); default all.",
  ),
  image_name_pattern: text().describe("Regular expression: only images whose name matches."),
  image_property_rules: text().describe(
    "Image properties required, one per line: `key = value` or `key contains value`.",
  ),
});

/** `[standalone]`: the image catalog of `scout = standalone` (Ironic without Nova and Glance). */
export const standaloneSection = z.object({
  images: text().describe(
    "One image per line: `name uuid url checksum`. The url is what `cache_image` downloads.",
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
  client_wrapper: clientWrapperSection,
  nova: novaSection,
  ironic: ironicSection,
  glance: glanceSection,
  standalone: standaloneSection,
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
