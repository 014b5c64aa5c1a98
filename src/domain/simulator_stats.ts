/**
 * What the simulator's tenants did: the simulator counts it, the metrics report it.
 *
 * @module
 */

/** What the simulated tenants did so far. Every count only grows. */
export interface SimulatorStats {
  /** Deploys that found a node. */
  readonly deploys: number;
  /** Deploys onto a node that held the wanted image, ready. */
  readonly cacheHits: number;
  /** Deploys that found no available node of their flavor. */
  readonly unserved: number;
  /** Images replaced by a new version. */
  readonly refreshes: number;
  /** Deploys by image name. */
  readonly deploysByImage: Readonly<Record<string, number>>;
  /** Cache hits by image name. */
  readonly cacheHitsByImage: Readonly<Record<string, number>>;
  /** Simulated milliseconds skipped because a clock jump exceeded the event budget. */
  readonly skippedMs: number;
}
