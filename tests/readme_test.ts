/** The README stays true: its configuration reference and commands match the code. */
import assert from "node:assert/strict";
import type { z } from "zod";
import { BUILTIN_STRATEGIES } from "../plugins/mod.ts";
import { parseTrace } from "../src/domain/trace_reader.ts";
import { describeShape, expectation } from "../src/runtime/option_shape.ts";
import { SECTIONS } from "../src/sections.ts";
import { setup } from "../src/setup.ts";
import { runMain } from "./_run_main.ts";
import { ROOT, tempDir } from "./_helpers.ts";

const readme = await Deno.readTextFile(`${ROOT}README.md`);

/** The rows of the table under the heading for `[section]`, as trimmed cells. */
function documentedRows(section: string): string[][] {
  const after = readme.split(`#### \`[${section}]\`\n`)[1];
  assert.ok(after, `README has no heading for [${section}]`);
  const table = after.trimStart().split("\n\n")[0].split("\n").slice(2);
  return table.map((row) => row.split("|").slice(1, -1).map((cell) => cell.trim()));
}

function expectedRows(schema: z.core.$ZodType): string[][] {
  return Object.entries(describeShape(schema)).map(([option, prop]) => [
    `\`${option}\``,
    expectation(prop).replace(/^an? /, "").replace(/ \(true\/false.*\)$/, ""),
    prop.default === undefined ? "unset" : `\`${prop.default}\``,
    prop.description ?? "",
  ]);
}

Deno.test("README documents every option of every section with its type, default and meaning", () => {
  const sections: [string, z.core.$ZodType][] = Object.entries(SECTIONS);
  for (const plugin of Object.values(BUILTIN_STRATEGIES)) {
    if (plugin.options) sections.push([plugin.section ?? plugin.name, plugin.options]);
  }
  for (const [section, schema] of sections) {
    assert.deepEqual(documentedRows(section), expectedRows(schema), `[${section}]`);
  }
});

Deno.test("README opens with the run and test commands, and .ci/run runs the same test", async () => {
  const firstBlock = readme.split("```sh\n")[1].split("```")[0];
  assert.match(firstBlock, /^deno task start\b/m);
  assert.match(firstBlock, /^deno task test\b/m);
  const ci = await Deno.readTextFile(`${ROOT}.ci/run`);
  assert.match(ci, /deno task test/);
  assert.match(ci, /npm install -g "deno@\$\{DENO_VERSION\}"/);
  assert.match(readme, /npm install -g deno@2\.9\.6/);
});

Deno.test("the bundled config/arsenal.conf is valid and draws no warning", async () => {
  const warnings: string[] = [];
  const ready = await setup(`${ROOT}config/arsenal.conf`, {
    onWarning: (w) => warnings.push(w),
  }).catch((e) => assert.fail(e.message));
  assert.deepEqual(warnings, []);
  assert.equal(ready.strategy.strategy.name, "simple_proportional");
});

/** The `ini` code block that follows `marker` in the README. */
function iniBlockAfter(marker: string): string {
  const after = readme.split(marker)[1];
  assert.ok(after, `README has no "${marker}"`);
  const block = /```ini\n([\s\S]*?)\n\s*```/.exec(after);
  assert.ok(block, `no ini block after "${marker}"`);
  // The block may be indented under a list item.
  const indent = /^ */.exec(block[1])![0].length;
  return block[1].split("\n").map((line) => line.slice(indent)).join("\n") + "\n";
}

Deno.test("README's example in Pointing Arsenal at your cloud passes check-config with no warning", async () => {
  await using dir = await tempDir();
  const config = await dir.write(
    "arsenal.conf",
    iniBlockAfter("## Pointing Arsenal at your cloud"),
  );
  // The example's os_password_file is a path on the operator's machine: point it at a real file.
  const password = await dir.write("password", "s3cret\n");
  const run = await runMain(["check-config", "--config-file", config], {
    env: { ARSENAL_CLIENT_WRAPPER__OS_PASSWORD_FILE: password },
  });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, "");
  for (
    const line of [
      "scout = openstack",
      "dry_run = true",
      "cache_method = annotate",
      "flavor_name_pattern = ^bm\\.",
      "image_visibility = public",
      "os_password = <redacted>",
    ]
  ) {
    assert.ok(run.stdout.split("\n").includes(line), `${line} not in force:\n${run.stdout}`);
  }
});

Deno.test("README's Trace format example is a valid trace, and its bad line's problem is the one quoted", () => {
  const after = readme.split("### Trace format\n")[1];
  assert.ok(after, "README has no Trace format section");
  const example = /```jsonl\n([\s\S]*?)```/.exec(after);
  assert.ok(example, "no jsonl block in Trace format");
  const result = parseTrace(example[1]);
  assert.ok(result.ok, result.ok ? "" : result.problems.join("\n"));
  const quoted = /`(line 3: [^`]*)`/.exec(after);
  assert.ok(quoted, "no quoted problem in Trace format");
  const bad = example[1].split("\n");
  bad[2] = bad[2].replace('"id":"i-1"', '"id":"i-2"');
  const refused = parseTrace(bad.join("\n"));
  assert.deepEqual(refused.ok ? [] : refused.problems, [quoted[1]]);
});
