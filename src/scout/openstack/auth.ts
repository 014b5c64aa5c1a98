/**
 * Credentials: Keystone v3 (password, application credential, pre-issued token), noauth, and
 * HTTP basic; and endpoints from Keystone's service catalog.
 *
 * A Keystone token is cached until shortly before it expires (by the injected clock); a 401
 * from a service invalidates it, and the next request authenticates again.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { Random } from "../../domain/random.ts";
import type { Clock } from "../../runtime/clock.ts";
import { type Service, SERVICE_NAMES, UpstreamError } from "./errors.ts";
import {
  type Credentials,
  type RetryPolicy,
  ServiceClient,
  type UpstreamObserver,
} from "./http.ts";

const log = getLogger(["arsenal", "openstack"]);

/** Renew a token this long before it expires (or at half its life, if that is sooner). */
const RENEW_MARGIN_MS = 120_000;

/** The Keystone credentials of one `[client_wrapper]`/service-section combination. */
export type KeystoneCredentials =
  | {
    readonly method: "password";
    readonly username: string;
    readonly password: string;
    readonly userDomainName: string;
    readonly projectName?: string;
    readonly projectId?: string;
    readonly projectDomainName: string;
  }
  | { readonly method: "v3applicationcredential"; readonly id: string; readonly secret: string }
  | { readonly method: "token"; readonly token: string };

/** Where to find a service in the catalog. */
export interface CatalogQuery {
  readonly type: Service;
  readonly interface: string;
  readonly region?: string;
  readonly name?: string;
}

interface CatalogEntry {
  type?: string;
  name?: string;
  endpoints?: { interface?: string; region?: string; region_id?: string; url?: string }[];
}

interface TokenBody {
  token?: { expires_at?: string; catalog?: CatalogEntry[] };
}

/** No credentials at all: Ironic standalone, Bifrost, Metal3. */
export const NO_AUTH: Credentials = {
  headers: () => Promise.resolve({}),
  invalidate: () => false,
};

/** HTTP basic authentication (Ironic's `auth_strategy = http_basic`). */
export function basicAuth(username: string, password: string): Credentials {
  const value = `Basic ${
    btoa(String.fromCharCode(...new TextEncoder().encode(`${username}:${password}`)))
  }`;
  return { headers: () => Promise.resolve({ Authorization: value }), invalidate: () => false };
}

/** A Keystone v3 session: a cached token and the catalog that came with it. */
export class KeystoneSession implements Credentials {
  readonly #client: ServiceClient;
  readonly #credentials: KeystoneCredentials;
  readonly #clock: Clock;
  #token?: { value: string; renewAt: number; catalog: CatalogEntry[] };
  #pending?: Promise<{ value: string; catalog: CatalogEntry[] }>;

  /**
   * @param authUrl Keystone's v3 URL (ending in `/v3`)
   */
  constructor(options: {
    authUrl: string;
    credentials: KeystoneCredentials;
    clock: Clock;
    policy: RetryPolicy;
    observer?: UpstreamObserver;
    /** Where the jitter of retry waits comes from. */
    random: Random;
  }) {
    this.#credentials = options.credentials;
    this.#clock = options.clock;
    this.#client = new ServiceClient({
      service: "identity",
      endpoint: () => Promise.resolve(options.authUrl),
      credentials: NO_AUTH,
      policy: options.policy,
      observer: options.observer,
      random: options.random,
    });
  }

  async headers(signal: AbortSignal): Promise<Record<string, string>> {
    return { "X-Auth-Token": (await this.#current(signal)).value };
  }

  invalidate(): boolean {
    this.#token = undefined;
    return this.#credentials.method !== "token";
  }

  /**
   * The URL of a service from the token's catalog.
   *
   * @throws {UpstreamError} when the catalog has no such endpoint (the message lists what it has)
   */
  async endpoint(query: CatalogQuery, signal: AbortSignal): Promise<string> {
    const { catalog } = await this.#current(signal);
    const entries = catalog.filter((e) =>
      e.type === query.type && (query.name === undefined || e.name === query.name)
    );
    const endpoints = entries.flatMap((e) => e.endpoints ?? []);
    const found = endpoints.find((e) =>
      e.interface === query.interface && e.url &&
      (query.region === undefined || e.region_id === query.region || e.region === query.region)
    );
    if (found?.url) return found.url;
    const listed = endpoints.map((e) => `${e.interface}@${e.region_id ?? e.region ?? "?"}`);
    const wanted = [
      `interface ${query.interface}`,
      query.region && `region ${query.region}`,
      query.name && `name ${query.name}`,
    ].filter(Boolean).join(", ");
    throw new UpstreamError(
      "identity",
      { method: "GET", path: "catalog" },
      undefined,
      `the service catalog has no ${query.type} endpoint (${SERVICE_NAMES[query.type]}) with ` +
        `${wanted}; it lists ${listed.length ? listed.join(", ") : "none"}. Set api_endpoint ` +
        "in the service's section, or region_name / os_interface",
    );
  }

  async #current(signal: AbortSignal): Promise<{ value: string; catalog: CatalogEntry[] }> {
    const token = this.#token;
    if (token && this.#clock.now() < token.renewAt) return token;
    this.#pending ??= this.#authenticate(signal).finally(() => this.#pending = undefined);
    return await this.#pending;
  }

  async #authenticate(signal: AbortSignal): Promise<{ value: string; catalog: CatalogEntry[] }> {
    const c = this.#credentials;
    let response: Response;
    if (c.method === "token") {
      // A pre-issued token: read its own catalog (and expiry) by validating it.
      response = await this.#client.request("GET", "auth/tokens", {
        signal,
        headers: { "X-Auth-Token": c.token, "X-Subject-Token": c.token },
      });
    } else {
      response = await this.#client.request("POST", "auth/tokens", {
        signal,
        json: { auth: authBody(c) },
        // Asking for a token changes nothing a second request would change again.
        idempotent: true,
      });
    }
    const value = c.method === "token" ? c.token : response.headers.get("X-Subject-Token");
    let body: TokenBody;
    try {
      body = await response.json() as TokenBody;
    } catch {
      body = {};
    }
    if (!value) {
      throw new UpstreamError(
        "identity",
        { method: "POST", path: "/v3/auth/tokens" },
        response.status,
        "no X-Subject-Token header in the answer",
      );
    }
    const now = this.#clock.now();
    const expires = Date.parse(body.token?.expires_at ?? "");
    const life = Number.isFinite(expires) ? expires - now : Infinity;
    const renewAt = now + Math.max(0, life - Math.min(RENEW_MARGIN_MS, life / 2));
    const token = { value, renewAt, catalog: body.token?.catalog ?? [] };
    if (c.method !== "token") {
      log.info("Keystone issued a token{until}", {
        until: Number.isFinite(expires) ? ` valid until ${new Date(expires).toISOString()}` : "",
      });
    }
    this.#token = token;
    return token;
  }
}

function authBody(c: Exclude<KeystoneCredentials, { method: "token" }>): unknown {
  if (c.method === "v3applicationcredential") {
    return {
      identity: {
        methods: ["application_credential"],
        application_credential: { id: c.id, secret: c.secret },
      },
    };
  }
  const project = c.projectName !== undefined
    ? { name: c.projectName, domain: { name: c.projectDomainName } }
    : c.projectId !== undefined
    ? { id: c.projectId }
    : undefined;
  return {
    identity: {
      methods: ["password"],
      password: {
        user: { name: c.username, domain: { name: c.userDomainName }, password: c.password },
      },
    },
    ...(project && { scope: { project } }),
  };
}
