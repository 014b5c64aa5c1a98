/**
 * The simulator's section of `arsenal.conf`, `[simulator]`: the synthetic fleet and how its
 * tenants behave, and the director's spacings it runs with unless they are set. The README's
 * configuration reference mirrors its help text.
 *
 * @module
 */
import { z } from "zod";
import type { RawOption } from "../../config/ini_file.ts";
import { MAX_SEED } from "../../domain/seed.ts";

/** `[simulator]`: the synthetic fleet and how its tenants behave. */
export const simulatorSection = z.object({
  nodes: z.number().int().min(1).max(10_000_000).default(200).describe(
    "Number of simulated bare-metal nodes.",
  ),
  flavors: z.number().int().min(1).max(1000).default(4).describe(
    "Number of flavors; nodes are spread evenly over them.",
  ),
  images: z.number().int().min(1).max(1000).default(6).describe(
    "Number of images; the n-th most popular is deployed with weight 1/n^image_skew.",
  ),
  seed: z.number().int().min(0).max(MAX_SEED).default(1).describe(
    "Seed of every random choice: the same seed and the same clock give the same simulation.",
  ),
  deployed_share: z.number().min(0).max(1).default(0.5).describe(
    "Share of nodes deployed at the start, from 0 to 1.",
  ),
  deploys_per_minute: z.number().min(0).optional().describe(
    "Tenant deploys per simulated minute over the whole fleet. Unset: deployed_share * nodes / " +
      "instance_minutes, which keeps the deployed share steady (5 with the defaults).",
  ),
  instance_minutes: z.number().positive().default(20).describe(
    "Mean lifetime of an instance in minutes (exponentially distributed).",
  ),
  cache_seconds: z.number().min(0).default(10).describe(
    "Seconds it takes to write an image onto a node; a deploy is a cache hit only after that.",
  ),
  clean_seconds: z.number().min(0).default(20).describe(
    "Seconds of cleaning after an eject or an instance delete, before the node is available.",
  ),
  image_refresh_minutes: z.number().min(0).default(15).describe(
    "Mean minutes between replacing one image (chosen uniformly) with a new version of the " +
      "same name (new UUID), staling its caches; 0 never does.",
  ),
  image_skew: z.number().min(0).max(4).default(1).describe(
    "Zipf exponent of image popularity, the rank-n image weighing 1/n^image_skew: 0 deploys " +
      "all alike; with 6 images, 1 (the default) gives the first 41% of deploys, 2 gives it 67%.",
  ),
  image_mix: z.enum(["shared", "per_flavor"]).default("shared").describe(
    "Which image is the n-th most popular: `shared`, the same order on every flavor, or " +
      "`per_flavor`, each flavor its own order drawn from the seed (as when GPU and storage " +
      "tenants run different images). Default shared, the simplest to read in a quick start.",
  ),
  flavor_skew: z.number().min(0).max(4).default(0).describe(
    "Deploys per node differ by flavor: the n-th flavor's weigh 1/n^flavor_skew, and its " +
      "instances live as much shorter, so every flavor stays deployed_share deployed. 0 (the " +
      "default) deploys every flavor alike, as the quick start shows.",
  ),
  daily_amplitude: z.number().min(0).max(1).default(0).describe(
    "Daily rhythm: the deploy rate swings by this share around its mean, highest at peak_hour " +
      "and lowest 12 hours later (at 1, none then). 0 (the default) keeps it flat: a run of " +
      "minutes, as the quick start's, would otherwise see one hour's rate.",
  ),
  peak_hour: z.number().min(0).max(24).default(14).describe(
    "Hour of the simulated day (from the start, in hours modulo 24) when deploys peak, with " +
      "daily_amplitude.",
  ),
  bursts_per_day: z.number().min(0).max(10_000).default(0).describe(
    "Bursts a day, on top of the steady deploys: each is about burst_size deploys of one " +
      "image on one flavor (by the mix at that moment) within burst_minutes, as when a tenant " +
      "scales out. 0 (the default): none, so the quick start's traffic stays steady.",
  ),
  burst_size: z.number().int().min(1).max(10_000).default(30).describe(
    "Mean deploys in a burst (uniform from half to one and a half times this).",
  ),
  burst_minutes: z.number().min(0.1).max(1440).default(10).describe(
    "Minutes over which a burst's deploys arrive (uniformly).",
  ),
  drift_per_day: z.number().min(0).max(10_000).default(0).describe(
    "Popularity drift: times a day that two neighbours in an image order (the shared one, or " +
      "each flavor's) trade places, so rankings wander over days. 0 (the default): fixed, as " +
      "runs of minutes could not show it anyway.",
  ),
  scheduler: z.enum(["random", "prefer_cached"]).default("prefer_cached").describe(
    "Where a deploy lands: `random` available node of the flavor, or `prefer_cached`, a node " +
      "holding the wanted image when there is one (like a cache-aware Nova weigher).",
  ),
  failure_rate: z.number().min(0).max(1).default(0).describe(
    "Share of valid directives that fail anyway with a simulated error, from 0 to 1.",
  ),
  issue_seconds: z.number().min(0).default(0).describe(
    "Seconds the simulated API takes to accept a directive (as a slow Ironic would).",
  ),
});

/** The `[simulator]` section, parsed: every option has its value. */
export type SimulatorOptions = z.infer<typeof simulatorSection>;

/** The `[simulator]` section as given: options left out take their defaults. */
export type SimulatorInput = z.input<typeof simulatorSection>;

/** Spacings the simulator uses unless the configuration sets them: seconds, not minutes. */
export const SIMULATOR_SPACINGS = { poll_spacing: 10, directive_spacing: 5 } as const;

/** The `[director]` options the simulator's spacings replace. */
interface Spacings {
  readonly scout: string;
  readonly poll_spacing: number;
  readonly directive_spacing: number;
}

/**
 * `[director]` with the simulator's spacings, unless the configuration sets them (`raw` is the
 * section as given); unchanged for another scout.
 */
export function simulatorSpacings<D extends Spacings>(
  director: D,
  raw: ReadonlyMap<string, RawOption> | undefined,
): D {
  if (director.scout !== "simulator") return director;
  const given = (key: string) => raw?.get(key)?.value.trim();
  return {
    ...director,
    poll_spacing: given("poll_spacing") ? director.poll_spacing : SIMULATOR_SPACINGS.poll_spacing,
    directive_spacing: given("directive_spacing")
      ? director.directive_spacing
      : SIMULATOR_SPACINGS.directive_spacing,
  };
}
