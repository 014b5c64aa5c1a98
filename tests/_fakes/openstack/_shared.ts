/**
 * What the service fakes share: JSON answers, paging, query parsing, waits that the fake's
 * closing cuts short.
 *
 * @module
 */

const JSON_TYPE = { "content-type": "application/json" };

/** A JSON answer. */
export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_TYPE, ...headers } });
}

/** Resolves after `ms`, or at once when `signal` aborts; leaves no timer behind. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
    signal.addEventListener("abort", done);
  });
}

/** The minor number of a `major.minor` microversion. */
export function minor(version: string): number {
  return Number(version.split(".")[1]);
}

/** A `limit` query parameter: its number, "invalid", or null when absent. */
export function parseLimit(raw: string | null): number | "invalid" | null {
  if (raw === null) return null;
  return /^-?\d+$/.test(raw.trim()) ? Number(raw) : "invalid";
}

/** A deterministic UUID-shaped id: `prefix` then the counter `n`. */
export function hexId(prefix: string, n: number): string {
  return `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
}

/** Up to `limit` items that `keep`, after the one whose id is `marker`; undefined if unknown. */
export function pageAfter<T>(
  items: readonly T[],
  id: (item: T) => string,
  marker: string | null,
  limit: number,
  keep: (item: T) => boolean = () => true,
): T[] | undefined {
  const start = marker === null ? 0 : items.findIndex((item) => id(item) === marker) + 1;
  if (marker !== null && start === 0) return undefined;
  const page: T[] = [];
  for (let i = start; i < items.length && page.length < limit; i++) {
    if (keep(items[i])) page.push(items[i]);
  }
  return page;
}
