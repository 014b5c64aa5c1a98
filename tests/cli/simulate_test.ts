/**
 * `arsenal simulate`, run in-process through `main(args, io)`: the report, its determinism, the
 * trace, the warm-up, and bad input.
 *
 * @module
 */
import assert from "node:assert/strict";
import { serializeTrace, type Trace, type TraceEvent } from "../../src/domain/trace.ts";
import { MAX_EVENTS_PER_ADVANCE } from "../../src/scout/simulator/simulator.ts";
import { type Finished, runMain } from "../_run_main.ts";
import { tempDir } from "../_helpers.ts";

/** A small fleet: one flavor of 20 nodes, two images. */
const SMALL = "[simulator]\nnodes = 20\nflavors = 1\nimages = 2\ndeploys_per_minute = 0.5\n";

function assertExit(run: Finished, code: number): void {
  assert.equal(run.code, code, `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
}

function report(run: Finished) {
  assertExit(run, 0);
  const lines = run.stdout.trimEnd().split("\n");
  assert.equal(lines.length, 1, `expected one line of output:\n${run.stdout}`);
  return JSON.parse(lines[0]);
}

/** A trace: `deploys` deploys of image A on bm.a, one a minute from minute 1, each deleted 30 min on. */
function trace(deploys: number, duration?: number): string {
  const events: TraceEvent[] = [];
  for (let i = 1; i <= deploys; i++) {
    events.push({ t: i, kind: "deploy", id: `i-${i}`, flavor: "bm.a", image: "A" });
  }
  for (let i = 1; i <= deploys; i++) events.push({ t: i + 30, kind: "delete", id: `i-${i}` });
  // Stable: at the same minute, the deploy comes before the delete.
  events.sort((a, b) => a.t - b.t);
  const fleet = { kind: "fleet" as const, flavors: { "bm.a": 10 }, images: ["A", "B"] };
  const full: Trace = {
    fleet: duration === undefined ? fleet : { ...fleet, duration_minutes: duration },
    events,
  };
  return serializeTrace(full);
}

Deno.test("arsenal simulate --json prints one report with every documented field", async () => {
  await using dir = await tempDir();
  const config = await dir.write("arsenal.conf", SMALL);
  const out = report(
    await runMain(["simulate", "--config-file", config, "--hours", "4", "--json"]),
  );
  for (
    const key of [
      "hours",
      "deploys",
      "served",
      "unserved",
      "hits",
      "hitRate",
      "meanCachedNodes",
      "meanAvailableNodes",
      "directives",
      "flavors",
      "images",
    ]
  ) assert.ok(key in out, `no ${key} in ${JSON.stringify(out)}`);
  assert.equal(out.hours, 4);
  assert.deepEqual(Object.keys(out.directives).slice(0, 3), ["cache", "eject", "failed"]);
  assert.equal(out.served + out.unserved, out.deploys);
  assert.ok(out.deploys > 60 && out.deploys < 180, `${out.deploys} deploys in 4 h at 0.5/min`);
  assert.ok(out.hits > 0 && out.hits <= out.served);
  assert.equal(out.hitRate, Math.round(out.hits / out.served * 1e4) / 1e4);
  assert.ok(out.directives.cache > 0, "the strategy cached");
  assert.ok(out.meanCachedNodes > 0 && out.meanCachedNodes <= out.meanAvailableNodes);
  assert.deepEqual(out.flavors.map((f: { name: string }) => f.name), ["baremetal-small"]);
  for (const key of ["name", "deploys", "hits", "hitRate", "meanCachedNodes"]) {
    assert.ok(key in out.flavors[0], `no ${key} in flavors[0]`);
  }
  assert.deepEqual(out.images.map((i: { name: string }) => i.name), ["Ubuntu 24.04", "Debian 12"]);
  for (const key of ["name", "deploys", "hits", "hitRate"]) {
    assert.ok(key in out.images[0], `no ${key} in images[0]`);
  }
});

Deno.test("arsenal simulate gives a byte-identical report for the same config and seed", async () => {
  await using dir = await tempDir();
  const config = await dir.write("arsenal.conf", SMALL);
  const args = ["simulate", "--config-file", config, "--hours", "3"];
  const first = await runMain([...args, "--json"]);
  assert.equal((await runMain([...args, "--json"])).stdout, first.stdout);
  const seeded = await runMain([...args, "--json", "--seed", "9"]);
  assert.notEqual(seeded.stdout, first.stdout, "--seed changes the run");
  const table = await runMain(args);
  assertExit(table, 0);
  assert.equal((await runMain(args)).stdout, table.stdout);
  assert.match(table.stdout, /hit rate/i);
  assert.match(table.stdout, /baremetal-small/);
});

Deno.test("arsenal simulate --trace replays the trace's fleet and events, for its length by default", async () => {
  await using dir = await tempDir();
  const file = await dir.write("week.jsonl", trace(50, 120));
  const out = report(await runMain(["simulate", "--trace", file, "--json"]));
  assert.equal(out.hours, 2);
  // Served: minutes 1 to 10 (ten nodes), then 32 to 41 (freed by the deletes at 31 to 40, which
  // clean for 20 s); the deletes of unserved deploys free nothing.
  assert.deepEqual([out.deploys, out.served, out.unserved], [50, 20, 30]);
  assert.deepEqual(out.flavors.map((f: { name: string }) => f.name), ["bm.a"]);
  assert.deepEqual(out.images.map((i: { deploys: number }) => i.deploys), [50, 0]);
  const short = report(await runMain(["simulate", "--trace", file, "--json", "--hours", "0.5"]));
  assert.equal(short.deploys, 30, "deploys from minute 1 to 30, the end included");
});

Deno.test("arsenal simulate --warmup-hours leaves the first hours out of the figures", async () => {
  await using dir = await tempDir();
  const file = await dir.write("t.jsonl", trace(50, 120));
  const out = report(
    await runMain(["simulate", "--trace", file, "--json", "--warmup-hours", "0.5"]),
  );
  // Deploys at minutes 31 to 50: the one at minute 30, at the mark, belongs to the warm-up.
  assert.equal(out.deploys, 20);
});

Deno.test("arsenal simulate rejects bad input with exit 2, a message and no stack trace", async () => {
  await using dir = await tempDir();
  const bad = await dir.write("bad.jsonl", '{"kind":"fleet","flavors":{},"images":["A"]}\n');
  const empty = await dir.write(
    "empty.jsonl",
    '{"kind":"fleet","flavors":{"a":1},"images":["A"]}\n',
  );
  const good = await dir.write("good.jsonl", trace(5, 60));
  const config = await dir.write("bad.conf", "[simulator]\nnodes = 0\n");
  const cases: [string[], RegExp][] = [
    [["--trace", `${dir.path}/missing.jsonl`], /missing\.jsonl.*\n.*cannot read the trace/],
    [["--trace", bad], /line 1: flavors: expected at least one flavor/],
    [["--trace", empty], /--hours/],
    [["--hours", "0"], /--hours: expected a positive number of hours, got "0"/],
    [["--hours", "-1"], /--hours/],
    [["--hours", "abc"], /--hours/],
    [["--warmup-hours", "x"], /--warmup-hours/],
    [
      ["--trace", good, "--warmup-hours", "1"],
      /--warmup-hours: expected less than the 1 simulated hours/,
    ],
    [["--hours", "2", "--warmup-hours", "3"], /--warmup-hours/],
    [["--seed", "-3"], /--seed/],
    [["--config-file", config], /Invalid configuration \(1 problem\):\n.*nodes/],
    [["--config-file", `${dir.path}/none.conf`], /none\.conf/],
  ];
  for (const [args, message] of cases) {
    const run = await runMain(["simulate", ...args]);
    assertExit(run, 2);
    assert.match(run.stderr, message, args.join(" "));
    assert.doesNotMatch(run.stderr, /^\s+at /m);
    assert.equal(run.stdout, "");
  }
});

Deno.test("arsenal simulate logs no cycle: standard output holds the report only", async () => {
  await using dir = await tempDir();
  const config = await dir.write("arsenal.conf", SMALL);
  const run = await runMain(["simulate", "--config-file", config, "--hours", "2", "--json"]);
  report(run);
  assert.doesNotMatch(run.stderr, /Cycle done/);
});

Deno.test("arsenal simulate runs a plugin file's strategy, planning inline", async () => {
  await using dir = await tempDir();
  const plugin = new URL("../_fixtures/plugins/fixed_share.ts", import.meta.url).pathname;
  const config = await dir.write("arsenal.conf", `[strategy]\nmodule = ${plugin}\n${SMALL}`);
  const out = report(
    await runMain(["simulate", "--config-file", config, "--hours", "1", "--json"]),
  );
  assert.deepEqual(out.strategy, { name: "fixed_share", version: "2.1.0" });
  assert.ok(out.directives.cache > 0, "the plugin's plans were issued");
});

Deno.test("arsenal simulate warns on standard error when the fleet had to skip time", async () => {
  await using dir = await tempDir();
  const update = '{"t":1,"kind":"image_update","image":"A"}\n';
  const file = await dir.write(
    "burst.jsonl",
    '{"kind":"fleet","flavors":{"a":5},"images":["A"],"duration_minutes":10}\n' +
      update.repeat(MAX_EVENTS_PER_ADVANCE + 10),
  );
  const run = await runMain(["simulate", "--trace", file, "--json"]);
  report(run);
  assert.match(run.stderr, /stood still for \d+ s: more than 100000 events/);
});

Deno.test("arsenal simulate waits out a slow simulated API on simulated time", async () => {
  await using dir = await tempDir();
  const config = await dir.write("arsenal.conf", `${SMALL}issue_seconds = 30\n`);
  const out = report(
    await runMain(["simulate", "--config-file", config, "--hours", "1", "--json"]),
  );
  assert.ok(out.directives.cache > 0);
});
