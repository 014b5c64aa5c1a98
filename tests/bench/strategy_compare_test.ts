/**
 * The strategy comparison of `deno task compare` (issue #13 §3) judges what it claims to: its
 * traces are weeks of the size asked for, the tuned weights are each image's true share of the
 * deploys after the warm-up, its simulations run the strategy and weights they name, and the
 * verdict fails a criterion by a single bad row.
 *
 * @module
 */
import assert from "node:assert/strict";
import { parseTrace } from "../../src/domain/trace_reader.ts";
import { serializeTrace } from "../../src/domain/trace.ts";
import { ROOT, tempDir } from "../_helpers.ts";
import { runMain } from "../_run_main.ts";
import { compareStrategies, contenderConfig } from "./compare/runs.ts";
import { generatedTraceSources, loadTrace, tunedWeights } from "./compare/traces.ts";
import { judge, type Row } from "./compare/verdict.ts";

/** A row of the given hit rate (in points) and mean cached nodes. */
function row(
  trace: string,
  placement: Row["placement"],
  strategy: Row["strategy"],
  points: number,
  meanCachedNodes = 100,
): Row {
  return {
    trace,
    placement,
    strategy,
    deploys: 1000,
    served: 1000,
    hits: points * 10,
    hitRate: points / 100,
    meanCachedNodes,
    directives: 500,
    directivesPerDeploy: 0.5,
    seconds: 1,
  };
}

/** Six traces where demand clears every bar: +10 over equal weights, +2 over tuned ones. */
function passingRows(): Row[] {
  const rows: Row[] = [];
  for (const trace of ["a", "b", "c", "d", "e", "f"]) {
    rows.push(row(trace, "prefer_cached", "equal", 50), row(trace, "prefer_cached", "tuned", 58));
    rows.push(row(trace, "prefer_cached", "demand", 60, 104));
    rows.push(row(trace, "random", "equal", 1), row(trace, "random", "tuned", 1));
    rows.push(row(trace, "random", "demand", 1));
  }
  return rows;
}

/** `rows` with the row of `trace`, `placement` and `strategy` replaced by `replacement`. */
function replaced(rows: Row[], replacement: Row): Row[] {
  return rows.map((r) =>
    r.trace === replacement.trace && r.placement === replacement.placement &&
      r.strategy === replacement.strategy
      ? replacement
      : r
  );
}

function failing(rows: Row[]): string[] {
  return judge(rows).filter((c) => !c.pass).map((c) => c.name);
}

Deno.test("judge() passes every criterion when demand clears every bar", () => {
  const criteria = judge(passingRows());
  assert.equal(criteria.length, 6);
  assert.deepEqual(criteria.filter((c) => !c.pass), []);
});

Deno.test("judge() fails the budget when demand caches more than 1.05× simple_proportional on one trace", () => {
  const rows = replaced(passingRows(), row("c", "prefer_cached", "demand", 60, 105.1));
  assert.deepEqual(failing(rows), ["budget"]);
});

Deno.test("judge() fails the per-trace bar over equal weights by one trace under 2 points", () => {
  const rows = replaced(passingRows(), row("e", "prefer_cached", "equal", 58.5));
  assert.deepEqual(failing(rows), ["equal: every trace"]);
});

Deno.test("judge() fails the median bar over equal weights when the median gain is under 8 points", () => {
  let rows = passingRows();
  for (const trace of ["a", "b", "c", "d"]) {
    rows = replaced(rows, row(trace, "prefer_cached", "equal", 53));
  }
  assert.deepEqual(failing(rows), ["equal: median"]);
});

Deno.test("judge() fails against tuned weights by one trace more than a point below", () => {
  const rows = replaced(passingRows(), row("a", "prefer_cached", "tuned", 61.5));
  assert.deepEqual(failing(rows), ["tuned: every trace"]);
  const median = ["a", "b", "c", "d"].reduce(
    (all, t) => replaced(all, row(t, "prefer_cached", "tuned", 59)),
    passingRows(),
  );
  assert.deepEqual(failing(median), ["tuned: median"]);
});

Deno.test("judge() fails random placement when demand loses to equal weights on one trace", () => {
  const rows = replaced(passingRows(), row("f", "random", "demand", 0.9));
  assert.deepEqual(failing(rows), ["random"]);
});

Deno.test("judge() fails every criterion whose rows are missing", () => {
  const rows = passingRows().filter((r) => !(r.trace === "b" && r.strategy === "tuned"));
  assert.deepEqual(failing(rows), ["budget", "tuned: median", "tuned: every trace"]);
});

Deno.test("tunedWeights() gives each image its share of the deploys after the warm-up, in millionths", () => {
  const read = parseTrace(
    [
      '{"kind":"fleet","flavors":{"f":10},"images":["A","B","C"],"duration_minutes":600}',
      '{"t":0,"kind":"deploy","id":"i-1","flavor":"f","image":"C"}',
      '{"t":30,"kind":"deploy","id":"i-2","flavor":"f","image":"C"}',
      '{"t":70,"kind":"deploy","id":"i-3","flavor":"f","image":"A"}',
      '{"t":80,"kind":"delete","id":"i-3"}',
      '{"t":90,"kind":"image_update","image":"A"}',
      '{"t":100,"kind":"deploy","id":"i-4","flavor":"f","image":"A"}',
      '{"t":500,"kind":"deploy","id":"i-5","flavor":"f","image":"B"}',
    ].join("\n") + "\n",
  );
  assert.ok(read.ok);
  assert.deepEqual(tunedWeights(read.trace, 1), { A: 666_667, B: 333_333, C: 0 });
});

Deno.test("generatedTraceSources() are weeks of 300 to 2,000 nodes, each unlike the others", async () => {
  const sources = await generatedTraceSources();
  assert.deepEqual(sources.map((s) => s.name), ["churning", "skewed", "uneven"]);
  const texts = new Set<string>();
  for (const source of sources) {
    const trace = await loadTrace(source);
    assert.equal(trace.fleet.duration_minutes, 168 * 60, source.name);
    const nodes = Object.values(trace.fleet.flavors).reduce((a, b) => a + b);
    assert.ok(nodes >= 300 && nodes <= 2000, `${source.name}: ${nodes} nodes`);
    assert.ok(trace.events.filter((e) => e.kind === "deploy").length >= 2000, source.name);
    texts.add(serializeTrace(trace));
  }
  assert.equal(texts.size, 3);
});

Deno.test("generatedTraceSources() each give the trace their config header's command writes", async () => {
  await using dir = await tempDir();
  for (const source of await generatedTraceSources()) {
    const config = await Deno.readTextFile(source.path);
    const command = /^#\s+deno task trace (.+)$/m.exec(config);
    assert.ok(command, `${source.name}.conf gives no "deno task trace" command`);
    const args = command[1].trim().split(/\s+/);
    args[args.indexOf("--output") + 1] = `${dir.path}/${source.name}.jsonl`;
    const run = await runMain(["trace", ...args.map((a) => a.startsWith("tests/") ? ROOT + a : a)]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, "", `${source.name}: no warning`);
    const written = await Deno.readTextFile(`${dir.path}/${source.name}.jsonl`);
    assert.ok(written === serializeTrace(await loadTrace(source)), source.name);
  }
});

Deno.test("contenderConfig() gives each contender the budget, and demand the options tried", () => {
  assert.equal(
    contenderConfig("tuned", "random", { weightsFile: "/w.json" }),
    "[strategy]\nmodule = simple_proportional\nimage_weights_filename = /w.json\n" +
      "default_image_weight = 0\n\n[simple_proportional_strategy]\npercentage_to_cache = 0.125\n\n" +
      "[simulator]\nscheduler = random\n",
  );
  assert.equal(
    contenderConfig("demand", "prefer_cached", { demand: ["lead_minutes = 15", "max_ejects=4"] }),
    "[strategy]\nmodule = demand\n\n[demand]\ncache_share = 0.125\nlead_minutes = 15\n" +
      "max_ejects=4\n\n[simulator]\nscheduler = prefer_cached\n",
  );
});

Deno.test("compareStrategies() runs each strategy on each placement, tuned weights from the trace", async () => {
  await using dir = await tempDir();
  // Three deploys at a time, of one image nine times in ten: tuned weights cache three of it,
  // equal weights one.
  const lines = [
    '{"kind":"fleet","flavors":{"f":40},"images":["A","B","C","D"],' +
    '"duration_minutes":500}',
  ];
  for (let k = 1; k <= 80; k++) {
    const t = 61 + 5 * k;
    for (let j = 0; j < 3; j++) {
      const id = `i-${k}-${j}`;
      lines.push(
        `{"t":${t},"kind":"deploy","id":"${id}","flavor":"f","image":"${
          k % 10 === 0 ? "B" : "A"
        }"}`,
      );
      lines.push(`{"t":${t + 22},"kind":"delete","id":"${id}"}`);
    }
  }
  lines.sort((a, b) => (JSON.parse(a).t ?? -1) - (JSON.parse(b).t ?? -1));
  const path = await dir.write("tiny.jsonl", lines.join("\n") + "\n");
  const rows = await compareStrategies({
    traces: [{ name: "tiny", kind: "trace", path }],
    warmupHours: 2,
    workers: 0,
  });
  assert.deepEqual(
    rows.map((r) => `${r.placement} ${r.strategy}`),
    [
      "prefer_cached equal",
      "prefer_cached tuned",
      "prefer_cached demand",
      "random equal",
      "random tuned",
      "random demand",
    ],
  );
  const hitRate = (placement: string, strategy: string) =>
    rows.find((r) => r.placement === placement && r.strategy === strategy)!.hitRate;
  for (const r of rows) assert.equal(r.deploys, 207, `${r.placement} ${r.strategy}`);
  assert.ok(hitRate("prefer_cached", "tuned") > hitRate("prefer_cached", "equal") + 0.2);
  assert.ok(hitRate("prefer_cached", "tuned") > hitRate("random", "tuned"));
});
