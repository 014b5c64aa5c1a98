/**
 * Runs a strategy's `plan()` and holds its answer to the contract before anyone acts on it.
 *
 * Everything that may run the plugin's code (`plan()` itself, then getters, proxies and
 * `toString` on what it returned) happens inside {@linkcode checkPlan}, so each fault is reported
 * as the plugin's, never as Arsenal's. The plan worker runs the same function.
 *
 * @module
 */
import type { Directive } from "../domain/directive.ts";
import type { FleetState, Node } from "../domain/fleet.ts";
import { UuidIndex } from "../domain/uuid_index.ts";
import { MAX_EXPLAINED, MAX_WHY, type PairExplanation } from "../domain/pair_explanation.ts";
import { PlanError } from "../runtime/errors.ts";
import type { PlanContext } from "./contract.ts";
import type { LoadedStrategy } from "./loader.ts";

/** At most this many invalid directives are listed in one error. */
const MAX_LISTED = 10;
/** At most this many warnings are kept from one plan; the rest are counted. */
export const MAX_WARNINGS = 20;
/** Longest text kept from a plugin (a warning, an error message), in characters. */
const MAX_TEXT = 1000;

/**
 * A checked plan: directives (fresh objects, extra fields dropped), warnings, targets and, when
 * the plugin gave one, its explanation (fresh objects too).
 */
export interface CheckedPlan {
  readonly directives: Directive[];
  /** At most {@linkcode MAX_WARNINGS}, then one line counting the rest. */
  readonly warnings: readonly string[];
  /** Targets of the fleet's flavors only. */
  readonly targets: Readonly<Record<string, number>>;
  /** Valid pairs of the fleet's flavors and current images' names, each once. */
  readonly explain?: readonly PairExplanation[];
}

/** What is being read from the plugin's answer, named when reading it throws. */
interface Place {
  part: string;
  index: number;
  field: string;
}

/** What the answer holds once read: plain values only. */
interface Answer {
  readonly directives: ReadonlyArray<unknown>;
  readonly length: number;
  readonly warnings: string[];
  readonly targets: Record<string, number>;
  /** As returned, unread. */
  readonly explain: unknown;
}

/**
 * Plans with `loaded` and checks the result (see {@linkcode checkPlan}).
 *
 * @throws {PlanError} when `plan()` throws or returns anything else
 */
export function runStrategy(
  loaded: LoadedStrategy,
  fleet: FleetState,
  options: unknown,
  context: PlanContext,
): CheckedPlan {
  return checkPlan(loaded.module, fleet, () => loaded.strategy.plan(fleet, options, context));
}

/**
 * Calls `plan` and checks its answer: at most one directive per node of `fleet`, each a
 * well-formed `cache` (of a node that is neither provisioned nor cached, with a current image and
 * its checksum) or `eject` (of a cached node that is not provisioned), no node twice.
 *
 * @throws {PlanError} `error` when plugin code throws, `invalid` when the answer breaks the rules
 */
export function checkPlan(module: string, fleet: FleetState, plan: () => unknown): CheckedPlan {
  let returned: unknown;
  try {
    returned = plan();
  } catch (e) {
    throw new PlanError(module, `plan() threw: ${describeError(e)}`, "error", { cause: e });
  }
  const place: Place = { part: "the result of plan()", index: -1, field: "" };
  try {
    const answer = readAnswer(module, returned, fleet, place);
    const checked = checkDirectives(module, answer, fleet, place);
    const explain = readExplain(module, answer.explain, fleet, place);
    return { ...checked, warnings: answer.warnings, ...(explain ? { explain } : {}) };
  } catch (e) {
    if (e instanceof PlanError) throw e;
    const where = place.index < 0
      ? place.part
      : `${place.part}[${place.index}]${place.field ? `.${place.field}` : ""}`;
    throw new PlanError(module, `reading ${where} threw: ${describeError(e)}`, "error", {
      cause: e,
    });
  }
}

/** Reads the shape of the answer, its warnings and targets; refuses an oversized plan unread. */
function readAnswer(module: string, returned: unknown, fleet: FleetState, place: Place): Answer {
  if (isThenable(returned)) {
    throw new PlanError(
      module,
      "plan() returned a Promise: plan() must be synchronous (not async)",
      "error",
    );
  }
  let directives: unknown;
  let warnings: unknown;
  let targets: unknown;
  let explain: unknown;
  if (Array.isArray(returned)) directives = returned;
  else if (returned !== null && typeof returned === "object") {
    const result = returned as Record<string, unknown>;
    place.part = "directives";
    directives = result.directives;
    place.part = "warnings";
    warnings = result.warnings;
    place.part = "targets";
    targets = result.targets;
    place.part = "explain";
    explain = result.explain;
  }
  place.part = "directives";
  if (!Array.isArray(directives)) {
    throw new PlanError(
      module,
      "plan() must return an array of directives or { directives }",
      "invalid",
    );
  }
  const length = directives.length;
  const nodes = fleet.nodes.length;
  if (length > nodes) {
    throw new PlanError(
      module,
      `plan() returned ${length} directives for a fleet of ${nodes} nodes: at most one ` +
        "directive per node",
      "invalid",
    );
  }
  return {
    directives,
    length,
    warnings: readWarnings(warnings, place),
    targets: readTargets(targets, fleet, place),
    explain,
  };
}

/** Whether `value` is a Promise or another thenable; a real Promise's rejection is handled. */
function isThenable(value: unknown): boolean {
  if (value instanceof Promise) {
    // An async plan() may reject later; unhandled, that would end the process (or the worker).
    Promise.prototype.then.call(value, undefined, () => {});
    return true;
  }
  return value !== null && (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function";
}

function readWarnings(warnings: unknown, place: Place): string[] {
  place.part = "warnings";
  if (!Array.isArray(warnings)) return [];
  const count = warnings.length;
  const kept: string[] = [];
  for (let i = 0; i < Math.min(count, MAX_WARNINGS); i++) {
    place.index = i;
    kept.push(cut(String(warnings[i])));
  }
  place.index = -1;
  if (count > MAX_WARNINGS) kept.push(`... and ${count - MAX_WARNINGS} more warnings`);
  return kept;
}

/** The finite targets of the fleet's flavors: a plugin cannot invent flavors (or metric labels). */
function readTargets(targets: unknown, fleet: FleetState, place: Place): Record<string, number> {
  place.part = "targets";
  const kept: Record<string, number> = {};
  if (targets === null || typeof targets !== "object") return kept;
  for (const { name } of fleet.flavors) {
    if (!Object.hasOwn(targets, name)) continue;
    const target = (targets as Record<string, unknown>)[name];
    if (typeof target === "number" && Number.isFinite(target)) kept[name] = target;
  }
  return kept;
}

/**
 * The explanation, read once into fresh objects and checked entry by entry; undefined when the
 * plugin gave none. One larger than the fleet's pairs (or {@linkcode MAX_EXPLAINED}) is refused
 * unread.
 */
function readExplain(
  module: string,
  explain: unknown,
  fleet: FleetState,
  place: Place,
): PairExplanation[] | undefined {
  place.part = "explain";
  if (explain === undefined) return undefined;
  if (!Array.isArray(explain)) {
    throw new PlanError(
      module,
      "explain must be an array of { flavor, image, expected, target, cached, why }",
      "invalid",
    );
  }
  const flavors = new Set(fleet.flavors.map(({ name }) => name));
  const images = new Set(fleet.images.map(({ name }) => name));
  const length = explain.length;
  if (length > Math.min(MAX_EXPLAINED, flavors.size * images.size)) {
    throw new PlanError(
      module,
      `plan() explained ${length} pairs for a fleet of ${flavors.size} flavors and ` +
        `${images.size} images: at most one entry per (flavor, image) pair, and at most ` +
        `${MAX_EXPLAINED}`,
      "invalid",
    );
  }
  const seen = new Set<string>();
  const kept: PairExplanation[] = [];
  const listed: string[] = [];
  let invalid = 0;
  for (let i = 0; i < length; i++) {
    place.index = i;
    place.field = "";
    const entry = readEntry(explain[i], place);
    const wrong = typeof entry === "string" ? entry : unfitEntry(entry, flavors, images, seen);
    if (wrong) {
      if (invalid++ < MAX_LISTED) listed.push(`explain[${i}]: ${wrong}`);
    } else kept.push(entry as PairExplanation);
  }
  place.index = -1;
  if (invalid > 0) {
    if (invalid > MAX_LISTED) listed.push(`... and ${invalid - MAX_LISTED} more`);
    throw new PlanError(
      module,
      `plan() returned an invalid explanation:\n  ${listed.join("\n  ")}`,
      "invalid",
    );
  }
  return kept;
}

/** One entry's fields, each read once, in a fresh object; or why it is none. */
function readEntry(entry: unknown, place: Place): Record<keyof PairExplanation, unknown> | string {
  if (entry === null || typeof entry !== "object") return "not an object";
  const fields = entry as Record<string, unknown>;
  const read: Record<string, unknown> = {};
  for (const field of ["flavor", "image", "expected", "target", "cached", "why"]) {
    place.field = field;
    read[field] = fields[field];
  }
  place.field = "";
  return read as Record<keyof PairExplanation, unknown>;
}

/** What is wrong with a read entry, or "" (and its pair is then seen). */
function unfitEntry(
  entry: Record<keyof PairExplanation, unknown>,
  flavors: ReadonlySet<string>,
  images: ReadonlySet<string>,
  seen: Set<string>,
): string {
  const { flavor, image, why } = entry;
  if (typeof flavor !== "string" || !flavors.has(flavor)) {
    return `flavor ${show(flavor)} is not a flavor of the fleet`;
  }
  if (typeof image !== "string" || !images.has(image)) {
    return `image ${show(image)} is not the name of a current image`;
  }
  for (const field of ["expected", "target", "cached"] as const) {
    const value = entry[field];
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      return `${field} must be a finite number ≥ 0, got ${show(value)}`;
    }
  }
  if (typeof why !== "string" || why.length > MAX_WHY) {
    return `why must be a string of at most ${MAX_WHY} characters`;
  }
  const pair = JSON.stringify([flavor, image]);
  if (seen.has(pair)) {
    return `flavor ${show(flavor)} and image ${show(image)} are already explained`;
  }
  seen.add(pair);
  return "";
}

function checkDirectives(
  module: string,
  answer: Answer,
  fleet: FleetState,
  place: Place,
): Pick<CheckedPlan, "directives" | "targets"> {
  const raw = readDirectives(answer, place);
  const context: DirectiveContext = {
    raw,
    ...namedNodes(fleet, raw.nodeUuids),
    checksums: new Map(fleet.images.map((image) => [image.uuid, image.checksum])),
  };
  const listed: string[] = [];
  let invalid = 0;
  const directives: Directive[] = [];
  for (let i = 0; i < answer.length; i++) {
    const checked = toDirective(i, context);
    if (typeof checked === "string") {
      if (invalid++ < MAX_LISTED) listed.push(`directives[${i}]: ${checked}`);
    } else {
      directives.push(checked);
    }
  }
  if (invalid > 0) {
    if (invalid > MAX_LISTED) listed.push(`... and ${invalid - MAX_LISTED} more`);
    throw new PlanError(
      module,
      `plan() returned invalid directives:\n  ${listed.join("\n  ")}`,
      "invalid",
    );
  }
  return { directives, targets: answer.targets };
}

/**
 * The directives' fields as the plugin gave them, each read once: one column per field, so that
 * checking a large plan makes no object per directive besides the directive itself.
 */
interface RawDirectives {
  /** 1 where the directive is an object; its fields are undefined otherwise. */
  readonly objects: Uint8Array;
  readonly kinds: unknown[];
  readonly nodeUuids: unknown[];
  readonly imageUuids: unknown[];
  readonly imageChecksums: unknown[];
}

function readDirectives(answer: Answer, place: Place): RawDirectives {
  place.part = "directives";
  const { length } = answer;
  const raw: RawDirectives = {
    objects: new Uint8Array(length),
    kinds: new Array(length),
    nodeUuids: new Array(length),
    imageUuids: new Array(length),
    imageChecksums: new Array(length),
  };
  for (let i = 0; i < length; i++) {
    place.index = i;
    place.field = "";
    const directive = answer.directives[i] as Record<string, unknown> | null;
    if (directive === null || typeof directive !== "object") continue;
    raw.objects[i] = 1;
    place.field = "kind";
    raw.kinds[i] = directive.kind;
    place.field = "nodeUuid";
    raw.nodeUuids[i] = directive.nodeUuid;
    place.field = "imageUuid";
    raw.imageUuids[i] = directive.imageUuid;
    place.field = "imageChecksum";
    raw.imageChecksums[i] = directive.imageChecksum;
  }
  place.index = -1;
  return raw;
}

/** The state of a node a plan names; {@linkcode MISSING} until it is found in the fleet. */
const MISSING = 0;
const FREE = 1;
const CACHED = 2;
const PROVISIONED = 3;

/** The nodes a plan names: a slot for each UUID, and per slot the state of its node. */
interface NamedNodes {
  /** The slot of `uuid`, one of those the plan names; -1 when no node has it. */
  slotOf(uuid: string): number;
  /** The state of the node in `slot`: MISSING, FREE, CACHED or PROVISIONED. */
  stateAt(slot: number): number;
  /** By slot: 1 once a valid directive has named the node. */
  readonly taken: Uint8Array;
}

/**
 * Finds the nodes the plan names. A fleet whose UUIDs were indexed when it was validated (a
 * snapshot's) is looked up directly, its positions as slots. Otherwise one pass over the fleet,
 * without an index of all of it: only an unprovisioned node can take a directive, so only those
 * are looked up; provisioned ones are (in a second pass) only when the plan names a node still
 * missing, to say why it is refused. Node UUIDs are unique in a fleet: scouts and snapshots see
 * to it.
 */
function namedNodes(fleet: FleetState, uuids: readonly unknown[]): NamedNodes {
  const nodes = fleet.nodes;
  const index = UuidIndex.cached(nodes);
  if (index) {
    return {
      slotOf: (uuid) => index.find(uuid),
      stateAt: (slot) => slot < 0 ? MISSING : stateOf(nodes[slot]),
      taken: new Uint8Array(nodes.length),
    };
  }
  const slots = new Map<string, number>();
  for (const uuid of uuids) {
    if (typeof uuid === "string" && slots.get(uuid) === undefined) slots.set(uuid, slots.size);
  }
  const states = new Uint8Array(slots.size);
  let found = 0;
  let provisioned = false;
  for (let i = 0; i < nodes.length && found < slots.size; i++) {
    const node = nodes[i];
    if (node.provisioned) {
      provisioned = true;
      continue;
    }
    const slot = slots.get(node.uuid);
    if (slot === undefined || states[slot] !== MISSING) continue;
    states[slot] = stateOf(node);
    found++;
  }
  for (let i = 0; provisioned && i < nodes.length && found < slots.size; i++) {
    const node = nodes[i];
    const slot = node.provisioned ? slots.get(node.uuid) : undefined;
    if (slot === undefined || states[slot] !== MISSING) continue;
    states[slot] = PROVISIONED;
    found++;
  }
  return {
    slotOf: (uuid) => slots.get(uuid)!,
    stateAt: (slot) => states[slot],
    taken: new Uint8Array(slots.size),
  };
}

function stateOf(node: Node): number {
  return node.provisioned ? PROVISIONED : node.cached ? CACHED : FREE;
}

/** What checking one directive needs. */
interface DirectiveContext extends NamedNodes {
  readonly raw: RawDirectives;
  readonly checksums: ReadonlyMap<string, string>;
}

/** A fresh, well-formed directive built from what a plugin returned, or what is wrong with it. */
function toDirective(i: number, context: DirectiveContext): Directive | string {
  const { raw } = context;
  if (raw.objects[i] === 0) return "not an object";
  const kind = raw.kinds[i];
  const nodeUuid = raw.nodeUuids[i];
  if (kind !== "cache" && kind !== "eject") {
    return `kind must be "cache" or "eject", got ${show(kind)}`;
  }
  if (typeof nodeUuid !== "string" || nodeUuid === "") return "nodeUuid must be a non-empty string";
  const slot = context.slotOf(nodeUuid);
  if (context.taken[slot] === 1) return `node ${nodeUuid} already has a directive in this plan`;
  const unfit = unfitNode(kind, nodeUuid, context.stateAt(slot));
  if (unfit) return unfit;
  let directive: Directive;
  if (kind === "eject") directive = { kind: "eject", nodeUuid };
  else {
    const imageUuid = raw.imageUuids[i];
    const imageChecksum = raw.imageChecksums[i];
    const checksum = typeof imageUuid === "string" ? context.checksums.get(imageUuid) : undefined;
    if (checksum === undefined) return `image ${show(imageUuid)} is not a current image`;
    if (imageChecksum !== checksum) {
      return `imageChecksum ${show(imageChecksum)} is not image ${imageUuid}'s`;
    }
    directive = {
      kind: "cache",
      nodeUuid,
      imageUuid: imageUuid as string,
      imageChecksum: checksum,
    };
  }
  context.taken[slot] = 1;
  return directive;
}

/** Why a node in `state` cannot take a `kind` directive: only free nodes are cached, only cached ejected. */
function unfitNode(kind: Directive["kind"], uuid: string, state: number): string {
  if (state === MISSING) return `node ${cut(uuid, 100)} is not in the fleet`;
  if (state === PROVISIONED) {
    return `node ${uuid} is provisioned; ${kind} needs an unprovisioned node`;
  }
  if (kind === "cache" && state === CACHED) {
    return `node ${uuid} is already cached; cache needs an uncached node`;
  }
  if (kind === "eject" && state !== CACHED) {
    return `node ${uuid} is not cached; eject needs a cached node`;
  }
  return "";
}

/** A value for an error message, without running plugin code (no toString, no toJSON). */
function show(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(cut(value, 100));
    case "object":
      return value === null ? "null" : Array.isArray(value) ? "an array" : "an object";
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
    default:
      return String(value);
  }
}

/** What a thrown value says, cut short. Never throws, though the value may try to. */
function describeError(e: unknown): string {
  try {
    if (e === null || typeof e !== "object") return cut(String(e));
    const message = (e as { message?: unknown }).message;
    return cut(typeof message === "string" ? message : String(e));
  } catch {
    return "(a value that cannot be shown)";
  }
}

function cut(text: string, max = MAX_TEXT): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
