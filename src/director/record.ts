/**
 * What a cycle did, as recorded for `GET /v1/plan`, logs and metrics.
 *
 * @module
 */
import type { Directive } from "../domain/directive.ts";
import type { RecordStatus } from "../domain/fleet.ts";
import type { PairExplanation } from "../domain/pair_explanation.ts";

/**
 * What happened to one directive: `issued` (accepted upstream), `failed`, `skipped` (the node was
 * no longer in the state the plan saw; nothing done), `not_issued` (Arsenal was shutting down
 * before it started), `dry_run`, or `rate_limited`.
 */
export type DirectiveOutcome =
  | "issued"
  | "failed"
  | "skipped"
  | "not_issued"
  | "dry_run"
  | "rate_limited";

/** A directive with its outcome (and the reason, when it failed, was skipped or not issued). */
export type DirectiveRecord = Directive & {
  readonly outcome: DirectiveOutcome;
  readonly reason?: string;
};

/** Counts for one flavor, as observed at the start of the cycle. */
export interface FlavorFigures {
  readonly flavor: string;
  /** Cache target from the strategy, when it states one. */
  readonly target?: number;
  readonly provisioned: number;
  /** Unprovisioned and not cached: free to cache onto. */
  readonly available: number;
  /** Unprovisioned and cached (or caching). */
  readonly cached: number;
  /**
   * Would be available, but cannot be cached now (no live agent); counted here, not as
   * provisioned. Only where the scout reads cache records (`cache_method = arsenal`).
   */
  readonly notCacheable?: number;
  /** Nodes per cache record status, deployed ones too; only where the scout reads records. */
  readonly cacheRecords?: Readonly<Record<RecordStatus, number>>;
}

/** Cached (unprovisioned) nodes holding one image. */
export interface ImageFigures {
  readonly uuid: string;
  readonly name: string;
  readonly cached: number;
}

/** How a cycle ended. */
export type CycleOutcome =
  /** Planned, and every directive went through the director (some may have failed). */
  | "success"
  /** Not planned: probable scouting error (no nodes, flavors or images). */
  | "skipped"
  /** Not planned: the scout or the strategy failed. */
  | "failed";

/** One cycle, start to finish. */
export interface CycleRecord {
  /** Epoch milliseconds. */
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly outcome: CycleOutcome;
  /** Why the cycle was skipped or failed. */
  readonly reason?: string;
  /** What started it: the schedule, or an operator via `POST /v1/cycle`. */
  readonly trigger: "schedule" | "manual" | "once";
  readonly strategy: { readonly name: string; readonly version: string };
  /** The seed of the strategy's random source: `arsenal plan --seed` reproduces the plan. */
  readonly seed: number;
  readonly dryRun: boolean;
  readonly directives: readonly DirectiveRecord[];
  readonly flavors: readonly FlavorFigures[];
  readonly images: readonly ImageFigures[];
  /** How many observed deploys the plan was given (`PlanContext.deploys`), when it planned. */
  readonly deploys?: number;
  /**
   * The strategy's word on each (flavor, image) pair it explained (`PlanResult.explain`), when
   * it gave one: checked, at most `MAX_EXPLAINED` entries.
   */
  readonly explain?: readonly PairExplanation[];
}
