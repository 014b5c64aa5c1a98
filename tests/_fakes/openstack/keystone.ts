/**
 * The fake's Keystone v3, under `/identity`: password, application credential and token
 * authentication, project scoping, a catalog of the fake's services in two regions, and the 401
 * keystonemiddleware answers in front of every service.
 *
 * @module
 */
import { json } from "./_shared.ts";

/** Options of the fake Keystone. */
export interface KeystoneOptions {
  /** Token lifetime (default 3600 s). */
  tokenTtlSeconds?: number;
  /** Keystone user (default "admin"), password (default "secret") and project (default "admin"). */
  username?: string;
  password?: string;
  projectName?: string;
  /** The application credential Keystone accepts (default arsenal-app-cred / app-cred-secret). */
  applicationCredential?: { id: string; secret: string };
}

/** The options of {@linkcode FakeKeystone} nobody sets. */
export const KEYSTONE_DEFAULTS: Required<KeystoneOptions> = {
  tokenTtlSeconds: 3600,
  ...{ username: "admin", password: "secret", projectName: "admin" },
  applicationCredential: { id: "arsenal-app-cred", secret: "app-cred-secret" },
};

const UNAUTHORIZED = "The request you have made requires authentication.";

interface TokenRecord {
  expiresAt: number;
  body: Record<string, unknown>;
}

function keystoneError(status: number, message: string, title: string): Response {
  return json(status, { error: { code: status, message, title } });
}

/** Keystone's timestamp format: microseconds and Z. */
function keystoneTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** Keystone, issuing tokens whose catalog points at the fake served from `url`. */
export class FakeKeystone {
  /** `url + "/identity/v3"` */
  readonly keystoneUrl: string;
  /** How many tokens Keystone has issued. */
  issuedTokens = 0;

  readonly #url: string;
  readonly #options: Required<KeystoneOptions>;
  readonly #tokens = new Map<string, TokenRecord>();

  constructor(url: string, options: Required<KeystoneOptions>) {
    this.#url = url;
    this.#options = options;
    this.keystoneUrl = `${url}/identity/v3`;
  }

  /** Makes every token issued so far invalid: the services and Keystone answer 401 to it. */
  expireTokens(): void {
    for (const token of this.#tokens.values()) token.expiresAt = 0;
  }

  /** Issues a valid project-scoped token directly (for `auth_type = token` tests). */
  issueToken(): string {
    return this.#issue(["password"], true).id;
  }

  /** What keystonemiddleware answers a request whose X-Auth-Token is not valid; else undefined. */
  deny(req: Request): Response | undefined {
    const token = req.headers.get("x-auth-token");
    // No token, or Basic auth, is accepted.
    if (token === null || this.#validToken(token)) return undefined;
    return json(401, { error: { code: 401, title: "Unauthorized", message: UNAUTHORIZED } }, {
      "www-authenticate": `Keystone uri="${this.#url}/identity"`,
    });
  }

  /** Answers a request to `/identity` + `path`. */
  handle(req: Request, path: string, body: string): Response {
    if (path === "/" || path === "/v3" || path === "/v3/") {
      const v3 = {
        id: "v3.14",
        status: "stable",
        updated: "2020-04-07T00:00:00Z",
        links: [{ rel: "self", href: `${this.keystoneUrl}/` }],
      };
      return path === "/" ? json(300, { versions: { values: [v3] } }) : json(200, { version: v3 });
    }
    if (path !== "/v3/auth/tokens") {
      return keystoneError(404, "The resource could not be found.", "Not Found");
    }
    if (req.method === "GET") return this.#validate(req);
    if (req.method !== "POST") {
      return keystoneError(405, "Method Not Allowed", "Method Not Allowed");
    }
    return this.#authenticate(body);
  }

  #validToken(token: string): TokenRecord | undefined {
    const record = this.#tokens.get(token);
    return record && Date.now() < record.expiresAt ? record : undefined;
  }

  /** `GET /v3/auth/tokens`: the subject token's body, to a caller with a valid token. */
  #validate(req: Request): Response {
    const caller = req.headers.get("x-auth-token");
    if (caller === null || !this.#validToken(caller)) {
      return keystoneError(401, UNAUTHORIZED, "Unauthorized");
    }
    const subject = this.#validToken(req.headers.get("x-subject-token") ?? "");
    if (!subject) return keystoneError(404, "Could not find token.", "Not Found");
    return json(200, subject.body, { "x-subject-token": req.headers.get("x-subject-token")! });
  }

  /** `POST /v3/auth/tokens`: a new token, for valid credentials and scope. */
  #authenticate(body: string): Response {
    // deno-lint-ignore no-explicit-any
    let auth: any;
    try {
      auth = JSON.parse(body).auth;
    } catch {
      return keystoneError(400, "Malformed request body.", "Bad Request");
    }
    const identity = auth?.identity;
    const methods: string[] = Array.isArray(identity?.methods) ? identity.methods : [];
    const checked = this.#checkIdentity(auth, methods);
    if (checked instanceof Response) return checked;
    const project = auth.scope?.project;
    if (project !== undefined) {
      const byId = project.id === "admin-project-id";
      const byName = project.name === this.#options.projectName &&
        (project.domain?.name === "Default" || project.domain?.id === "default");
      if (!byId && !byName) return keystoneError(401, UNAUTHORIZED, "Unauthorized");
    }
    const appCred = checked.appCred;
    const token = this.#issue(methods, appCred || project !== undefined, appCred);
    return json(201, token.body, { "x-subject-token": token.id });
  }

  /** Checks the identity of an authentication request; an error response when it fails. */
  // deno-lint-ignore no-explicit-any
  #checkIdentity(auth: any, methods: string[]): { appCred: boolean } | Response {
    const identity = auth?.identity;
    const unauthorized = keystoneError(401, UNAUTHORIZED, "Unauthorized");
    if (methods.includes("password")) {
      const user = identity.password?.user ?? {};
      if (user.name !== undefined && user.domain === undefined) {
        return keystoneError(
          400,
          "Expecting to find domain in user. The server could not comply with the request " +
            "since it is either malformed or otherwise incorrect. The client is assumed to be " +
            "in error.",
          "Bad Request",
        );
      }
      const domainOk = user.id !== undefined || user.domain?.name === "Default" ||
        user.domain?.id === "default";
      const userOk = user.id === "admin-user-id" || user.name === this.#options.username;
      if (!domainOk || !userOk || user.password !== this.#options.password) return unauthorized;
      return { appCred: false };
    }
    if (methods.includes("application_credential")) {
      const cred = identity.application_credential ?? {};
      const expected = this.#options.applicationCredential;
      if (cred.id !== expected.id || cred.secret !== expected.secret) return unauthorized;
      if (auth.scope !== undefined) return unauthorized;
      return { appCred: true };
    }
    if (methods.includes("token")) {
      return this.#validToken(identity.token?.id ?? "") ? { appCred: false } : unauthorized;
    }
    return unauthorized;
  }

  #catalog(): unknown[] {
    const services: [string, string, string][] = [
      ["identity", "keystone", "/identity"],
      ["baremetal", "ironic", "/baremetal"],
      ["compute", "nova", "/compute/v2.1"],
      ["image", "glance", "/image"],
    ];
    return services.map(([type, name, prefix], s) => ({
      id: `service-${s}`,
      type,
      name,
      endpoints: ["RegionOne", "RegionTwo"].flatMap((region) =>
        ["public", "internal", "admin"].map((iface) => ({
          id: `${name}-${region}-${iface}`,
          interface: iface,
          region,
          region_id: region,
          url: `${this.#url}${region === "RegionOne" ? "" : "/elsewhere"}${prefix}`,
        }))
      ),
    }));
  }

  #issue(methods: string[], scoped: boolean, appCred = false) {
    const id = `gAAAAAB${crypto.randomUUID().replaceAll("-", "")}${++this.issuedTokens}`;
    const now = Date.now();
    const expiresAt = now + this.#options.tokenTtlSeconds * 1000;
    const domain = { id: "default", name: "Default" };
    const token: Record<string, unknown> = {
      methods,
      user: { domain, id: "admin-user-id", name: this.#options.username },
      audit_ids: [crypto.randomUUID().slice(0, 22)],
      expires_at: keystoneTime(expiresAt),
      issued_at: keystoneTime(now),
    };
    if (scoped) {
      token.project = { domain, id: "admin-project-id", name: this.#options.projectName };
      token.is_domain = false;
      token.roles = ["admin", "reader", "member"].map((name) => ({ id: `${name}-role`, name }));
      token.catalog = this.#catalog();
    }
    if (appCred) {
      token.application_credential = {
        id: this.#options.applicationCredential.id,
        name: "arsenal",
        restricted: true,
      };
    }
    const body = { token };
    this.#tokens.set(id, { expiresAt, body });
    return { id, body };
  }
}
