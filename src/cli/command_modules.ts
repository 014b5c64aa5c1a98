/**
 * Each command's module, by command, from the repository's root: `main.ts` imports one when its
 * command runs.
 *
 * `main.ts` computes the specifier rather than writing it as a literal: `deno run` loads, before
 * it starts, every module a literal `import()` names and everything those import (every command's
 * code, hono and prom-client included: about 15 ms of CPU for `version`). So `deno compile`, which
 * embeds only what it can see, is given them by name (`src/build/compile.ts`).
 *
 * @module
 */
export const COMMAND_MODULES = {
  plan: "src/cli/plan.ts",
  simulate: "src/cli/simulate.ts",
  "check-config": "src/cli/check_config.ts",
  healthcheck: "src/cli/healthcheck.ts",
  trace: "src/cli/trace.ts",
  run: "src/cli/run.ts",
} as const;
