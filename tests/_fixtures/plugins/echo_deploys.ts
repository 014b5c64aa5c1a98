/**
 * A plugin that plans nothing and tells, in its warnings, what it was given to plan from: the
 * fleet's `observedAt`, how many deploys, and the first and last of them.
 *
 * @module
 */
import type { Strategy } from "../../../src/strategy/contract.ts";

export default {
  name: "echo_deploys",
  version: "1.0.0",
  plan(fleet, _options, { deploys }) {
    return {
      directives: [],
      warnings: [
        `observedAt ${fleet.observedAt}`,
        `${deploys.length} deploys`,
        JSON.stringify(deploys.slice(0, 3)),
        JSON.stringify(deploys.at(-1) ?? null),
      ],
    };
  },
} satisfies Strategy;
