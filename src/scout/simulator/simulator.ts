/**
 * The `simulator` scout: a synthetic Ironic fleet on simulated time, so Arsenal can be watched at
 * work with no cloud at all.
 *
 * Tenants deploy instances as a Poisson process (image by popularity, node of a flavor chosen in
 * proportion to its size) and delete them after exponentially distributed lifetimes; a deploy
 * that lands on a node holding the wanted, ready image is a cache hit. Images are now and then
 * replaced by a new version (same name, new UUID and checksum), which leaves stale cached nodes
 * for the strategy to eject.
 *
 * The simulation is lazy: every call first plays the events between the last simulated instant
 * and `clock.now()`, in time order. Work is proportional to the number of events, not of nodes:
 * nodes live in typed arrays, idle nodes in per-flavor pools with swap-remove, and timed
 * completions in a min-heap. One call plays at most {@linkcode MAX_EVENTS_PER_ADVANCE} events;
 * if the clock jumped further than that, the simulation stops where the budget ran out and the
 * rest of the jump is skipped (the fleet stands still for it), so a jump cannot hang the process.
 *
 * @example
 * ```ts
 * const clock = new ManualClock(1_700_000_000_000);
 * const scout = createSimulator({ nodes: 50, scheduler: "prefer_cached" }, clock);
 * const nodes = await scout.retrieveNodes(new AbortController().signal);
 * await clock.advance(60_000);
 * const { deploys, cacheHits } = scout.stats(); // what the tenants did in that minute
 * ```
 *
 * @module
 */
import { z } from "zod";
import type { Clock } from "../../runtime/clock.ts";
import type { Directive } from "../../domain/directive.ts";
import type { Flavor, Image, Node } from "../../domain/fleet.ts";
import { type Random, seededRandom } from "../../domain/random.ts";
import type { SimulatorStats } from "../../domain/simulator_stats.ts";
import { ISSUED, type IssueResult, type Scout } from "../scout.ts";
import { type SimulatorInput, type SimulatorOptions, simulatorSection } from "./config.ts";
import { EventQueue } from "./event_queue.ts";
import { IndexSet } from "./index_set.ts";

/** Most events one call plays; beyond it, the rest of a clock jump is skipped. */
export const MAX_EVENTS_PER_ADVANCE = 100_000;

/** A scout over a simulated fleet, with the tenants' statistics. */
export interface SimulatorScout extends Scout {
  /** Always `simulator`. */
  readonly name: "simulator";
  /** Counts so far, after playing the simulation up to now. */
  stats(): SimulatorStats;
}

/**
 * Creates a simulated fleet that starts at `clock.now()`. Options not given take their defaults.
 *
 * @throws {RangeError} when an option is out of range
 */
export function createSimulator(options: SimulatorInput, clock: Clock): SimulatorScout {
  const parsed = simulatorSection.safeParse(options);
  if (!parsed.success) {
    throw new RangeError(`Invalid simulator options: ${z.prettifyError(parsed.error)}`);
  }
  return new Simulator(parsed.data, clock);
}

const IMAGE_NAMES = [
  "Ubuntu 24.04",
  "Debian 12",
  "Rocky Linux 9",
  "Fedora 41",
  "Windows Server 2022",
  "CoreOS",
];
const FLAVOR_SIZES = ["small", "medium", "large", "xlarge"];

/** Node states. Deployed and cleaning nodes are provisioned; the others are available. */
const AVAILABLE = 0, DEPLOYED = 1, CLEANING = 2, CACHING = 3, CACHED = 4;
const STATE_NAMES = ["available", "deployed", "cleaning", "caching", "cached"];

function flavorName(i: number): string {
  const size = i < FLAVOR_SIZES.length ? FLAVOR_SIZES[i] : `${i - FLAVOR_SIZES.length + 2}xlarge`;
  return `baremetal-${size}`;
}

function hex(random: Random, digits: number): string {
  let out = "";
  for (let i = 0; i < digits; i += 4) out += random.int(0x10000).toString(16).padStart(4, "0");
  return out.slice(0, digits);
}

/** A random version-4 UUID. */
function randomUuid(random: Random): string {
  const variant = (0x8000 | random.int(0x4000)).toString(16);
  return `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-${variant}-${hex(random, 12)}`;
}

/** An exponentially distributed delay with mean `mean` (Infinity when the mean is). */
function exponential(random: Random, mean: number): number {
  return mean === Infinity ? Infinity : -mean * Math.log(1 - random.next());
}

/** One version of a listed image. */
interface Version {
  readonly uuid: string;
  readonly checksum: string;
  /** Index of the image (by popularity rank) this is a version of. */
  readonly slot: number;
}

class Simulator implements SimulatorScout {
  readonly name = "simulator";
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #failureRate: number;
  readonly #preferCached: boolean;
  readonly #deployEvery: number;
  readonly #lifetime: number;
  readonly #cacheMs: number;
  readonly #cleanMs: number;
  readonly #refreshEvery: number;

  /** Simulated now; the clock is ahead of it by `#lag` after skipped jumps. */
  #now: number;
  #lag = 0;
  #nextDeploy: number;
  #nextRefresh: number;
  readonly #queue = new EventQueue();

  readonly #flavorNames: string[];
  readonly #nodeUuids: string[];
  readonly #nodeIndex = new Map<string, number>();
  readonly #flavorOf: Int32Array;
  readonly #state: Uint8Array;
  /** Version index of the image cached (or caching) on each node; -1 when none. */
  readonly #image: Int32Array;
  /** Version index of the image a deployed node's instance runs; -1 when none. */
  readonly #instance: Int32Array;
  /** Bumped on every state change, so completions scheduled before it are ignored. */
  readonly #epoch: Uint32Array;
  /** Per flavor: nodes that are not provisioned (available, caching or cached). */
  readonly #idle: IndexSet[];
  readonly #idlePos: Int32Array;
  /** Per (version, flavor): nodes holding that version, ready. */
  readonly #ready = new Map<number, IndexSet>();
  readonly #readyPos: Int32Array;

  readonly #imageNames: string[];
  /** Cumulative popularity weights of the images, for picking by popularity. */
  readonly #cumulative: Float64Array;
  /** Current version of each image. */
  readonly #current: number[] = [];
  readonly #versions: Version[] = [];
  readonly #versionIndex = new Map<string, number>();

  readonly #issueMs: number;
  #deploys = 0;
  #hits = 0;
  #unserved = 0;
  #refreshes = 0;
  #skipped = 0;
  readonly #deploysBy: number[];
  readonly #hitsBy: number[];

  constructor(options: SimulatorOptions, clock: Clock) {
    const n = options.nodes;
    this.#clock = clock;
    this.#now = clock.now();
    this.#random = seededRandom(options.seed);
    this.#failureRate = options.failure_rate;
    this.#issueMs = options.issue_seconds * 1000;
    this.#preferCached = options.scheduler === "prefer_cached";
    const perMinute = options.deploys_per_minute ??
      options.deployed_share * n / options.instance_minutes;
    this.#deployEvery = perMinute > 0 ? 60_000 / perMinute : Infinity;
    this.#lifetime = options.instance_minutes * 60_000;
    this.#cacheMs = options.cache_seconds * 1000;
    this.#cleanMs = options.clean_seconds * 1000;
    const refresh = options.image_refresh_minutes * 60_000;
    this.#refreshEvery = refresh > 0 ? refresh : Infinity;

    this.#flavorNames = Array.from({ length: options.flavors }, (_, i) => flavorName(i));
    this.#imageNames = Array.from(
      { length: options.images },
      (_, i) => IMAGE_NAMES[i] ?? `Image ${i + 1}`,
    );
    this.#cumulative = new Float64Array(options.images);
    for (let i = 0, sum = 0; i < options.images; i++) this.#cumulative[i] = sum += 1 / (i + 1);
    for (let i = 0; i < options.images; i++) this.#current.push(this.#newVersion(i));
    this.#deploysBy = this.#imageNames.map(() => 0);
    this.#hitsBy = this.#imageNames.map(() => 0);

    this.#nodeUuids = new Array(n);
    this.#flavorOf = new Int32Array(n);
    this.#state = new Uint8Array(n);
    this.#image = new Int32Array(n).fill(-1);
    this.#instance = new Int32Array(n).fill(-1);
    this.#epoch = new Uint32Array(n);
    this.#idlePos = new Int32Array(n).fill(-1);
    this.#readyPos = new Int32Array(n).fill(-1);
    this.#idle = this.#flavorNames.map(() => new IndexSet(this.#idlePos));
    for (let i = 0; i < n; i++) this.#addNode(i, options.deployed_share);

    this.#nextDeploy = this.#now + exponential(this.#random, this.#deployEvery);
    this.#nextRefresh = this.#now + exponential(this.#random, this.#refreshEvery);
  }

  retrieveNodes(signal: AbortSignal): Promise<Node[]> {
    return this.#run(signal, () => {
      const nodes: Node[] = new Array(this.#state.length);
      for (let i = 0; i < nodes.length; i++) {
        const state = this.#state[i];
        const image = this.#image[i];
        const instance = this.#instance[i];
        nodes[i] = {
          uuid: this.#nodeUuids[i],
          flavor: this.#flavorNames[this.#flavorOf[i]],
          provisioned: state === DEPLOYED || state === CLEANING,
          cached: image >= 0,
          cachedImageUuid: image >= 0 ? this.#versions[image].uuid : "",
          ...(state === CACHING ? { cacheReady: false } : {}),
          phase: state === DEPLOYED ? "active" : state === CLEANING ? "cleaning" : "available",
          ...(instance >= 0 ? { instanceImage: this.#versions[instance].uuid } : {}),
        };
      }
      return nodes;
    });
  }

  retrieveFlavors(signal: AbortSignal): Promise<Flavor[]> {
    return this.#run(signal, () => this.#flavorNames.map((name) => ({ name })));
  }

  retrieveImages(signal: AbortSignal): Promise<Image[]> {
    return this.#run(signal, () =>
      this.#current.map((v, slot) => ({
        uuid: this.#versions[v].uuid,
        name: this.#imageNames[slot],
        checksum: this.#versions[v].checksum,
      })));
  }

  async issue(directive: Directive, signal: AbortSignal): Promise<IssueResult> {
    if (this.#issueMs > 0) await this.#clock.sleep(this.#issueMs, signal);
    await this.#run(signal, () => {
      const node = this.#nodeIndex.get(directive.nodeUuid);
      // Reasons never name the node: the record does, and the director logs each reason once.
      const fail = (why: string) => new Error(`Cannot ${directive.kind}: ${why}`);
      if (node === undefined) throw fail("no such node");
      const state = STATE_NAMES[this.#state[node]];
      if (directive.kind === "cache") {
        const version = this.#versionIndex.get(directive.imageUuid);
        if (this.#state[node] !== AVAILABLE) throw fail(`the node is not available (${state})`);
        if (version === undefined || this.#current[this.#versions[version].slot] !== version) {
          throw fail("the image is not listed");
        }
        const { checksum } = this.#versions[version];
        if (directive.imageChecksum !== checksum) {
          throw fail(`checksum ${directive.imageChecksum} does not match the image's ${checksum}`);
        }
        if (this.#failed()) throw fail("simulated failure");
        this.#startCaching(node, version);
      } else {
        if (this.#image[node] < 0) {
          throw fail(`the node is not cached (${state})`);
        }
        if (this.#failed()) throw fail("simulated failure");
        this.#release(node);
        this.#setState(node, CLEANING);
      }
    });
    return ISSUED;
  }

  stats(): SimulatorStats {
    this.#advance();
    const byName = (counts: number[]) =>
      Object.fromEntries(this.#imageNames.map((name, i) => [name, counts[i]]));
    return {
      deploys: this.#deploys,
      cacheHits: this.#hits,
      unserved: this.#unserved,
      refreshes: this.#refreshes,
      deploysByImage: byName(this.#deploysBy),
      cacheHitsByImage: byName(this.#hitsBy),
      skippedMs: this.#skipped,
    };
  }

  /** Honours the signal, catches up with the clock, then does `work`. */
  #run<T>(signal: AbortSignal, work: () => T): Promise<T> {
    try {
      signal.throwIfAborted();
      this.#advance();
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Plays every event up to the clock's now, or up to the event budget (see the module docs). */
  #advance(): void {
    const target = this.#clock.now() - this.#lag;
    for (let budget = MAX_EVENTS_PER_ADVANCE;; budget--) {
      const at = Math.min(this.#nextDeploy, this.#nextRefresh, this.#queue.nextAt);
      if (at > target) break;
      if (budget === 0) {
        this.#lag += target - this.#now;
        this.#skipped += target - this.#now;
        return;
      }
      this.#now = at;
      if (at === this.#queue.nextAt) {
        const node = this.#queue.nextNode, epoch = this.#queue.nextEpoch;
        this.#queue.pop();
        if (epoch === this.#epoch[node]) this.#complete(node);
      } else if (at === this.#nextDeploy) {
        this.#deploy();
        this.#nextDeploy = at + exponential(this.#random, this.#deployEvery);
      } else {
        this.#refresh();
        this.#nextRefresh = at + exponential(this.#random, this.#refreshEvery);
      }
    }
    // The clock may have been set back; simulated time never is.
    this.#now = Math.max(this.#now, target);
  }

  /** A timed state ends: an instance is deleted, cleaning or caching finishes. */
  #complete(node: number): void {
    switch (this.#state[node]) {
      case DEPLOYED:
        this.#instance[node] = -1;
        this.#setState(node, CLEANING);
        break;
      case CLEANING:
        this.#setState(node, AVAILABLE);
        this.#idle[this.#flavorOf[node]].add(node);
        break;
      case CACHING:
        this.#setState(node, CACHED);
        this.#readySet(this.#image[node], this.#flavorOf[node]).add(node);
        break;
    }
  }

  /** A tenant deploys an image (by popularity) onto a flavor (by its share of the nodes). */
  #deploy(): void {
    const flavor = this.#flavorOf[this.#random.int(this.#state.length)];
    const slot = this.#pickImage();
    const wanted = this.#current[slot];
    const idle = this.#idle[flavor];
    if (idle.size === 0) {
      this.#unserved++;
      return;
    }
    const ready = this.#preferCached ? this.#ready.get(this.#readyKey(wanted, flavor)) : undefined;
    const node = ready && ready.size > 0 ? ready.pick(this.#random) : idle.pick(this.#random);
    const hit = this.#state[node] === CACHED && this.#image[node] === wanted;
    this.#deploys++;
    this.#deploysBy[slot]++;
    if (hit) {
      this.#hits++;
      this.#hitsBy[slot]++;
    }
    this.#release(node);
    this.#instance[node] = wanted;
    this.#setState(node, DEPLOYED);
  }

  /** Replaces a random image by a new version; nodes holding the old one become stale. */
  #refresh(): void {
    const slot = this.#random.int(this.#current.length);
    this.#current[slot] = this.#newVersion(slot);
    this.#refreshes++;
  }

  #startCaching(node: number, version: number): void {
    this.#image[node] = version;
    this.#setState(node, CACHING);
  }

  /** Takes an idle node out of its pools and drops its cache, before it is provisioned. */
  #release(node: number): void {
    if (this.#state[node] === CACHED) {
      this.#readySet(this.#image[node], this.#flavorOf[node]).delete(node);
    }
    this.#idle[this.#flavorOf[node]].delete(node);
    this.#image[node] = -1;
  }

  /** Moves a node to `state`, scheduling the end of it when it is a timed state. */
  #setState(node: number, state: number): void {
    this.#state[node] = state;
    const epoch = ++this.#epoch[node];
    const delay = state === DEPLOYED
      ? exponential(this.#random, this.#lifetime)
      : state === CLEANING
      ? this.#cleanMs
      : state === CACHING
      ? this.#cacheMs
      : -1;
    if (delay >= 0) this.#queue.push(this.#now + delay, node, epoch);
  }

  #failed(): boolean {
    return this.#failureRate > 0 && this.#random.next() < this.#failureRate;
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

  #readyKey(version: number, flavor: number): number {
    return version * this.#flavorNames.length + flavor;
  }

  #readySet(version: number, flavor: number): IndexSet {
    const key = this.#readyKey(version, flavor);
    let set = this.#ready.get(key);
    if (!set) this.#ready.set(key, set = new IndexSet(this.#readyPos));
    return set;
  }

  #newVersion(slot: number): number {
    let uuid = randomUuid(this.#random);
    while (this.#versionIndex.has(uuid)) uuid = randomUuid(this.#random);
    const index = this.#versions.length;
    this.#versions.push({ uuid, checksum: hex(this.#random, 32), slot });
    this.#versionIndex.set(uuid, index);
    return index;
  }

  #addNode(i: number, deployedShare: number): void {
    let uuid = randomUuid(this.#random);
    while (this.#nodeIndex.has(uuid)) uuid = randomUuid(this.#random);
    this.#nodeUuids[i] = uuid;
    this.#nodeIndex.set(uuid, i);
    this.#flavorOf[i] = i % this.#flavorNames.length;
    if (this.#random.next() < deployedShare) {
      // Without a draw of its own, so that a seed plays the same as before instances were kept.
      this.#instance[i] = this.#current[i % this.#current.length];
      this.#setState(i, DEPLOYED);
    } else this.#idle[this.#flavorOf[i]].add(i);
  }
}
