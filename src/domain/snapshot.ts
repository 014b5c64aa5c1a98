/**
 * Fleet snapshots: a recorded {@linkcode FleetState} as JSON, for offline planning (`plan`).
 *
 * ```json
 * {"nodes":[{"uuid":"n1","flavor":"small","provisioned":false,"cached":false,"cachedImageUuid":""}],
 *  "flavors":[{"name":"small"}],
 *  "images":[{"uuid":"i1","name":"Ubuntu","checksum":"abc"}]}
 * ```
 *
 * @module
 */
import { z } from "zod";
import type { FleetState, Image, Node } from "./fleet.ts";

/** At most this many problems are listed for one snapshot; the rest are counted. */
export const MAX_LISTED_PROBLEMS = 20;

const text = z.string().min(1, "expected a non-empty string");

// Nullable strings are normalised to "" after validation: a zod transform per node costs more.
const snapshotSchema = z.object({
  observedAt: z.number().finite().optional(),
  nodes: z.array(z.object({
    uuid: text,
    flavor: z.string(),
    provisioned: z.boolean(),
    cached: z.boolean(),
    cachedImageUuid: z.string().nullish(),
  })),
  flavors: z.array(z.object({ name: text })),
  images: z.array(z.object({ uuid: text, name: z.string(), checksum: z.string().nullish() })),
});

/** Renders a JSON path the way `jq` users read it: `nodes[3].provisioned`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    out += typeof key === "number" ? `[${key}]` : `${out ? "." : ""}${String(key)}`;
  }
  return out || "(top level)";
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function describeValue(value: unknown): string {
  if (value === undefined) return "missing";
  // JSON has no Infinity, but a literal like 1e999 parses to it.
  const json = typeof value === "number" ? String(value) : JSON.stringify(value);
  return `got ${json.length > 60 ? json.slice(0, 57) + "..." : json}`;
}

/** Problems for items whose `key` repeats an earlier item's. */
function duplicates(
  items: readonly Record<string, unknown>[],
  list: string,
  key: string,
): string[] {
  // Where each value first appeared: one pass, however many duplicates there are.
  const firstAt = new Map<unknown, number>();
  const problems: string[] = [];
  items.forEach((item, i) => {
    const value = item[key];
    const first = firstAt.get(value);
    if (first === undefined) return void firstAt.set(value, i);
    problems.push(
      `${list}[${i}].${key}: duplicate of ${list}[${first}].${key} (${JSON.stringify(value)})`,
    );
  });
  return problems;
}

function capped(problems: string[]): string[] {
  if (problems.length <= MAX_LISTED_PROBLEMS) return problems;
  const rest = problems.length - MAX_LISTED_PROBLEMS;
  return [...problems.slice(0, MAX_LISTED_PROBLEMS), `... and ${rest} more`];
}

/**
 * Decodes and validates a snapshot. Node and image UUIDs must be unique; flavors may repeat.
 *
 * @returns the fleet state, or every problem found, each naming its JSON path.
 */
export function decodeSnapshot(
  json: string,
): { ok: true; fleet: FleetState } | { ok: false; problems: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    return { ok: false, problems: [`not valid JSON: ${(e as SyntaxError).message}`] };
  }
  const parsed = snapshotSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      problems: capped(
        parsed.error.issues.map((issue) =>
          `${formatPath(issue.path)}: ${issue.message} (${describeValue(valueAt(raw, issue.path))})`
        ),
      ),
    };
  }
  const { nodes, flavors, images, observedAt = 0 } = parsed.data;
  const problems = [...duplicates(nodes, "nodes", "uuid"), ...duplicates(images, "images", "uuid")];
  if (problems.length > 0) return { ok: false, problems: capped(problems) };
  // zod's output objects are fresh, so they can be completed in place.
  for (const node of nodes) node.cachedImageUuid ??= "";
  for (const image of images) image.checksum ??= "";
  return {
    ok: true,
    fleet: { observedAt, nodes: nodes as Node[], flavors, images: images as Image[] },
  };
}
