/**
 * End-to-end tests of `main.ts`: each command line run in-process through `main(args, io)`, with
 * its exit status, standard output and standard error, as an operator sees them.
 *
 * @module
 */
import assert from "node:assert/strict";
import { getConfig } from "@logtape/logtape";
import { USAGE } from "../../src/cli/args.ts";
import type { Directive } from "../../src/domain/directive.ts";
import type { FleetState } from "../../src/domain/fleet.ts";
import { VERSION } from "../../src/version.ts";
import { runArsenal } from "../_arsenal.ts";
import { type Finished, runMain } from "../_run_main.ts";
import { fleet, image, node, ROOT, tempDir } from "../_helpers.ts";

/** A plugin fixture's absolute path. */
function fixturePlugin(name: string): string {
  return `${ROOT}tests/_fixtures/plugins/${name}`;
}

/** Fails when `stderr` holds a line of a stack trace. */
function assertNoStackTrace(stderr: string): void {
  assert.doesNotMatch(stderr, /^\s+at /m, `stack trace on stderr:\n${stderr}`);
}

/** Fails unless the run exited with `code`; shows what the run said otherwise. */
function assertExit(run: Finished, code: number): void {
  assert.equal(run.code, code, `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
}

/** The one JSON line a successful plan prints. */
function planOutput(run: Finished): { directives: Directive[]; timings?: Record<string, unknown> } {
  assertExit(run, 0);
  assert.ok(run.stdout.endsWith("\n"), "output ends with a newline");
  const lines = run.stdout.trimEnd().split("\n");
  assert.equal(lines.length, 1, `expected one line of output:\n${run.stdout}`);
  return JSON.parse(lines[0]);
}

/** Caches every idle node: with one flavor, `need` is the number of idle uncached nodes. */
const CACHE_ALL = "[simple_proportional_strategy]\npercentage_to_cache = 1\n";

/** Sixteen idle nodes and two images: the default share (0.125) caches two of them. */
const SIXTEEN_IDLE: FleetState = fleet(
  Array.from({ length: 16 }, (_, i) => node(`n${String(i).padStart(2, "0")}`, "small")),
  [image("i1"), image("i2")],
);

Deno.test("arsenal plan prints one cache directive for one idle node and one image", async () => {
  await using dir = await tempDir();
  const snapshot = await dir.write(
    "fleet.json",
    JSON.stringify({
      nodes: [
        { uuid: "n1", flavor: "small", provisioned: false, cached: false, cachedImageUuid: "" },
      ],
      flavors: [{ name: "small" }],
      images: [{ uuid: "i1", name: "Ubuntu", checksum: "c1" }],
    }),
  );
  const config = await dir.write("arsenal.conf", CACHE_ALL);
  const run = await runMain(["plan", "--snapshot", snapshot, "--config-file", config]);
  assertExit(run, 0);
  assert.equal(
    run.stdout,
    '{"directives":[{"kind":"cache","nodeUuid":"n1","imageUuid":"i1","imageChecksum":"c1"}]}\n',
  );
  assert.equal(run.stderr, "");
});

Deno.test("arsenal plan ejects a stale cached node and caches the least represented image", async () => {
  // n2 holds an image no longer listed: ejected, and not counted. n3 is deployed: ignored.
  // Left: n1 idle, n4 cached with i1, so U = 2, C = 1 and need = floor(1 * 2) - 1 = 1.
  // i1 already has a node and i2 has none, so n1 gets i2, whose null checksum reads as "".
  await using dir = await tempDir();
  const snapshot = await dir.write(
    "fleet.json",
    JSON.stringify({
      observedAt: 1700000000000,
      nodes: [
        { uuid: "n1", flavor: "small", provisioned: false, cached: false, cachedImageUuid: null },
        { uuid: "n2", flavor: "small", provisioned: false, cached: true, cachedImageUuid: "gone" },
        { uuid: "n3", flavor: "small", provisioned: true, cached: false },
        { uuid: "n4", flavor: "small", provisioned: false, cached: true, cachedImageUuid: "i1" },
      ],
      flavors: [{ name: "small" }],
      images: [
        { uuid: "i1", name: "Ubuntu", checksum: "c1" },
        { uuid: "i2", name: "Debian", checksum: null },
      ],
    }),
  );
  const config = await dir.write("arsenal.conf", CACHE_ALL);
  const run = await runMain(["plan", "--snapshot", snapshot, "--config-file", config]);
  assertExit(run, 0);
  assert.equal(
    run.stdout,
    '{"directives":[{"kind":"eject","nodeUuid":"n2"},' +
      '{"kind":"cache","nodeUuid":"n1","imageUuid":"i2","imageChecksum":""}]}\n',
  );
});

Deno.test("arsenal plan is deterministic: same seed, same output; the default seed is 0", async () => {
  await using dir = await tempDir();
  const snapshot = await dir.write("fleet.json", JSON.stringify(SIXTEEN_IDLE));
  const plan = ["plan", "--snapshot", snapshot];
  const byDefault = await runMain(plan);
  const byDefaultAgain = await runMain(plan);
  const seed0 = await runMain([...plan, "--seed", "0"]);
  const seed7 = await runMain([...plan, "--seed", "7"]);
  const seed7Again = await runMain([...plan, "--seed", "7"]);
  const output = planOutput(byDefault);
  for (const run of [byDefaultAgain, seed0, seed7, seed7Again]) planOutput(run);
  assert.equal(byDefaultAgain.stdout, byDefault.stdout);
  assert.equal(seed0.stdout, byDefault.stdout);
  assert.equal(seed7Again.stdout, seed7.stdout);
  // The seed does choose: seed 7 picks other nodes than seed 0 on this fleet.
  assert.notEqual(seed7.stdout, seed0.stdout);

  // Built-in defaults: simple_proportional with percentage_to_cache 0.125 -> floor(16 / 8) = 2.
  assert.equal(output.directives.length, 2, byDefault.stdout);
  const idle = new Set(SIXTEEN_IDLE.nodes.map((n) => n.uuid));
  const nodes = output.directives.map((d) => d.nodeUuid);
  assert.equal(new Set(nodes).size, 2, "two different nodes");
  for (const d of output.directives) {
    assert.equal(d.kind, "cache");
    assert.ok(idle.has(d.nodeUuid), d.nodeUuid);
  }
  // Equal weights, nothing cached yet: one node per image, most needed (first listed) first.
  assert.deepEqual(
    output.directives.map((d) => d.kind === "cache" && [d.imageUuid, d.imageChecksum]),
    [["i1", "sum-i1"], ["i2", "sum-i2"]],
  );
});

Deno.test("arsenal plan --snapshot - reads standard input and prints what the file gives", async () => {
  await using dir = await tempDir();
  const text = JSON.stringify(SIXTEEN_IDLE, null, 2);
  const snapshot = await dir.write("fleet.json", text);
  const fromFile = await runMain(["plan", "--snapshot", snapshot, "--seed", "3"]);
  const fromStdin = await runMain(["plan", "--snapshot", "-", "--seed", "3"], { stdin: text });
  assert.equal(planOutput(fromStdin).directives.length, 2);
  assert.equal(fromStdin.stdout, fromFile.stdout);
  assert.equal(fromStdin.stderr, "");
});

Deno.test("arsenal plan --snapshot - rejects empty standard input with exit 2", async () => {
  const run = await runMain(["plan", "--snapshot", "-"], { stdin: "" });
  assertExit(run, 2);
  assert.equal(run.stdout, "");
  assert.match(run.stderr, /not valid JSON/);
  assertNoStackTrace(run.stderr);
});

Deno.test("arsenal plan --timings adds non-negative parseMs and planMs", async () => {
  await using dir = await tempDir();
  const snapshot = await dir.write("fleet.json", JSON.stringify(SIXTEEN_IDLE));
  const plain = await runMain(["plan", "--snapshot", snapshot]);
  const timed = await runMain(["plan", "--snapshot", snapshot, "--timings"]);
  const output = planOutput(timed);
  assert.deepEqual(Object.keys(output).sort(), ["directives", "timings"]);
  assert.deepEqual(output.directives, planOutput(plain).directives);
  assert.equal("timings" in planOutput(plain), false);
  const timings = output.timings!;
  assert.deepEqual(Object.keys(timings).sort(), ["parseMs", "planMs"]);
  for (const key of ["parseMs", "planMs"]) {
    const value = timings[key];
    assert.equal(typeof value, "number", `${key} is ${JSON.stringify(value)}`);
    assert.ok(Number.isFinite(value) && (value as number) >= 0, `${key} = ${value}`);
  }
});

Deno.test("arsenal plan --debug logs the plan on stderr and leaves stdout clean JSON", async () => {
  await using dir = await tempDir();
  const snapshot = await dir.write("fleet.json", JSON.stringify(SIXTEEN_IDLE));
  const run = await runMain(["plan", "--snapshot", snapshot, "--seed", "5", "--debug"]);
  assert.equal(planOutput(run).directives.length, 2);
  assert.match(run.stderr, /Planned 2 directive\(s\) with simple_proportional .*seed 5/);
});

Deno.test("arsenal plan exits 2 and names the JSON path of a malformed snapshot", async () => {
  await using dir = await tempDir();
  const snapshot = await dir.write(
    "broken.json",
    JSON.stringify({
      nodes: [node("n1", "small"), { ...node("n2", "small"), provisioned: "yes" }],
      flavors: [{ name: "small" }],
      images: [image("i1")],
    }),
  );
  const run = await runMain(["plan", "--snapshot", snapshot]);
  assertExit(run, 2);
  assert.equal(run.stdout, "");
  assert.ok(run.stderr.includes(snapshot), `file not named:\n${run.stderr}`);
  assert.match(run.stderr, /nodes\[1\]\.provisioned: .*\(got "yes"\)/);
  assertNoStackTrace(run.stderr);
});

Deno.test("arsenal plan exits 2 and lists duplicate node uuids of a snapshot", async () => {
  await using dir = await tempDir();
  const snapshot = await dir.write(
    "dup.json",
    JSON.stringify(fleet([node("n1", "small"), node("n1", "small")], [image("i1")])),
  );
  const run = await runMain(["plan", "--snapshot", snapshot]);
  assertExit(run, 2);
  assert.equal(run.stdout, "");
  assert.match(run.stderr, /nodes\[1\]\.uuid: duplicate of nodes\[0\]\.uuid/);
  assertNoStackTrace(run.stderr);
});

Deno.test("arsenal plan reads a snapshot as Deno.readTextFile does: a byte order mark stays", async () => {
  await using dir = await tempDir();
  const text = JSON.stringify(fleet([node("n1", "small", { cachedImageUuid: "é" })], []));
  const plain = await dir.write("plain.json", text);
  const marked = await dir.write("marked.json", `\ufeff${text}`);
  assertExit(await runMain(["plan", "--snapshot", plain]), 0);
  const run = await runMain(["plan", "--snapshot", marked]);
  assertExit(run, 2);
  assert.match(run.stderr, /not valid JSON/);
});

Deno.test("arsenal plan exits 2 and names a snapshot file that does not exist", async () => {
  await using dir = await tempDir();
  const missing = `${dir.path}/no-such-snapshot.json`;
  const run = await runMain(["plan", "--snapshot", missing]);
  assertExit(run, 2);
  assert.equal(run.stdout, "");
  assert.ok(run.stderr.includes(missing), run.stderr);
  assert.match(run.stderr, /cannot read the snapshot/);
  assertNoStackTrace(run.stderr);
});

Deno.test("arsenal plan exits 2 and names a config file that does not exist", async () => {
  await using dir = await tempDir();
  const snapshot = await dir.write("fleet.json", JSON.stringify(SIXTEEN_IDLE));
  const missing = `${dir.path}/no-such.conf`;
  const run = await runMain(["plan", "--snapshot", snapshot, "--config-file", missing]);
  assertExit(run, 2);
  assert.equal(run.stdout, "");
  assert.ok(run.stderr.includes(missing), run.stderr);
  assertNoStackTrace(run.stderr);
});

Deno.test("arsenal plan exits 2 and lists every problem of the sections it reads", async () => {
  await using dir = await tempDir();
  const snapshot = await dir.write("fleet.json", JSON.stringify(SIXTEEN_IDLE));
  const config = await dir.write(
    "arsenal.conf",
    [
      "[strategy]", // 1
      "plan_timeout = soon", // 2
      "default_image_weight = -3", // 3
      "", // 4
      "[simple_proportional_strategy]", // 5
      "percentage_to_cache = 2", // 6
      "",
    ].join("\n"),
  );
  const run = await runMain(["plan", "--snapshot", snapshot, "--config-file", config]);
  assertExit(run, 2);
  assert.equal(run.stdout, "");
  assert.match(run.stderr, /3 problems/);
  const expected: [number, string, string, string][] = [
    [2, "strategy", "plan_timeout", "soon"],
    [3, "strategy", "default_image_weight", "-3"],
    [6, "simple_proportional_strategy", "percentage_to_cache", "2"],
  ];
  const lines = run.stderr.split("\n");
  for (const [line, section, option, value] of expected) {
    const found = lines.find((l) => l.includes(`${config}:${line}:`));
    assert.ok(found, `no problem at ${config}:${line}:\n${run.stderr}`);
    assert.ok(found.includes(`[${section}] ${option}`), found);
    assert.ok(found.includes(JSON.stringify(value)), found);
    assert.match(found, /expected /);
  }
  assertNoStackTrace(run.stderr);
});

Deno.test("arsenal check-config exits 2 and quotes only the first word of a malformed line", async () => {
  await using dir = await tempDir();
  const config = await dir.write("arsenal.conf", "[director]\ndry_run true\nos_password hunter2\n");
  const run = await runMain(["check-config", "--config-file", config]);
  assertExit(run, 2);
  assert.equal(run.stdout, "");
  // The rest of an unreadable line may be a secret.
  assert.doesNotMatch(run.stderr, /hunter2/);
  const found = run.stderr.split("\n").find((l) => l.includes(`${config}:2:`));
  assert.ok(found, `line 2 not named:\n${run.stderr}`);
  assert.ok(found.includes('"dry_run"'), found);
  assert.match(found, /expected option = value/);
  // No option was parsed, so nothing may stand before " = ": `file:2:  = "..."` reads as broken.
  assert.doesNotMatch(found, /:\s+= "/, found);
  assertNoStackTrace(run.stderr);
});

Deno.test("arsenal check-config exits 2 naming a standalone image's bad id and checksum by line", async () => {
  await using dir = await tempDir();
  const md5 = "5d41402abc4b2a76b9719d911017c592";
  const config = await dir.write(
    "arsenal.conf",
    "[director]\nscout = standalone\n[ironic]\napi_endpoint = http://127.0.0.1:6385\n" +
      "[standalone]\nimages =\n" +
      `    ubuntu 0b6f3c1e-0000-4000-8000-000000000001 http://images/ubuntu.img ${md5}\n` +
      "    rocky rocky.qcow2 http://images/rocky.qcow2 0123abcd\n",
  );
  const run = await runMain(["check-config", "--config-file", config]);
  assertExit(run, 2);
  assert.equal(run.stdout, "");
  assert.match(run.stderr, /Invalid configuration \(2 problems\)/);
  const line = (n: number) => run.stderr.split("\n").find((l) => l.includes(`${config}:${n}:`));
  assert.match(
    line(7) ?? run.stderr,
    /\[standalone\] images = "ubuntu 0b6f3c1e-0000-4000-8000-000000000001 http:\/\/images\/ubuntu\.img [0-9a-f]{32}": expected the URL's last path segment as the id, ubuntu\.img \(what Ironic sends the agent at deploy time\), not 0b6f3c1e-0000-4000-8000-000000000001$/,
  );
  assert.match(
    line(8) ?? run.stderr,
    /expected a checksum of 32 \(MD5\), 64 \(SHA-256\) or 128 \(SHA-512\) lowercase hex digits as the fourth field, not 0123abcd \(8 characters\)$/,
  );
  assertNoStackTrace(run.stderr);
});

Deno.test("arsenal check-config exits 2 for a standalone URL without a disk format when cache_method = arsenal", async () => {
  await using dir = await tempDir();
  const md5 = "5d41402abc4b2a76b9719d911017c592";
  const images = `[standalone]\nimages =\n    ubuntu ubuntu.img http://images/ubuntu.img ${md5}\n`;
  const ironic = "[director]\nscout = standalone\n[ironic]\napi_endpoint = http://127.0.0.1:6385\n";
  const annotate = await dir.write("annotate.conf", `${ironic}cache_method = annotate\n${images}`);
  assertExit(await runMain(["check-config", "--config-file", annotate]), 0);
  const config = await dir.write("arsenal.conf", `${ironic}cache_method = arsenal\n${images}`);
  const run = await runMain(["check-config", "--config-file", config]);
  assertExit(run, 2);
  assert.match(
    run.stderr,
    /:8: \[standalone\] images = "ubuntu ubuntu\.img http:\/\/images\/ubuntu\.img [0-9a-f]{32}": expected a URL whose file name ends in its disk format \(\.raw, .*\): cache_method = arsenal tells the agent the image's disk format, not http:\/\/images\/ubuntu\.img$/m,
  );
  assertNoStackTrace(run.stderr);
});

Deno.test("arsenal plan warns of an unknown option and still plans", async () => {
  await using dir = await tempDir();
  const snapshot = await dir.write("fleet.json", JSON.stringify(SIXTEEN_IDLE));
  const config = await dir.write("arsenal.conf", `[strategy]\nplan_timeot = 5\n\n${CACHE_ALL}`);
  const run = await runMain(["plan", "--snapshot", snapshot, "--config-file", config]);
  // percentage_to_cache = 1 still applies: every idle node is cached.
  assert.equal(planOutput(run).directives.length, 16);
  assert.match(run.stderr, /unknown option \[strategy\] plan_timeot/);
  assert.ok(run.stderr.includes(`${config}:2`), run.stderr);
  assert.match(run.stderr, /did you mean plan_timeout\?/);
});

Deno.test("arsenal plan reads only [strategy] and the strategy's section: others are check-config's", async () => {
  await using dir = await tempDir();
  const snapshot = await dir.write("fleet.json", JSON.stringify(SIXTEEN_IDLE));
  const others = "[director]\npoll_spacing = soon\ndry_rn = true\n\n[api]\nport = -1\n\n";
  const config = await dir.write("arsenal.conf", `${others}[strateg]\nmodule = x\n\n${CACHE_ALL}`);
  const env = { ARSENAL_CLIENT_WRAPPER__CALL_MAX_RETRIES: "-3", ARSENAL_DIRECTOR_DRY_RUN: "1" };
  const run = await runMain(["plan", "--snapshot", snapshot, "--config-file", config], { env });
  assert.equal(planOutput(run).directives.length, 16);
  // A near miss of one of Arsenal's sections is still named; the sections plan leaves are not.
  assert.match(run.stderr, /unknown section \[strateg\] is ignored; did you mean \[strategy\]\?/);
  assert.doesNotMatch(run.stderr, /director|api|client_wrapper|DRY_RUN/);
  const checked = await runMain(["check-config", "--config-file", config], { env });
  assertExit(checked, 2);
  assert.match(checked.stderr, /\[director\] poll_spacing/);
});

Deno.test("arsenal check-config warns of an ARSENAL_ variable that names no option", async () => {
  const run = await runMain(["check-config"], { env: { ARSENAL_DIRECTOR_DRY_RUN: "true" } });
  assertExit(run, 0);
  assert.match(run.stdout, /^dry_run = false$/m);
  assert.match(
    run.stderr,
    /environment ARSENAL_DIRECTOR_DRY_RUN is ignored: .*did you mean ARSENAL_DIRECTOR__DRY_RUN\?/,
  );
});

Deno.test("arsenal plan warns when a flavor needs caching and there are no images", async () => {
  await using dir = await tempDir();
  const snapshot = await dir.write("fleet.json", JSON.stringify(fleet([node("n1", "small")], [])));
  const config = await dir.write("arsenal.conf", CACHE_ALL);
  const run = await runMain(["plan", "--snapshot", snapshot, "--config-file", config]);
  assert.deepEqual(planOutput(run), { directives: [] });
  assert.match(run.stderr, /Flavor "small" needs 1 more cached node\(s\), but there are no images/);
});

Deno.test("arsenal plan logs its warnings as text lines, or JSON with --log-format json", async () => {
  await using dir = await tempDir();
  const snapshot = await dir.write("fleet.json", JSON.stringify(fleet([node("n1", "small")], [])));
  const config = await dir.write("arsenal.conf", `${CACHE_ALL}\n[strategy]\nmodul = x\n`);
  const args = ["plan", "--snapshot", snapshot, "--config-file", config];
  const text = await runMain(args);
  assert.deepEqual(planOutput(text), { directives: [] });
  const lines = text.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 2, text.stderr);
  const stamp = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d\d:\d\d`;
  assert.match(lines[0], new RegExp(`^${stamp} \\[WRN\\] arsenal·config: .*\\[strategy\\] modul`));
  assert.match(lines[1], new RegExp(`^${stamp} \\[WRN\\] arsenal·plan: Flavor "small" needs 1`));
  const json = await runMain([...args, "--log-format", "json"]);
  assert.deepEqual(planOutput(json), { directives: [] });
  const records = json.stderr.trimEnd().split("\n").map((line) => JSON.parse(line));
  assert.deepEqual(records.map((r) => [r.level, r.logger]), [
    ["WARN", "arsenal.config"],
    ["WARN", "arsenal.plan"],
  ]);
  assert.match(records[0].properties.warning, /\[strategy\] modul/);
});

Deno.test("arsenal plan logs the configuration's warnings before its problems", async () => {
  await using dir = await tempDir();
  const snapshot = await dir.write("fleet.json", JSON.stringify(SIXTEEN_IDLE));
  const config = await dir.write(
    "arsenal.conf",
    "[strategy]\nmodul = x\nplan_timeout = soon\n",
  );
  const run = await runMain(["plan", "--snapshot", snapshot, "--config-file", config]);
  assertExit(run, 2);
  const warned = run.stderr.search(/\[WRN\] arsenal·config: .*\[strategy\] modul/);
  const refused = run.stderr.indexOf("arsenal: ");
  assert.ok(warned >= 0 && refused > warned, run.stderr);
  assert.match(run.stderr.slice(refused), /\[strategy\] plan_timeout/);
});

Deno.test("arsenal check-config redacts secrets and shows environment overrides", async () => {
  await using dir = await tempDir();
  const config = await dir.write(
    "arsenal.conf",
    "[client_wrapper]\nos_username = admin\nos_password = hunter2\n",
  );
  const run = await runMain(["check-config", "--config-file", config], {
    env: {
      ARSENAL_CLIENT_WRAPPER__OS_AUTH_TOKEN: "tok-s3cret",
      ARSENAL_DIRECTOR__DRY_RUN: "yes",
    },
  });
  assertExit(run, 0);
  for (const secret of ["hunter2", "tok-s3cret"]) {
    assert.ok(!run.stdout.includes(secret), `${secret} on stdout:\n${run.stdout}`);
    assert.ok(!run.stderr.includes(secret), `${secret} on stderr:\n${run.stderr}`);
  }
  assert.match(run.stdout, /^os_password = <redacted>$/m);
  assert.match(run.stdout, /^os_auth_token = <redacted>$/m);
  assert.match(run.stdout, /^os_username = admin$/m);
  assert.match(run.stdout, /^dry_run = true$/m);
  assert.ok(run.stdout.includes(config), "names the file it checked");
});

Deno.test("arsenal check-config and run refuse an invalid token without printing it", async (t) => {
  await using dir = await tempDir();
  const token = await dir.write("token", "file-s3cret\n\n");
  const cases: [string, string, Record<string, string>][] = [
    ["in the file", "[api]\ntoken = s3cret with space\n", {}],
    ["in ARSENAL_API_TOKEN", "", { ARSENAL_API_TOKEN: "env-s3cret!@#" }],
    ["in token_file", `[api]\ntoken_file = ${token}\n`, {}],
  ];
  for (const [name, text, env] of cases) {
    await t.step(name, async () => {
      const config = await dir.write("arsenal.conf", text);
      for (const command of ["check-config", "run"]) {
        const run = await runMain([command, "--config-file", config], { env });
        assertExit(run, 2);
        assert.doesNotMatch(run.stdout + run.stderr, /s3cret/);
        assert.match(run.stderr, /\[api\] token \(secret, not shown\): a bearer token is/);
        assertNoStackTrace(run.stderr);
      }
    });
  }
});

Deno.test("arsenal check-config without a file prints the built-in defaults", async () => {
  const run = await runMain(["check-config"]);
  assertExit(run, 0);
  assert.match(run.stdout, /built-in defaults/);
  assert.match(run.stdout, /^\[director\]$/m);
  assert.match(run.stdout, /^dry_run = false$/m);
  assert.match(run.stdout, /^module = simple_proportional$/m);
  assert.match(run.stdout, /^\[simple_proportional_strategy\]\npercentage_to_cache = 0\.125$/m);
  assert.equal(run.stderr, "");
});

Deno.test("arsenal plan gives the strategy the deploys the snapshot lists", async () => {
  await using dir = await tempDir();
  const deploys = [
    { at: 1_000, flavor: "small", image: "Ubuntu", hit: true },
    { at: 61_000, flavor: "small", image: "Debian" },
  ];
  const snapshot = await dir.write("fleet.json", JSON.stringify({ ...SIXTEEN_IDLE, deploys }));
  const plugin = fixturePlugin("echo_deploys.ts");
  const config = await dir.write("arsenal.conf", `[strategy]\nmodule = ${plugin}\n`);
  const run = await runMain(["plan", "--snapshot", snapshot, "--config-file", config]);
  assertExit(run, 0);
  assert.match(run.stderr, /2 deploys/);
  assert.ok(run.stderr.includes('"image":"Debian","hit":false'), run.stderr);
});

Deno.test("arsenal plan exits 2 and names the JSON path of an invalid deploy in a snapshot", async () => {
  await using dir = await tempDir();
  const deploys = [{ at: "yesterday", flavor: "small", image: "Ubuntu" }];
  const snapshot = await dir.write("fleet.json", JSON.stringify({ ...SIXTEEN_IDLE, deploys }));
  const run = await runMain(["plan", "--snapshot", snapshot]);
  assertExit(run, 2);
  assert.equal(run.stdout, "");
  assert.match(run.stderr, /deploys\[0\]\.at: .*\(got "yesterday"\)/);
  assertNoStackTrace(run.stderr);
});

Deno.test("arsenal plan exits 1 without a stack trace when the strategy throws", async () => {
  await using dir = await tempDir();
  const snapshot = await dir.write("fleet.json", JSON.stringify(SIXTEEN_IDLE));
  const plugin = fixturePlugin("throws_in_plan.ts");
  const config = await dir.write("arsenal.conf", `[strategy]\nmodule = ${plugin}\n`);
  const run = await runMain(["plan", "--snapshot", snapshot, "--config-file", config]);
  assertExit(run, 1);
  assert.equal(run.stdout, "");
  assert.match(run.stderr, /boom while planning/);
  assert.ok(run.stderr.includes(plugin), `plugin not named:\n${run.stderr}`);
  assertNoStackTrace(run.stderr);
});

Deno.test("arsenal plan exits 1 and lists the invalid directives a strategy returned", async () => {
  await using dir = await tempDir();
  const snapshot = await dir.write("fleet.json", JSON.stringify(SIXTEEN_IDLE));
  const plugin = fixturePlugin("bad_directives.ts");
  const config = await dir.write("arsenal.conf", `[strategy]\nmodule = ${plugin}\n`);
  const run = await runMain(["plan", "--snapshot", snapshot, "--config-file", config]);
  assertExit(run, 1);
  assert.equal(run.stdout, "");
  assert.match(run.stderr, /invalid directives/);
  assert.match(run.stderr, /directives\[0\]: image "no-such-image" is not a current image/);
  assert.match(run.stderr, /directives\[2\]: kind must be "cache" or "eject", got "wipe"/);
  assert.match(run.stderr, /directives\[1\]: node n00 is not cached; eject needs a cached node/);
  assertNoStackTrace(run.stderr);
});

Deno.test("arsenal plan exits 1 naming the plugin's fault, never an internal error", async (t) => {
  await using dir = await tempDir();
  const snapshot = await dir.write("fleet.json", JSON.stringify(SIXTEEN_IDLE));
  const plugin = fixturePlugin("faulty.ts");
  const cases: [string, RegExp][] = [
    ["throw", /: plan\(\) threw: boom while planning$/m],
    ["getter", /: reading directives threw: directives getter boom$/m],
    ["field", /: reading directives\[0\]\.nodeUuid threw: nodeUuid getter boom$/m],
    ["warning", /: reading warnings\[0\] threw: a warning without text$/m],
    ["async", /: plan\(\) returned a Promise: plan\(\) must be synchronous \(not async\)$/m],
    [
      "ghost",
      /directives\[0\]: node ghost-1 is not in the fleet\n\s+directives\[2\]: node ghost-2 is not/,
    ],
    ["flood", /: plan\(\) returned 1000000 directives for a fleet of 16 nodes: at most one/],
    ["spin", /: plan\(\) did not finish within 1 s; the worker was stopped$/m],
  ];
  for (const [fault, reason] of cases) {
    await t.step(fault, async () => {
      // Only `spin` is about the timeout, and it never finishes, so 1 s stops it on any machine.
      // The others finish: a generous timeout keeps a loaded machine from turning their verdict
      // into a timeout (flooding a million directives takes a while).
      const timeout = fault === "spin" ? 1 : 600;
      const config = await dir.write(
        `${fault}.conf`,
        `[strategy]\nmodule = ${plugin}\nplan_timeout = ${timeout}\n\n[faulty]\nfault = ${fault}\n`,
      );
      const run = await runMain(["plan", "--snapshot", snapshot, "--config-file", config]);
      assertExit(run, 1);
      assert.equal(run.stdout, "");
      assert.ok(run.stderr.startsWith(`arsenal: Strategy "${plugin}": `), run.stderr);
      assert.match(run.stderr, reason);
      assert.doesNotMatch(run.stderr, /internal error/);
      assertNoStackTrace(run.stderr);
    });
  }
});

Deno.test("arsenal plan exits 2 when the strategy plugin fails to import", async () => {
  await using dir = await tempDir();
  const snapshot = await dir.write("fleet.json", JSON.stringify(SIXTEEN_IDLE));
  const plugin = fixturePlugin("throws_on_import.ts");
  const config = await dir.write("arsenal.conf", `[strategy]\nmodule = ${plugin}\n`);
  const run = await runMain(["plan", "--snapshot", snapshot, "--config-file", config]);
  assertExit(run, 2);
  assert.equal(run.stdout, "");
  assert.ok(run.stderr.includes(`${config}:2: [strategy] module`), run.stderr);
  assert.match(run.stderr, /boom while importing/);
  assertNoStackTrace(run.stderr);
});

Deno.test("arsenal exits 2 for an unknown command and points to --help", async () => {
  const run = await runMain(["deploy"]);
  assertExit(run, 2);
  assert.equal(run.stdout, "");
  assert.match(run.stderr, /unknown command "deploy"/);
  assert.match(run.stderr, /arsenal --help/);
  assertNoStackTrace(run.stderr);
});

Deno.test("arsenal exits 2 for plan without --snapshot", async () => {
  const run = await runMain(["plan", "--seed", "1"]);
  assertExit(run, 2);
  assert.equal(run.stdout, "");
  assert.match(run.stderr, /--snapshot/);
  assert.match(run.stderr, /arsenal --help/);
  assertNoStackTrace(run.stderr);
});

Deno.test("arsenal --help exits 0 and prints the usage on stdout", async () => {
  const run = await runMain(["--help"]);
  assertExit(run, 0);
  assert.equal(run.stdout, USAGE);
  assert.equal(run.stderr, "");
});

Deno.test("arsenal --version exits 0 and prints the version", async () => {
  const run = await runMain(["--version"]);
  assertExit(run, 0);
  assert.match(
    run.stdout,
    new RegExp(`^arsenal ${VERSION} \\(deno ${Deno.version.deno}, commit [0-9a-f]{40}\\)\n$`),
  );
  assert.equal(run.stderr, "");
});

Deno.test("arsenal plans the bundled example the way `deno task start` runs it", async () => {
  // A process of its own, in the checkout: the example names its weights file relative to the
  // working directory.
  const run = await runArsenal([
    "plan",
    "--snapshot",
    "config/example_snapshot.json",
    "--config-file",
    "config/arsenal.conf",
  ]);
  const { directives } = planOutput(run);
  assert.equal(run.stderr, "", "the bundled example gives no warning");
  const kinds = directives.map((d) => d.kind);
  assert.ok(kinds.includes("cache"), run.stdout);
  assert.ok(kinds.includes("eject"), run.stdout);
  assert.deepEqual(kinds, [...kinds].sort((a, b) => (a === b ? 0 : a === "eject" ? -1 : 1)));

  const example: FleetState = JSON.parse(
    await Deno.readTextFile(`${ROOT}config/example_snapshot.json`),
  );
  const nodes = new Map(example.nodes.map((n) => [n.uuid, n]));
  const checksums = new Map(example.images.map((i) => [i.uuid, i.checksum]));
  assert.equal(new Set(directives.map((d) => d.nodeUuid)).size, directives.length, "no node twice");
  for (const d of directives) {
    const target = nodes.get(d.nodeUuid);
    assert.ok(target, `unknown node ${d.nodeUuid}`);
    assert.equal(target.provisioned, false, d.nodeUuid);
    if (d.kind === "eject") {
      assert.ok(target.cached && !checksums.has(target.cachedImageUuid), d.nodeUuid);
    } else {
      assert.equal(target.cached, false, d.nodeUuid);
      assert.equal(checksums.get(d.imageUuid), d.imageChecksum, d.imageUuid);
    }
  }
});

Deno.test("runMain() leaves the console, standard error and logging as it found them", async () => {
  const before = [console.log, console.error, Deno.stdout.writeSync, Deno.stderr.writeSync];
  const run = await runMain(["plan", "--snapshot", "-", "--debug"], { stdin: "" });
  assertExit(run, 2);
  assert.deepEqual(
    [console.log, console.error, Deno.stdout.writeSync, Deno.stderr.writeSync],
    before,
  );
  assert.equal(
    getConfig(),
    null,
    "main() configured logging; nothing of it may reach the next test",
  );
});

Deno.test("runMain() refuses a second command while one runs: their output would mix", async () => {
  const first = runMain(["--help"]);
  await assert.rejects(runMain(["--version"]), /one command at a time/);
  assertExit(await first, 0);
});
