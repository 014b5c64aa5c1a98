/** What commands write to: standard output, whose reader may go away first. */
import assert from "node:assert/strict";
import { syntheticFleet } from "../_fixtures/synthetic_fleet.ts";
import { ROOT, tempDir } from "../_helpers.ts";

Deno.test("processIo().write() stops quietly when the reader of standard output has gone (plan | head)", async () => {
  await using dir = await tempDir();
  // Far more directives than a pipe holds, so a write meets the closed pipe.
  const fleet = syntheticFleet({ nodes: 20_000, flavors: 2, images: 4, provisioned: 0 });
  const snapshot = await dir.write("fleet.json", JSON.stringify(fleet));
  const config = await dir.write(
    "arsenal.conf",
    "[simple_proportional_strategy]\npercentage_to_cache = 1\n",
  );
  const stderr = `${dir.path}/stderr.txt`;
  const plan = [Deno.execPath(), "run", "--allow-read", "--allow-env", `${ROOT}main.ts`, "plan"]
    .map((word) => `'${word}'`).join(" ");
  const { stdout } = await new Deno.Command("bash", {
    args: [
      "-c",
      `${plan} --snapshot '${snapshot}' --config-file '${config}' 2>'${stderr}' | head -c 1 ` +
      `>/dev/null; echo "\${PIPESTATUS[0]}"`,
    ],
    env: { NO_COLOR: "1" },
  }).output();
  assert.equal(await Deno.readTextFile(stderr), "");
  assert.equal(new TextDecoder().decode(stdout).trim(), "0");
});
