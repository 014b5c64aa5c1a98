/** Loading strategy plugins: built-ins by name, files by path, and every way a module can fail. */
import assert from "node:assert/strict";
import { z } from "zod";
import { PluginError } from "../../src/runtime/errors.ts";
import { checkStrategy, importStrategy, looksLikePath } from "../../src/strategy/loader.ts";
import { STRATEGIES } from "../../src/setup.ts";
import { ROOT, tempDir } from "../_helpers.ts";

const fixture = (name: string) => `${ROOT}tests/_fixtures/plugins/${name}`;

async function loadError(path: string): Promise<PluginError> {
  const error = await importStrategy({ kind: "file", path }, STRATEGIES).then(
    () => assert.fail(`${path} should not load`),
    (e) => e,
  );
  assert.ok(error instanceof PluginError, String(error));
  return error;
}

Deno.test("importStrategy() finds a built-in by name, without touching the disk", async () => {
  const loaded = await importStrategy({ kind: "builtin", name: "simple_proportional" }, STRATEGIES);
  assert.equal(loaded.strategy.name, "simple_proportional");
  assert.equal(loaded.section, "simple_proportional_strategy");
  assert.deepEqual(Object.keys(loaded.shape), ["percentage_to_cache"]);
  assert.deepEqual(Object.keys(STRATEGIES.builtins), ["simple_proportional", "demand"]);
});

Deno.test("importStrategy() names the built-ins when a name is unknown", async () => {
  await assert.rejects(
    importStrategy({ kind: "builtin", name: "simple_proportionnal" }, STRATEGIES),
    (e: PluginError) => /built-ins: simple_proportional/.test(e.reason) && /path/.test(e.reason),
  );
});

Deno.test("importStrategy() loads a plugin file; its section defaults to its name", async () => {
  const loaded = await importStrategy(
    { kind: "file", path: fixture("fixed_share.ts") },
    STRATEGIES,
  );
  assert.equal(loaded.strategy.name, "fixed_share");
  assert.equal(loaded.strategy.version, "2.1.0");
  assert.equal(loaded.section, "fixed_share");
  assert.equal(loaded.module, fixture("fixed_share.ts"));
  assert.deepEqual(Object.keys(loaded.shape), ["share", "image"]);
});

Deno.test("importStrategy() explains each way a plugin file can fail", async (t) => {
  await using dir = await tempDir();
  const cases: [string, string | (() => Promise<string>), RegExp][] = [
    ["missing file", `${ROOT}tests/_fixtures/plugins/nope.ts`, /cannot read the plugin file/],
    ["directory", `${ROOT}tests/_fixtures/plugins`, /not a file/],
    ["no default export", fixture("no_default.ts"), /module has no default export/],
    [
      "not a strategy",
      fixture("not_a_strategy.ts"),
      /default export is not a strategy: version .*; options must be a zod object schema; plan must be a function/,
    ],
    [
      "throws on import",
      fixture("throws_on_import.ts"),
      /module failed to load: boom while importing/,
    ],
    [
      "syntax error",
      () => dir.write("broken.ts", "export default {{{ oops"),
      /module failed to load/,
    ],
  ];
  for (const [what, path, reason] of cases) {
    await t.step(what, async () => {
      const file = typeof path === "string" ? path : await path();
      const error = await loadError(file);
      assert.match(error.reason, reason);
      assert.equal(error.module, file);
      assert.match(
        error.message,
        new RegExp(`^Strategy "${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"`),
      );
    });
  }
});

Deno.test("checkStrategy() rejects malformed members and accepts a minimal strategy", () => {
  const plan = () => [];
  const bad: [unknown, RegExp][] = [
    [undefined, /no default export/],
    [42, /not a strategy/],
    [{ name: "", version: "1", plan }, /name must be letters/],
    [{ name: "x y", version: "1", plan }, /name must be letters/],
    [{ name: "x", version: "", plan }, /version must be a non-empty string/],
    [{ name: "x", version: "1", plan: "no" }, /plan must be a function/],
    [{ name: "x", version: "1", plan, options: z.string() }, /options must be a zod object schema/],
    [
      { name: "x", version: "1", plan, section: "Director" },
      /section \[Director\] is Arsenal's own/,
    ],
    [{ name: "strategy", version: "1", plan }, /section \[strategy\] is Arsenal's own/],
  ];
  for (const [exported, reason] of bad) {
    assert.throws(
      () => checkStrategy("m", exported, STRATEGIES.reserved),
      (e: PluginError) => reason.test(e.reason),
    );
  }
  const minimal = checkStrategy(
    "m",
    { name: "minimal", version: "0.1", plan },
    STRATEGIES.reserved,
  );
  assert.equal(minimal.section, "minimal");
  assert.deepEqual(minimal.shape, {});
});

Deno.test("looksLikePath() tells plugin files from built-in names", () => {
  for (const path of ["./x.ts", "/opt/p.js", "plugins\\p.ts", "p.mjs", "dir/p"]) {
    assert.ok(looksLikePath(path), path);
  }
  for (const name of ["simple_proportional", "fixed_share", "a.b"]) {
    assert.ok(!looksLikePath(name), name);
  }
});

Deno.test("a plugin file loads as a data: module, as a compiled binary needs", async () => {
  await using dir = await tempDir();
  // Outside the source tree, with a bare import from Arsenal's import map and a type-only one.
  const path = await dir.write(
    "where_am_i.ts",
    'import { z } from "zod";\nimport type { Strategy } from "../elsewhere/contract.ts";\n' +
      "const options = z.object({ n: z.number().default(1) });\n" +
      "export default {\n  name: 'where_am_i',\n  version: '1.0.0',\n" +
      "  description: import.meta.url.slice(0, 32),\n  options,\n  plan: () => [],\n" +
      "} satisfies Strategy<{ n: number }>;\n",
  );
  const loaded = await importStrategy({ kind: "file", path }, STRATEGIES);
  assert.equal(loaded.strategy.description, "data:application/typescript;base");
  assert.deepEqual(Object.keys(loaded.shape), ["n"]);
  const js = await dir.write(
    "plain.mjs",
    "export default { name: 'plain', version: '1', plan: () => [] };\n",
  );
  assert.equal(
    (await importStrategy({ kind: "file", path: js }, STRATEGIES)).strategy.name,
    "plain",
  );
});

Deno.test("a plugin that is not one self-contained file is refused with the reason", async () => {
  await using dir = await tempDir();
  const helper = await dir.write(
    "uses_helper.ts",
    'import { cache } from "./helpers.ts";\nexport default { name: "x", version: "1", plan: () => [cache] };\n',
  );
  const error = await loadError(helper);
  assert.match(error.reason, /imports "\.\/helpers\.ts": a plugin is one self-contained file/);
  const dynamic = await dir.write(
    "dynamic.js",
    'export default { name: "x", version: "1", plan: async () => (await import("../y.js")).z };\n',
  );
  assert.match((await loadError(dynamic)).reason, /imports "\.\.\/y\.js"/);
  const text = await dir.write("strategy.txt", "export default {};\n");
  assert.match((await loadError(text)).reason, /a plugin file ends in \.ts, \.mts, \.js, \.mjs/);
});

Deno.test("built-in plugins are embedded: a plan needs no plugins/ to read", async () => {
  // The built-ins are static imports of what plan imports (as `deno compile` embeds them), so
  // nothing reads plugins/ at run time. (The command's own module loads by a computed name, which
  // Deno checks against --allow-read: the planning code is imported statically here.)
  await using dir = await tempDir();
  const url = (path: string) => JSON.stringify(new URL(path, `file://${ROOT}`).href);
  const script = await dir.write(
    "plan_builtins.ts",
    `import { setupStrategy } from ${url("src/strategy_setup.ts")};\n` +
      `import { planWith } from ${url("src/strategy/plan_with.ts")};\n` +
      `import { decodeSnapshot } from ${url("src/domain/snapshot.ts")};\n` +
      `import { systemClock } from ${url("src/runtime/clock.ts")};\n` +
      `const decoded = decodeSnapshot(Deno.readTextFileSync(Deno.args[0]));\n` +
      `if (!decoded.ok) throw new Error("invalid snapshot");\n` +
      `for (const module of ["simple_proportional", "demand"]) {\n` +
      `  Deno.env.set("ARSENAL_STRATEGY__MODULE", module);\n` +
      `  const ready = await setupStrategy(undefined, { env: Deno.env.toObject() });\n` +
      `  const input = { fleet: decoded.fleet, options: ready.strategyOptions, seed: 0, ` +
      `imageWeights: ready.imageWeights };\n` +
      `  const plan = await planWith(ready.strategy, input, { clock: systemClock, timeout: 60 });\n` +
      `  console.log(module, plan.directives.length);\n` +
      `}\n`,
  );
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `--config=${ROOT}deno.json`,
      "--allow-env",
      "--allow-read",
      `--deny-read=${ROOT}plugins`,
      script,
      `${ROOT}config/example_snapshot.json`,
    ],
    cwd: ROOT,
  }).output();
  const text = new TextDecoder().decode(stdout);
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  assert.match(text, /^simple_proportional [1-9]\d*\ndemand [1-9]\d*\n$/);
});
