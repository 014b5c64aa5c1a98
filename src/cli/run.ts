/**
 * `arsenal run` (the default command): the director loop beside the control API.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { createApi } from "../api/app.ts";
import { serveApi } from "../api/server.ts";
import type { Config } from "../config/load.ts";
import { Director } from "../director/director.ts";
import { seededRandom } from "../domain/random.ts";
import { Loop } from "../loop.ts";
import { type Clock, systemClock } from "../runtime/clock.ts";
import { ConfigError, formatProblem, MAX_LISTED_PROBLEMS } from "../runtime/errors.ts";
import { Heartbeat } from "../runtime/heartbeat.ts";
import { configureLogging } from "../runtime/log.ts";
import { Metrics, type MetricsOptions } from "../runtime/metrics.ts";
import { RuntimeSettings, type Tunables } from "../runtime/settings.ts";
import { type OpenStackObserver, OpenStackScout } from "../scout/openstack/openstack_scout.ts";
import type { Scout } from "../scout/scout.ts";
import { createSimulator } from "../scout/simulator/simulator.ts";
import { setup } from "../setup.ts";
import type { LoadedStrategy } from "../strategy/loader.ts";
import { VERSION } from "../version.ts";
import { type Command, EXIT } from "./args.ts";
import type { CommandIo } from "./io.ts";

const log = getLogger(["arsenal", "run"]);

/** The runtime settings' starting values, from the configuration. */
function tunablesOf(config: Config, strategyOptions: unknown): Tunables {
  const d = config.director;
  return {
    dry_run: d.dry_run,
    paused: false,
    cache_directive_rate_limit: d.cache_directive_rate_limit,
    cache_directive_limiting_period: d.cache_directive_limiting_period,
    eject_directive_rate_limit: d.eject_directive_rate_limit,
    eject_directive_limiting_period: d.eject_directive_limiting_period,
    directive_spacing: d.directive_spacing,
    strategy: strategyOptions as Record<string, unknown>,
  };
}

/** What `arsenal_build_info` shows for a configuration and its strategy. */
function buildInfoOf(config: Config, loaded: LoadedStrategy): MetricsOptions {
  const { name, version } = loaded.strategy;
  return {
    version: VERSION,
    strategy: { name, version },
    scout: config.openstack ? config.director.scout : "simulator",
  };
}

/**
 * What the OpenStack scout reports to: metrics count every upstream attempt; the heartbeat hears
 * each one, and each wait announced, so that `/livez` takes waiting on a live upstream as progress.
 */
function upstreamObserver(metrics: Metrics, heartbeat: Heartbeat): OpenStackObserver {
  return {
    observeUpstream(service, method, status, seconds) {
      metrics.observeUpstream(service, method, status, seconds);
      heartbeat.beat();
    },
    observeWait: (_service, ms) => heartbeat.beat(ms),
    observeUnidentified: (count) => metrics.observeUnidentified(count),
  };
}

/** The scout the configuration selects. */
function createScout(config: Config, clock: Clock, metrics: Metrics, heartbeat: Heartbeat): Scout {
  if (config.openstack) {
    return new OpenStackScout(config.openstack, {
      clock,
      // Seeded from crypto: Arsenals that failed together spread their retries differently.
      random: seededRandom(crypto.getRandomValues(new Uint32Array(1))[0]),
      observer: upstreamObserver(metrics, heartbeat),
    });
  }
  const given = config.raw.get("director")?.get("scout");
  if (config.file && !given?.value.trim()) {
    log.warn("No [director] scout is set in {file}: running the simulator", { file: config.file });
  }
  const simulator = createSimulator(config.simulator, clock);
  metrics.trackSimulator(() => simulator.stats());
  return simulator;
}

/** The scout-related part of a configuration: when it changes, a reload builds a new scout. */
function scoutKey(config: Config): string {
  return JSON.stringify(
    [config.director.scout, config.openstack, config.simulator],
    (_, v) => v instanceof RegExp ? String(v) : v,
  );
}

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

/**
 * SIGHUP: reads the configuration again. A valid one replaces the running one between cycles (the
 * settings, strategy, weights, spacings, and the scout if its part changed); an invalid one is
 * refused with its problems logged, and the running one stays. Both are counted in
 * `arsenal_config_reloads_total`.
 */
function reloader(o: {
  command: Extract<Command, { name: "run" }>;
  io: CommandIo;
  ready: Awaited<ReturnType<typeof setup>>;
  clock: Clock;
  settings: RuntimeSettings;
  metrics: Metrics;
  heartbeat: Heartbeat;
  scout: Scout;
}) {
  let current = o.ready;
  let scout = o.scout;
  let loop: Loop | undefined;
  let busy = false;
  const file = o.command.configFile;

  const reload = async () => {
    if (busy || !loop) return;
    busy = true;
    try {
      if (!file) {
        log.warn("SIGHUP: there is no configuration file to reload (running on defaults)");
        return;
      }
      let next;
      try {
        next = await setup(file, { env: o.io.env });
      } catch (e) {
        o.metrics.countReload("failed");
        logRefusal(file, e);
        return;
      }
      const { config } = next;
      const api = ["host", "port", "token", "read_only"] as const;
      const changed = api.filter((k) => config.api[k] !== current.config.api[k]);
      if (changed.length > 0) {
        log.warn("[api] {options} changed: the control API keeps its settings until a restart", {
          options: changed.join(", "),
        });
      }
      if (scoutKey(config) !== scoutKey(current.config)) {
        scout = createScout(config, o.clock, o.metrics, o.heartbeat);
        log.info("The scout's configuration changed: now {scout}", { scout: scout.name });
      }
      o.settings.reconfigure(
        tunablesOf(config, next.strategyOptions),
        next.strategy.options,
        "reload",
      );
      const d = config.director;
      loop.reconfigure({
        scout,
        strategy: next.strategy,
        directiveConcurrency: d.directive_concurrency,
        imageWeights: config.imageWeights,
        planTimeout: config.strategy.plan_timeout,
        pollSpacing: d.poll_spacing,
        pollJitter: d.poll_jitter,
        directiveJitter: d.directive_jitter,
        logStatistics: d.log_statistics,
      });
      current = next;
      o.metrics.setBuildInfo(buildInfoOf(config, next.strategy));
      o.metrics.countReload("success");
      log.info("Reloaded {file}: strategy {strategy} {version}", {
        file,
        strategy: next.strategy.strategy.name,
        version: next.strategy.strategy.version,
      });
    } finally {
      busy = false;
    }
  };
  const onSignal = () => void reload();
  return {
    attach(running: Loop) {
      loop = running;
      Deno.addSignalListener("SIGHUP", onSignal);
    },
    detach() {
      if (!loop) return;
      loop = undefined;
      Deno.removeSignalListener("SIGHUP", onSignal);
    },
    config: () => current.config,
  };
}

/**
 * Runs until `shutdown` aborts (or one cycle with `--once`) and returns the exit status.
 *
 * @throws {ConfigError} for an invalid configuration
 */
export async function runCommand(
  command: Extract<Command, { name: "run" }>,
  io: CommandIo,
  shutdown: AbortSignal,
): Promise<number> {
  const ready = await setup(command.configFile, { env: io.env });
  const { config, strategy } = ready;
  if (config.DEFAULT.debug || config.DEFAULT.log_file) {
    const file = command.logFile ?? config.DEFAULT.log_file;
    await configureLogging({
      level: command.debug || config.DEFAULT.debug ? "debug" : "info",
      format: command.logFormat,
      file,
    }).catch((e) => {
      throw new ConfigError([{
        where: config.raw.get("DEFAULT")?.get("log_file")?.where ?? config.file ?? "(defaults)",
        section: "DEFAULT",
        option: "log_file",
        value: file,
        expected: `cannot open the log file: ${(e as Error).message}`,
      }]);
    });
  }
  const clock = systemClock;
  const settings = new RuntimeSettings(tunablesOf(config, ready.strategyOptions), strategy.options);
  const metrics = new Metrics(buildInfoOf(config, strategy));
  const heartbeat = new Heartbeat(clock);
  const scout = createScout(config, clock, metrics, heartbeat);
  metrics.setToggles(settings.current);
  settings.onChange((change) => {
    log.info("Runtime setting {setting} changed from {from} to {to}{why}", {
      ...change,
      why: change.reason ? ` (reason: ${change.reason})` : "",
    });
    metrics.countChange(change);
    metrics.setToggles(settings.current);
  });

  const reload = reloader({ command, io, ready, clock, settings, metrics, heartbeat, scout });

  const stop = new AbortController();
  const abort = new AbortController();
  const loop = new Loop({
    clock,
    scout,
    strategy,
    director: new Director(scout, clock, settings.current, config.director.directive_concurrency),
    settings,
    imageWeights: config.imageWeights,
    planTimeout: config.strategy.plan_timeout,
    pollSpacing: config.director.poll_spacing,
    pollJitter: config.director.poll_jitter,
    directiveJitter: config.director.directive_jitter,
    logStatistics: config.director.log_statistics,
    observer: metrics,
    heartbeat,
    signals: { stop: stop.signal, abort: abort.signal },
  });

  reload.attach(loop);

  if (command.once) {
    reload.detach();
    const record = await loop.runOnce();
    await io.write(JSON.stringify(record) + "\n");
    const failed = record.directives.some((d) => d.outcome === "failed");
    return record.outcome === "success" && !failed ? EXIT.ok : EXIT.failed;
  }

  const { host, port, token, read_only: readOnly } = config.api;
  let server;
  try {
    server = await serveApi(createApi({ controller: loop, settings, metrics, token, readOnly }), {
      hostname: host,
      port,
    });
  } catch (e) {
    log.error("The control API cannot listen on {host} port {port}: {error}", {
      host,
      port,
      error: (e as Error).message,
    });
    return EXIT.failed;
  }
  log.info("Control API listening on {url}{mode}", {
    url: server.url,
    mode: readOnly ? " (read-only)" : token ? " (token required to change things)" : "",
  });
  log.info("Arsenal {version}: scout {scout}, strategy {strategy} {strategyVersion}{dry}", {
    version: VERSION,
    scout: scout.name,
    strategy: strategy.strategy.name,
    strategyVersion: strategy.strategy.version,
    dry: settings.current.dry_run ? ", dry run" : "",
  });

  const onShutdown = () => {
    stop.abort();
    reload.detach();
    const grace = reload.config().director.shutdown_grace_period;
    log.info("Stopping: no new cycles; in-flight directives have {grace} s to finish", { grace });
    const timer = setTimeout(
      () => abort.abort(new Error("the shutdown grace period is over")),
      grace * 1000,
    );
    Deno.unrefTimer(timer);
  };
  if (shutdown.aborted) onShutdown();
  else shutdown.addEventListener("abort", onShutdown, { once: true });

  await loop.run();
  reload.detach();
  await server.shutdown();
  log.info("Stopped");
  return EXIT.ok;
}
