/**
 * A simulation, as `arsenal simulate` runs it: the configured strategy and the real director and
 * loop against the simulated fleet, on a virtual clock, as fast as the CPU allows.
 *
 * The loop is scheduled as `Loop.run()` schedules it (flavors and images polled every
 * `poll_spacing`, a cycle every `directive_spacing`, each jittered as configured), by its public
 * `poll()` and `triggerCycle()`, with the director's own spacings unless the configuration sets
 * them: the simulator's quick ones are for watching `deno task start`, not for judging. Plugin
 * files plan inline, not in a worker: a worker per cycle would cost more than the week it
 * simulates, and a plan's timeout means nothing on simulated time.
 *
 * @module
 */
import type { RawSections } from "../config/ini_file.ts";
import { Director } from "../director/director.ts";
import { type DirectorOptions, directorSection, tunablesOf } from "../director/config.ts";
import type { DirectiveRecord } from "../director/record.ts";
import { DeployHistory } from "../domain/deploy_history.ts";
import type { ImageWeights } from "../domain/image_weights.ts";
import { type Random, seededRandom } from "../domain/random.ts";
import { Loop } from "../loop.ts";
import type { Clock } from "../runtime/clock.ts";
import { RuntimeSettings } from "../runtime/settings.ts";
import type { SimulatorOptions } from "../scout/simulator/config.ts";
import type { SimulationFigures } from "../scout/simulator/simulation_figures.ts";
import { createSimulator } from "../scout/simulator/simulator.ts";
import type { Workload } from "../scout/simulator/workload.ts";
import type { Scout } from "../scout/scout.ts";
import type { LoadedStrategy } from "../strategy/loader.ts";
import { VirtualClock } from "./virtual_clock.ts";

/** Where simulated time starts (2026-01-01T00:00Z): any fixed instant keeps runs identical. */
const START = Date.UTC(2026, 0, 1);
/** Derives the loop's random stream (jitter, each cycle's seed) from the seed, apart from the fleet's. */
const LOOP_STREAM = 0x100b;
const HOUR = 3_600_000;

/** The part of the configuration a simulation reads. */
export interface SimulationConfig {
  readonly director: DirectorOptions;
  readonly simulator: SimulatorOptions;
  readonly imageWeights: ImageWeights;
  readonly raw: RawSections;
}

/** What to simulate. */
export interface SimulationInput {
  readonly config: SimulationConfig;
  readonly strategy: LoadedStrategy;
  readonly strategyOptions: unknown;
  /** The tenants; the fleet is their fleet line. */
  readonly workload: Workload;
  /** Seed of the fleet's and the loop's random choices. */
  readonly seed: number;
  readonly hours: number;
  /** Hours left out of the figures at the start; less than `hours`. */
  readonly warmupHours: number;
  /** Hears the share of simulated time done, from 0 to 1, after each cycle. */
  readonly onProgress?: (done: number) => void;
}

/** Directives issued after the warm-up, by outcome. */
export interface DirectiveCounts {
  /** Cache directives issued. */
  readonly cache: number;
  /** Eject directives issued. */
  readonly eject: number;
  /** Directives that failed. */
  readonly failed: number;
  /** Directives the rate limits held back. */
  readonly rateLimited: number;
}

/** What a simulation gives: the fleet's figures after the warm-up, and the directives. */
export interface SimulationResult {
  readonly figures: SimulationFigures;
  readonly directives: DirectiveCounts;
  readonly cycles: number;
  /** Simulated milliseconds the simulator skipped (a clock step with too many events). */
  readonly skippedMs: number;
}

/** The spacings in seconds a simulation runs with: as configured, else the director's defaults. */
export function simulationSpacings(
  config: Pick<SimulationConfig, "director" | "raw">,
): { pollSpacing: number; directiveSpacing: number } {
  const given = (key: string) => !!config.raw.get("director")?.get(key)?.value.trim();
  const defaults = directorSection.shape;
  return {
    pollSpacing: given("poll_spacing")
      ? config.director.poll_spacing
      : defaults.poll_spacing.parse(undefined),
    directiveSpacing: given("directive_spacing")
      ? config.director.directive_spacing
      : defaults.directive_spacing.parse(undefined),
  };
}

/** The loop and director of a simulation, as `assemble()` builds them for `run`, on `scout`. */
function simulatedLoop(
  input: SimulationInput,
  clock: Clock,
  scout: Scout,
  random: Random,
  deployHistory: DeployHistory,
): Loop {
  const d = input.config.director;
  const { pollSpacing, directiveSpacing } = simulationSpacings(input.config);
  // Every allowed directive is issued: a dry run would simulate nothing.
  const tunables = {
    ...tunablesOf(d, input.strategyOptions),
    dry_run: false,
    directive_spacing: directiveSpacing,
  };
  const settings = new RuntimeSettings(tunables, input.strategy.options);
  return new Loop({
    clock,
    scout,
    // Inline, as a built-in: see the module docs.
    strategy: { ...input.strategy, moduleUrl: undefined },
    director: new Director(scout, clock, settings.current, d.directive_concurrency),
    settings,
    imageWeights: input.config.imageWeights,
    pollSpacing,
    random,
    logStatistics: false,
    // The fleet counts deploys and hits exactly, and tells the history: comparing listings would
    // only cost time.
    watchDeploys: false,
    deployHistory,
  });
}

/** Runs the simulation `input` describes, to its end. */
export async function runSimulation(input: SimulationInput): Promise<SimulationResult> {
  const d = input.config.director;
  const { pollSpacing, directiveSpacing } = simulationSpacings(input.config);
  const clock = new VirtualClock(START);
  // The fleet tells its deploys as they happen: the loop would see them at its next listing.
  const history = new DeployHistory();
  const scout = createSimulator(
    { ...input.config.simulator, seed: input.seed },
    clock,
    input.workload,
    (deploy) => history.append(deploy),
  );
  const random = seededRandom((input.seed ^ LOOP_STREAM) >>> 0);
  const loop = simulatedLoop(input, clock, scout, random, history);
  const end = START + input.hours * HOUR;
  const mark = START + input.warmupHours * HOUR;
  // As `Loop.run()` spaces polls and cycles.
  const jittered = (seconds: number, jitter: number) =>
    seconds * 1000 * (1 + jitter * (2 * random.next() - 1));
  const counts = { cache: 0, eject: 0, failed: 0, rateLimited: 0 };
  let [nextPoll, nextCycle, marked, cycles] = [START, START, mark === START, 0];
  for (;;) {
    const at = Math.min(nextPoll, nextCycle, marked ? Infinity : mark);
    if (at >= end) break;
    clock.set(at);
    if (!marked && at >= mark) {
      scout.markFigures();
      marked = true;
      continue;
    }
    if (clock.now() >= nextPoll) {
      await loop.poll();
      nextPoll = clock.now() + jittered(pollSpacing, d.poll_jitter);
    }
    if (clock.now() >= nextCycle) {
      const started = clock.now();
      const record = await clock.finish(loop.triggerCycle()!);
      if (marked) count(counts, record.directives);
      cycles++;
      nextCycle = started + jittered(directiveSpacing, d.directive_jitter);
      input.onProgress?.((clock.now() - START) / (end - START));
    }
  }
  clock.set(end);
  const figures = scout.figures();
  return { figures, directives: counts, cycles, skippedMs: scout.stats().skippedMs };
}

function count(
  counts: { -readonly [K in keyof DirectiveCounts]: number },
  records: readonly DirectiveRecord[],
) {
  for (const r of records) {
    if (r.outcome === "issued") counts[r.kind]++;
    else if (r.outcome === "failed") counts.failed++;
    else if (r.outcome === "rate_limited") counts.rateLimited++;
  }
}
