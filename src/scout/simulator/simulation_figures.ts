/**
 * The figures a simulation report is made of, kept exactly (not sampled) by the simulator from a
 * mark on: deploys, hits and unserved deploys per flavor and image, and the time integrals of the
 * nodes cached or caching and of the available nodes per flavor.
 *
 * @module
 */

/** What happened to the deploys of a flavor or an image. */
export interface DeployCounts {
  /** Deploys asked for: served plus unserved. */
  readonly deploys: number;
  /** Deploys that found an idle node. */
  readonly served: number;
  /** Deploys that found no idle node of their flavor. */
  readonly unserved: number;
  /** Served deploys onto a node holding the wanted image, ready. */
  readonly hits: number;
}

/** One flavor's figures. */
export interface FlavorFigures extends DeployCounts {
  readonly name: string;
  readonly nodes: number;
  /** Integral over time of the nodes cached or caching, in node-minutes. */
  readonly cachedNodeMinutes: number;
  /** Integral over time of the available (not provisioned) nodes, in node-minutes. */
  readonly availableNodeMinutes: number;
}

/** One image's figures (all its versions). */
export interface ImageFigures extends DeployCounts {
  readonly name: string;
}

/** The figures from the mark to now. */
export interface SimulationFigures {
  /** Simulated minutes since the mark. */
  readonly minutes: number;
  readonly flavors: readonly FlavorFigures[];
  readonly images: readonly ImageFigures[];
}

/** Counts per flavor or image: deploys, served, hits, in parallel arrays. */
class Counts {
  readonly deploys: Float64Array;
  readonly served: Float64Array;
  readonly hits: Float64Array;

  constructor(size: number) {
    [this.deploys, this.served, this.hits] = [0, 0, 0].map(() => new Float64Array(size));
  }

  reset(): void {
    for (const array of [this.deploys, this.served, this.hits]) array.fill(0);
  }

  at(i: number): DeployCounts {
    const [deploys, served, hits] = [this.deploys[i], this.served[i], this.hits[i]];
    return { deploys, served, unserved: deploys - served, hits };
  }
}

/** Keeps the figures; the simulator tells it of every deploy and level change, with its time. */
export class FigureKeeper {
  readonly #flavors: readonly string[];
  readonly #nodes: readonly number[];
  readonly #images: readonly string[];
  readonly #byFlavor: Counts;
  readonly #byImage: Counts;
  /** Per flavor: nodes cached or caching, available nodes, now. */
  readonly #cached: Float64Array;
  readonly #available: Float64Array;
  /** Per flavor: integrals in node-milliseconds since the mark, up to `#last`. */
  readonly #cachedArea: Float64Array;
  readonly #availableArea: Float64Array;
  readonly #last: Float64Array;
  #mark: number;

  /** Every node starts available and uncached at `now` (epoch ms). */
  constructor(
    flavors: readonly string[],
    nodes: readonly number[],
    images: readonly string[],
    now: number,
  ) {
    this.#flavors = flavors;
    this.#nodes = nodes;
    this.#images = images;
    this.#byFlavor = new Counts(flavors.length);
    this.#byImage = new Counts(images.length);
    this.#cached = new Float64Array(flavors.length);
    this.#available = Float64Array.from(nodes);
    this.#cachedArea = new Float64Array(flavors.length);
    this.#availableArea = new Float64Array(flavors.length);
    this.#last = new Float64Array(flavors.length).fill(now);
    this.#mark = now;
  }

  /** A deploy of `image` on `flavor`: unserved, served, or a hit. */
  deploy(flavor: number, image: number, served: boolean, hit: boolean): void {
    for (const [counts, i] of [[this.#byFlavor, flavor], [this.#byImage, image]] as const) {
      counts.deploys[i]++;
      if (served) counts.served[i]++;
      if (hit) counts.hits[i]++;
    }
  }

  /** At `now`, `flavor` gains `cached` nodes cached or caching and `available` available ones. */
  change(flavor: number, now: number, cached: number, available: number): void {
    this.#integrate(flavor, now);
    this.#cached[flavor] += cached;
    this.#available[flavor] += available;
  }

  /** Forgets what happened before `now`: the figures count from it. */
  mark(now: number): void {
    for (let f = 0; f < this.#flavors.length; f++) this.#integrate(f, now);
    this.#cachedArea.fill(0);
    this.#availableArea.fill(0);
    this.#byFlavor.reset();
    this.#byImage.reset();
    this.#mark = now;
  }

  /** The figures from the mark to `now`. */
  figures(now: number): SimulationFigures {
    for (let f = 0; f < this.#flavors.length; f++) this.#integrate(f, now);
    return {
      minutes: (now - this.#mark) / 60_000,
      flavors: this.#flavors.map((name, f) => ({
        name,
        nodes: this.#nodes[f],
        ...this.#byFlavor.at(f),
        cachedNodeMinutes: this.#cachedArea[f] / 60_000,
        availableNodeMinutes: this.#availableArea[f] / 60_000,
      })),
      images: this.#images.map((name, i) => ({ name, ...this.#byImage.at(i) })),
    };
  }

  #integrate(flavor: number, now: number): void {
    const span = now - this.#last[flavor];
    if (span <= 0) return;
    this.#cachedArea[flavor] += this.#cached[flavor] * span;
    this.#availableArea[flavor] += this.#available[flavor] * span;
    this.#last[flavor] = now;
  }
}
