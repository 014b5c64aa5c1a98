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
   * Carries out one directive. Resolves when it was accepted upstream; rejects with an `Error`
   * whose message says why not.
   */
  issue(directive: Directive, signal: AbortSignal): Promise<void>;
}

/** Where fleet data comes from, as counted in metrics: `arsenal_scout_errors_total{source}`. */
export type ScoutSource = "nodes" | "flavors" | "images";
