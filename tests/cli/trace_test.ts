/**
 * `arsenal trace`, run in-process through `main(args, io)`: the synthetic trace it writes, and
 * how it refuses bad input.
 *
 * @module
 */
import assert from "node:assert/strict";
import { parseTrace } from "../../src/domain/trace_reader.ts";
import type { Trace } from "../../src/domain/trace.ts";
import { type Finished, runMain } from "../_run_main.ts";
import { tempDir } from "../_helpers.ts";

function assertExit(run: Finished, code: number): void {
  assert.equal(run.code, code, `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
}

/** The trace a successful run printed, read back. */
function printed(run: Finished): Trace {
  assertExit(run, 0);
  const result = parseTrace(run.stdout);
  assert.ok(result.ok, result.ok ? "" : result.problems.join("\n"));
  return result.trace;
}

/** A refusal: exit 2, a message naming `what`, no stack trace, nothing on standard output. */
function assertRefused(run: Finished, ...what: RegExp[]): void {
  assertExit(run, 2);
  assert.equal(run.stdout, "");
  for (const pattern of what) assert.match(run.stderr, pattern);
  assert.doesNotMatch(run.stderr, /^\s+at /m, `stack trace on stderr:\n${run.stderr}`);
}

Deno.test("arsenal trace prints a trace that reads back: the fleet, then H hours of events", async () => {
  const trace = printed(await runMain(["trace", "--hours", "2"]));
  assert.equal(trace.fleet.duration_minutes, 120);
  assert.equal(Object.values(trace.fleet.flavors).reduce((a, b) => a + b), 200);
  const later = trace.events.filter((e) => e.t > 0);
  assert.ok(later.filter((e) => e.kind === "deploy").length > 400, "about 5 deploys a minute");
  assert.ok(later.some((e) => e.kind === "delete") && later.some((e) => e.kind === "image_update"));
  assert.ok(trace.events.at(-1)!.t <= 120 && trace.events.at(-1)!.t > 115);
});

Deno.test("arsenal trace covers 24 hours by default", async () => {
  const trace = printed(await runMain(["trace"]));
  assert.equal(trace.fleet.duration_minutes, 1440);
});

Deno.test("arsenal trace writes the same trace for the same seed, another for another", async () => {
  const first = await runMain(["trace", "--hours", "1", "--seed", "3"]);
  const again = await runMain(["trace", "--hours", "1", "--seed", "3"]);
  const other = await runMain(["trace", "--hours", "1", "--seed", "4"]);
  assertExit(first, 0);
  assert.equal(again.stdout, first.stdout);
  assert.notEqual(other.stdout, first.stdout);
});

Deno.test("arsenal trace takes the fleet and the tenants from [simulator] and the environment", async () => {
  await using dir = await tempDir();
  const config = await dir.write(
    "tenants.conf",
    "[simulator]\nnodes = 30\nflavors = 2\nimages = 3\nseed = 9\nbursts_per_day = 24\n",
  );
  const trace = printed(await runMain(["trace", "--config-file", config, "--hours", "3"]));
  assert.deepEqual(trace.fleet.flavors, { "baremetal-small": 15, "baremetal-medium": 15 });
  assert.equal(trace.fleet.images.length, 3);
  const seeded = await runMain(["trace", "--config-file", config, "--hours", "3", "--seed", "9"]);
  const unseeded = await runMain(["trace", "--config-file", config, "--hours", "3"]);
  assert.equal(seeded.stdout, unseeded.stdout, "--seed 9 is the seed the file gives");
  const overridden = printed(
    await runMain(["trace", "--config-file", config, "--hours", "1"], {
      env: { ARSENAL_SIMULATOR__NODES: "40" },
    }),
  );
  assert.equal(Object.values(overridden.fleet.flavors).reduce((a, b) => a + b), 40);
});

Deno.test("arsenal trace leaves flavors without nodes off the fleet line, so the trace reads back", async () => {
  await using dir = await tempDir();
  const config = await dir.write("tiny.conf", "[simulator]\nnodes = 2\nflavors = 4\n");
  const trace = printed(await runMain(["trace", "--config-file", config, "--hours", "1"]));
  assert.deepEqual(trace.fleet.flavors, { "baremetal-small": 1, "baremetal-medium": 1 });
});

Deno.test("arsenal trace --output writes the trace to a file, and nothing to standard output", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/week.jsonl`;
  await Deno.writeTextFile(file, "an older, longer file that must not show through\n".repeat(999));
  const run = await runMain(["trace", "--hours", "1", "--seed", "5", "--output", file]);
  assertExit(run, 0);
  assert.equal(run.stdout, "");
  const printedToo = await runMain(["trace", "--hours", "1", "--seed", "5"]);
  assert.equal(await Deno.readTextFile(file), printedToo.stdout);
});

Deno.test("arsenal trace refuses a bad --hours, --seed or --output with exit 2 and what was expected", async () => {
  for (const hours of ["0", "-1", "abc", "1e9", ""]) {
    assertRefused(await runMain(["trace", `--hours=${hours}`]), /--hours: expected/, /got "/);
  }
  assertRefused(await runMain(["trace", "--seed", "x"]), /--seed: expected an integer/);
  assertRefused(
    await runMain(["trace", "--hours", "1", "--output", "/nonexistent/dir/trace.jsonl"]),
    /--output: cannot write "\/nonexistent\/dir\/trace.jsonl"/,
  );
  assertRefused(await runMain(["trace", "--once"]), /trace does not take --once/);
});

Deno.test("arsenal trace refuses an invalid [simulator] option, naming file, option and range", async () => {
  await using dir = await tempDir();
  const config = await dir.write("bad.conf", "[simulator]\ndaily_amplitude = 2\n");
  assertRefused(
    await runMain(["trace", "--config-file", config]),
    /bad\.conf/,
    /daily_amplitude/,
    /1/,
  );
});
