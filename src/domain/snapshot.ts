/**
 * Fleet snapshots: a recorded {@linkcode FleetState} as JSON, for offline planning (`plan`).
 *
 * ```json
 * {"nodes":[{"uuid":"n1","flavor":"small","provisioned":false,"cached":false,"cachedImageUuid":""}],
 *  "flavors":[{"name":"small"}],
 *  "images":[{"uuid":"i1","name":"Ubuntu","checksum":"abc"}],
 *  "deploys":[{"at":1700000000000,"flavor":"small","image":"Ubuntu","hit":true}]}
 * ```
 *
 * `deploys`, optional, is the deploy history the strategy is given (`PlanContext.deploys`).
 *
 * @module
 */
import { z } from "zod";
import type { ObservedDeploy } from "./deploy_history.ts";
import type { Flavor, FleetState, Image, Node } from "./fleet.ts";
import { type Identified, UuidIndex } from "./uuid_index.ts";

/** At most this many problems are listed for one snapshot; the rest are counted. */
export const MAX_LISTED_PROBLEMS = 20;

/**
 * The snapshot's schema, built on the first invalid snapshot: a valid one is checked by
 * {@linkcode snapshotFleet}'s plain pass, and zod only words what is wrong with an invalid one.
 */
const snapshotSchema = lazy(() => {
  const text = z.string().min(1, "expected a non-empty string");
  return z.object({
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
    deploys: z.array(z.object({
      at: z.number().finite(),
      flavor: z.string(),
      image: z.string(),
      hit: z.boolean().optional(),
    })).optional(),
  });
});

function lazy<T>(make: () => T): () => T {
  let made: T | undefined;
  return () => made ??= make();
}

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

/**
 * Problems for items whose UUID repeats an earlier item's. The index built to find out is kept
 * with the list (see {@linkcode UuidIndex.cached}): the plan check finds a plan's nodes in it.
 */
function duplicates(items: readonly Identified[], list: string): string[] {
  return UuidIndex.of(items) ? [] : firstOccurrences(items, list);
}

/** Where each UUID first appeared: one pass, however many duplicates there are. */
function firstOccurrences(items: readonly Identified[], list: string): string[] {
  const firstAt = new Map<string, number>();
  const problems: string[] = [];
  items.forEach(({ uuid }, i) => {
    const first = firstAt.get(uuid);
    if (first === undefined) return void firstAt.set(uuid, i);
    problems.push(
      `${list}[${i}].uuid: duplicate of ${list}[${first}].uuid (${JSON.stringify(uuid)})`,
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
 * What decoding a snapshot gives: the fleet and its deploys (oldest first; none when it lists
 * none), or every problem found, each naming its path.
 */
export type SnapshotResult =
  | { ok: true; fleet: FleetState; deploys: readonly ObservedDeploy[] }
  | { ok: false; problems: string[] };

/**
 * Decodes and validates a snapshot. Node and image UUIDs must be unique; flavors may repeat.
 *
 * @returns the fleet state, or every problem found, each naming its JSON path.
 */
export function decodeSnapshot(json: string): SnapshotResult {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    return { ok: false, problems: [`not valid JSON: ${(e as SyntaxError).message}`] };
  }
  return snapshotFleet(raw);
}

/**
 * Validates a parsed snapshot (see {@linkcode decodeSnapshot}) and returns its fleet. An item
 * holding exactly the known fields is used as it is, so a large fleet is not copied; the others
 * are completed (a null or missing `cachedImageUuid` or `checksum` becomes "") or trimmed of
 * unknown fields in fresh objects. `value` itself is never changed.
 */
export function snapshotFleet(value: unknown): SnapshotResult {
  const fleet = plainFleet(value);
  const deploys = fleet && plainDeploys((value as Record<string, unknown>).deploys);
  if (!fleet || !deploys) return { ok: false, problems: capped(schemaProblems(value)) };
  const problems = [
    ...duplicates(fleet.nodes, "nodes"),
    ...duplicates(fleet.images, "images"),
  ];
  if (problems.length > 0) return { ok: false, problems: capped(problems) };
  return { ok: true, fleet, deploys };
}

/** A snapshot's deploys, oldest first (sorted in a copy when they are not); undefined if invalid. */
function plainDeploys(list: unknown): readonly ObservedDeploy[] | undefined {
  if (list === undefined) return [];
  const deploys = plainItems(list, plainDeploy);
  if (!deploys) return undefined;
  for (let i = 1; i < deploys.length; i++) {
    if (deploys[i].at < deploys[i - 1].at) return deploys.toSorted((a, b) => a.at - b.at);
  }
  return deploys;
}

/** Every problem of an invalid snapshot, worded by its schema. */
function schemaProblems(value: unknown): string[] {
  const parsed = snapshotSchema().safeParse(value);
  if (parsed.success) {
    throw new TypeError("Cannot word the problems of a snapshot its schema accepts");
  }
  return parsed.error.issues.map((issue) =>
    `${formatPath(issue.path)}: ${issue.message} (${describeValue(valueAt(value, issue.path))})`
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** How many enumerable keys `item` has: the known fields alone, or more. */
function keyCount(item: object): number {
  let count = 0;
  for (const _ in item) count++;
  return count;
}

/**
 * The fleet of a valid snapshot, or undefined when any field is invalid. One plain pass: it
 * accepts exactly what the schema accepts.
 */
function plainFleet(value: unknown): FleetState | undefined {
  if (!isRecord(value)) return undefined;
  const { observedAt = 0 } = value;
  if (typeof observedAt !== "number" || !Number.isFinite(observedAt)) return undefined;
  const nodes = plainItems(value.nodes, plainNode);
  const flavors = plainItems(value.flavors, plainFlavor);
  const images = plainItems(value.images, plainImage);
  if (!nodes || !flavors || !images) return undefined;
  return { observedAt, nodes, flavors, images };
}

/**
 * The list's items, each as `plain` has it (the item itself, a fresh object, or undefined when
 * invalid); the list is copied only when an item is replaced.
 */
function plainItems<T>(
  list: unknown,
  plain: (item: Record<string, unknown>) => T | undefined,
): T[] | undefined {
  if (!Array.isArray(list)) return undefined;
  let items = list;
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (!isRecord(item)) return undefined;
    const checked = plain(item);
    if (checked === undefined) return undefined;
    if (checked === item) continue;
    if (items === list) items = list.slice();
    items[i] = checked;
  }
  return items;
}

function plainNode(node: Record<string, unknown>): Node | undefined {
  const { uuid, flavor, provisioned, cached, cachedImageUuid } = node;
  if (
    typeof uuid !== "string" || uuid === "" || typeof flavor !== "string" ||
    typeof provisioned !== "boolean" || typeof cached !== "boolean"
  ) return undefined;
  if (typeof cachedImageUuid === "string") {
    if (keyCount(node) === 5) return node as unknown as Node;
  } else if (cachedImageUuid !== null && cachedImageUuid !== undefined) return undefined;
  return { uuid, flavor, provisioned, cached, cachedImageUuid: cachedImageUuid ?? "" };
}

function plainDeploy(deploy: Record<string, unknown>): ObservedDeploy | undefined {
  const { at, flavor, image, hit = false } = deploy;
  if (
    typeof at !== "number" || !Number.isFinite(at) || typeof flavor !== "string" ||
    typeof image !== "string" || typeof hit !== "boolean"
  ) return undefined;
  if (keyCount(deploy) === 4 && deploy.hit !== undefined) {
    return deploy as unknown as ObservedDeploy;
  }
  return { at, flavor, image, hit };
}

function plainFlavor(flavor: Record<string, unknown>): Flavor | undefined {
  const { name } = flavor;
  if (typeof name !== "string" || name === "") return undefined;
  return keyCount(flavor) === 1 ? flavor as unknown as Flavor : { name };
}

function plainImage(image: Record<string, unknown>): Image | undefined {
  const { uuid, name, checksum } = image;
  if (typeof uuid !== "string" || uuid === "" || typeof name !== "string") return undefined;
  if (typeof checksum === "string") {
    if (keyCount(image) === 3) return image as unknown as Image;
  } else if (checksum !== null && checksum !== undefined) return undefined;
  return { uuid, name, checksum: checksum ?? "" };
}
