/**
 * How the control API answers when something goes wrong: always JSON, `{"error": ...}`, mapped in
 * one place ({@linkcode onError}), so route handlers only throw.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { SettingProblem } from "../runtime/settings.ts";
import { previewValue } from "./preview.ts";

const log = getLogger(["arsenal", "api"]);

/** A refusal a route throws: its status, its message, and optionally problems and headers. */
export class ApiError extends Error {
  /** The HTTP status of the answer. */
  readonly status: ContentfulStatusCode;
  /** What is wrong in detail, sent as `problems` (a long or deep value cut short). */
  readonly problems?: readonly SettingProblem[];
  /** Extra response headers (`Allow`, `ETag`). */
  readonly headers?: Readonly<Record<string, string>>;

  /**
   * Makes a refusal.
   *
   * @param status the HTTP status
   * @param message sent to the client as `error`, so it must not reveal internals
   */
  constructor(
    status: ContentfulStatusCode,
    message: string,
    options: { problems?: readonly SettingProblem[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.problems = options.problems;
    this.headers = options.headers;
  }
}

function isJson(res: Response): boolean {
  return /^application\/(?:[\w.+-]+\+)?json\b/i.test(res.headers.get("Content-Type") ?? "");
}

/**
 * The app's error handler: {@linkcode ApiError} and hono's `HTTPException` become their status with
 * a JSON body; anything else is logged and answered 500 without its message or stack.
 */
export function onError(err: Error, c: Context): Response {
  if (err instanceof ApiError) {
    // The value is the client's own, so it may be anything JSON allows: echo a bounded preview.
    const problems = err.problems?.map((p) =>
      p.value === undefined ? p : { ...p, value: previewValue(p.value) }
    );
    return c.json({ error: err.message, problems }, err.status, err.headers);
  }
  if (err instanceof HTTPException) {
    const res = err.getResponse();
    if (isJson(res)) return res;
    // Middleware such as bearerAuth answers in text unless told otherwise; keep its headers
    // (WWW-Authenticate) but answer in JSON like every other route.
    const headers = new Headers(res.headers);
    headers.delete("Content-Type");
    headers.delete("Content-Length");
    return c.json({ error: err.message || res.statusText || "request refused" }, err.status, {
      ...Object.fromEntries(headers),
    });
  }
  // The cause goes in the message: a text log shows only the properties the message names.
  log.error("Unhandled error in {method} {path}: {cause}", {
    method: c.req.method,
    path: c.req.path,
    cause: `${err?.name ?? "Error"}: ${err?.message ?? String(err)}`,
    error: err,
  });
  return c.json({ error: "internal error" }, 500);
}

/** The app's not-found handler: 404 `{"error": "not found"}`. */
export function notFound(c: Context): Response {
  return c.json({ error: "not found" }, 404);
}

/**
 * Answers 405 with an `Allow` header for a known path asked with a method it lacks. Call it after
 * every route is registered: it reads the methods from `app.routes`.
 */
export function rejectOtherMethods(app: Hono): void {
  const allowed = new Map<string, Set<string>>();
  for (const { method, path } of app.routes) {
    if (method === "ALL") continue;
    const methods = allowed.get(path) ?? new Set<string>();
    methods.add(method);
    // Hono answers HEAD with the GET handler.
    if (method === "GET") methods.add("HEAD");
    allowed.set(path, methods);
  }
  for (const [path, methods] of allowed) {
    const allow = [...methods].join(", ");
    app.all(path, (c) => {
      throw new ApiError(405, `method ${c.req.method} is not allowed; use ${allow}`, {
        headers: { Allow: allow },
      });
    });
  }
}
