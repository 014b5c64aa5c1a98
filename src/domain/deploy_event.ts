/**
 * What the loop observes tenants doing to the fleet: an instance deployed on a node, or deleted
 * from it. Plain data, so a log writer or a trace can serialize it as it is.
 *
 * @module
 */

/** An instance deployed onto a node, seen between two node listings. */
export interface DeployEvent {
  readonly kind: "deploy";
  /** When it was observed, in epoch milliseconds (the listing that showed it). */
  readonly at: number;
  /** The node's UUID. */
  readonly node: string;
  readonly flavor: string;
  /** The image, as the scout identifies it (Glance UUID or a URL's last path segment); "" if unknown. */
  readonly image: string;
  /** True when the node held that image, ready, at the listing before. */
  readonly hit: boolean;
}

/** An instance deleted from a node (the node went back to cleaning or available). */
export interface DeleteEvent {
  readonly kind: "delete";
  readonly at: number;
  readonly node: string;
  readonly flavor: string;
  /** The image the instance ran, as last seen; "" if unknown. */
  readonly image: string;
}

/** An observed event. */
export type FleetEvent = DeployEvent | DeleteEvent;
