/**
 * The `simulator` scout: a simulated Ironic fleet on simulated time, so Arsenal can be watched at
 * work, and judged (`arsenal simulate`), with no cloud at all.
 *
 * The tenants are a {@linkcode Workload}: a time-ordered stream of deploys, deletes and image
 * updates, synthetic (`[simulator]`) or from a trace. The fleet serves them: its nodes are the
 * workload's fleet line, each deploy lands on an idle node of its flavor as `[simulator]
 * scheduler` says (none idle: unserved, and its delete is ignored), a delete sends the node to
 * cleaning, and an image update makes a new version of the image (new UUID and checksum), which
 * leaves the old version's cached nodes stale. A deploy onto a node holding the wanted version,
 * ready, is a cache hit. The fleet's random choices (UUIDs, placement, simulated failures) come
 * from its own stream, apart from the workload's, so the same events and seed play the same
 * whoever wrote the events. Deploys at minute 0 are the instances running at the start: placed,
 * not counted.
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
import type { ObservedDeploy } from "../../domain/deploy_history.ts";
import type { Directive } from "../../domain/directive.ts";
import type { Flavor, Image, Node } from "../../domain/fleet.ts";
import { type Random, seededRandom } from "../../domain/random.ts";
import type { SimulatorStats } from "../../domain/simulator_stats.ts";
import type { TraceEvent } from "../../domain/trace.ts";
import { ISSUED, type IssueResult, type Scout } from "../scout.ts";
import { type SimulatorInput, type SimulatorOptions, simulatorSection } from "./config.ts";
import { EventQueue } from "./event_queue.ts";
import { IndexSet } from "./index_set.ts";
import { FigureKeeper, type SimulationFigures } from "./simulation_figures.ts";
import { syntheticWorkload } from "./synthetic_workload.ts";
import type { Workload } from "./workload.ts";

/** Most events one call plays; beyond it, the rest of a clock jump is skipped. */
export const MAX_EVENTS_PER_ADVANCE = 100_000;

/** A scout over a simulated fleet, with the tenants' statistics. */
export interface SimulatorScout extends Scout {
  /** Always `simulator`. */
  readonly name: "simulator";
  /** Counts so far, after playing the simulation up to now. */
  stats(): SimulatorStats;
  /** Starts the figures afresh at the simulated now (the end of a warm-up). */
  markFigures(): void;
  /** The figures from the mark (or the start) to the simulated now. */
  figures(): SimulationFigures;
}

/**
 * Creates a simulated fleet that starts at `clock.now()`, serving `workload` (by default the
 * synthetic tenants of `options`). Options not given take their defaults. `onDeploy` hears each
 * served deploy after the start, as a loop would observe it (a simulation's deploy history).
 *
 * @throws {RangeError} when an option is out of range
 */
export function createSimulator(
  options: SimulatorInput,
  clock: Clock,
  workload?: Workload,
  onDeploy?: (deploy: ObservedDeploy) => void,
): SimulatorScout {
  const parsed = simulatorSection.safeParse(options);
  if (!parsed.success) {
    throw new RangeError(`Invalid simulator options: ${z.prettifyError(parsed.error)}`);
  }
  return new Simulator(parsed.data, clock, workload ?? syntheticWorkload(parsed.data), onDeploy);
}

/** Node states. Deployed and cleaning nodes are provisioned; the others are available. */
const AVAILABLE = 0, DEPLOYED = 1, CLEANING = 2, CACHING = 3, CACHED = 4;
const STATE_NAMES = ["available", "deployed", "cleaning", "caching", "cached"];
/** Per state: 1 when the node counts as cached or caching, as available. */
const CACHED_LEVEL = [0, 0, 0, 1, 1];
const AVAILABLE_LEVEL = [1, 0, 0, 1, 1];

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

/** One version of a listed image. */
interface Version {
  readonly uuid: string;
  readonly checksum: string;
  /** Index of the image (in the workload's fleet line) this is a version of. */
  readonly slot: number;
}

class Simulator implements SimulatorScout {
  readonly name = "simulator";
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #workload: Workload;
  readonly #failureRate: number;
  readonly #preferCached: boolean;
  readonly #cacheMs: number;
  readonly #cleanMs: number;
  readonly #issueMs: number;

  /** When the simulation started: workload minute 0. */
  readonly #start: number;
  /** Simulated now; the clock is ahead of it by `#lag` after skipped jumps. */
  #now: number;
  #lag = 0;
  readonly #queue = new EventQueue();

  readonly #flavorNames: string[];
  readonly #flavorIndex: Map<string, number>;
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
  /** The node of each running instance, by its workload id. */
  readonly #instances = new Map<string, number>();

  readonly #imageNames: string[];
  readonly #imageIndex: Map<string, number>;
  /** Current version of each image. */
  readonly #current: number[] = [];
  readonly #versions: Version[] = [];
  readonly #versionIndex = new Map<string, number>();

  readonly #onDeploy: ((deploy: ObservedDeploy) => void) | undefined;
  #deploys = 0;
  #hits = 0;
  #unserved = 0;
  #refreshes = 0;
  #skipped = 0;
  readonly #deploysBy: number[];
  readonly #hitsBy: number[];
  readonly #figures: FigureKeeper;

  constructor(
    options: SimulatorOptions,
    clock: Clock,
    workload: Workload,
    onDeploy?: (deploy: ObservedDeploy) => void,
  ) {
    this.#onDeploy = onDeploy;
    this.#clock = clock;
    this.#start = this.#now = clock.now();
    this.#random = seededRandom(options.seed);
    this.#workload = workload;
    this.#failureRate = options.failure_rate;
    this.#issueMs = options.issue_seconds * 1000;
    this.#preferCached = options.scheduler === "prefer_cached";
    this.#cacheMs = options.cache_seconds * 1000;
    this.#cleanMs = options.clean_seconds * 1000;

    const { flavors, images } = workload.fleet;
    this.#flavorNames = Object.keys(flavors);
    this.#flavorIndex = new Map(this.#flavorNames.map((name, i) => [name, i]));
    const counts = this.#flavorNames.map((name) => flavors[name]);
    this.#imageNames = [...images];
    this.#imageIndex = new Map(this.#imageNames.map((name, i) => [name, i]));
    for (let i = 0; i < this.#imageNames.length; i++) this.#current.push(this.#newVersion(i));
    this.#deploysBy = this.#imageNames.map(() => 0);
    this.#hitsBy = this.#imageNames.map(() => 0);

    const n = counts.reduce((a, b) => a + b, 0);
    this.#nodeUuids = new Array(n);
    this.#flavorOf = new Int32Array(n);
    this.#state = new Uint8Array(n);
    this.#image = new Int32Array(n).fill(-1);
    this.#instance = new Int32Array(n).fill(-1);
    this.#epoch = new Uint32Array(n);
    this.#idlePos = new Int32Array(n).fill(-1);
    this.#readyPos = new Int32Array(n).fill(-1);
    this.#idle = this.#flavorNames.map(() => new IndexSet(this.#idlePos));
    for (let f = 0, i = 0; f < counts.length; f++) {
      for (let k = 0; k < counts[f]; k++) this.#addNode(i++, f);
    }
    this.#figures = new FigureKeeper(this.#flavorNames, counts, this.#imageNames, this.#now);
    // The instances running at the start, placed but not counted.
    while (workload.peek() <= 0) this.#play(workload.next(), false);
  }

  retrieveNodes(signal: AbortSignal): Promise<Node[]> {
    return this.#run(signal, () => {
      const nodes: Node[] = new Array(this.#state.length);
      for (let i = 0; i < nodes.length; i++) nodes[i] = this.#node(i);
      return nodes;
    });
  }

  /**
   * Node `i` as listed. Each shape is one literal, never spread or extended afterwards: a listing
   * is thousands of these every cycle, and such objects are the quickest to make and to read.
   */
  #node(i: number): Node {
    const state = this.#state[i];
    const image = this.#image[i];
    const instance = this.#instance[i];
    const uuid = this.#nodeUuids[i];
    const flavor = this.#flavorNames[this.#flavorOf[i]];
    const provisioned = state === DEPLOYED || state === CLEANING;
    const cached = image >= 0;
    const cachedImageUuid = cached ? this.#versions[image].uuid : "";
    const phase = state === DEPLOYED ? "active" : state === CLEANING ? "cleaning" : "available";
    if (instance >= 0) {
      const instanceImage = this.#versions[instance].uuid;
      return { uuid, flavor, provisioned, cached, cachedImageUuid, phase, instanceImage };
    }
    if (state === CACHING) {
      return { uuid, flavor, provisioned, cached, cachedImageUuid, phase, cacheReady: false };
    }
    return { uuid, flavor, provisioned, cached, cachedImageUuid, phase };
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
        this.#image[node] = version;
        this.#setState(node, CACHING);
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

  markFigures(): void {
    this.#advance();
    this.#figures.mark(this.#now);
  }

  figures(): SimulationFigures {
    this.#advance();
    return this.#figures.figures(this.#now);
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
    const workload = this.#workload;
    for (let budget = MAX_EVENTS_PER_ADVANCE;; budget--) {
      const next = this.#start + workload.peek() * 60_000;
      const at = Math.min(next, this.#queue.nextAt);
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
      } else this.#play(workload.next(), true);
    }
    // The clock may have been set back; simulated time never is.
    this.#now = Math.max(this.#now, target);
  }

  /** Plays a workload event; `counted` is false for the instances running at the start. */
  #play(event: TraceEvent, counted: boolean): void {
    switch (event.kind) {
      case "deploy":
        return this.#deploy(event.id, event.flavor, event.image, counted);
      case "delete": {
        const node = this.#instances.get(event.id);
        // An unserved deploy has no node: its delete is nothing.
        if (node === undefined) return;
        this.#instances.delete(event.id);
        this.#instance[node] = -1;
        return this.#setState(node, CLEANING);
      }
      case "image_update": {
        const slot = this.#imageIndex.get(event.image);
        if (slot === undefined) return;
        this.#current[slot] = this.#newVersion(slot);
        if (counted) this.#refreshes++;
        return;
      }
    }
  }

  /** A timed state ends: cleaning or caching finishes. */
  #complete(node: number): void {
    switch (this.#state[node]) {
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

  /** A tenant deploys `image` onto an idle node of `flavor`, placed as the scheduler does. */
  #deploy(id: string, flavorName: string, imageName: string, counted: boolean): void {
    const flavor = this.#flavorIndex.get(flavorName);
    const slot = this.#imageIndex.get(imageName);
    if (flavor === undefined || slot === undefined) return;
    const wanted = this.#current[slot];
    const idle = this.#idle[flavor];
    if (idle.size === 0) {
      if (counted) {
        this.#unserved++;
        this.#figures.deploy(flavor, slot, false, false);
      }
      return;
    }
    const ready = this.#preferCached ? this.#ready.get(this.#readyKey(wanted, flavor)) : undefined;
    const node = ready && ready.size > 0 ? ready.pick(this.#random) : idle.pick(this.#random);
    const hit = this.#state[node] === CACHED && this.#image[node] === wanted;
    if (counted) {
      this.#deploys++;
      this.#deploysBy[slot]++;
      if (hit) {
        this.#hits++;
        this.#hitsBy[slot]++;
      }
      this.#figures.deploy(flavor, slot, true, hit);
      this.#onDeploy?.({ at: this.#now, flavor: flavorName, image: imageName, hit });
    }
    this.#release(node);
    this.#instance[node] = wanted;
    this.#instances.set(id, node);
    this.#setState(node, DEPLOYED);
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
    const before = this.#state[node];
    this.#state[node] = state;
    const cached = CACHED_LEVEL[state] - CACHED_LEVEL[before];
    const available = AVAILABLE_LEVEL[state] - AVAILABLE_LEVEL[before];
    if (cached !== 0 || available !== 0) {
      this.#figures.change(this.#flavorOf[node], this.#now, cached, available);
    }
    const epoch = ++this.#epoch[node];
    const delay = state === CLEANING ? this.#cleanMs : state === CACHING ? this.#cacheMs : -1;
    if (delay >= 0) this.#queue.push(this.#now + delay, node, epoch);
  }

  #failed(): boolean {
    return this.#failureRate > 0 && this.#random.next() < this.#failureRate;
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

  #addNode(i: number, flavor: number): void {
    let uuid = randomUuid(this.#random);
    while (this.#nodeIndex.has(uuid)) uuid = randomUuid(this.#random);
    this.#nodeUuids[i] = uuid;
    this.#nodeIndex.set(uuid, i);
    this.#flavorOf[i] = flavor;
    this.#idle[flavor].add(i);
  }
}
