import assert from "node:assert/strict";
import { tempDir } from "../_helpers.ts";
import { loadConfig } from "../_config.ts";

Deno.test("readConfig() refuses an API beyond loopback without a token, unless read-only", async () => {
  await using dir = await tempDir();
  const open = await loadConfig(dir, "[api]\nhost = 0.0.0.0\n");
  assert.deepEqual(open.problems.map((p) => [p.where, p.option, p.value]), [[
    `${open.file}:2`,
    "host",
    "0.0.0.0",
  ]]);
  assert.match(open.problems[0].expected, /needs a token .* or read_only = true/);
  assert.deepEqual(
    (await loadConfig(dir, "[api]\nhost = 0.0.0.0\nread_only = true\n")).problems,
    [],
  );
  const token = await loadConfig(dir, "[api]\nhost = ::\n", { ARSENAL_API_TOKEN: "s3cret" });
  assert.deepEqual(token.problems, []);
  assert.equal(token.config?.api.token, "s3cret");
  assert.deepEqual((await loadConfig(dir, "[api]\nhost = localhost\n")).problems, []);
});
