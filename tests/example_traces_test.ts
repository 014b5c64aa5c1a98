/**
 * The example traces in config/traces/ stay true: each is what `arsenal trace` writes from the
 * config beside it, with the command that config's header gives.
 *
 * @module
 */
import assert from "node:assert/strict";
import { parseTrace } from "../src/domain/trace_reader.ts";
import { runMain } from "./_run_main.ts";
import { ROOT, tempDir } from "./_helpers.ts";

const TRACES = `${ROOT}config/traces/`;

/** The example traces' names: each has a `.conf` and a `.jsonl`. */
async function exampleNames(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(TRACES)) names.push(entry.name);
  const configs = names.filter((n) => n.endsWith(".conf")).map((n) => n.slice(0, -5)).sort();
  const traces = names.filter((n) => n.endsWith(".jsonl")).map((n) => n.slice(0, -6)).sort();
  assert.deepEqual(traces, configs, "each example trace has its config, and each config its trace");
  return configs;
}

/** The first line where `actual` and `expected` differ, to show instead of two whole files. */
function firstDifference(actual: string, expected: string): string {
  const a = actual.split("\n");
  const e = expected.split("\n");
  const line = a.findIndex((text, i) => text !== e[i]);
  return `line ${line + 1}: got ${a[line]}, committed ${e[line]}`;
}

Deno.test("config/traces/ holds three example traces of a week, each at most 1.5 MB", async () => {
  const names = await exampleNames();
  assert.ok(names.length >= 3, `${names}`);
  for (const name of names) {
    const text = await Deno.readTextFile(`${TRACES}${name}.jsonl`);
    assert.ok(text.length <= 1.5e6, `${name}.jsonl: ${text.length} bytes`);
    const result = parseTrace(text);
    assert.ok(result.ok, result.ok ? "" : `${name}: ${result.problems.join("\n")}`);
    assert.equal(result.trace.fleet.duration_minutes, 168 * 60, name);
    const nodes = Object.values(result.trace.fleet.flavors).reduce((a, b) => a + b);
    assert.ok(nodes >= 300 && nodes <= 2000, `${name}: ${nodes} nodes`);
  }
});

Deno.test("config/traces/: regenerating each example from its config gives it byte for byte", async () => {
  await using dir = await tempDir();
  for (const name of await exampleNames()) {
    const config = await Deno.readTextFile(`${TRACES}${name}.conf`);
    const command = /^#\s+deno task trace (.+)$/m.exec(config);
    assert.ok(command, `${name}.conf gives no "deno task trace" command to regenerate it`);
    const args = command[1].trim().split(/\s+/);
    const output = args.indexOf("--output");
    assert.equal(args[output + 1], `config/traces/${name}.jsonl`, `${name}.conf --output`);
    args[output + 1] = `${dir.path}/${name}.jsonl`;
    const run = await runMain([
      "trace",
      ...args.map((a) => a.startsWith("config/") ? ROOT + a : a),
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, "", `${name}: no warning`);
    const written = await Deno.readTextFile(`${dir.path}/${name}.jsonl`);
    const committed = await Deno.readTextFile(`${TRACES}${name}.jsonl`);
    assert.ok(written === committed, `${name}.jsonl: ${firstDifference(written, committed)}`);
  }
});
