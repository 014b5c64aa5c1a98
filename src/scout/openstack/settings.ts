/**
 * What the OpenStack scout needs, resolved from `arsenal.conf`: per-service credentials with the
 * original's fallback (`[client_wrapper]` unless `[ironic]`/`[nova]`/`[glance]` override), endpoints,
 * filters, presets for the original's scouts, and the standalone image catalog.
 *
 * Resolution happens when the configuration is read, so `check-config` reports every mistake.
 *
 * @module
 */
import type { z } from "zod";
import type { RawSections } from "../../config/ini_file.ts";
import type { ConfigProblem } from "../../runtime/errors.ts";
import type { ScoutName } from "../names.ts";
import type { OPENSTACK_SECTIONS } from "./config.ts";
import type { RetryPolicy } from "./http.ts";
import { chosen, type Preset, presetOf } from "./presets.ts";
import {
  type FlavorRule,
  type ImageRule,
  parseFlavorRules,
  parseImageRules,
  parseStaticImages,
  type StaticImage,
} from "./rules.ts";
import { resolveServiceAuth, type ServiceName, type ServiceSettings } from "./service_auth.ts";
import { SettingsProblems } from "./_settings_problems.ts";
import type { CacheMethod } from "./node_cache.ts";

/** Ironic: nodes and actuators. */
export interface IronicSettings extends ServiceSettings {
  readonly cacheMethod: CacheMethod;
  /** Seconds an agent's heartbeat counts as recent (`cache_method = arsenal`). */
  readonly fastTrackTimeout: number;
  readonly pageSize: number;
  readonly filters: Readonly<Record<string, string>>;
  readonly flavorRules: readonly FlavorRule[];
  /** Retries of a 409 (node locked), and their interval in seconds. */
  readonly conflictRetries: number;
  readonly conflictInterval: number;
}

/** Glance: which images count. */
export interface GlanceSettings extends ServiceSettings {
  readonly visibility: readonly string[];
  readonly namePattern?: RegExp;
  readonly propertyRules: readonly ImageRule[];
}

/** Everything the OpenStack scout runs on. */
export interface OpenStackSettings {
  readonly mode: "openstack" | "standalone";
  /** The original scout's filters in force, if any. */
  readonly preset?: Preset;
  readonly policy: RetryPolicy;
  readonly ironic: IronicSettings;
  readonly nova?: ServiceSettings & { readonly flavorPattern?: RegExp };
  readonly glance?: GlanceSettings;
  readonly images?: readonly StaticImage[];
}

/** The sections resolution reads: the scout's own, parsed, and `[director] scout`. */
export type OpenStackSections =
  & { readonly scout: ScoutName }
  & { readonly [S in keyof typeof OPENSTACK_SECTIONS]: z.infer<(typeof OPENSTACK_SECTIONS)[S]> };

/**
 * Resolves the OpenStack settings; `settings` is undefined for the simulator or when there are
 * problems.
 */
export function resolveOpenStack(
  sections: OpenStackSections,
  raw: RawSections,
  file: string,
): { settings?: OpenStackSettings; problems: ConfigProblem[] } {
  const { scout } = sections;
  if (scout === "simulator") return { problems: [] };
  const problems = new SettingsProblems(raw, file);
  const preset = presetOf(scout);
  const cw = sections.client_wrapper;
  const policy: RetryPolicy = {
    retries: cw.call_max_retries,
    intervalSeconds: cw.call_retry_interval,
    timeoutSeconds: cw.call_timeout,
  };
  const ironic = resolveIronic(sections, preset, problems);
  const settings: OpenStackSettings = scout === "standalone"
    ? { mode: "standalone", policy, ironic, images: resolveImages(sections, problems) }
    : { mode: "openstack", preset, policy, ironic, ...resolveCatalogs(sections, preset, problems) };
  const found = problems.list();
  return found.length ? { problems: found } : { settings, problems: found };
}

/** Service `name`'s endpoint and authentication. */
function service(
  name: ServiceName,
  sections: OpenStackSections,
  problems: SettingsProblems,
): ServiceSettings {
  return resolveServiceAuth(
    name,
    { service: sections[name], clientWrapper: sections.client_wrapper },
    problems,
  );
}

/** `[ironic]`: where nodes are, which are listed, and how to identify their flavors. */
function resolveIronic(
  sections: OpenStackSections,
  preset: Preset | undefined,
  problems: SettingsProblems,
): IronicSettings {
  const ir = sections.ironic;
  const flavorRules = parseFlavorRules(chosen(preset, "flavor_rules", ir.flavor_rules));
  problems.addRules("ironic", "flavor_rules", flavorRules.problems);
  const filters: Record<string, string> = {};
  for (const key of ["conductor_group", "shard", "resource_class", "owner"] as const) {
    const value = ir[key]?.trim();
    if (value) filters[key] = value;
  }
  return {
    ...service("ironic", sections, problems),
    cacheMethod: ir.cache_method,
    fastTrackTimeout: ir.fast_track_timeout,
    pageSize: ir.page_size,
    filters,
    flavorRules: flavorRules.rules,
    conflictRetries: ir.api_max_retries,
    conflictInterval: ir.api_retry_interval,
  };
}

/** `[standalone] images`: the catalog that stands in for Glance. */
function resolveImages(sections: OpenStackSections, problems: SettingsProblems): StaticImage[] {
  const images = parseStaticImages(sections.standalone.images, {
    diskFormatNeeded: sections.ironic.cache_method === "arsenal",
  });
  problems.addRules("standalone", "images", images.problems);
  if (images.rules.length === 0 && images.problems.length === 0) {
    problems.add(
      "standalone",
      "images",
      undefined,
      "scout = standalone needs the images to cache, one per line: name id url checksum",
    );
  }
  return images.rules;
}

/** `[nova]` and `[glance]`: where flavors and images are, and which of them count. */
function resolveCatalogs(
  sections: OpenStackSections,
  preset: Preset | undefined,
  problems: SettingsProblems,
): Pick<OpenStackSettings, "nova" | "glance"> {
  const g = sections.glance;
  const imageRules = parseImageRules(
    chosen(preset, "image_property_rules", g.image_property_rules),
  );
  problems.addRules("glance", "image_property_rules", imageRules.problems);
  const visibility = (chosen(preset, "image_visibility", g.image_visibility) ?? "")
    .split(",").map((v) => v.trim()).filter(Boolean);
  const known = ["public", "community", "shared", "private"];
  for (const v of visibility.filter((v) => !known.includes(v))) {
    problems.add("glance", "image_visibility", v, `one of ${known.join(", ")}`);
  }
  const pattern = (section: "nova" | "glance", option: string, value: string | undefined) =>
    regex(section, option, chosen(preset, option, value), problems);
  return {
    nova: {
      ...service("nova", sections, problems),
      flavorPattern: pattern("nova", "flavor_name_pattern", sections.nova.flavor_name_pattern),
    },
    glance: {
      ...service("glance", sections, problems),
      visibility,
      namePattern: pattern("glance", "image_name_pattern", g.image_name_pattern),
      propertyRules: imageRules.rules,
    },
  };
}

/** `source` as a regular expression; undefined when unset or invalid (reported). */
function regex(
  section: string,
  option: string,
  source: string | undefined,
  problems: SettingsProblems,
): RegExp | undefined {
  if (source === undefined) return undefined;
  try {
    return new RegExp(source);
  } catch (e) {
    problems.add(section, option, source, `a regular expression (${(e as Error).message})`);
    return undefined;
  }
}
