/**
 * The strategy plugin contract.
 *
 * A strategy is an ES module whose default export is a plain object: a name, a version, the zod
 * schema of its own `arsenal.conf` section, and a pure, synchronous `plan()` that turns fleet
 * state into directives. `plan()` does no I/O and reads no clock; randomness comes from the seeded
 * source in its context, so the same input and seed always give the same plan. A plugin file's
 * `plan()` runs in a worker of its own, within `[strategy] plan_timeout` (see plan_with.ts).
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import type { Strategy } from "./contract.ts";
 *
 * const options = z.object({ share: z.number().min(0).max(1).default(0.5) });
 *
 * export default {
 *   name: "half_idle",
 *   version: "1.0.0",
 *   options,
 *   plan(fleet, opts, { random }) {
 *     const image = fleet.images[0];
 *     if (!image) return [];
 *     const idle = fleet.nodes.filter((n) => !n.provisioned && !n.cached);
 *     return random.sample(idle, Math.floor(idle.length * opts.share)).map((n) => ({
 *       kind: "cache" as const, nodeUuid: n.uuid, imageUuid: image.uuid, imageChecksum: image.checksum,
 *     }));
 *   },
 * } satisfies Strategy<z.infer<typeof options>>;
 * ```
 *
 * @module
 */
import type { z } from "zod";
import type { ObservedDeploy } from "../domain/deploy_history.ts";
import type { FleetState } from "../domain/fleet.ts";
import type { Directive } from "../domain/directive.ts";
import type { ImageWeights } from "../domain/image_weights.ts";
import type { PairExplanation } from "../domain/pair_explanation.ts";
import type { Random } from "../domain/random.ts";

export type { Directive, FleetState, ImageWeights, ObservedDeploy, PairExplanation, Random };
export { MAX_EXPLAINED, MAX_WHY } from "../domain/pair_explanation.ts";

/** What `plan()` gets besides the fleet and its options. */
export interface PlanContext {
  /** The only source of randomness a strategy may use. */
  readonly random: Random;
  /** `[strategy] image_weights_filename` and `default_image_weight`. */
  readonly imageWeights: ImageWeights;
  /**
   * The deploys observed before this plan, oldest first: every one of the last 7 days (at most
   * 200,000), perhaps a few older ones, so choose your window by `at` against
   * `fleet.observedAt`. Images are named (an update keeps its history); empty after a restart
   * unless `[director] deploy_log` is read back, and in `plan` unless the snapshot lists some.
   * Read-only: the same array is the loop's own history.
   */
  readonly deploys: readonly ObservedDeploy[];
}

/**
 * The long form of a plan: directives, plus warnings for the log, per-flavor targets and an
 * explanation per (flavor, image) pair.
 */
export interface PlanResult {
  readonly directives: readonly Directive[];
  readonly warnings?: readonly string[];
  /** How many cached nodes each flavor should have: shown in `/v1/plan`, logs and metrics. */
  readonly targets?: Readonly<Record<string, number>>;
  /**
   * Why: for the (flavor, image) pairs worth a word, the deploys expected, the target, the
   * cached nodes and a short reason; shown in `/v1/plan`. Each pair of a fleet flavor and a
   * current image's name at most once, at most {@linkcode MAX_EXPLAINED} entries, numbers finite
   * and ≥ 0, `why` at most {@linkcode MAX_WHY} characters: otherwise the plan is invalid.
   */
  readonly explain?: readonly PairExplanation[];
}

/** A strategy plugin: the default export of its module. */
export interface Strategy<O = Record<string, unknown>> {
  /** Identifier, e.g. `simple_proportional`. Letters, digits, `_`, `-` and `.`. */
  readonly name: string;
  /** The plugin's own version, reported with every plan. */
  readonly version: string;
  /** One line for `--help` and logs. */
  readonly description?: string;
  /** INI section holding the options; defaults to `name`. */
  readonly section?: string;
  /** zod object schema of the section. Write natural types; INI strings are converted. */
  readonly options?: z.ZodType<O>;
  /** Pure, synchronous planning (a Promise fails the plan): ejects first by convention. */
  plan(fleet: FleetState, options: O, context: PlanContext): readonly Directive[] | PlanResult;
}
