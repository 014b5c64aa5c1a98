/**
 * The built-in strategies, by name. Imported statically, so a compiled binary embeds them and
 * never reads `plugins/` from disk.
 *
 * @module
 */
import type { Strategy } from "../src/strategy/contract.ts";
import demand from "./demand.ts";
import simpleProportional from "./simple_proportional.ts";

/** Built-in strategies, selectable with `[strategy] module = <name>`. */
// deno-lint-ignore no-explicit-any
export const BUILTIN_STRATEGIES: Readonly<Record<string, Strategy<any>>> = {
  [simpleProportional.name]: simpleProportional,
  [demand.name]: demand,
};
