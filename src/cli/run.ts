/**
 * `arsenal run` (the default command): the director loop beside the control API.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { type Agent, assemble } from "../agent.ts";
import { createApi } from "../api/app.ts";
import { serveApi } from "../api/server.ts";
import { systemClock } from "../runtime/clock.ts";
import { logWarning } from "../config/log_warning.ts";
import { type Setup, setup } from "../setup.ts";
import { VERSION } from "../version.ts";
import { type Command, EXIT } from "./args.ts";
import type { CommandIo } from "./io.ts";
import { startLogging } from "./start_logging.ts";

const log = getLogger(["arsenal", "run"]);

/**
 * How long after the control API starts serving the metrics load (unless a scrape loads them
 * first): prom-client takes about 25 ms to load, which the first cycle and the first probes do not
 * wait for.
 */
const METRICS_LOAD_DELAY_MS = 1_000;

type RunCommand = Extract<Command, { name: "run" }>;

/**
 * Reads the configuration, then configures logging from the command line and the configuration
 * (once), then logs the configuration's warnings. An unusable configuration still gets its
 * warnings logged, under the command line's logging.
 *
 * @throws {ConfigError} for an invalid configuration, or a `[DEFAULT] log_file` that cannot be opened
 * @throws {UsageError} when `--log-file` cannot be opened
 */
async function load(command: RunCommand, io: CommandIo): Promise<Setup> {
  const warnings: string[] = [];
  let ready: Setup | undefined;
  let failure: unknown;
  try {
    ready = await setup(command.configFile, { env: io.env, onWarning: (w) => warnings.push(w) });
    await startLogging(command, ready.config);
  } catch (e) {
    failure = e;
    await startLogging(command);
  }
  warnings.forEach(logWarning);
  if (failure !== undefined) throw failure;
  return ready!;
}

/** Serves the control API as `[api]` says at start; undefined (logged) when it cannot listen. */
async function serve(agent: Agent) {
  const { host, port, token, read_only: readOnly } = agent.setup.config.api;
  const { loop: controller, settings, metrics } = agent;
  try {
    const api = createApi({ controller, settings, metrics, token, readOnly });
    const server = await serveApi(api, { hostname: host, port });
    log.info("Control API listening on {url}{mode}", {
      url: server.url,
      mode: readOnly ? " (read-only)" : token ? " (token required to change things)" : "",
    });
    return server;
  } catch (e) {
    log.error("The control API cannot listen on {host} port {port}: {error}", {
      host,
      port,
      error: (e as Error).message,
    });
    return undefined;
  }
}

/** `--once`: one cycle, its record on standard output; 1 when it or a directive failed. */
async function runOnce(agent: Agent, io: CommandIo): Promise<number> {
  const record = await agent.loop.runOnce();
  await io.write(JSON.stringify(record) + "\n");
  const failed = record.directives.some((d) => d.outcome === "failed");
  return record.outcome === "success" && !failed ? EXIT.ok : EXIT.failed;
}

/**
 * On `shutdown`: `stop` at once (no new cycles), then `abort` (calls in flight are cut) when the
 * grace period of the configuration in force is over.
 */
function stopOn(
  shutdown: AbortSignal,
  agent: Agent,
  stop: AbortController,
  abort: AbortController,
) {
  const onShutdown = () => {
    stop.abort();
    const grace = agent.setup.config.director.shutdown_grace_period;
    log.info("Stopping: no new cycles; in-flight directives have {grace} s to finish", { grace });
    const timer = setTimeout(
      () => abort.abort(new Error("the shutdown grace period is over")),
      grace * 1000,
    );
    Deno.unrefTimer(timer);
  };
  if (shutdown.aborted) onShutdown();
  else shutdown.addEventListener("abort", onShutdown, { once: true });
}

/**
 * Runs until `shutdown` aborts (or one cycle with `--once`) and returns the exit status. SIGHUP
 * reloads the configuration ({@linkcode Agent.reload}) until the agent stops.
 *
 * @throws {ConfigError} for an invalid configuration
 */
export async function runCommand(
  command: RunCommand,
  io: CommandIo,
  shutdown: AbortSignal,
): Promise<number> {
  const ready = await load(command, io);
  const stop = new AbortController();
  const abort = new AbortController();
  const signals = { stop: stop.signal, abort: abort.signal };
  const agent = await assemble(ready, { clock: systemClock, env: io.env, signals });
  if (command.once) return await runOnce(agent, io);

  const onHangup = () => void agent.reload();
  const noReloads = () => Deno.removeSignalListener("SIGHUP", onHangup);
  Deno.addSignalListener("SIGHUP", onHangup);
  stop.signal.addEventListener("abort", noReloads, { once: true });
  let loadMetrics: ReturnType<typeof setTimeout> | undefined;
  try {
    const server = await serve(agent);
    if (!server) return EXIT.failed;
    const timer = setTimeout(() => agent.metrics.load(), METRICS_LOAD_DELAY_MS);
    Deno.unrefTimer(timer);
    loadMetrics = timer;
    const { strategy } = agent.setup.strategy;
    log.info("Arsenal {version}: scout {scout}, strategy {strategy} {strategyVersion}{dry}", {
      version: VERSION,
      scout: agent.scout.name,
      strategy: strategy.name,
      strategyVersion: strategy.version,
      dry: agent.settings.current.dry_run ? ", dry run" : "",
    });
    stopOn(shutdown, agent, stop, abort);
    await agent.loop.run();
    await server.shutdown();
    log.info("Stopped");
    return EXIT.ok;
  } finally {
    noReloads();
    clearTimeout(loadMetrics);
  }
}
