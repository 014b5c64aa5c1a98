/**
 * The composition root: {@linkcode assemble} builds the running agent (scout, director, loop,
 * runtime settings, metrics) from a loaded configuration, and {@linkcode Agent.reload} hands a
 * reloaded one to the same pieces. Start and reload derive every part from the configuration
 * through the same functions, so that they cannot drift apart.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { DeployLog } from "./director/deploy_log.ts";
import { readDeployHistory } from "./director/deploy_log_reader.ts";
import { Director, type StopSignals } from "./director/director.ts";
import { type Random, seededRandom } from "./domain/random.ts";
import { Loop, type LoopObserver, type Reconfigurable } from "./loop.ts";
import type { Clock } from "./runtime/clock.ts";
import { ConfigError, formatProblem, MAX_LISTED_PROBLEMS } from "./runtime/errors.ts";
import type { MetricsSource } from "./api/deps.ts";
import { Deferred } from "./runtime/deferred.ts";
import { Heartbeat } from "./runtime/heartbeat.ts";
import type { DirectorMetrics } from "./director/metrics.ts";
import type { Metrics, MetricsOptions } from "./runtime/metrics.ts";
import type { SettingsMetrics } from "./runtime/settings_metrics.ts";
import type { ScoutMetrics } from "./scout/metrics.ts";
import type { UpstreamMetrics } from "./scout/openstack/metrics.ts";
import { RuntimeSettings } from "./runtime/settings.ts";
import { tunablesOf } from "./director/config.ts";
import type { OpenStackObserver } from "./scout/openstack/openstack_scout.ts";
import type { Scout } from "./scout/scout.ts";
import { createSimulator, type SimulatorScout } from "./scout/simulator/simulator.ts";
import { type Config, type Setup, setup as loadSetup } from "./setup.ts";
import { VERSION } from "./version.ts";

const log = getLogger(["arsenal", "run"]);

/** What the agent is built with besides its configuration; a test passes a ManualClock. */
export interface AgentDeps {
  /** The only source of time: the scout's, the director's and the loop's. */
  readonly clock: Clock;
  /** The loop's jitter and each cycle's seed; a random seed by default. */
  readonly random?: Random;
  /** Environment variables a reload reads (`ARSENAL_<SECTION>__<OPTION>` overrides). */
  readonly env?: Readonly<Record<string, string>>;
  /** `stop` ends scheduling and the starting of directives; `abort` cuts calls in flight. */
  readonly signals?: StopSignals;
}

/** What the loop and its director take from a configuration, besides the scout. */
function loopPartsOf({ config, strategy }: Setup): Omit<Reconfigurable, "scout"> {
  const d = config.director;
  return {
    strategy,
    directiveConcurrency: d.directive_concurrency,
    imageWeights: config.imageWeights,
    planTimeout: config.strategy.plan_timeout,
    pollSpacing: d.poll_spacing,
    pollJitter: d.poll_jitter,
    directiveJitter: d.directive_jitter,
    logStatistics: d.log_statistics,
  };
}

/** The scout-related part of a configuration: when it changes, a reload builds a new scout. */
function scoutKey(config: Config): string {
  return JSON.stringify(
    [config.director.scout, config.openstack, config.simulator],
    (_, v) => v instanceof RegExp ? String(v) : v,
  );
}

/** The scout the configuration selects; the OpenStack client (and ky) is loaded only for that one. */
async function createScout(config: Config, clock: Clock, reports: Reports): Promise<Scout> {
  if (config.openstack) {
    const { OpenStackScout } = await import("./scout/openstack/openstack_scout.ts");
    // Retry jitter needs no reproducibility here: tests of it inject their own source.
    const random = seededRandom(crypto.getRandomValues(new Uint32Array(1))[0]);
    return new OpenStackScout(config.openstack, { clock, random, observer: reports.upstream });
  }
  const given = config.raw.get("director")?.get("scout");
  if (config.file && !given?.value.trim()) {
    log.warn("No [director] scout is set in {file}: running the simulator", { file: config.file });
  }
  const simulator = createSimulator(config.simulator, clock);
  reports.simulator(simulator);
  return simulator;
}

/** Where observed events are appended: `[director] deploy_log`'s writer, when set. */
interface DeployLogSlot {
  log?: DeployLog;
}

/**
 * Points `slot` at the file `config` names: a new writer when the path changed; the same one
 * otherwise (a reload has reopened it already).
 */
function switchDeployLog(slot: DeployLogSlot, config: Config, clock: Clock, reports: Reports) {
  const path = config.director.deploy_log;
  if (slot.log && slot.log.path === path) return;
  slot.log?.close();
  slot.log = path === undefined
    ? undefined
    : new DeployLog(path, clock, { onError: () => reports.deployLogError() });
}

/** Logs each runtime setting change with its reason. */
function logChanges(settings: RuntimeSettings): void {
  settings.onChange((change) => {
    log.info("Runtime setting {setting} changed from {from} to {to}{why}", {
      ...change,
      why: change.reason ? ` (reason: ${change.reason})` : "",
    });
  });
}

// Metrics wiring: every place the agent reports to Metrics is in this block, so that a change to
// the shape of Metrics is adapted here only.

/** Where the agent's pieces report what they do. */
interface Reports {
  readonly loop: LoopObserver;
  /** The OpenStack scout's upstream calls; the heartbeat hears them too. */
  readonly upstream: OpenStackObserver;
  simulator(scout: SimulatorScout): void;
  settings(settings: RuntimeSettings): void;
  buildInfo(setup: Setup): void;
  reload(outcome: "success" | "failed"): void;
  deployLogError(): void;
}

/** `arsenal_build_info`'s labels for a configuration and its strategy. */
function buildInfoOf({ config, strategy }: Setup): MetricsOptions {
  const { name, version } = strategy.strategy;
  return {
    version: VERSION,
    strategy: { name, version },
    scout: config.openstack ? config.director.scout : "simulator",
  };
}

/** The agent's metrics and every group on their registry, each built once (a reload reuses them). */
export interface Groups {
  readonly metrics: Metrics;
  readonly director: DirectorMetrics;
  readonly scout: ScoutMetrics;
  readonly upstream: UpstreamMetrics;
  readonly settings: SettingsMetrics;
}

/**
 * Loads prom-client and builds the metrics, with `buildInfo`. prom-client is CommonJS, whose
 * loading took a tenth of `run`'s time to ready: it is imported here, never statically, so that
 * `run` loads it once it serves.
 */
export async function loadGroups(buildInfo: MetricsOptions): Promise<Groups> {
  const [
    { Metrics },
    { DirectorMetrics },
    { ScoutMetrics },
    { UpstreamMetrics },
    { SettingsMetrics },
  ] = await Promise.all([
    import("./runtime/metrics.ts"),
    import("./director/metrics.ts"),
    import("./scout/metrics.ts"),
    import("./scout/openstack/metrics.ts"),
    import("./runtime/settings_metrics.ts"),
  ]);
  const metrics = new Metrics(buildInfo);
  return {
    metrics,
    director: new DirectorMetrics(metrics.registry),
    scout: new ScoutMetrics(metrics.registry),
    upstream: new UpstreamMetrics(metrics.registry),
    settings: new SettingsMetrics(metrics.registry),
  };
}

/** What `/metrics` exposes; prom-client and the metrics load when first rendered or loaded. */
export interface AgentMetrics extends MetricsSource {
  /**
   * Loads prom-client and the metrics, once (rendering does it too); what was reported before
   * shows then. A failure is logged, and the next call tries again.
   */
  load(): Promise<void>;
}

/** The agent's {@linkcode AgentMetrics}: its groups, loaded on demand. */
function exposition(groups: Deferred<Groups>): AgentMetrics {
  let contentType: string | undefined;
  return {
    get contentType() {
      if (contentType === undefined) {
        throw new Error("Cannot tell the metrics' content type: render() them first");
      }
      return contentType;
    },
    async render() {
      const { metrics } = await groups.load();
      contentType = metrics.contentType;
      return await metrics.render();
    },
    load: () =>
      groups.load().then(() => {}, (e) => {
        log.error("Cannot load the metrics: {error}", { error: (e as Error)?.message ?? e });
      }),
  };
}

/**
 * Reports to the metric groups. Until they are loaded ({@linkcode AgentMetrics.load}), what is
 * reported waits, in order, and is applied when they are. The heartbeat hears each upstream
 * attempt, and each wait announced, so that `/livez` takes waiting on a live upstream as progress.
 */
function reportTo(groups: Deferred<Groups>, heartbeat: Heartbeat, deploys: DeployLogSlot): Reports {
  const report = (call: (groups: Groups) => void) => groups.run(call);
  return {
    loop: {
      observeCycle: (record) => report((g) => g.director.observeCycle(record)),
      observePlanFailure: (failure) => report((g) => g.director.observePlanFailure(failure)),
      observeEvents(events, images, nodes) {
        report((g) => g.director.observeEvents(events, images));
        deploys.log?.write(events, images, nodes);
      },
      observeScout: (source, seconds, ok) =>
        report((g) => g.scout.observeScout(source, seconds, ok)),
    },
    upstream: {
      observeUpstream(service, method, status, seconds) {
        report((g) => g.upstream.observeUpstream(service, method, status, seconds));
        heartbeat.beat();
      },
      observeWait: (_service, ms) => heartbeat.beat(ms),
      observeUnidentified: (count) => report((g) => g.scout.observeUnidentified(count)),
      observeResumedEjects: (count) => report((g) => g.scout.observeResumedEjects(count)),
    },
    simulator: (simulator) => report((g) => g.scout.trackSimulator(() => simulator.stats())),
    settings(settings) {
      // Each change is counted as it comes, and the toggles shown are those in force.
      const show = () => report((g) => g.settings.setToggles(settings.current));
      show();
      settings.onChange((change) => {
        report((g) => g.settings.countChange(change));
        show();
      });
    },
    buildInfo: (setup) => report((g) => g.metrics.setBuildInfo(buildInfoOf(setup))),
    reload: (outcome) => report((g) => g.metrics.countReload(outcome)),
    deployLogError: () => report((g) => g.director.countDeployLogError()),
  };
}

// End of the metrics wiring.

/** Logs a refused reload: a line saying so, then one line per problem (log lines are escaped). */
function logRefusal(file: string, error: unknown): void {
  const problems = error instanceof ConfigError ? error.problems : undefined;
  log.error("Reload of {file} refused; the running configuration stays: {error}", {
    file,
    error: problems
      ? `${problems.length} problem${problems.length === 1 ? "" : "s"}`
      : (error as Error)?.message ?? String(error),
  });
  for (const problem of problems?.slice(0, MAX_LISTED_PROBLEMS) ?? []) {
    log.error("Reload problem: {problem}", { problem: formatProblem(problem) });
  }
  if (problems && problems.length > MAX_LISTED_PROBLEMS) {
    log.error("Reload problems: {count} more not shown", {
      count: problems.length - MAX_LISTED_PROBLEMS,
    });
  }
}

/** Warns of `[api]` options a reload changed: the API is served until a restart as it started. */
function warnApiChanges(running: Config, next: Config): void {
  const api = ["host", "port", "token", "read_only"] as const;
  const changed = api.filter((k) => next.api[k] !== running.api[k]);
  if (changed.length > 0) {
    log.warn("[api] {options} changed: the control API keeps its settings until a restart", {
      options: changed.join(", "),
    });
  }
}

/** The pieces {@linkcode assemble} builds. */
interface Parts {
  readonly setup: Setup;
  readonly deps: AgentDeps;
  readonly scout: Scout;
  readonly director: Director;
  readonly loop: Loop;
  readonly settings: RuntimeSettings;
  readonly metrics: AgentMetrics;
  readonly heartbeat: Heartbeat;
  readonly reports: Reports;
  readonly deployLog: DeployLogSlot;
}

/** A running agent: its pieces, and the configuration they follow. Built by {@linkcode assemble}. */
export class Agent {
  /** Issues the plans; it and its rate limiters outlive reloads. */
  readonly director: Director;
  /** The schedule and the cycles; the control API's controller. */
  readonly loop: Loop;
  /** The tunables the API changes and a reload resets. */
  readonly settings: RuntimeSettings;
  /** What `/metrics` exposes; prom-client loads when it is first rendered or loaded. */
  readonly metrics: AgentMetrics;
  /** Signs of life of the loop and of the scout's upstream calls, for `/livez`. */
  readonly heartbeat: Heartbeat;
  #setup: Setup;
  #scout: Scout;
  readonly #deps: AgentDeps;
  readonly #reports: Reports;
  readonly #deployLog: DeployLogSlot;
  #reloading = false;

  /** Use {@linkcode assemble}. */
  constructor(parts: Parts) {
    this.director = parts.director;
    this.loop = parts.loop;
    this.settings = parts.settings;
    this.metrics = parts.metrics;
    this.heartbeat = parts.heartbeat;
    this.#setup = parts.setup;
    this.#scout = parts.scout;
    this.#deps = parts.deps;
    this.#reports = parts.reports;
    this.#deployLog = parts.deployLog;
  }

  /** The deploy log's writer, when `[director] deploy_log` is set. */
  get deployLog(): DeployLog | undefined {
    return this.#deployLog.log;
  }

  /** The configuration in force. */
  get setup(): Setup {
    return this.#setup;
  }

  /** The scout in use; the loop takes a new one between cycles. */
  get scout(): Scout {
    return this.#scout;
  }

  /**
   * Takes a reloaded configuration: the settings, strategy, weights, spacings, and a new scout
   * only if the scout's part changed. The director and its rate limiters stay.
   */
  async reconfigure(next: Setup): Promise<void> {
    warnApiChanges(this.#setup.config, next.config);
    if (scoutKey(next.config) !== scoutKey(this.#setup.config)) {
      this.#scout = await createScout(next.config, this.#deps.clock, this.#reports);
      log.info("The scout's configuration changed: now {scout}", { scout: this.#scout.name });
    }
    this.settings.reconfigure(
      tunablesOf(next.config.director, next.strategyOptions),
      next.strategy.options,
      "reload",
    );
    this.loop.reconfigure({ scout: this.#scout, ...loopPartsOf(next) });
    this.#setup = next;
    switchDeployLog(this.#deployLog, next.config, this.#deps.clock, this.#reports);
    this.#reports.buildInfo(next);
  }

  /**
   * Reads the configuration file again and takes it (SIGHUP). An invalid one is refused with its
   * problems logged, and the running one stays; both are counted. Resolves with whether it took a
   * new configuration (false also without a file, or while a reload is under way).
   */
  async reload(): Promise<boolean> {
    const file = this.#setup.config.file;
    if (this.#reloading) return false;
    // Reopened first, so that a rotated log is let go even when the configuration is refused.
    this.#deployLog.log?.reopen();
    if (!file) {
      log.warn("SIGHUP: there is no configuration file to reload (running on defaults)");
      return false;
    }
    this.#reloading = true;
    try {
      let next;
      try {
        next = await loadSetup(file, { env: this.#deps.env });
      } catch (e) {
        this.#reports.reload("failed");
        logRefusal(file, e);
        return false;
      }
      await this.reconfigure(next);
      this.#reports.reload("success");
      const { name, version } = next.strategy.strategy;
      log.info("Reloaded {file}: strategy {strategy} {version}", { file, strategy: name, version });
      return true;
    } finally {
      this.#reloading = false;
    }
  }
}

/** Builds the agent a loaded configuration describes; {@linkcode Agent.reload} keeps it in step. */
export async function assemble(setup: Setup, deps: AgentDeps): Promise<Agent> {
  const { clock } = deps;
  const settings = new RuntimeSettings(
    tunablesOf(setup.config.director, setup.strategyOptions),
    setup.strategy.options,
  );
  const groups = new Deferred(() => loadGroups(buildInfoOf(setup)));
  const metrics = exposition(groups);
  const heartbeat = new Heartbeat(clock);
  const deployLog: DeployLogSlot = {};
  const reports = reportTo(groups, heartbeat, deployLog);
  switchDeployLog(deployLog, setup.config, clock, reports);
  const scout = await createScout(setup.config, clock, reports);
  logChanges(settings);
  reports.settings(settings);
  const { directiveConcurrency, ...loopParts } = loopPartsOf(setup);
  const director = new Director(scout, clock, settings.current, directiveConcurrency);
  // A restart forgets the deploys seen, unless the deploy log kept them.
  const path = setup.config.director.deploy_log;
  const deployHistory = path === undefined ? undefined : await readDeployHistory(path, clock.now());
  const loop = new Loop({
    ...loopParts,
    clock,
    scout,
    director,
    settings,
    random: deps.random,
    observer: reports.loop,
    heartbeat,
    signals: deps.signals,
    deployHistory,
  });
  const parts = { setup, deps, scout, director, loop, settings, metrics, heartbeat, reports };
  return new Agent({ ...parts, deployLog });
}
