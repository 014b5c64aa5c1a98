/**
 * The synthetic tenants of `[simulator]`: deploys arrive as a Poisson process (flavor in
 * proportion to its nodes, image by popularity, the n-th image weighing 1/n), each instance lives
 * an exponentially distributed time, and images are now and then replaced by a new version.
 * Instances running at the start are deploys at minute 0.
 *
 * @module
 */
import type { TraceEvent, TraceFleet } from "../../domain/trace.ts";
import { type Random, seededRandom } from "../../domain/random.ts";
import type { SimulatorOptions } from "./config.ts";
import { EventQueue } from "./event_queue.ts";
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

/** Seed of the workload's own random stream, apart from the fleet's. */
const WORKLOAD_STREAM = 0x5eed;

/** An exponentially distributed delay with mean `mean` (Infinity when the mean is). */
function exponential(random: Random, mean: number): number {
  return mean === Infinity ? Infinity : -mean * Math.log(1 - random.next());
}

/** The tenants `options` describe, from minute 0 on, endlessly. */
export function syntheticWorkload(options: SimulatorOptions): Workload {
  return new SyntheticWorkload(options);
}

class SyntheticWorkload implements Workload {
  readonly fleet: TraceFleet;
  readonly #random: Random;
  readonly #flavors: string[];
  readonly #images: string[];
  readonly #nodes: number;
  /** Cumulative popularity weights of the images. */
  readonly #cumulative: Float64Array;
  readonly #deployEvery: number;
  readonly #lifetime: number;
  readonly #refreshEvery: number;
  /** Deletes to come: (minute, instance number); the epoch is unused. */
  readonly #deletes = new EventQueue();
  /** Deploys at minute 0, the instances running at the start. */
  readonly #initial: TraceEvent[] = [];
  #nextDeploy: number;
  #nextRefresh: number;
  #instances = 0;

  constructor(options: SimulatorOptions) {
    const n = options.nodes;
    this.#random = seededRandom((options.seed ^ WORKLOAD_STREAM) >>> 0);
    this.#nodes = n;
    this.#flavors = Array.from({ length: options.flavors }, (_, i) => flavorName(i));
    this.#images = Array.from({ length: options.images }, (_, i) => imageName(i));
    const counts = this.#flavors.map((_, f) =>
      Math.floor(n / options.flavors) + (f < n % options.flavors ? 1 : 0)
    );
    this.fleet = {
      kind: "fleet",
      flavors: Object.fromEntries(this.#flavors.map((name, f) => [name, counts[f]])),
      images: this.#images,
    };
    this.#cumulative = new Float64Array(options.images);
    for (let i = 0, sum = 0; i < options.images; i++) this.#cumulative[i] = sum += 1 / (i + 1);
    const perMinute = options.deploys_per_minute ??
      options.deployed_share * n / options.instance_minutes;
    this.#deployEvery = perMinute > 0 ? 1 / perMinute : Infinity;
    this.#lifetime = options.instance_minutes;
    this.#refreshEvery = options.image_refresh_minutes > 0
      ? options.image_refresh_minutes
      : Infinity;
    for (let i = 0; i < n; i++) {
      if (this.#random.next() < options.deployed_share) {
        this.#initial.push(this.#deploy(0, this.#flavors[i % options.flavors], i % options.images));
      }
    }
    this.#initial.reverse();
    this.#nextDeploy = exponential(this.#random, this.#deployEvery);
    this.#nextRefresh = exponential(this.#random, this.#refreshEvery);
  }

  peek(): number {
    if (this.#initial.length > 0) return 0;
    return Math.min(this.#nextDeploy, this.#nextRefresh, this.#deletes.nextAt);
  }

  next(): TraceEvent {
    const initial = this.#initial.pop();
    if (initial) return initial;
    const t = this.peek();
    if (t === this.#deletes.nextAt) {
      const id = this.#deletes.nextNode;
      this.#deletes.pop();
      return { t, kind: "delete", id: `i-${id}` };
    }
    if (t === this.#nextDeploy) {
      this.#nextDeploy = t + exponential(this.#random, this.#deployEvery);
      const flavor = this.#flavors[this.#random.int(this.#nodes) % this.#flavors.length];
      return this.#deploy(t, flavor, this.#pickImage());
    }
    this.#nextRefresh = t + exponential(this.#random, this.#refreshEvery);
    return { t, kind: "image_update", image: this.#images[this.#random.int(this.#images.length)] };
  }

  /** A deploy at `t` and its delete, an instance lifetime later. */
  #deploy(t: number, flavor: string, image: number): TraceEvent {
    const id = ++this.#instances;
    this.#deletes.push(t + exponential(this.#random, this.#lifetime), id, 0);
    return { t, kind: "deploy", id: `i-${id}`, flavor, image: this.#images[image] };
  }

  #pickImage(): number {
    const cumulative = this.#cumulative;
    const x = this.#random.next() * cumulative[cumulative.length - 1];
    let lo = 0, hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
