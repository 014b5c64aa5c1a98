/**
 * Runs a strategy's `plan()` and holds its answer to the contract before anyone acts on it.
 *
 * @module
 */
import type { Directive } from "../domain/directive.ts";
import type { FleetState } from "../domain/fleet.ts";
import { PluginError } from "../runtime/errors.ts";
import type { PlanContext, PlanResult } from "./contract.ts";
import type { LoadedStrategy } from "./loader.ts";

/** At most this many invalid directives are listed in one error. */
const MAX_LISTED = 10;

/** A checked plan: directives (fresh objects, extra fields dropped), warnings and targets. */
export interface CheckedPlan {
  readonly directives: Directive[];
  readonly warnings: readonly string[];
  readonly targets: Readonly<Record<string, number>>;
}

function normalize(module: string, returned: unknown): PlanResult {
  if (Array.isArray(returned)) return { directives: returned };
  const result = returned as Partial<PlanResult> | null;
  if (result && typeof result === "object" && Array.isArray(result.directives)) {
    const warnings = Array.isArray(result.warnings) ? result.warnings.map(String) : [];
    const targets = Object.fromEntries(
      Object.entries(result.targets ?? {}).filter(([, n]) => Number.isFinite(n)),
    );
    return { directives: result.directives, warnings, targets };
  }
  throw new PluginError(module, "plan() must return an array of directives or { directives }");
}

/**
 * Plans with `loaded` and checks the result: every directive is a well-formed `cache` or `eject`,
 * no node appears twice, and every cached image is a current image with its checksum.
 *
 * @throws {PluginError} when `plan()` throws or returns anything else
 */
export function runStrategy(
  loaded: LoadedStrategy,
  fleet: FleetState,
  options: unknown,
  context: PlanContext,
): CheckedPlan {
  const { strategy, module } = loaded;
  let returned: unknown;
  try {
    returned = strategy.plan(fleet, options, context);
  } catch (e) {
    throw new PluginError(module, `plan() threw: ${(e as Error)?.message ?? e}`, { cause: e });
  }
  const plan = normalize(module, returned);
  const checksums = new Map(fleet.images.map((image) => [image.uuid, image.checksum]));
  const seen = new Set<string>();
  const problems: string[] = [];
  const directives: Directive[] = [];
  plan.directives.forEach((raw, i) => {
    const checked = toDirective(raw, seen, checksums);
    if (typeof checked === "string") problems.push(`directives[${i}]: ${checked}`);
    else {
      seen.add(checked.nodeUuid);
      directives.push(checked);
    }
  });
  if (problems.length > 0) {
    const listed = problems.slice(0, MAX_LISTED);
    if (problems.length > MAX_LISTED) listed.push(`... and ${problems.length - MAX_LISTED} more`);
    throw new PluginError(module, `plan() returned invalid directives:\n  ${listed.join("\n  ")}`);
  }
  return { directives, warnings: plan.warnings ?? [], targets: plan.targets ?? {} };
}

/** A fresh, well-formed directive built from what a plugin returned, or what is wrong with it. */
function toDirective(
  raw: unknown,
  seen: ReadonlySet<string>,
  checksums: ReadonlyMap<string, string>,
): Directive | string {
  if (raw === null || typeof raw !== "object") return "not an object";
  const d = raw as Record<string, unknown>;
  if (d.kind !== "cache" && d.kind !== "eject") {
    return `kind must be "cache" or "eject", got ${JSON.stringify(d.kind)}`;
  }
  const nodeUuid = d.nodeUuid;
  if (typeof nodeUuid !== "string" || nodeUuid === "") return "nodeUuid must be a non-empty string";
  if (seen.has(nodeUuid)) return `node ${nodeUuid} already has a directive in this plan`;
  if (d.kind === "eject") return { kind: "eject", nodeUuid };
  const { imageUuid, imageChecksum } = d;
  const checksum = typeof imageUuid === "string" ? checksums.get(imageUuid) : undefined;
  if (checksum === undefined) return `image ${JSON.stringify(imageUuid)} is not a current image`;
  if (imageChecksum !== checksum) {
    return `imageChecksum ${JSON.stringify(imageChecksum)} is not image ${imageUuid}'s`;
  }
  return { kind: "cache", nodeUuid, imageUuid: imageUuid as string, imageChecksum: checksum };
}
