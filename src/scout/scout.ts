/**
 * The scout: the director's only window on the fleet, and its only hand on it.
 *
 * @module
 */
import type { Directive } from "../domain/directive.ts";
import type { Flavor, Image, Node } from "../domain/fleet.ts";

/** Gathers the fleet and issues directives. Everything upstream-specific lives behind this. */
export interface Scout {
  /** Short name for logs and metrics, e.g. `simulator`. */
  readonly name: string;
  /** The nodes, as they are now. */
  retrieveNodes(signal: AbortSignal): Promise<Node[]>;
  /** The flavors nodes are grouped by. */
  retrieveFlavors(signal: AbortSignal): Promise<Flavor[]>;
  /** The images worth caching. */
  retrieveImages(signal: AbortSignal): Promise<Image[]>;
  /**
   * Carries out one directive. Resolves with `issued` when it was accepted upstream, or `skipped`
   * when the node is no longer in the state the plan saw (nothing was done); rejects with an
   * `Error` whose message says why not. Reasons never name the node: the record does.
   */
  issue(directive: Directive, signal: AbortSignal): Promise<IssueResult>;
  /**
   * Finishes what earlier cycles (of this process or another, before a crash or a restart) left
   * half-way, e.g. ejects cut short. The loop calls it after each successful node listing and
   * before planning, dry run or not. Never rejects: what fails is logged, and tried again next
   * cycle. Optional.
   */
  resume?(signal: AbortSignal): Promise<void>;
}

/** What became of a directive the scout was handed. */
export type IssueResult =
  | { readonly outcome: "issued" }
  | { readonly outcome: "skipped"; readonly reason: string };

/** The {@linkcode IssueResult} of a directive accepted upstream. */
export const ISSUED: IssueResult = Object.freeze({ outcome: "issued" });

/** Where fleet data comes from, as counted in metrics: `arsenal_scout_errors_total{source}`. */
export type ScoutSource = "nodes" | "flavors" | "images";
