/**
 * Who may change things: the middleware in front of the mutating routes (`PATCH /v1/runtime`,
 * `POST /v1/cycle`). Read routes need no token, so probes and Prometheus work without one.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { ApiError } from "./errors.ts";

/** The token characters hono's bearerAuth accepts (RFC 6750 `b64token`). */
const TOKEN68 = /^[A-Za-z0-9._~+/-]+=*$/;

const REALM = "arsenal";

function unauthorized(error: string): () => Response {
  return () => Response.json({ error }, { status: 401 });
}

/**
 * The middleware for mutating routes. In order: read-only refuses with 403; with a token, a
 * request without `Authorization: Bearer <token>` (compared in constant time) is refused with 401
 * and a `WWW-Authenticate: Bearer` challenge; without a token, everything passes.
 *
 * @throws {TypeError} when `token` is empty or has characters a bearer token cannot carry, since
 * no request could ever present it
 */
export function mutationGuard(
  options: { readonly token?: string; readonly readOnly: boolean },
): MiddlewareHandler {
  const { token, readOnly } = options;
  if (token !== undefined && !TOKEN68.test(token)) {
    throw new TypeError(
      "Cannot protect the API: the token must be non-empty and use only A-Z a-z 0-9 . _ ~ + / - " +
        "(and trailing =)",
    );
  }
  if (readOnly) {
    return () => Promise.reject(new ApiError(403, "the API is read-only"));
  }
  if (token === undefined) return (_c, next) => next();
  return bearerAuth({
    token,
    realm: REALM,
    noAuthenticationHeader: {
      wwwAuthenticateHeader: `Bearer realm="${REALM}"`,
      message: unauthorized("this route needs an Authorization: Bearer token"),
    },
    // RFC 6750 answers a header in another scheme (Basic) with a bare challenge, not 400, and a
    // garbled token is no more informative than a wrong one.
    invalidAuthenticationHeader: {
      wwwAuthenticateHeader: `Bearer realm="${REALM}"`,
      message: unauthorized("the Authorization header must be Bearer <token>"),
    },
    invalidToken: {
      wwwAuthenticateHeader: `Bearer realm="${REALM}", error="invalid_token"`,
      message: unauthorized("the bearer token is not valid"),
    },
  });
}
