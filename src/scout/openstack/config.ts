/**
 * The OpenStack scout's sections of `arsenal.conf`: `[client_wrapper]` (credentials and retry
 * policy every client shares), `[nova]`, `[ironic]`, `[glance]` and `[standalone]`, with the
 * original's options and defaults, and notes on those set but without effect. The README's
 * configuration reference mirrors their help text.
 *
 * @module
 */
import { z } from "zod";
import type { RawSections } from "../../config/ini_file.ts";
import { count, seconds, secret, text } from "../../config/options.ts";
import { CACHE_METHODS } from "./node_cache.ts";

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
  cache_method: z.enum(CACHE_METHODS).default("vendor_passthru").describe(
    "How to cache: `vendor_passthru` calls the driver's `cache_image` method (the original's " +
      "call; upstream drivers lack it), `annotate` marks `driver_info` for an out-of-band cacher, " +
      "`arsenal` goes through the `arsenal` vendor interface of Arsenal's Ironic plugin " +
      "(`plugins/ironic/`, with fast track).",
  ),
  fast_track_timeout: z.number().int().min(0).max(300).default(300).describe(
    "With `cache_method = arsenal`: seconds an agent's last heartbeat counts as recent " +
      "(Ironic's `[deploy] fast_track_timeout`; set them alike). A node without a live agent " +
      "cannot be cached and is left out.",
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
    "One image per line: `name id url checksum`. The url is what the agent downloads; the id is " +
      "its last path segment (the id Ironic gives the agent when it deploys that URL); the " +
      "checksum is 32 (MD5), 64 (SHA-256) or 128 (SHA-512) lowercase hex digits. With " +
      "`cache_method = arsenal` the URL's file name ends in the disk format (`.raw`, `.qcow2`, ...).",
  ),
});

/** The scout's sections by name, in the order the README documents them. */
export const OPENSTACK_SECTIONS = {
  client_wrapper: clientWrapperSection,
  nova: novaSection,
  ironic: ironicSection,
  glance: glanceSection,
  standalone: standaloneSection,
} as const;

const NOVA_RETRIES = "Arsenal only reads from Nova, and reads are retried under " +
  "[client_wrapper] call_max_retries and call_retry_interval";

/** Options accepted for compatibility whose names promise an effect, and why they have none. */
const NO_EFFECT: readonly (readonly [section: string, option: string, why: string])[] = [
  ["nova", "api_max_retries", NOVA_RETRIES],
  ["nova", "api_retry_interval", NOVA_RETRIES],
];

/** Notes on the options set in `raw` that are accepted for compatibility but have no effect. */
export function noEffectWarnings(raw: RawSections): string[] {
  return NO_EFFECT.flatMap(([section, option, why]) => {
    const set = raw.get(section)?.get(option);
    return set
      ? [`${set.where}: [${section}] ${option} has no effect (accepted for compatibility): ${why}`]
      : [];
  });
}
