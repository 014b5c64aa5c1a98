/**
 * The director loop: the one place where scout, strategy and director meet.
 *
 * Flavors and images are polled every `poll_spacing` seconds (first at start). Every
 * `directive_spacing` seconds a cycle reads the nodes, hands the fleet to the strategy, and has the
 * director rate-limit and issue the directives. Cycles never overlap. Time comes from the injected
 * clock only.
 *
 * Each node listing is compared with the one before (`DeployWatch`): the deploys and deletes seen
 * go to the observer, the last deploys are kept for `GET /v1/deploys`, and the deploys of the
 * last days in the deploy history every plan is given (`PlanContext.deploys`). The history lives
 * as long as the loop: a reload reconfigures the loop and keeps it.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { type Director, type StopSignals } from "./director/director.ts";
import { DeployWatch } from "./director/deploy_watch.ts";
import { fleetFigures } from "./director/figures.ts";
import { type RecentDeploy, RecentDeploys } from "./director/recent_deploys.ts";
import type { CycleRecord, FlavorFigures, ImageFigures } from "./director/record.ts";
import type { FleetEvent } from "./domain/deploy_event.ts";
import { DeployHistory } from "./domain/deploy_history.ts";
import type { Flavor, FleetState, Image, Node } from "./domain/fleet.ts";
import type { ImageWeights } from "./domain/image_weights.ts";
import { type Random, seededRandom } from "./domain/random.ts";
import { MAX_SEED } from "./domain/seed.ts";
import type { Clock } from "./runtime/clock.ts";
import { Heartbeat } from "./runtime/heartbeat.ts";
import { PlanError, type PlanFailure } from "./runtime/errors.ts";
import type { RuntimeSettings } from "./runtime/settings.ts";
import type { Scout, ScoutSource } from "./scout/scout.ts";
import type { LoadedStrategy } from "./strategy/loader.ts";
import { planWith } from "./strategy/plan_with.ts";
import type { CheckedPlan } from "./strategy/run.ts";

const log = getLogger(["arsenal", "loop"]);

/** A health verdict, with the reason when it is negative. */
export interface Health {
  readonly ok: boolean;
  readonly reason?: string;
}

/** The director loop, as the API sees it. */
export interface Controller {
  /** False when nothing happened within a bound of the spacing (and any announced wait). */
  liveness(): Health;
  /** True once the fleet was scouted, while the node listing keeps succeeding. */
  readiness(): Health;
  /** The last finished cycle, if any. */
  lastCycle(): CycleRecord | undefined;
  /** Runs a cycle now and resolves with its record; undefined when a cycle is already running. */
  triggerCycle(): Promise<CycleRecord> | undefined;
  /** The most recent observed deploys, newest first (bounded). */
  recentDeploys(): readonly RecentDeploy[];
}

/** Who hears what the loop does (the metrics, in practice). */
export interface LoopObserver {
  observeCycle(record: CycleRecord): void;
  observeScout(source: ScoutSource, seconds: number, ok: boolean): void;
  /** A plan failed: it timed out, the plugin's code threw, or the plan was invalid. */
  observePlanFailure?(failure: PlanFailure): void;
  /**
   * Deploys and deletes seen between the last node listing and the one before, with the images
   * the scout lists (to name them) and the listing's nodes. Called after every successful listing
   * that saw any.
   */
  observeEvents?(
    events: readonly FleetEvent[],
    images: readonly Image[],
    nodes: readonly Node[],
  ): void;
}

/** Everything the loop works with. */
export interface LoopOptions {
  readonly clock: Clock;
  readonly scout: Scout;
  readonly strategy: LoadedStrategy;
  readonly director: Director;
  readonly settings: RuntimeSettings;
  readonly imageWeights: ImageWeights;
  /** Seconds a plugin file's plan may take (`[strategy] plan_timeout`); 60 by default. */
  readonly planTimeout?: number;
  /** Seconds between polls of flavors and images. */
  readonly pollSpacing: number;
  /** Spread of the poll spacing, as a share of it: 0.1 waits 90% to 110%. */
  readonly pollJitter?: number;
  /** Spread of the directive spacing, as a share of it. */
  readonly directiveJitter?: number;
  /** Log per-flavor and per-image statistics every cycle. */
  readonly logStatistics?: boolean;
  /**
   * Compare each node listing with the one before, for deploys (default true). A simulation,
   * whose fleet counts its deploys exactly, spares the cost.
   */
  readonly watchDeploys?: boolean;
  /** Source of jitter and of each cycle's seed. */
  readonly random?: Random;
  /** Hears each cycle, scout call and failed plan (the metrics). */
  readonly observer?: LoopObserver;
  /** `stop` ends scheduling and the starting of directives; `abort` cuts calls in flight. */
  readonly signals?: StopSignals;
  /** Signs of life, shared with the scout's upstream clients (by default the loop's own only). */
  readonly heartbeat?: Heartbeat;
  /** The deploy history to add to and plan from (read back from a deploy log); empty by default. */
  readonly deployHistory?: DeployHistory;
}

/**
 * What a configuration reload may change. The director stays (its rate limiters must outlive a
 * reload); it takes the new scout and `directiveConcurrency` between cycles.
 */
export type Reconfigurable =
  & Pick<
    LoopOptions,
    | "scout"
    | "strategy"
    | "imageWeights"
    | "planTimeout"
    | "pollSpacing"
    | "pollJitter"
    | "directiveJitter"
    | "logStatistics"
  >
  & { readonly directiveConcurrency: number };

/**
 * Liveness fails when nothing happened for this many directive spacings (and at least 60 s),
 * beyond a wait announced upstream.
 */
const LIVENESS_SPACINGS = 3;
/** Readiness fails when no node listing succeeded for this many spacings. */
const READINESS_SPACINGS = 3;
/** Seconds a plugin file's plan may take unless `planTimeout` says otherwise. */
const DEFAULT_PLAN_TIMEOUT = 60;
/** Why a cycle that met a stop ended early. */
const STOPPING = "Arsenal is stopping";

const NEVER: StopSignals = {
  stop: new AbortController().signal,
  abort: new AbortController().signal,
};

/** The loop, and the {@linkcode Controller} the API reads it through. */
export class Loop implements Controller {
  #o: LoopOptions;
  /** Options waiting for the running cycle to end (a configuration reload). */
  #pending: Partial<Reconfigurable> | undefined;
  /** Poll at the next tick, not at the scheduled time (the scout changed). */
  #pollNow = false;
  readonly #random: Random;
  readonly #signals: StopSignals;
  #flavors: Flavor[] | undefined;
  #images: Image[] | undefined;
  #lastCycle: CycleRecord | undefined;
  #running: Promise<CycleRecord> | undefined;
  /** When each source was last tried, and last retrieved. */
  readonly #tried = new Map<ScoutSource, number>();
  readonly #retrieved = new Map<ScoutSource, number>();
  /** Signs of life: a scheduler tick, a scout answer, a directive settled, upstream activity. */
  readonly #heartbeat: Heartbeat;
  /** The last scheduled cycle's start and the next one's, while {@linkcode run} runs. */
  #cycleTick: number | undefined;
  #nextCycle = 0;
  /** Wakes the scheduler's sleep: the next cycle moved. */
  #wake = new AbortController();
  readonly #watch = new DeployWatch();
  readonly #recent = new RecentDeploys();
  readonly #history: DeployHistory;

  constructor(options: LoopOptions) {
    this.#o = options;
    this.#random = options.random ?? seededRandom(crypto.getRandomValues(new Uint32Array(1))[0]);
    this.#signals = options.signals ?? NEVER;
    this.#heartbeat = options.heartbeat ?? new Heartbeat(options.clock);
    this.#history = options.deployHistory ?? new DeployHistory();
    options.settings.onChange(({ setting }) => {
      if (setting === "directive_spacing") this.#reschedule();
    });
  }

  liveness(): Health {
    const bound = Math.max(LIVENESS_SPACINGS * this.#o.settings.current.directive_spacing, 60);
    const { last, quietUntil } = this.#heartbeat;
    // A wait announced upstream (a Retry-After, an attempt's timeout) is progress, not a wedge.
    const limit = bound + (quietUntil - last) / 1000;
    const quiet = (this.#o.clock.now() - last) / 1000;
    if (quiet <= limit) return { ok: true };
    const [q, l] = [quiet, limit].map(Math.round);
    return { ok: false, reason: `no progress for ${q} s (limit ${l} s)` };
  }

  /**
   * Follows the node listing, which every cycle needs: Nova and Glance answering does not make a
   * fleet whose nodes cannot be listed ready.
   */
  readiness(): Health {
    const listed = this.#retrieved.get("nodes");
    if (listed === undefined || !this.#flavors || !this.#images) {
      return { ok: false, reason: "the fleet has not been scouted successfully yet" };
    }
    const spacing = Math.max(this.#o.pollSpacing, this.#o.settings.current.directive_spacing);
    const bound = READINESS_SPACINGS * spacing;
    const age = (this.#o.clock.now() - listed) / 1000;
    // No listing since the last good one (paused): nothing says the nodes cannot be listed.
    const triedSince = this.#tried.get("nodes")! > listed;
    if (age <= bound || !triedSince) return { ok: true };
    return {
      ok: false,
      reason: `last successful node listing was ${Math.round(age)} s ago (limit ${bound} s)`,
    };
  }

  lastCycle(): CycleRecord | undefined {
    return this.#lastCycle;
  }

  triggerCycle(): Promise<CycleRecord> | undefined {
    return this.#running ? undefined : this.#cycle("manual");
  }

  recentDeploys(): readonly RecentDeploy[] {
    return this.#recent.list();
  }

  /** The deploy history plans are given: this loop's own, kept across reloads. */
  get deployHistory(): DeployHistory {
    return this.#history;
  }

  /** Compares a listing with the one before; keeps and reports what happened in between. */
  #observeListing(nodes: readonly Node[]): void {
    const events = this.#watch.observe(nodes, this.#o.clock.now());
    if (events.length === 0) return;
    const images = this.#images ?? [];
    const names = new Map(images.map((i) => [i.uuid, i.name]));
    for (const event of events) {
      if (event.kind !== "deploy") continue;
      const name = names.get(event.image) ?? "";
      this.#recent.add(event, name);
      const { at, flavor, image, hit } = event;
      this.#history.append({ at, flavor, image: name || image, hit });
    }
    this.#o.observer?.observeEvents?.(events, images, nodes);
  }

  /**
   * Takes new parts between cycles: at once when no cycle runs, else when the running one ends.
   * A new scout is polled at the next tick.
   */
  reconfigure(parts: Partial<Reconfigurable>): void {
    this.#pending = { ...this.#pending, ...parts };
    if (!this.#running) this.#applyPending();
  }

  #applyPending(): void {
    const parts = this.#pending;
    if (!parts) return;
    this.#pending = undefined;
    if (parts.scout && parts.scout !== this.#o.scout) this.#pollNow = true;
    const { directiveConcurrency: concurrency, ...options } = parts;
    this.#o.director.reconfigure({ scout: parts.scout, concurrency });
    this.#o = { ...this.#o, ...options };
  }

  /** Polls, runs one cycle, and returns its record (`arsenal run --once`). */
  async runOnce(): Promise<CycleRecord> {
    await this.poll();
    return await this.#cycle("once");
  }

  /** Schedules polls and cycles until `signals.stop` aborts; then waits for a running cycle. */
  async run(): Promise<void> {
    const { clock, settings } = this.#o;
    const { stop } = this.#signals;
    let nextPoll = clock.now();
    this.#nextCycle = clock.now();
    while (!stop.aborted) {
      this.#heartbeat.beat();
      if (clock.now() >= nextPoll || this.#pollNow) {
        this.#pollNow = false;
        await this.poll();
        nextPoll = clock.now() + this.#jittered(this.#o.pollSpacing, this.#o.pollJitter);
      }
      if (!stop.aborted && clock.now() >= this.#nextCycle) {
        const started = clock.now();
        this.#cycleTick = started;
        if (settings.current.paused) log.debug("Paused: no cycle");
        else if (this.#running) log.debug("A cycle is already running; skipping this one");
        else await this.#cycle("schedule");
        const spacing = settings.current.directive_spacing;
        this.#nextCycle = started + this.#jittered(spacing, this.#o.directiveJitter);
      }
      const wait = Math.max(0, Math.min(nextPoll, this.#nextCycle) - clock.now());
      this.#wake = new AbortController();
      await clock.sleep(wait, AbortSignal.any([stop, this.#wake.signal])).catch(() => {});
    }
    this.#cycleTick = undefined;
    await this.#running;
  }

  /**
   * Moves the next cycle to the last one's start plus the spacing in force (now, if that is past),
   * so that a shorter spacing does not wait out the longer one.
   */
  #reschedule(): void {
    if (this.#cycleTick === undefined) return;
    const spacing = this.#o.settings.current.directive_spacing;
    this.#nextCycle = this.#cycleTick + this.#jittered(spacing, this.#o.directiveJitter);
    this.#wake.abort();
  }

  /** Polls flavors and images; on failure the previous data stays. True when both succeeded. */
  async poll(): Promise<boolean> {
    const { scout } = this.#o;
    const [flavors, images] = await Promise.all([
      this.#scouted("flavors", () => scout.retrieveFlavors(this.#signals.abort)),
      this.#scouted("images", () => scout.retrieveImages(this.#signals.abort)),
    ]);
    if (flavors) this.#flavors = flavors;
    if (images) this.#images = images;
    return flavors !== undefined && images !== undefined;
  }

  #jittered(seconds: number, jitter = 0): number {
    return seconds * 1000 * (1 + jitter * (2 * this.#random.next() - 1));
  }

  async #scouted<T>(source: ScoutSource, call: () => Promise<T>): Promise<T | undefined> {
    const { clock, observer, scout } = this.#o;
    const started = clock.now();
    this.#tried.set(source, started);
    try {
      const result = await call();
      observer?.observeScout(source, (clock.now() - started) / 1000, true);
      this.#heartbeat.beat();
      this.#retrieved.set(source, clock.now());
      return result;
    } catch (e) {
      observer?.observeScout(source, (clock.now() - started) / 1000, false);
      log.error("Scout {scout} failed to retrieve {source}: {error}", {
        scout: scout.name,
        source,
        error: (e as Error)?.message ?? String(e),
      });
      return undefined;
    }
  }

  /**
   * Lets the scout finish what earlier cycles left half-way (ejects cut short by a crash or a
   * shutdown) before planning. Dry run or not: it only completes what a live run started.
   */
  async #resume(): Promise<void> {
    const { scout } = this.#o;
    if (!scout.resume) return;
    try {
      await scout.resume(this.#signals.abort);
    } catch (e) {
      log.error("Scout {scout} failed to resume unfinished work: {error}", {
        scout: scout.name,
        error: (e as Error)?.message ?? String(e),
      });
    }
    this.#heartbeat.beat();
  }

  #cycle(trigger: CycleRecord["trigger"]): Promise<CycleRecord> {
    const running = this.#plan(trigger).finally(() => {
      this.#running = undefined;
      this.#applyPending();
    });
    this.#running = running;
    return running;
  }

  async #plan(trigger: CycleRecord["trigger"]): Promise<CycleRecord> {
    const { clock, settings, strategy, director } = this.#o;
    const tunables = settings.current;
    const seed = this.#random.int(MAX_SEED + 1);
    const startedAt = clock.now();
    const finish = (
      outcome: CycleRecord["outcome"],
      rest: Partial<
        Pick<
          CycleRecord,
          "reason" | "directives" | "flavors" | "images" | "deploys" | "explain"
        >
      > = {},
    ) =>
      this.#finish({
        startedAt,
        finishedAt: clock.now(),
        outcome,
        trigger,
        strategy: { name: strategy.strategy.name, version: strategy.strategy.version },
        seed,
        dryRun: tunables.dry_run,
        directives: [],
        flavors: [],
        images: [],
        ...rest,
      });

    const nodes = await this.#scouted(
      "nodes",
      () => this.#o.scout.retrieveNodes(this.#signals.abort),
    );
    if (!nodes) return finish("failed", { reason: "the scout failed to retrieve nodes" });
    if (this.#o.watchDeploys !== false) this.#observeListing(nodes);
    await this.#resume();
    const missing = [
      nodes.length === 0 && "nodes",
      !this.#flavors?.length && "flavors",
      !this.#images?.length && "images",
    ].filter(Boolean);
    if (missing.length > 0) {
      const reason = `probable scouting error: no ${missing.join(", no ")}`;
      log.error("Skipping the cycle: {reason}", { reason });
      return finish("skipped", { reason });
    }
    if (this.#signals.stop.aborted) return finish("skipped", { reason: STOPPING });
    const fleet: FleetState = {
      observedAt: startedAt,
      nodes,
      flavors: this.#flavors!,
      images: this.#images!,
    };
    this.#history.expire(startedAt);
    const deploys = this.#history.deploys.length;
    const plan = await this.#planned(strategy, fleet, tunables.strategy, seed);
    if (this.#signals.stop.aborted) return finish("skipped", { reason: STOPPING });
    if (typeof plan === "string") return finish("failed", { reason: plan, deploys });
    for (const warning of plan.warnings) log.warn("{warning}", { warning });
    const figures = fleetFigures(fleet, plan.targets);
    if (this.#o.logStatistics) logStatistics(figures.flavors, figures.images);
    const directives = await director.apply(
      plan.directives,
      tunables,
      this.#signals,
      () => this.#heartbeat.beat(),
    );
    const { explain } = plan;
    return finish("success", { directives, ...figures, deploys, ...(explain ? { explain } : {}) });
  }

  /** The checked plan, or why there is none. A stop abandons the plan (and its worker). */
  async #planned(
    strategy: LoadedStrategy,
    fleet: FleetState,
    options: unknown,
    seed: number,
  ): Promise<CheckedPlan | string> {
    const { clock, imageWeights, planTimeout = DEFAULT_PLAN_TIMEOUT } = this.#o;
    // A plan may take up to its timeout by design: that is not a wedged loop.
    this.#heartbeat.beat(planTimeout * 1000);
    try {
      const deploys = this.#history.deploys;
      return await planWith(strategy, { fleet, options, seed, imageWeights, deploys }, {
        clock,
        timeout: planTimeout,
        signal: this.#signals.stop,
      });
    } catch (e) {
      if (this.#signals.stop.aborted) return STOPPING;
      if (e instanceof PlanError) this.#o.observer?.observePlanFailure?.(e.failure);
      log.error("{error}", { error: (e as Error).message });
      return (e as Error).message;
    }
  }

  #finish(record: CycleRecord): CycleRecord {
    this.#lastCycle = record;
    this.#heartbeat.beat();
    this.#o.observer?.observeCycle(record);
    const ms = record.finishedAt - record.startedAt;
    if (record.outcome === "success") {
      log.info("Cycle done in {ms} ms: {count} directive(s){dry}, seed {seed}", {
        ms,
        count: record.directives.length,
        dry: record.dryRun ? " (dry run)" : "",
        seed: record.seed,
      });
    }
    return record;
  }
}

/** Logs the statistics the original logged each cycle. */
function logStatistics(flavors: readonly FlavorFigures[], images: readonly ImageFigures[]): void {
  for (const f of flavors) {
    const records = f.cacheRecords;
    log.info(
      "Flavor {flavor}: {provisioned} provisioned, {available} available, {cached} cached, target {target}{more}",
      {
        ...f,
        target: f.target ?? "-",
        more: records
          ? `; ${f.notCacheable} not cacheable (no live agent); records: ${records.caching} ` +
            `caching, ${records.cached} cached, ${records.failed} failed, ${records.lost} lost`
          : "",
      },
    );
  }
  for (const image of images) {
    if (image.cached > 0) {
      log.info("Image {name} ({uuid}): {cached} cached node(s)", { ...image });
    }
  }
}
