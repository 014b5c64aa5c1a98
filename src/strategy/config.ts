/**
 * The strategy's section of `arsenal.conf`, `[strategy]`: which plugin plans, and the image
 * weights every plugin receives. A plugin's own options are in a section of its own. The README's
 * configuration reference mirrors the help text.
 *
 * @module
 */
import { z } from "zod";
import { count, text } from "../config/options.ts";

/** The original's only strategy class, in the spelling `module_class` used. */
export const LEGACY_MODULE_CLASS = "simple_proportional_strategy.SimpleProportionalStrategy";

/** `[strategy]`: which plugin plans, and the image weights every plugin receives. */
export const strategySection = z.object({
  module: text().describe(
    "Strategy plugin: a built-in name (`simple_proportional`), a plugin in `plugin_dir` by " +
      "name, or the path of a plugin file.",
  ),
  plugin_dir: text().describe(
    "Directory of operators' plugins: `module = name` loads `name.ts` (or .js, .mjs, .mts) " +
      "from it when no built-in has that name.",
  ),
  module_class: z.string().default(LEGACY_MODULE_CLASS).describe(
    "Original spelling of the strategy; its default selects the built-in `simple_proportional`.",
  ),
  strategy_class: text().describe(
    "Older original spelling, used with `module`; only `SimpleProportionalStrategy` is known.",
  ),
  image_weights_filename: text().describe(
    "JSON file of image name -> non-negative integer weight. Relative paths are taken from the " +
      "working directory, as the original did.",
  ),
  default_image_weight: count(1).describe("Weight of an image the weights file does not list."),
  // setTimeout and node:vm take at most 2^31 - 1 ms; an hour is already far beyond any cycle.
  plan_timeout: z.number().int().min(1).max(3600).default(60).describe(
    "Seconds a plugin file's plan may take; one that runs over is stopped and its cycle fails. " +
      "Built-in strategies are not timed.",
  ),
});
