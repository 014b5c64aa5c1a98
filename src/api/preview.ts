/**
 * A bounded preview of a JSON value, to echo what a client sent without echoing all of it: a
 * 60 KB string or an array 20,000 levels deep must not make the answer huge, or overflow the stack
 * of `JSON.stringify`.
 *
 * @module
 */

/** Thrown by the writer when the preview is full. */
const FULL = Symbol("full");

/** The characters a preview's JSON text keeps before it is cut. */
export const PREVIEW_CHARS = 100;

/** The nesting a preview follows before it is cut. */
export const PREVIEW_DEPTH = 8;

/** A scalar's JSON text, or undefined for values JSON cannot carry faithfully (1e400 → Infinity). */
function scalarText(value: unknown): string | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === "string" || typeof value === "boolean" || value === null) {
    return JSON.stringify(value);
  }
  return undefined;
}

/**
 * `value` itself when its JSON text is short and shallow; otherwise the start of that text, cut
 * after {@linkcode PREVIEW_CHARS} characters or {@linkcode PREVIEW_DEPTH} levels and ending in `…`.
 * A number JSON cannot carry (`1e400` parses to Infinity) is given as text, not as `null`.
 */
export function previewValue(value: unknown): unknown {
  let text = "";
  let exact = true;
  const emit = (part: string) => {
    text += part;
    if (text.length > PREVIEW_CHARS) throw FULL;
  };
  const write = (item: unknown, depth: number): void => {
    if (item === null || typeof item !== "object") {
      const scalar = scalarText(item);
      if (scalar === undefined) exact = false;
      return emit(scalar ?? String(item));
    }
    if (depth === PREVIEW_DEPTH) throw FULL;
    const array = Array.isArray(item);
    emit(array ? "[" : "{");
    let first = true;
    for (const [key, member] of Object.entries(item)) {
      if (!first) emit(",");
      first = false;
      if (!array) emit(`${JSON.stringify(key)}:`);
      write(member, depth + 1);
    }
    emit(array ? "]" : "}");
  };
  try {
    write(value, 0);
    return exact ? value : text;
  } catch (e) {
    if (e !== FULL) throw e;
    return `${text.slice(0, PREVIEW_CHARS)}…`;
  }
}
