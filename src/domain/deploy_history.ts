/**
 * The deploy history strategies plan from (`PlanContext.deploys`): the deploys observed over the
 * last {@linkcode DEPLOY_HISTORY_WINDOW_MS}, oldest first, as plain records that name the image,
 * so that the history of an image outlives its updates.
 *
 * @module
 */

/** One observed deploy, as strategies see it. */
export interface ObservedDeploy {
  /** When it was observed, in epoch milliseconds (compare with the fleet's `observedAt`). */
  readonly at: number;
  /** The flavor of the node deployed. */
  readonly flavor: string;
  /** The image's name; its UUID when it had none, "" when the node did not tell. */
  readonly image: string;
  /** True when the node held that image, ready, just before (a cache hit). */
  readonly hit: boolean;
}

/** How far back the history reaches: 7 days, in milliseconds. */
export const DEPLOY_HISTORY_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * At most this many deploys are held: 200,000, some 20 deploys a minute for the whole window,
 * about 17 MB (some 83 bytes a record, names shared). A busier cloud keeps less than the window.
 */
export const DEPLOY_HISTORY_CAP = 200_000;

/** Options of a {@linkcode DeployHistory}. */
export interface DeployHistoryOptions {
  /** At most this many deploys ({@linkcode DEPLOY_HISTORY_CAP} by default). */
  readonly cap?: number;
  /** How far back to keep, in milliseconds ({@linkcode DEPLOY_HISTORY_WINDOW_MS} by default). */
  readonly windowMs?: number;
}

/**
 * A bounded, time-ordered history of observed deploys. Appending is amortised O(1): deploys
 * that left the window, or beyond the cap, are dropped in batches (a quarter of the records, an
 * eighth at the cap), each batch one copy. So {@linkcode deploys} holds every deploy of the window
 * (up to the cap), and may hold a few older ones until the next batch: strategies filter by `at`.
 */
export class DeployHistory {
  readonly #cap: number;
  readonly #windowMs: number;
  #items: ObservedDeploy[] = [];
  /** One string per name, shared by the records that use it. */
  #names = new Map<string, string>();

  constructor(options: DeployHistoryOptions = {}) {
    this.#cap = options.cap ?? DEPLOY_HISTORY_CAP;
    this.#windowMs = options.windowMs ?? DEPLOY_HISTORY_WINDOW_MS;
  }

  /**
   * The deploys held, oldest first. The array is the history's own, not a copy: read it, do not
   * keep it (appends grow it, and a batch drop replaces it).
   */
  get deploys(): readonly ObservedDeploy[] {
    return this.#items;
  }

  /** How many deploys are held. */
  get size(): number {
    return this.#items.length;
  }

  /** Adds a copy of `deploy` in time order; one older than the window is left out. */
  append(deploy: ObservedDeploy): void {
    const items = this.#items;
    const newest = items.length > 0 ? items[items.length - 1].at : -Infinity;
    if (!(deploy.at >= newest - this.#windowMs)) return;
    const record = Object.freeze({
      at: deploy.at,
      flavor: this.#intern(deploy.flavor),
      image: this.#intern(deploy.image),
      hit: deploy.hit === true,
    });
    if (deploy.at >= newest) items.push(record);
    else items.splice(countUntil(items, deploy.at, true), 0, record);
    this.expire(Math.max(deploy.at, newest));
  }

  /**
   * Drops the deploys that left the window by `now`, once they are a quarter of the records or
   * more (or the cap is passed): cheap to call every cycle.
   */
  expire(now: number): void {
    const items = this.#items;
    const oldest = now - this.#windowMs;
    const over = items.length - this.#cap;
    const quarter = items.length >> 2;
    if (over <= 0 && !(items.length > 0 && items[quarter].at < oldest)) return;
    const expired = countUntil(items, oldest, false);
    const cut = over > 0 ? Math.max(expired, over + (this.#cap >> 3)) : expired;
    this.#items = items.slice(cut);
    this.#names = new Map();
    for (const { flavor, image } of this.#items) {
      this.#names.set(flavor, flavor);
      this.#names.set(image, image);
    }
  }

  #intern(name: string): string {
    const known = this.#names.get(name);
    if (known !== undefined) return known;
    this.#names.set(name, name);
    return name;
  }
}

/**
 * How many deploys come before `at` (and at it, when `inclusive`): a binary search, as the
 * deploys are in time order.
 */
function countUntil(items: readonly ObservedDeploy[], at: number, inclusive: boolean): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    const t = items[middle].at;
    if (t < at || (inclusive && t === at)) low = middle + 1;
    else high = middle;
  }
  return low;
}
