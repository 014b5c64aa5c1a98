/**
 * The simulator's section of `arsenal.conf`, `[simulator]`: the synthetic fleet and how its
 * tenants behave, and the director's spacings it runs with unless they are set. The README's
 * configuration reference mirrors its help text.
 *
 * @module
 */
import { z } from "zod";
import type { RawOption } from "../../config/ini_file.ts";
import { MAX_SEED } from "../../domain/random.ts";

/** `[simulator]`: the synthetic fleet and how its tenants behave. */
export const simulatorSection = z.object({
  nodes: z.number().int().min(1).max(10_000_000).default(200).describe(
    "Number of simulated bare-metal nodes.",
  ),
  flavors: z.number().int().min(1).max(1000).default(4).describe(
    "Number of flavors; nodes are spread evenly over them.",
  ),
  images: z.number().int().min(1).max(1000).default(6).describe(
    "Number of images; the n-th most popular is deployed with weight 1/n.",
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
    "Mean minutes between replacing one image with a new version (new UUID); 0 never does.",
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
