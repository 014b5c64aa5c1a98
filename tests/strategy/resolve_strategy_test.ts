import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { tempDir } from "../_helpers.ts";
import { loadConfig } from "../_config.ts";

Deno.test("readConfig() resolves [strategy] from any of its spellings", async (t) => {
  await using dir = await tempDir();
  const builtin = { kind: "builtin", name: "simple_proportional" };
  const cases: [string, string, object][] = [
    ["module = a built-in name", "module = simple_proportional", builtin],
    ["module = a relative file", "module = ./x.ts", { kind: "file", path: resolve("./x.ts") }],
    ["module = a path without extension", "module = plugins/mine", {
      kind: "file",
      path: resolve("plugins/mine"),
    }],
    ["module = an absolute file", "module = /opt/p.js", { kind: "file", path: "/opt/p.js" }],
    [
      "legacy module with strategy_class",
      "module = arsenal.strategy.simple_proportional_strategy\n" +
      "strategy_class = SimpleProportionalStrategy",
      builtin,
    ],
    [
      "module_class, the original spelling",
      "module_class = simple_proportional_strategy.SimpleProportionalStrategy",
      builtin,
    ],
    ["module_class = a built-in name", "module_class = simple_proportional", builtin],
    [
      "module and module_class agreeing",
      "module = simple_proportional\n" +
      "module_class = simple_proportional_strategy.SimpleProportionalStrategy",
      builtin,
    ],
    ["an unknown name, left for the loader", "module = nope", { kind: "builtin", name: "nope" }],
  ];
  for (const [name, options, expected] of cases) {
    await t.step(name, async () => {
      const { strategyModule, problems, file } = await loadConfig(dir, `[strategy]\n${options}\n`);
      assert.deepEqual(problems, []);
      assert.deepEqual(strategyModule, { ...expected, where: `${file}:2` });
    });
  }
});

Deno.test("readConfig() reports [strategy] spellings it cannot follow", async (t) => {
  await using dir = await tempDir();
  await t.step("module and module_class in conflict", async () => {
    const { problems, config } = await loadConfig(
      dir,
      "[strategy]\nmodule = ./mine.ts\nmodule_class = simple_proportional\n",
    );
    assert.equal(config, undefined);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].option, "module_class");
    assert.match(problems[0].expected, /^conflicts with module = \.\/mine\.ts/);
  });
  await t.step("an unknown module_class says how to load a plugin", async () => {
    const { problems, strategyModule } = await loadConfig(
      dir,
      "[strategy]\nmodule_class = my_strategy.MyStrategy\n",
    );
    assert.equal(strategyModule, undefined);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].value, "my_strategy.MyStrategy");
    assert.match(problems[0].expected, /module = \/path\/to\/plugin\.ts/);
  });
  await t.step("a strategy_class other than the original's", async () => {
    const { problems } = await loadConfig(
      dir,
      "[strategy]\nmodule = simple_proportional\nstrategy_class = GreedyStrategy\n",
    );
    assert.deepEqual(problems.map((p) => [p.option, p.value]), [
      ["strategy_class", "GreedyStrategy"],
    ]);
    assert.match(problems[0].expected, /only SimpleProportionalStrategy/);
  });
});

Deno.test("readConfig() checks the weights file even when other [strategy] options are bad", async () => {
  await using dir = await tempDir();
  const { problems, strategyModule, file } = await loadConfig(
    dir,
    "[strategy]\ndefault_image_weight = -1\nimage_weights_filename = /nonexistent/weights.json\n",
  );
  assert.deepEqual(problems.map((p) => [p.where, p.option]), [
    [`${file}:2`, "default_image_weight"],
    [`${file}:3`, "image_weights_filename"],
  ]);
  assert.deepEqual(strategyModule, { kind: "builtin", name: "simple_proportional", where: file });
});

Deno.test("readConfig() finds module = name in [strategy] plugin_dir; built-in names win", async () => {
  await using dir = await tempDir();
  const plugins = join(dir.path, "plugins");
  await Deno.mkdir(plugins);
  await dir.write("plugins/mine.js", "export default {};\n");
  const mine = await loadConfig(dir, `[strategy]\nplugin_dir = ${plugins}\nmodule = mine\n`);
  assert.deepEqual(mine.problems, []);
  assert.equal(mine.config?.strategyModule.kind, "file");
  assert.equal(
    (mine.config?.strategyModule as { path: string }).path,
    join(plugins, "mine.js"),
  );
  const builtin = await loadConfig(
    dir,
    `[strategy]\nplugin_dir = ${plugins}\nmodule = simple_proportional\n`,
  );
  assert.deepEqual(builtin.config?.strategyModule, {
    kind: "builtin",
    name: "simple_proportional",
    where: `${builtin.file}:3`,
  });
  const missing = await loadConfig(dir, `[strategy]\nplugin_dir = ${plugins}\nmodule = theirs\n`);
  assert.equal(
    (missing.config?.strategyModule as { path: string }).path,
    join(plugins, "theirs.ts"),
  );
});
