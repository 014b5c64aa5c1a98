/**
 * The most recent observed deploys, for `GET /v1/deploys`: a bounded ring, newest first.
 *
 * @module
 */
import type { DeployEvent } from "../domain/deploy_event.ts";

/** How many deploys {@linkcode RecentDeploys} keeps unless told otherwise. */
export const RECENT_DEPLOYS = 100;

/** One deploy as `GET /v1/deploys` shows it. */
export interface RecentDeploy {
  /** When the listing that showed it was taken, ISO 8601 UTC. */
  readonly time: string;
  readonly node: string;
  readonly flavor: string;
  /** The image's id as the scout identifies it ("" when the node did not tell). */
  readonly image: string;
  /** The image's name when the scout lists it, else "". */
  readonly imageName: string;
  readonly hit: boolean;
}

/** The last `limit` deploys; older ones are dropped as new ones come. */
export class RecentDeploys {
  readonly #limit: number;
  #ring: RecentDeploy[] = [];
  #next = 0;

  constructor(limit = RECENT_DEPLOYS) {
    this.#limit = limit;
  }

  /** Keeps `event`, with the name of its image (or ""). */
  add(event: DeployEvent, imageName: string): void {
    const { at, node, flavor, image, hit } = event;
    const deploy = { time: new Date(at).toISOString(), node, flavor, image, imageName, hit };
    if (this.#ring.length < this.#limit) this.#ring.push(deploy);
    else this.#ring[this.#next] = deploy;
    this.#next = (this.#next + 1) % this.#limit;
  }

  /** The deploys kept, newest first. */
  list(): RecentDeploy[] {
    const ring = this.#ring;
    if (ring.length < this.#limit) return ring.toReversed();
    return [...ring.slice(this.#next), ...ring.slice(0, this.#next)].reverse();
  }
}
