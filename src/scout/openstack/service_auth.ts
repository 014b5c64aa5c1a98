/**
 * Where one service is and how it authenticates, with the original's fallback: `[ironic]`,
 * `[nova]` or `[glance]` options override `[client_wrapper]`'s. An unset `auth_type` is inferred
 * from the credentials given, and every credential the type needs is asked for by name.
 *
 * @module
 */
import type { z } from "zod";
import type { clientWrapperSection, glanceSection, ironicSection, novaSection } from "./config.ts";
import type { KeystoneCredentials } from "./auth.ts";
import type { SettingsProblems } from "./_settings_problems.ts";

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

/** The services with a section of their own. */
export type ServiceName = "ironic" | "nova" | "glance";

/** `[client_wrapper]`, parsed. */
export type ClientWrapper = z.infer<typeof clientWrapperSection>;

/** A service's section, parsed: the options the three have in common, and each one's own. */
export type ServiceSection = Partial<
  z.infer<typeof ironicSection> & z.infer<typeof glanceSection> & z.infer<typeof novaSection>
>;

/** The credentials in force for one service, after the fallback to `[client_wrapper]`. */
interface Given {
  readonly username?: string;
  readonly password?: string;
  readonly token?: string;
  readonly appId?: string;
  readonly appSecret?: string;
  readonly projectName?: string;
  readonly projectId?: string;
  readonly userDomainName: string;
  readonly projectDomainName: string;
  readonly keystoneUrl?: string;
  /** The option naming the service's own Keystone URL. */
  readonly keystoneOption: "auth_endpoint" | "admin_url";
  /** Where the Keystone URL in force was set. */
  readonly keystoneAt: readonly [string, string];
}

/** Reports, unless `ok`, that the auth type needs `what`, set by `option`. */
type Need = (ok: unknown, option: string, what: string) => void;

/** Resolves the endpoint, region and authentication of service `name`. */
export function resolveServiceAuth(
  name: ServiceName,
  sections: { readonly service: ServiceSection; readonly clientWrapper: ClientWrapper },
  problems: SettingsProblems,
): ServiceSettings {
  const { service: s, clientWrapper: cw } = sections;
  const endpoint = s.api_endpoint?.trim() || undefined;
  if (endpoint !== undefined && !isHttpUrl(endpoint)) {
    problems.add(name, "api_endpoint", endpoint, "an http:// or https:// URL");
  }
  const given = givenCredentials(name, s, cw);
  const explicit = s.auth_type ?? cw.auth_type;
  const type = explicit ?? inferredType(given);
  const need = needs(problems, {
    type,
    explicit: explicit !== undefined,
    at: s.auth_type ? [name, "auth_type"] : ["client_wrapper", "auth_type"],
  });
  const base = {
    endpoint,
    region: s.region_name ?? cw.region_name,
    interface: cw.os_interface,
    serviceName: name === "nova" ? s.service_name ?? cw.service_name : undefined,
  };
  if (type === "noauth" || type === "http_basic") {
    need(
      endpoint,
      `[${name}] api_endpoint`,
      "the service URL: there is no catalog without Keystone",
    );
    return { ...base, auth: type === "http_basic" ? basicAuthOf(given, need) : { type: "noauth" } };
  }
  const authUrl = keystoneUrlOf(
    given.keystoneUrl,
    (expected) => problems.add(...given.keystoneAt, given.keystoneUrl, expected),
  );
  need(
    given.keystoneUrl,
    `[client_wrapper] os_api_url or [${name}] ${given.keystoneOption}`,
    "a Keystone URL",
  );
  const credentials = keystoneCredentials(type, given, need);
  return { ...base, auth: { type: "keystone", authUrl: authUrl ?? "", credentials } };
}

/** A {@linkcode Need} reporting against the option that chose (or would choose) `type`. */
function needs(
  problems: SettingsProblems,
  auth: { readonly type: string; readonly explicit: boolean; readonly at: [string, string] },
): Need {
  const inferred = auth.explicit ? "" : "; auth_type was inferred from what is set";
  return (ok, option, what) => {
    if (ok) return;
    problems.add(
      ...auth.at,
      auth.type,
      `auth_type ${auth.type} needs ${what} (${option}${inferred})`,
    );
  };
}

function givenCredentials(name: ServiceName, s: ServiceSection, cw: ClientWrapper): Given {
  const own = name === "glance" ? s.auth_endpoint : s.admin_url;
  const keystoneOption = name === "glance" ? "auth_endpoint" : "admin_url";
  return {
    username: s.admin_username ?? cw.os_username,
    password: s.admin_password ?? cw.os_password,
    token: s.admin_auth_token ?? cw.os_auth_token,
    appId: cw.os_application_credential_id,
    appSecret: cw.os_application_credential_secret,
    projectName: s.admin_tenant_name ?? cw.os_tenant_name,
    projectId: (name === "glance" ? s.admin_tenant_id : undefined) ?? cw.os_tenant_id,
    userDomainName: cw.os_user_domain_name,
    projectDomainName: cw.os_project_domain_name,
    keystoneUrl: own ?? cw.os_api_url,
    keystoneOption,
    keystoneAt: own ? [name, keystoneOption] : ["client_wrapper", "os_api_url"],
  };
}

/** The original's inference: a token, then an application credential, then a password. */
function inferredType(given: Given): NonNullable<ClientWrapper["auth_type"]> {
  if (given.token) return "token";
  if (given.appId) return "v3applicationcredential";
  if (given.username && given.password && given.keystoneUrl) return "password";
  return "noauth";
}

function basicAuthOf(given: Given, need: Need): AuthChoice {
  need(
    given.username && given.password,
    "os_username and os_password, or admin_username and admin_password",
    "a user and a password",
  );
  return { type: "http_basic", username: given.username ?? "", password: given.password ?? "" };
}

/** What Keystone is asked for a token with, for a Keystone `type`. */
function keystoneCredentials(
  type: "password" | "token" | "v3applicationcredential",
  given: Given,
  need: Need,
): KeystoneCredentials {
  if (type === "token") {
    need(given.token, "os_auth_token or admin_auth_token", "a token");
    return { method: "token", token: given.token ?? "" };
  }
  if (type === "v3applicationcredential") {
    need(
      given.appId && given.appSecret,
      "os_application_credential_id and _secret",
      "an application credential",
    );
    return {
      method: "v3applicationcredential",
      id: given.appId ?? "",
      secret: given.appSecret ?? "",
    };
  }
  need(
    given.username && given.password,
    "os_username and os_password, or admin_username and admin_password",
    "a user and a password",
  );
  const { projectName, projectId } = given;
  need(projectName ?? projectId, "os_tenant_name or os_tenant_id", "a project, to get a catalog");
  return {
    method: "password",
    username: given.username ?? "",
    password: given.password ?? "",
    userDomainName: given.userDomainName,
    projectName,
    projectId,
    projectDomainName: given.projectDomainName,
  };
}

/** Whether `value` is an http or https URL. */
export function isHttpUrl(value: string): boolean {
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
