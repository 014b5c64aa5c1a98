/**
 * The director's section of `arsenal.conf`, `[director]`: the loop's scout, pacing, rate limits
 * and dry run. The README's configuration reference mirrors its help text.
 *
 * @module
 */
import { z } from "zod";
import { count, seconds } from "../config/options.ts";
import { tunableFields as tunable, type Tunables } from "../runtime/settings.ts";
import { SCOUTS } from "../scout/names.ts";
import { SIMULATOR_SPACINGS } from "../scout/simulator/config.ts";

const jitter = () => z.number().min(0).max(0.5).default(0);

/** `[director]`: the loop's scout, pacing, rate limits and dry run. */
export const directorSection = z.object({
  scout: z.enum(SCOUTS).default("simulator").describe(
    "Where the fleet comes from: `openstack` (Ironic, Nova, Glance), `standalone` (Ironic only; " +
      "images from `[standalone] images`) or `simulator`. The original's names select " +
      "`openstack` with their filters: `devstack_scout.DevstackScout`, " +
      "`onmetal_scout.OnMetalScout`, `openstack_scout.OpenstackScout`.",
  ),
  poll_spacing: seconds(120).describe(
    `Seconds between polls of flavor and image data (${SIMULATOR_SPACINGS.poll_spacing} with the ` +
      "simulator).",
  ),
  directive_spacing: tunable.directive_spacing.default(120).describe(
    "Seconds between the starts of cycles that issue directives " +
      `(${SIMULATOR_SPACINGS.directive_spacing} with the simulator).`,
  ),
  poll_jitter: jitter().describe(
    "Spread of the poll spacing, as a share of it: 0.1 waits 90% to 110%.",
  ),
  directive_jitter: jitter().describe("Spread of the directive spacing, as a share of it."),
  directive_concurrency: z.number().int().min(1).max(256).default(8).describe(
    "Directives in flight at once.",
  ),
  shutdown_grace_period: count(30).describe(
    "Seconds in-flight directives may take to finish when Arsenal stops.",
  ),
  dry_run: tunable.dry_run.default(false).describe("Plan and log, but issue no directive."),
  cache_directive_rate_limit: tunable.cache_directive_rate_limit.default(0).describe(
    "Cache directives allowed per limiting period; 0 means unlimited.",
  ),
  cache_directive_limiting_period: tunable.cache_directive_limiting_period.default(300).describe(
    "Length in seconds of the cache rate-limit period.",
  ),
  eject_directive_rate_limit: tunable.eject_directive_rate_limit.default(0).describe(
    "Eject directives allowed per limiting period; 0 means unlimited.",
  ),
  eject_directive_limiting_period: tunable.eject_directive_limiting_period.default(300).describe(
    "Length in seconds of the eject rate-limit period.",
  ),
  log_statistics: z.boolean().default(true).describe(
    "Log per-flavor and per-image statistics every cycle.",
  ),
  deploy_log: z.string().min(1).optional().describe(
    "File to append every observed deploy and delete to, as a deploy trace (see Observed " +
      "deploys); reopened on SIGHUP; read back at start into the deploy history.",
  ),
});

/** `[director]`, parsed. */
export type DirectorOptions = z.infer<typeof directorSection>;

/** The runtime settings' starting values: `[director]`'s, and the strategy's parsed options. */
export function tunablesOf(director: DirectorOptions, strategyOptions: unknown): Tunables {
  return {
    dry_run: director.dry_run,
    paused: false,
    cache_directive_rate_limit: director.cache_directive_rate_limit,
    cache_directive_limiting_period: director.cache_directive_limiting_period,
    eject_directive_rate_limit: director.eject_directive_rate_limit,
    eject_directive_limiting_period: director.eject_directive_limiting_period,
    directive_spacing: director.directive_spacing,
    strategy: strategyOptions as Record<string, unknown>,
  };
}
