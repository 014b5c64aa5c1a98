/**
 * The fleet as a strategy sees it: nodes, flavors and images, observed at one moment.
 *
 * Values here cross phase boundaries (scout -> strategy -> director), so they are readonly and
 * plain data: a snapshot file, a scout and a test fixture all produce the same shape.
 *
 * @module
 */

/** A bare-metal node, reduced to what caching decisions need. */
export interface Node {
  /** Ironic node UUID. */
  readonly uuid: string;
  /** Name of the flavor this node belongs to. */
  readonly flavor: string;
  /** True when the node is deployed, in maintenance, or otherwise not available. */
  readonly provisioned: boolean;
  /** True when an image is cached (or being cached) on the node. */
  readonly cached: boolean;
  /** UUID of the cached image; the empty string when there is none. */
  readonly cachedImageUuid: string;
  /**
   * True for a node that would be free but cannot be cached now (Ironic: no live agent to cache
   * through); it is then also `provisioned`, so no strategy plans on it. Set only by scouts that
   * tell (`[ironic] cache_method = arsenal`).
   */
  readonly notCacheable?: boolean;
  /** The status of the node's cache record, where the scout reads one (`cache_method = arsenal`). */
  readonly cacheStatus?: CacheStatus;
  /**
   * False while the cached image is still being written (or the write is pending); absent or true
   * when it is ready, as far as the scout tells. Deploys are hits only on ready nodes.
   */
  readonly cacheReady?: boolean;
  /** Where the node is in an instance's life, where the scout tells (deploys are observed from it). */
  readonly phase?: NodePhase;
  /**
   * The image the node's instance runs (deploying or active), as the scout identifies images: a
   * Glance UUID, or a URL's last path segment; absent when there is none or it is not read.
   */
  readonly instanceImage?: string;
}

/**
 * A node's place in an instance's life: `available` (free, cached or not), `deploying` (an
 * instance is being deployed, or its deploy failed), `active` (an instance runs), `cleaning`
 * (torn down, being cleaned), `other` (enrolling, manageable, in error...).
 */
export type NodePhase = "available" | "deploying" | "active" | "cleaning" | "other";

/**
 * A cache record's status, as the Ironic plugin keeps it: `caching` (the agent is writing the
 * image), `cached`, `failed`, `lost` (the agent restarted, the node left `available`, or its
 * heartbeat went stale); `none` when the node has no record.
 */
export type CacheStatus = "none" | RecordStatus;

/** The statuses of an existing cache record. */
export type RecordStatus = "caching" | "cached" | "failed" | "lost";

/** Every {@linkcode RecordStatus}, in the order reports list them. */
export const RECORD_STATUSES: readonly RecordStatus[] = ["caching", "cached", "failed", "lost"];

/** A flavor that nodes are grouped by. */
export interface Flavor {
  readonly name: string;
}

/** An image tenants may deploy. Names are not unique (Glance allows duplicates). */
export interface Image {
  readonly uuid: string;
  readonly name: string;
  readonly checksum: string;
}

/** Everything a strategy plans from. Time arrives as data: planning never reads a clock. */
export interface FleetState {
  /** When the state was observed, in epoch milliseconds (0 when unknown). */
  readonly observedAt: number;
  readonly nodes: readonly Node[];
  readonly flavors: readonly Flavor[];
  readonly images: readonly Image[];
}
