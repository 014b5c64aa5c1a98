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
import { PlanError } from "../runtime/errors.ts";
import type { PlanContext } from "./contract.ts";
import type { LoadedStrategy } from "./loader.ts";

/** At most this many invalid directives are listed in one error. */
const MAX_LISTED = 10;
/** At most this many warnings are kept from one plan; the rest are counted. */
export const MAX_WARNINGS = 20;
/** Longest text kept from a plugin (a warning, an error message), in characters. */
const MAX_TEXT = 1000;

/** A checked plan: directives (fresh objects, extra fields dropped), warnings and targets. */
export interface CheckedPlan {
  readonly directives: Directive[];
  /** At most {@linkcode MAX_WARNINGS}, then one line counting the rest. */
  readonly warnings: readonly string[];
  /** Targets of the fleet's flavors only. */
  readonly targets: Readonly<Record<string, number>>;
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
    return { ...checkDirectives(module, answer, fleet, place), warnings: answer.warnings };
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
  if (Array.isArray(returned)) directives = returned;
  else if (returned !== null && typeof returned === "object") {
    const result = returned as Record<string, unknown>;
    place.part = "directives";
    directives = result.directives;
    place.part = "warnings";
    warnings = result.warnings;
    place.part = "targets";
    targets = result.targets;
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

function checkDirectives(
  module: string,
  answer: Answer,
  fleet: FleetState,
  place: Place,
): Pick<CheckedPlan, "directives" | "targets"> {
  const raws = readDirectives(answer, place);
  const context: DirectiveContext = {
    nodes: nodesNamed(fleet, raws),
    checksums: new Map(fleet.images.map((image) => [image.uuid, image.checksum])),
    seen: new Set(),
  };
  const listed: string[] = [];
  let invalid = 0;
  const directives: Directive[] = [];
  raws.forEach((raw, i) => {
    const checked = toDirective(raw, context);
    if (typeof checked === "string") {
      if (invalid++ < MAX_LISTED) listed.push(`directives[${i}]: ${checked}`);
    } else {
      context.seen.add(checked.nodeUuid);
      directives.push(checked);
    }
  });
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

/** A directive's fields as the plugin gave them, each read once; null when it is no object. */
interface RawDirective {
  readonly kind: unknown;
  readonly nodeUuid: unknown;
  readonly imageUuid: unknown;
  readonly imageChecksum: unknown;
}

function readDirectives(answer: Answer, place: Place): (RawDirective | null)[] {
  place.part = "directives";
  const raws: (RawDirective | null)[] = [];
  for (let i = 0; i < answer.length; i++) {
    place.index = i;
    place.field = "";
    const raw = answer.directives[i] as Partial<RawDirective> | null;
    if (raw === null || typeof raw !== "object") {
      raws.push(null);
      continue;
    }
    place.field = "kind";
    const kind = raw.kind;
    place.field = "nodeUuid";
    const nodeUuid = raw.nodeUuid;
    place.field = "imageUuid";
    const imageUuid = raw.imageUuid;
    place.field = "imageChecksum";
    const imageChecksum = raw.imageChecksum;
    raws.push({ kind, nodeUuid, imageUuid, imageChecksum });
  }
  place.index = -1;
  return raws;
}

/** The nodes the plan names, by UUID: one pass over the fleet, no index of all of it. */
function nodesNamed(fleet: FleetState, raws: readonly (RawDirective | null)[]): Map<string, Node> {
  const named = new Set<unknown>();
  for (const raw of raws) if (raw) named.add(raw.nodeUuid);
  const nodes = new Map<string, Node>();
  if (named.size === 0) return nodes;
  const all = fleet.nodes;
  for (let i = 0; i < all.length; i++) {
    const node = all[i];
    if (!named.has(node.uuid)) continue;
    nodes.set(node.uuid, node);
    if (nodes.size === named.size) break;
  }
  return nodes;
}

/** What checking one directive needs. */
interface DirectiveContext {
  readonly nodes: ReadonlyMap<string, Node>;
  readonly checksums: ReadonlyMap<string, string>;
  readonly seen: Set<string>;
}

/** A fresh, well-formed directive built from what a plugin returned, or what is wrong with it. */
function toDirective(raw: RawDirective | null, context: DirectiveContext): Directive | string {
  if (raw === null) return "not an object";
  const { kind, nodeUuid, imageUuid, imageChecksum } = raw;
  if (kind !== "cache" && kind !== "eject") {
    return `kind must be "cache" or "eject", got ${show(kind)}`;
  }
  if (typeof nodeUuid !== "string" || nodeUuid === "") return "nodeUuid must be a non-empty string";
  if (context.seen.has(nodeUuid)) return `node ${nodeUuid} already has a directive in this plan`;
  const unfit = unfitNode(kind, nodeUuid, context.nodes.get(nodeUuid));
  if (unfit) return unfit;
  if (kind === "eject") return { kind: "eject", nodeUuid };
  const checksum = typeof imageUuid === "string" ? context.checksums.get(imageUuid) : undefined;
  if (checksum === undefined) return `image ${show(imageUuid)} is not a current image`;
  if (imageChecksum !== checksum) {
    return `imageChecksum ${show(imageChecksum)} is not image ${imageUuid}'s`;
  }
  return { kind: "cache", nodeUuid, imageUuid: imageUuid as string, imageChecksum: checksum };
}

/** Why `node` cannot take a `kind` directive: only free nodes are cached, only cached ejected. */
function unfitNode(kind: Directive["kind"], uuid: string, node: Node | undefined): string {
  if (!node) return `node ${cut(uuid, 100)} is not in the fleet`;
  if (node.provisioned) return `node ${uuid} is provisioned; ${kind} needs an unprovisioned node`;
  if (kind === "cache" && node.cached) {
    return `node ${uuid} is already cached; cache needs an uncached node`;
  }
  if (kind === "eject" && !node.cached) {
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
