/**
 * Upstream failures, decoded into one line an operator can act on.
 *
 * Each OpenStack service words its errors differently: Ironic nests a JSON document inside a JSON
 * string (`{"error_message": "{\"faultstring\": ...}"}`), Nova wraps the message in a key named
 * after the fault (`{"itemNotFound": {"message": ...}}`), Keystone uses `{"error": {...}}`, and
 * Glance answers HTML unless asked for JSON. {@linkcode upstreamReason} reads all of them.
 *
 * @module
 */

/** The OpenStack services Arsenal talks to, by catalog type. */
export type Service = "identity" | "baremetal" | "compute" | "image";

/** How services are named in messages. */
export const SERVICE_NAMES: Readonly<Record<Service, string>> = {
  identity: "Keystone",
  baremetal: "Ironic",
  compute: "Nova",
  image: "Glance",
};

/** A request to an OpenStack service failed; the message says which, where, and why. */
export class UpstreamError extends Error {
  readonly service: Service;
  /** HTTP status, or undefined when no response arrived (connection error, timeout). */
  readonly status?: number;
  /** The upstream's own explanation, decoded. */
  readonly reason: string;

  constructor(
    service: Service,
    request: { method: string; path: string },
    status: number | undefined,
    reason: string,
    options?: ErrorOptions,
  ) {
    const what = status === undefined ? reason : `${status} ${reason}`.trim();
    super(`${SERVICE_NAMES[service]}: ${request.method} ${request.path}: ${what}`, options);
    this.name = "UpstreamError";
    this.service = service;
    this.status = status;
    this.reason = reason;
  }
}

/**
 * The list a paged GET answer must hold.
 *
 * @throws {UpstreamError} naming the list when the answer has none
 */
export function requireList<T>(service: Service, path: string, name: string, list: unknown): T[] {
  if (Array.isArray(list)) return list as T[];
  throw new UpstreamError(
    service,
    { method: "GET", path },
    undefined,
    `the answer has no ${name} list`,
  );
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** `text` with every UUID replaced by `{uuid}`. */
export function withoutUuids(text: string): string {
  return text.replace(UUID, "{uuid}");
}

const MAX_REASON = 300;

/** Strips HTML tags and collapses whitespace: Glance's error pages become one line. */
function plainText(text: string): string {
  return text.replace(/<[^>]*>/g, " ").replace(/&nbsp;/g, " ").replace(/\s+/g, " ").trim();
}

function clip(text: string): string {
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 1)}…` : text;
}

function parseMaybe(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The message inside one of the services' error documents, if `body` is one. */
function messageOf(body: unknown, depth = 0): string | undefined {
  if (depth > 3 || body === null || typeof body !== "object") {
    return typeof body === "string" && body.trim() ? body : undefined;
  }
  const doc = body as Record<string, unknown>;
  // Ironic: {"error_message": "<JSON string>"} whose inner document has faultstring.
  if ("error_message" in doc) {
    const inner = doc.error_message;
    if (typeof inner === "string") {
      const decoded = parseMaybe(inner);
      return decoded === undefined ? inner : messageOf(decoded, depth + 1) ?? inner;
    }
    return messageOf(inner, depth + 1);
  }
  if (typeof doc.faultstring === "string") return doc.faultstring;
  // Glance (with Accept: application/json), and the inner part of Keystone's and Nova's.
  if (typeof doc.message === "string") return doc.message;
  if (typeof doc.description === "string") return doc.description;
  // Keystone {"error": {...}}, Nova {"itemNotFound": {...}}: one key wrapping the document.
  const keys = Object.keys(doc);
  if (keys.length === 1) return messageOf(doc[keys[0]], depth + 1);
  return undefined;
}

/**
 * Decodes an error response body into a short, single-line reason; falls back to the status
 * text when the body says nothing useful.
 */
export function upstreamReason(body: string, statusText = ""): string {
  const decoded = parseMaybe(body);
  const message = decoded === undefined ? plainText(body) : messageOf(decoded);
  const text = message ? plainText(message) : "";
  return clip(text || statusText || "no explanation given");
}
