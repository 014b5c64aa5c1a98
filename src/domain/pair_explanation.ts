/**
 * A strategy's account of one (flavor, image) pair: what it expects, what it wants, what there is,
 * and why. Strategies may return a list of them with a plan; `/v1/plan` shows it.
 *
 * @module
 */

/** Why a strategy wants `target` cached nodes of `image` on `flavor`. Plain data. */
export interface PairExplanation {
  /** A flavor of the fleet. */
  readonly flavor: string;
  /** The name of a current image (names survive an image's update; UUIDs do not). */
  readonly image: string;
  /** Deploys of the pair the strategy expects over its own horizon (≥ 0, finite). */
  readonly expected: number;
  /** Cached nodes the strategy wants for the pair (≥ 0, finite). */
  readonly target: number;
  /** Cached nodes the pair has now, as the strategy counted them (≥ 0, finite). */
  readonly cached: number;
  /** A short reason, at most {@linkcode MAX_WHY} characters. */
  readonly why: string;
}

/** At most this many pairs are explained in one plan, whatever the fleet: `/v1/plan` stays small. */
export const MAX_EXPLAINED = 2000;

/** Longest `why` of a {@linkcode PairExplanation}, in characters. */
export const MAX_WHY = 200;
