/**
 * The synthetic tenants of `[simulator]`: deploys arrive as a Poisson process (flavor by its share
 * of deploys, image by its flavor's popularity order, the rank-n image weighing 1/n^image_skew),
 * each instance lives an exponentially distributed time, and images are now and then replaced by
 * a new version. What real clouds add is each a knob, off by default: per-flavor deploy rates and
 * image orders, a daily rhythm (the Poisson process thinned), bursts, and drifting popularity.
 * Instances running at the start are deploys at minute 0. Work is per event, never per node.
 *
 * @module
 */
import type { DeployEvent, TraceEvent, TraceFleet } from "../../domain/trace.ts";
import { type Random, seededRandom } from "../../domain/random.ts";
import type { SimulatorOptions } from "./config.ts";
import { EventQueue } from "./event_queue.ts";
import { exponential, ImagePopularity, pickCumulative } from "./image_popularity.ts";
import type { Workload } from "./workload.ts";

const IMAGE_NAMES = [
  "Ubuntu 24.04",
  "Debian 12",
  "Rocky Linux 9",
  "Fedora 41",
  "Windows Server 2022",
  "CoreOS",
];
const FLAVOR_SIZES = ["small", "medium", "large", "xlarge"];

/** The name of the `i`-th simulated flavor. */
export function flavorName(i: number): string {
  const size = i < FLAVOR_SIZES.length ? FLAVOR_SIZES[i] : `${i - FLAVOR_SIZES.length + 2}xlarge`;
  return `baremetal-${size}`;
}

/** The name of the `i`-th simulated image, by popularity. */
export function imageName(i: number): string {
  return IMAGE_NAMES[i] ?? `Image ${i + 1}`;
}

/**
 * Seeds of the workload's random streams, apart from the fleet's and from each other: turning a
 * knob on leaves the draws of the others as they were.
 */
const STREAMS = { workload: 0x5eed, orders: 0x0de5, bursts: 0xb057, drift: 0xd71f } as const;

/** Event times in thousandths of a minute: a trace written from them replays the same. */
function minutes(t: number): number {
  return Math.round(t * 1000) / 1000;
}

/** A deploy of a burst, not yet played. */
interface BurstDeploy {
  readonly t: number;
  readonly flavor: number;
  readonly image: number;
}

/** The tenants `options` describe, from minute 0 on, endlessly. */
export function syntheticWorkload(options: SimulatorOptions): Workload {
  return new SyntheticWorkload(options);
}

class SyntheticWorkload implements Workload {
  readonly fleet: TraceFleet;
  readonly #options: SimulatorOptions;
  readonly #random: Random;
  readonly #burstRandom: Random;
  readonly #flavors: string[];
  readonly #images: string[];
  /** Cumulative deploy shares of the flavors; undefined when in proportion to their nodes. */
  readonly #flavorShares: Float64Array | undefined;
  /** Mean instance lifetime per flavor, in minutes. */
  readonly #lifetimes: Float64Array;
  readonly #popularity: ImagePopularity;
  readonly #deployEvery: number;
  readonly #refreshEvery: number;
  readonly #burstEvery: number;
  /** Deletes to come: (minute, instance number); the epoch is unused. */
  readonly #deletes = new EventQueue();
  /** Deploys at minute 0, the instances running at the start. */
  readonly #initial: TraceEvent[] = [];
  /** Deploys of bursts already started, latest first. */
  #bursting: BurstDeploy[] = [];
  #nextDeploy: number;
  #nextRefresh: number;
  #nextBurst: number;
  #instances = 0;

  constructor(options: SimulatorOptions) {
    const n = options.nodes;
    const stream = (salt: number) => seededRandom((options.seed ^ salt) >>> 0);
    this.#options = options;
    this.#random = stream(STREAMS.workload);
    this.#burstRandom = stream(STREAMS.bursts);
    this.#flavors = Array.from({ length: options.flavors }, (_, i) => flavorName(i));
    this.#images = Array.from({ length: options.images }, (_, i) => imageName(i));
    const counts = this.#flavors.map((_, f) =>
      Math.floor(n / options.flavors) + (f < n % options.flavors ? 1 : 0)
    );
    // A flavor without nodes (fewer nodes than flavors) gets no deploys: a trace lists none such.
    const listed = this.#flavors.map((name, f) => [name, counts[f]] as const)
      .filter(([, count]) => count > 0);
    this.fleet = { kind: "fleet", flavors: Object.fromEntries(listed), images: this.#images };
    const perFlavor = options.image_mix === "per_flavor";
    this.#popularity = new ImagePopularity({
      images: options.images,
      skew: options.image_skew,
      orders: perFlavor ? options.flavors : 1,
      shuffle: perFlavor ? stream(STREAMS.orders) : undefined,
      driftPerDay: options.drift_per_day,
      drift: stream(STREAMS.drift),
    });
    [this.#flavorShares, this.#lifetimes] = flavorRates(counts, options);
    const perMinute = options.deploys_per_minute ??
      options.deployed_share * n / options.instance_minutes;
    this.#deployEvery = perMinute > 0 ? 1 / perMinute : Infinity;
    this.#refreshEvery = options.image_refresh_minutes > 0
      ? options.image_refresh_minutes
      : Infinity;
    this.#burstEvery = options.bursts_per_day > 0 ? 1440 / options.bursts_per_day : Infinity;
    for (let i = 0; i < n; i++) {
      if (this.#random.next() < options.deployed_share) {
        this.#initial.push(this.#deploy(0, i % options.flavors, i % options.images, this.#random));
      }
    }
    this.#initial.reverse();
    this.#nextDeploy = this.#deployAfter(0);
    this.#nextRefresh = exponential(this.#random, this.#refreshEvery);
    this.#nextBurst = exponential(this.#burstRandom, this.#burstEvery);
  }

  peek(): number {
    return this.#initial.length > 0 ? 0 : minutes(this.#nextAt());
  }

  next(): TraceEvent {
    const initial = this.#initial.pop();
    if (initial) return initial;
    const t = this.#nextAt();
    if (t === this.#deletes.nextAt) {
      const id = this.#deletes.nextNode;
      this.#deletes.pop();
      return { t: minutes(t), kind: "delete", id: `i-${id}` };
    }
    const burst = this.#bursting.at(-1);
    if (t === burst?.t) {
      this.#bursting.pop();
      return this.#deploy(t, burst.flavor, burst.image, this.#burstRandom);
    }
    if (t === this.#nextDeploy) {
      this.#nextDeploy = this.#deployAfter(t);
      const flavor = this.#pickFlavor(this.#random);
      const image = this.#popularity.pick(this.#orderOf(flavor), t, this.#random);
      return this.#deploy(t, flavor, image, this.#random);
    }
    this.#nextRefresh = t + exponential(this.#random, this.#refreshEvery);
    const image = this.#images[this.#random.int(this.#images.length)];
    return { t: minutes(t), kind: "image_update", image };
  }

  /** The exact minute of the next event, after starting the bursts due before it. */
  #nextAt(): number {
    let at = this.#earliest();
    // Infinity: no burst ever, however late the other events are (none at all is Infinity too).
    while (this.#nextBurst !== Infinity && this.#nextBurst <= at) {
      this.#startBurst();
      at = this.#earliest();
    }
    return at;
  }

  #earliest(): number {
    const burst = this.#bursting.at(-1)?.t ?? Infinity;
    return Math.min(this.#nextDeploy, this.#nextRefresh, this.#deletes.nextAt, burst);
  }

  /**
   * The next steady deploy after `t`. With a daily rhythm, candidates come at the peak rate and
   * each is kept with the rate at its time over the peak rate (thinning): a Poisson process
   * whose rate follows the day. At most 2 candidates per deploy on average.
   */
  #deployAfter(t: number): number {
    const amplitude = this.#options.daily_amplitude;
    if (amplitude === 0) return t + exponential(this.#random, this.#deployEvery);
    if (this.#deployEvery === Infinity) return Infinity;
    const peak = this.#options.peak_hour;
    for (let candidate = 0; candidate < 1_000_000; candidate++) {
      t += exponential(this.#random, this.#deployEvery / (1 + amplitude));
      const rate = 1 + amplitude * Math.cos(2 * Math.PI * (t / 60 - peak) / 24);
      if (this.#random.next() * (1 + amplitude) < rate) break;
    }
    return t;
  }

  /** Draws a burst's deploys (one flavor, one image) and the next burst's start. */
  #startBurst(): void {
    const random = this.#burstRandom;
    const start = this.#nextBurst;
    const { burst_size: size, burst_minutes: spread } = this.#options;
    const flavor = this.#pickFlavor(random);
    const image = this.#popularity.pick(this.#orderOf(flavor), start, random);
    const count = Math.max(1, Math.round(size * (0.5 + random.next())));
    for (let i = 0; i < count; i++) {
      this.#bursting.push({ t: start + spread * random.next(), flavor, image });
    }
    this.#bursting.sort((a, b) => b.t - a.t);
    this.#nextBurst = start + exponential(random, this.#burstEvery);
  }

  #pickFlavor(random: Random): number {
    const shares = this.#flavorShares;
    if (!shares) return random.int(this.#options.nodes) % this.#flavors.length;
    return pickCumulative(shares, random.next() * shares.at(-1)!);
  }

  #orderOf(flavor: number): number {
    return this.#options.image_mix === "per_flavor" ? flavor : 0;
  }

  /** A deploy at `t` and its delete, an instance lifetime later (drawn from `random`). */
  #deploy(t: number, flavor: number, image: number, random: Random): DeployEvent {
    const id = ++this.#instances;
    this.#deletes.push(t + exponential(random, this.#lifetimes[flavor]), id, 0);
    const { [flavor]: name } = this.#flavors;
    return {
      t: minutes(t),
      kind: "deploy",
      id: `i-${id}`,
      flavor: name,
      image: this.#images[image],
    };
  }
}

/**
 * Each flavor's cumulative share of deploys (undefined when in proportion to its nodes) and its
 * instances' mean lifetime: with `flavor_skew`, the n-th flavor's deploys per node weigh
 * 1/n^flavor_skew and its instances live as much shorter, so it stays as deployed as the others.
 */
function flavorRates(
  counts: readonly number[],
  options: SimulatorOptions,
): [Float64Array | undefined, Float64Array] {
  const lifetimes = new Float64Array(counts.length).fill(options.instance_minutes);
  if (options.flavor_skew === 0) return [undefined, lifetimes];
  const weights = counts.map((count, f) => count * Math.pow(f + 1, -options.flavor_skew));
  const total = weights.reduce((sum, w) => sum + w, 0);
  const nodes = options.nodes;
  const shares = new Float64Array(counts.length);
  for (let f = 0, sum = 0; f < counts.length; f++) {
    shares[f] = sum += weights[f];
    if (weights[f] > 0) lifetimes[f] *= (counts[f] / nodes) / (weights[f] / total);
  }
  return [shares, lifetimes];
}
