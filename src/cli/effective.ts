/**
 * The effective configuration as an operator reads it: every option with its value in force,
 * defaults included, secrets redacted.
 *
 * @module
 */
import { formatIniText } from "../config/ini_file.ts";
import { SECRETS, SECTIONS } from "../sections.ts";
import type { Setup } from "../setup.ts";

/** Shown instead of a secret's value. */
export const REDACTED = "<redacted>";

function entries(
  values: Record<string, unknown>,
  secret: readonly string[],
  skip: readonly string[] = [],
): [string, string][] {
  return Object.entries(values)
    .filter(([key, value]) => value !== undefined && !skip.includes(key))
    .map(([key, value]) => [key, secret.includes(key) ? REDACTED : String(value)]);
}

/** Renders the effective configuration in `arsenal.conf` syntax. */
export function renderEffectiveConfig({ config, strategy, strategyOptions }: Setup): string {
  const module = config.strategyModule.kind === "builtin"
    ? config.strategyModule.name
    : config.strategyModule.path;
  const sections: [string, [string, string][]][] = [];
  for (const name of Object.keys(SECTIONS) as (keyof typeof SECTIONS)[]) {
    const values = config[name] as Record<string, unknown>;
    if (name !== "strategy") {
      sections.push([name, entries(values, SECRETS[name] ?? [])]);
      continue;
    }
    sections.push([name, [
      ["module", module],
      ...entries(values, [], ["module", "module_class", "strategy_class"]),
    ]]);
    // A plugin marks its secret options the way Arsenal does: `meta({ secret: true })`.
    const pluginSecrets = Object.keys(strategy.shape).filter((key) => strategy.shape[key].secret);
    sections.push([
      strategy.section,
      entries(strategyOptions as Record<string, unknown>, pluginSecrets),
    ]);
  }
  const weights = config.imageWeights.byName;
  return formatIniText(sections, [
    `Effective configuration of ${config.file ?? "the built-in defaults"}`,
    `Strategy: ${strategy.strategy.name} ${strategy.strategy.version} (${strategy.module})`,
    `Image weights: ${weights.size} image name(s) listed, others weigh ` +
    `${config.imageWeights.defaultWeight}`,
  ]);
}
