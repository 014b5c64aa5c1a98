/**
 * Runtime settings over HTTP: `GET /v1/runtime` shows them with an `ETag`, `PATCH /v1/runtime`
 * changes them with a JSON merge patch (RFC 7386), honouring `If-Match` (RFC 9110 §13.1.1).
 *
 * The API does not log changes: {@linkcode RuntimeSettings.onChange} listeners do, whoever made
 * them.
 *
 * @module
 */
import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { PatchRejection, RuntimeSettings } from "../runtime/settings.ts";
import { ApiError } from "./errors.ts";

/** The media types a patch may arrive in. */
const PATCH_TYPES = ["application/merge-patch+json", "application/json"];

/** Far above any real patch (a handful of settings), far below trouble. */
const MAX_PATCH_BYTES = 64 * 1024;

const limitPatch = bodyLimit({
  maxSize: MAX_PATCH_BYTES,
  onError: () => {
    throw new ApiError(413, `the patch must be at most ${MAX_PATCH_BYTES} bytes`);
  },
});

/**
 * Reads a merge patch from a request.
 *
 * @throws {ApiError} 415 for another content type, 400 for malformed JSON
 */
async function readMergePatch(request: Request): Promise<unknown> {
  const mediaType = (request.headers.get("Content-Type") ?? "").split(";")[0].trim().toLowerCase();
  if (!PATCH_TYPES.includes(mediaType)) {
    throw new ApiError(415, `the patch must be sent as ${PATCH_TYPES.join(" or ")}`, {
      headers: { "Accept-Patch": PATCH_TYPES.join(", ") },
    });
  }
  const text = await request.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, "the body is not valid JSON");
  }
}

/** The status of each kind of refusal. */
const REFUSAL_STATUS = {
  malformed: 400,
  stale: 412,
  invalid: 422,
} as const satisfies Record<PatchRejection["kind"], ContentfulStatusCode>;

/**
 * The answer to a refused patch, always with the settings' current ETag.
 *
 * @param request.ifMatch the request's `If-Match`, quoted back in a 412
 * @param request.etag the settings' current ETag
 */
export function patchRefusal(
  rejection: PatchRejection,
  request: { readonly ifMatch?: string; readonly etag: string },
): ApiError {
  const status = REFUSAL_STATUS[rejection.kind];
  const headers = { ETag: request.etag };
  switch (rejection.kind) {
    case "malformed":
      return new ApiError(status, "the body must be a JSON object", { headers });
    case "stale":
      return new ApiError(
        status,
        `If-Match ${request.ifMatch} is stale; the settings are now ${rejection.etag}`,
        { headers },
      );
    case "invalid":
      return new ApiError(status, "the patch is invalid; nothing was changed", {
        problems: rejection.problems,
        headers,
      });
    default:
      return rejection satisfies never;
  }
}

/**
 * The entity tags of an `If-Match` header; undefined when absent, empty or `*` (any will do).
 * Comparison is strong (RFC 9110 §13.1.1), so a weak `W/"1"` never matches.
 */
function ifMatchTags(header: string | undefined): string[] | undefined {
  if (!header || header.trim() === "*") return undefined;
  return header.split(",").map((tag) => tag.trim());
}

/**
 * The runtime routes, mounted under `/v1`.
 *
 * @param guard the middleware in front of `PATCH /runtime` (see `mutationGuard()`)
 *
 * @example
 * ```sh
 * curl -X PATCH -H 'Content-Type: application/merge-patch+json' -H 'If-Match: "1"' \
 *   -d '{"dry_run": true}' 'http://127.0.0.1:9400/v1/runtime?reason=maintenance'
 * ```
 */
export function runtimeRoutes(settings: RuntimeSettings, guard: MiddlewareHandler): Hono {
  return new Hono()
    .get("/runtime", (c) => c.json(settings.current, 200, { ETag: settings.etag }))
    .patch("/runtime", guard, limitPatch, async (c) => {
      const patch = await readMergePatch(c.req.raw);
      const ifMatch = c.req.header("If-Match");
      const result = settings.patch(patch, {
        ifMatch: ifMatchTags(ifMatch),
        reason: c.req.query("reason") || undefined,
      });
      if (!result.ok) throw patchRefusal(result, { ifMatch, etag: settings.etag });
      return c.json(
        { settings: settings.current, changes: result.changes },
        200,
        { ETag: settings.etag },
      );
    });
}
