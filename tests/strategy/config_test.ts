import assert from "node:assert/strict";
import { readConfig } from "../../src/setup.ts";
import { tempDir } from "../_helpers.ts";
import { loadConfig } from "../_config.ts";

Deno.test("readConfig() reads [strategy] plan_timeout in whole seconds, 60 by default", async (t) => {
  assert.equal(readConfig(undefined).config?.strategy.plan_timeout, 60);
  await using dir = await tempDir();
  const { config } = await loadConfig(dir, "[strategy]\nplan_timeout = 5\n");
  assert.equal(config?.strategy.plan_timeout, 5);
  for (const bad of ["0", "1.5", "soon", "3601"]) {
    await t.step(bad, async () => {
      const { problems, file } = await loadConfig(dir, `[strategy]\nplan_timeout = ${bad}\n`);
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.equal(problems[0].where, `${file}:2`);
      assert.equal(problems[0].option, "plan_timeout");
      assert.match(problems[0].expected, /integer/);
    });
  }
});
