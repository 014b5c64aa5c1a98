/**
 * Issues cache directives to Ironic, per `[ironic] cache_method`:
 *
 * - `vendor_passthru`: `POST vendor_passthru?method=cache_image` with the original's body,
 *   `{"image_info": {"id", "urls", "checksum"}}`;
 * - `annotate`: `driver_info.cache_image_id` and `cache_status = pending`, for a cacher of the
 *   operator's own;
 * - `arsenal`: the Ironic plugin's `cache_image`, with the image's `disk_format` and its
 *   `os_hash_algo`/`os_hash_value` (or, without them, its MD5 `checksum`), the way Ironic's own
 *   `write_image` describes an image to the agent.
 *
 * The node is read first, and a node no longer free is skipped. The write goes out once; after
 * an ambiguous answer (a 5xx, no answer) the node is read back: the cache counts as issued when
 * the node shows it. The plugin records a cache after its 202, asynchronously, so with `arsenal`
 * the node is read up to `[ironic] api_max_retries` more times, `api_retry_interval` seconds apart,
 * for a record of the image that was not there before.
 *
 * @module
 */
import type { CacheDirective } from "../../domain/directive.ts";
import type { Clock } from "../../runtime/clock.ts";
import { ISSUED, type IssueResult } from "../scout.ts";
import { UpstreamError } from "./errors.ts";
import type { ConflictPolicy, IronicApi, IronicNode } from "./ironic.ts";
import { type CacheMethod, type CacheRecord, cacheRecord, isCached } from "./node_cache.ts";
import { type NodeReading, nodeState } from "./node_state.ts";
import { arsenalImageInfo, type ImageSource } from "./image_source.ts";

const NOT_FREE = "nothing to cache: the node is no longer available and uncached";
const NO_AGENT = "nothing to cache: the node has no live agent to cache through (fast track)";

/** Caches images onto nodes. */
export class Cacher {
  readonly #ironic: IronicApi;
  readonly #clock: Clock;
  readonly #method: CacheMethod;
  readonly #settle: ConflictPolicy;
  readonly #reading: () => NodeReading;

  /**
   * @param options the cache method, how long an accepted cache may take to show (`settle`), and
   *   how nodes are read now (`reading`)
   */
  constructor(
    ironic: IronicApi,
    clock: Clock,
    options: { method: CacheMethod; settle: ConflictPolicy; reading: () => NodeReading },
  ) {
    this.#ironic = ironic;
    this.#clock = clock;
    this.#method = options.method;
    this.#settle = options.settle;
    this.#reading = options.reading;
  }

  /**
   * Caches the directive's image on its node, if the node is still free.
   *
   * @param source where the image comes from; undefined when it is no longer listed
   * @throws {Error} when the write failed, or did not show after an ambiguous answer
   */
  async cache(
    directive: CacheDirective,
    source: ImageSource | undefined,
    signal: AbortSignal,
  ): Promise<IssueResult> {
    const { nodeUuid, imageUuid } = directive;
    const method = this.#method;
    if (method !== "annotate" && source === undefined) {
      throw new Error("Cannot cache: the image is no longer listed");
    }
    const before = await this.#ironic.getNode(nodeUuid, signal);
    const state = nodeState(before, this.#reading());
    if (state.notCacheable) return { outcome: "skipped", reason: NO_AGENT };
    if (state.provisioned || state.cached) return { outcome: "skipped", reason: NOT_FREE };
    try {
      await this.#send(directive, source, signal);
      return ISSUED;
    } catch (e) {
      if (!ambiguous(e) || signal.aborted) throw e;
      const shown = method === "arsenal"
        ? await this.#recorded(nodeUuid, imageUuid, cacheRecord(before), signal)
        : await this.#annotated(nodeUuid, imageUuid, signal);
      if (shown === true) return ISSUED;
      throw new Error(`${(e as Error).message}; ${shown}`, { cause: e });
    }
  }

  #send(
    { nodeUuid, imageUuid, imageChecksum }: CacheDirective,
    source: ImageSource | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    switch (this.#method) {
      case "annotate":
        return this.#ironic.patchNode(nodeUuid, [
          { op: "add", path: "/driver_info/cache_image_id", value: imageUuid },
          { op: "add", path: "/driver_info/cache_status", value: "pending" },
        ], signal);
      case "vendor_passthru":
        return this.#ironic.vendorPassthru(nodeUuid, "cache_image", {
          image_info: { id: imageUuid, urls: [source!.url], checksum: imageChecksum },
        }, signal);
      case "arsenal":
        return this.#ironic.vendorPassthru(nodeUuid, "cache_image", {
          image_info: arsenalImageInfo(imageUuid, source!),
        }, signal);
      default:
        throw new TypeError(`Unknown cache method ${this.#method satisfies never}`);
    }
  }

  /** True when the node, read back once, holds the image; else why it does not count. */
  async #annotated(uuid: string, image: string, signal: AbortSignal): Promise<true | string> {
    const after = await this.#ironic.getNode(uuid, signal).catch(() => undefined);
    if (after?.driver_info?.cache_image_id === image && isCached(after, this.#method)) return true;
    return after
      ? "read back, the node does not hold the image"
      : "the node could not be read back: it may hold the image later";
  }

  /**
   * True when a record of `image` other than `before` shows within the settle policy; else why
   * it does not count.
   */
  async #recorded(
    uuid: string,
    image: string,
    before: CacheRecord | undefined,
    signal: AbortSignal,
  ): Promise<true | string> {
    const { retries, intervalSeconds } = this.#settle;
    for (let read = 0; read <= retries; read++) {
      if (read > 0 && intervalSeconds > 0) await this.#clock.sleep(intervalSeconds * 1000, signal);
      let after: IronicNode;
      try {
        after = await this.#ironic.getNode(uuid, signal);
      } catch {
        return "the node could not be read back: it may hold the image later";
      }
      if (isNewRecord(before, cacheRecord(after), image)) return true;
    }
    return "read back, the node shows no new cache record for the image";
  }
}

/** Whether `after` is a record of `image` that `before` was not (a new request took). */
function isNewRecord(
  before: CacheRecord | undefined,
  after: CacheRecord | undefined,
  image: string,
): boolean {
  if (after?.image_id !== image) return false;
  return before === undefined || before.image_id !== after.image_id ||
    before.status !== after.status || before.since !== after.since;
}

/** A failure after which the write may or may not have been applied: no answer, or a 5xx. */
function ambiguous(e: unknown): boolean {
  return e instanceof UpstreamError && (e.status === undefined || e.status >= 500);
}
