import assert from "node:assert/strict";
import { readConfig } from "../../src/setup.ts";
import { simulationSpacings } from "../../src/simulation/simulation.ts";
import { tempDir } from "../_helpers.ts";

Deno.test("simulationSpacings() takes the director's own defaults, not the simulator's quick ones", async () => {
  await using dir = await tempDir();
  const plain = readConfig(await dir.write("a.conf", "[simulator]\nnodes = 10\n")).config!;
  assert.deepEqual(simulationSpacings(plain), { pollSpacing: 120, directiveSpacing: 120 });
  const given = readConfig(
    await dir.write("b.conf", "[director]\npoll_spacing = 30\ndirective_spacing = 45\n"),
  ).config!;
  assert.deepEqual(simulationSpacings(given), { pollSpacing: 30, directiveSpacing: 45 });
  const env = readConfig(undefined, { ARSENAL_DIRECTOR__DIRECTIVE_SPACING: "60" }).config!;
  assert.deepEqual(simulationSpacings(env), { pollSpacing: 120, directiveSpacing: 60 });
});
