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
import {
  type clientWrapperSection,
  type glanceSection,
  type ironicSection,
  LEGACY_SCOUTS,
  type novaSection,
  type SCOUTS,
  type standaloneSection,
} from "../../config/schema.ts";
import type { KeystoneCredentials } from "./auth.ts";
import type { RetryPolicy } from "./http.ts";
import {
  type FlavorRule,
  type ImageRule,
  parseFlavorRules,
  parseImageRules,
  parseStaticImages,
  type RuleProblem,
  type StaticImage,
} from "./rules.ts";

/** How one service authenticates. */
export type AuthChoice =
  | { readonly type: "noauth" }
  | { readonly type: "http_basic"; readonly username: string; readonly password: string }
  | {
    readonly type: "keystone";
    readonly authUrl: string;
    readonly credentials: KeystoneCredentials;
  };

/** Where one service is and how to reach it. */
export interface ServiceSettings {
  /** `api_endpoint`; otherwise the catalog is asked. */
  readonly endpoint?: string;
  readonly auth: AuthChoice;
  readonly region?: string;
  readonly interface: string;
  /** Catalog service name, when set. */
  readonly serviceName?: string;
}

/** Ironic: nodes and actuators. */
export interface IronicSettings extends ServiceSettings {
  readonly cacheMethod: "vendor_passthru" | "annotate";
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
  readonly preset?: "devstack" | "onmetal";
  readonly policy: RetryPolicy;
  readonly ironic: IronicSettings;
  readonly nova?: ServiceSettings & { readonly flavorPattern?: RegExp };
  readonly glance?: GlanceSettings;
  readonly images?: readonly StaticImage[];
}

/** The filters the original's DevStack and OnMetal scouts hard-coded. */
const PRESETS = {
  devstack: {
    flavor_name_pattern: "^baremetal$",
    image_name_pattern: "^cirros-0\\.3\\.2-x86_64-disk$",
  },
  onmetal: {
    flavor_name_pattern: "^onmetal-",
    flavor_rules: "onmetal-compute1: memory_mb=32768\n" +
      "onmetal-io1: memory_mb=131072\nonmetal-memory1: memory_mb=524288",
    image_visibility: "public",
    image_property_rules: "flavor_classes contains onmetal\nvm_mode = metal",
  },
} as const;

type ServiceName = "ironic" | "nova" | "glance";

/** The sections resolution reads. */
export interface OpenStackSections {
  readonly scout: (typeof SCOUTS)[number];
  readonly client_wrapper: z.infer<typeof clientWrapperSection>;
  readonly ironic: z.infer<typeof ironicSection>;
  readonly nova: z.infer<typeof novaSection>;
  readonly glance: z.infer<typeof glanceSection>;
  readonly standalone: z.infer<typeof standaloneSection>;
}

/**
 * Resolves the OpenStack settings; `settings` is undefined for the simulator or when there are
 * problems.
 */
export function resolveOpenStack(
  sections: OpenStackSections,
  raw: RawSections,
  file: string,
): { settings?: OpenStackSettings; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const { scout } = sections;
  if (scout === "simulator") return { problems };
  const mode = scout === "standalone" ? "standalone" : "openstack";
  const legacy = scout in LEGACY_SCOUTS
    ? LEGACY_SCOUTS[scout as keyof typeof LEGACY_SCOUTS]
    : undefined;
  const preset = legacy === "devstack" || legacy === "onmetal" ? legacy : undefined;
  const presetValues: Readonly<Record<string, string>> = preset ? PRESETS[preset] : {};

  const where = (section: string, option: string) => raw.get(section)?.get(option)?.where ?? file;
  const problem = (section: string, option: string, value: string | undefined, expected: string) =>
    problems.push({ where: where(section, option), section, option, value, expected });
  const ruleProblems = (section: string, option: string, found: RuleProblem[]) => {
    const at = where(section, option);
    const line = /:(\d+)$/.exec(at);
    for (const p of found) {
      problems.push({
        // A multi-line value starts on its option's line: point at the rule's own line.
        where: line ? `${at.slice(0, line.index)}:${Number(line[1]) + p.line - 1}` : at,
        section,
        option,
        value: p.text,
        expected: line
          ? `expected ${p.expected}`
          : `line ${p.line} of the value: expected ${p.expected}`,
      });
    }
  };
  /** The option as configured, else the preset's value. */
  const chosen = (option: string, value: string | undefined) => value ?? presetValues[option];
  const regex = (section: string, option: string, value: string | undefined) => {
    const source = chosen(option, value);
    if (source === undefined) return undefined;
    try {
      return new RegExp(source);
    } catch (e) {
      problem(section, option, source, `a regular expression (${(e as Error).message})`);
      return undefined;
    }
  };

  const cw = sections.client_wrapper;
  const policy: RetryPolicy = {
    retries: cw.call_max_retries,
    intervalSeconds: cw.call_retry_interval,
    timeoutSeconds: cw.call_timeout,
  };

  const service = (name: ServiceName): ServiceSettings => {
    const s = sections[name] as
      & z.infer<typeof ironicSection>
      & Partial<
        z.infer<typeof glanceSection> & z.infer<typeof novaSection>
      >;
    const endpoint = s.api_endpoint?.trim() || undefined;
    if (endpoint !== undefined && !isHttpUrl(endpoint)) {
      problem(name, "api_endpoint", endpoint, "an http:// or https:// URL");
    }
    const keystoneOption = name === "glance" ? "auth_endpoint" : "admin_url";
    const keystoneUrl = (name === "glance" ? s.auth_endpoint : s.admin_url) ?? cw.os_api_url;
    const keystoneWhere: [string, string] = (name === "glance" ? s.auth_endpoint : s.admin_url)
      ? [name, keystoneOption]
      : ["client_wrapper", "os_api_url"];
    const username = s.admin_username ?? cw.os_username;
    const password = s.admin_password ?? cw.os_password;
    const token = s.admin_auth_token ?? cw.os_auth_token;
    const appId = cw.os_application_credential_id;
    const appSecret = cw.os_application_credential_secret;
    const explicit = s.auth_type ?? cw.auth_type;
    const type = explicit ??
      (token
        ? "token"
        : appId
        ? "v3applicationcredential"
        : username && password && keystoneUrl
        ? "password"
        : "noauth");
    const typeWhere: [string, string] = s.auth_type
      ? [name, "auth_type"]
      : ["client_wrapper", "auth_type"];
    const base = {
      endpoint,
      region: s.region_name ?? cw.region_name,
      interface: cw.os_interface,
      serviceName: name === "nova" ? s.service_name ?? cw.service_name : undefined,
    };
    const need = (ok: unknown, option: string, what: string) => {
      if (!ok) {
        problem(
          ...typeWhere,
          type,
          `auth_type ${type} needs ${what} (${option}${
            explicit ? "" : "; auth_type was inferred from what is set"
          })`,
        );
      }
      return Boolean(ok);
    };
    if (type === "noauth" || type === "http_basic") {
      need(
        endpoint,
        `[${name}] api_endpoint`,
        "the service URL: there is no catalog without Keystone",
      );
      if (type === "http_basic") {
        need(
          username && password,
          "os_username and os_password, or admin_username and admin_password",
          "a user and a password",
        );
        return { ...base, auth: { type, username: username ?? "", password: password ?? "" } };
      }
      return { ...base, auth: { type: "noauth" } };
    }
    const authUrl = keystoneUrlOf(
      keystoneUrl,
      (expected) => problem(...keystoneWhere, keystoneUrl, expected),
    );
    need(
      keystoneUrl,
      `[client_wrapper] os_api_url or [${name}] ${keystoneOption}`,
      "a Keystone URL",
    );
    let credentials: KeystoneCredentials;
    if (type === "token") {
      need(token, "os_auth_token or admin_auth_token", "a token");
      credentials = { method: "token", token: token ?? "" };
    } else if (type === "v3applicationcredential") {
      need(
        appId && appSecret,
        "os_application_credential_id and _secret",
        "an application credential",
      );
      credentials = { method: "v3applicationcredential", id: appId ?? "", secret: appSecret ?? "" };
    } else {
      need(
        username && password,
        "os_username and os_password, or admin_username and admin_password",
        "a user and a password",
      );
      const projectName = s.admin_tenant_name ?? cw.os_tenant_name;
      const projectId = (name === "glance" ? s.admin_tenant_id : undefined) ?? cw.os_tenant_id;
      need(
        projectName ?? projectId,
        "os_tenant_name or os_tenant_id",
        "a project, to get a catalog",
      );
      credentials = {
        method: "password",
        username: username ?? "",
        password: password ?? "",
        userDomainName: cw.os_user_domain_name,
        projectName,
        projectId,
        projectDomainName: cw.os_project_domain_name,
      };
    }
    return { ...base, auth: { type: "keystone", authUrl: authUrl ?? "", credentials } };
  };

  const ir = sections.ironic;
  const flavorRules = parseFlavorRules(chosen("flavor_rules", ir.flavor_rules));
  ruleProblems("ironic", "flavor_rules", flavorRules.problems);
  const filters: Record<string, string> = {};
  for (const key of ["conductor_group", "shard", "resource_class", "owner"] as const) {
    const value = ir[key]?.trim();
    if (value) filters[key] = value;
  }
  const ironic: IronicSettings = {
    ...service("ironic"),
    cacheMethod: ir.cache_method,
    pageSize: ir.page_size,
    filters,
    flavorRules: flavorRules.rules,
    conflictRetries: ir.api_max_retries,
    conflictInterval: ir.api_retry_interval,
  };

  let settings: OpenStackSettings;
  if (mode === "standalone") {
    const images = parseStaticImages(sections.standalone.images);
    ruleProblems("standalone", "images", images.problems);
    if (images.rules.length === 0 && images.problems.length === 0) {
      problem(
        "standalone",
        "images",
        undefined,
        "scout = standalone needs the images to cache, " +
          "one per line: name uuid url checksum",
      );
    }
    settings = { mode, policy, ironic, images: images.rules };
  } else {
    const g = sections.glance;
    const imageRules = parseImageRules(
      chosen("image_property_rules", g.image_property_rules),
    );
    ruleProblems("glance", "image_property_rules", imageRules.problems);
    const visibility = (chosen("image_visibility", g.image_visibility) ?? "")
      .split(",").map((v) => v.trim()).filter(Boolean);
    const known = ["public", "community", "shared", "private"];
    for (const v of visibility.filter((v) => !known.includes(v))) {
      problem("glance", "image_visibility", v, `one of ${known.join(", ")}`);
    }
    settings = {
      mode,
      preset,
      policy,
      ironic,
      nova: {
        ...service("nova"),
        flavorPattern: regex("nova", "flavor_name_pattern", sections.nova.flavor_name_pattern),
      },
      glance: {
        ...service("glance"),
        visibility,
        namePattern: regex("glance", "image_name_pattern", g.image_name_pattern),
        propertyRules: imageRules.rules,
      },
    };
  }
  // A [client_wrapper] value the three services share is reported once, not three times.
  const unique = [...new Map(problems.map((p) => [JSON.stringify(p), p])).values()];
  return unique.length ? { problems: unique } : { settings, problems: unique };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

/** Keystone's v3 URL from a configured one: `/v3` added when missing, v2.0 refused with advice. */
export function keystoneUrlOf(
  value: string | undefined,
  report: (expected: string) => void,
): string | undefined {
  if (value === undefined) return undefined;
  const url = value.trim().replace(/\/+$/, "");
  if (!isHttpUrl(url)) {
    report("an http:// or https:// URL of Keystone, e.g. https://keystone.example:5000/v3");
    return undefined;
  }
  if (/\/v2\.0$/.test(url)) {
    report(
      "Keystone's v2.0 API was removed (OpenStack Queens); use the v3 URL, " +
        `${url.replace(/\/v2\.0$/, "/v3")}, and set os_user_domain_name / ` +
        "os_project_domain_name if your user and project are not in the Default domain",
    );
    return undefined;
  }
  return /\/v3$/.test(url) ? url : `${url}/v3`;
}
