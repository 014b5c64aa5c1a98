import assert from "node:assert/strict";
import { join } from "node:path";
import { renderEffectiveConfig } from "../src/cli/effective.ts";
import { parseIniText } from "../src/config/ini_file.ts";
import { ConfigError } from "../src/runtime/errors.ts";
import { setup, STRATEGIES, typoWarnings } from "../src/setup.ts";
import { importStrategy } from "../src/strategy/loader.ts";
import { ROOT, tempDir } from "./_helpers.ts";

const plugin = (name: string) => join(ROOT, "tests/_fixtures/plugins", `${name}.ts`);

/** Writes `text` as arsenal.conf, runs setup, and collects the warnings. */
async function run(text: string, env: Record<string, string> = {}) {
  await using dir = await tempDir();
  const file = await dir.write("arsenal.conf", text);
  const warnings: string[] = [];
  try {
    const result = await setup(file, { env, onWarning: (w) => warnings.push(w) });
    return { file, result, warnings };
  } catch (error) {
    return { file, error, warnings };
  }
}

/** The ConfigError a run threw; fails the test if it threw none or something else. */
function configError(outcome: { error?: unknown }): ConfigError {
  assert.ok(outcome.error instanceof ConfigError, `expected a ConfigError, got ${outcome.error}`);
  return outcome.error;
}

Deno.test("setup() on the defaults loads simple_proportional with its defaults", async () => {
  const warnings: string[] = [];
  const { config, strategy, strategyOptions } = await setup(undefined, {
    onWarning: (w) => warnings.push(w),
  });
  assert.equal(config.file, undefined);
  assert.equal(strategy.strategy.name, "simple_proportional");
  assert.equal(strategy.section, "simple_proportional_strategy");
  assert.deepEqual(strategyOptions, { percentage_to_cache: 0.125 });
  assert.deepEqual(warnings, []);
});

Deno.test("setup() reads percentage_to_cache from the file and the environment", async () => {
  const fromFile = await run("[simple_proportional_strategy]\npercentage_to_cache = 0.5\n");
  assert.deepEqual(fromFile.result?.strategyOptions, { percentage_to_cache: 0.5 });
  const fromEnv = await run("[simple_proportional_strategy]\npercentage_to_cache = 0.5\n", {
    ARSENAL_SIMPLE_PROPORTIONAL_STRATEGY__PERCENTAGE_TO_CACHE: ".25",
  });
  assert.deepEqual(fromEnv.result?.strategyOptions, { percentage_to_cache: 0.25 });
});

Deno.test("setup() rejects an invalid percentage_to_cache with a precise problem", async (t) => {
  for (const value of ["1.5", "-0.1", "nan", "abc"]) {
    await t.step(value, async () => {
      const outcome = await run(`[simple_proportional_strategy]\npercentage_to_cache = ${value}\n`);
      const error = configError(outcome);
      assert.deepEqual(error.problems, [{
        where: `${outcome.file}:2`,
        section: "simple_proportional_strategy",
        option: "percentage_to_cache",
        value,
        expected: "expected a number from 0 to 1",
      }]);
    });
  }
});

Deno.test("setup() reports core and plugin-section problems in one ConfigError", async () => {
  const outcome = await run(
    "[director]\npoll_spacing = 0\ndry_run = sometimes\n" +
      "[simple_proportional_strategy]\npercentage_to_cache = 2\n" +
      "[ironic]\napi_version = latest\n",
  );
  const error = configError(outcome);
  assert.equal(error.problems.length, 4);
  assert.deepEqual(
    error.problems.map((p) => `${p.section} ${p.option}`).sort(),
    [
      "director dry_run",
      "director poll_spacing",
      "ironic api_version",
      "simple_proportional_strategy percentage_to_cache",
    ],
  );
  const lines = error.message.split("\n");
  assert.equal(lines[0], "Invalid configuration (4 problems):");
  assert.equal(lines.length, 5);
  assert.ok(
    lines.includes(
      `  ${outcome.file}:5: [simple_proportional_strategy] percentage_to_cache = "2": ` +
        "expected a number from 0 to 1",
    ),
    error.message,
  );
  assert.ok(
    lines.includes(`  ${outcome.file}:2: [director] poll_spacing = "0": expected an integer >= 1`),
  );
});

Deno.test("setup() warns of unknown sections and options without failing", async () => {
  const { result, warnings, file } = await run(
    "[directr]\ndry_run = true\n[director]\ndry_rn = true\n[zzz_custom]\nx = 1\n" +
      "[simple_proportional_strategy]\npercentage_to_cach = 0.3\n",
  );
  assert.ok(result, "setup succeeded");
  assert.deepEqual(warnings, [
    `${file}:2: unknown section [directr] is ignored; did you mean [director]?`,
    `${file}:4: unknown option [director] dry_rn is ignored; did you mean dry_run?`,
    `${file}:6: unknown section [zzz_custom] is ignored`,
    `${file}:8: unknown option [simple_proportional_strategy] percentage_to_cach is ignored; ` +
    "did you mean percentage_to_cache?",
  ]);
  assert.equal(result.config.director.dry_run, false);
});

Deno.test("setup() notes that [nova] api_max_retries and api_retry_interval have no effect", async () => {
  const { result, warnings, file } = await run(
    "[nova]\napi_max_retries = 5\n[ironic]\napi_max_retries = 5\napi_retry_interval = 1\n",
    { ARSENAL_NOVA__API_RETRY_INTERVAL: "1" },
  );
  assert.ok(result, "setup succeeded: the options are accepted");
  assert.equal(result.config.nova.api_max_retries, 5);
  const why = "(accepted for compatibility): Arsenal only reads from Nova, and reads are " +
    "retried under [client_wrapper] call_max_retries and call_retry_interval";
  assert.deepEqual(warnings, [
    `${file}:2: [nova] api_max_retries has no effect ${why}`,
    `environment ARSENAL_NOVA__API_RETRY_INTERVAL: [nova] api_retry_interval has no effect ${why}`,
  ]);
});

Deno.test("setup() warns of ARSENAL_ variables that name no option, naming the one to use", async () => {
  const { result, warnings } = await run("", {
    ARSENAL_DIRECTOR_DRY_RUN: "true",
    ARSENAL_API_TOKEN_FILE: "/run/secrets/token",
    ARSENAL_API_TOKN: "s3cret-value",
    ARSENAL_XYZZY: "1",
    ARSENAL_DIRECTOR__DRYRUN: "true",
    ARSENAL_DIRECTR__DRY_RUN: "true",
    // Arsenal's own, or not Arsenal's at all: no warning.
    ARSENAL_API_TOKEN: "tok",
    ARSENAL_SIMPLE_PROPORTIONAL_STRATEGY__PERCENTAGE_TO_CACHE: "0.5",
    ARSENAL_OPENSTACK_TESTS: "1",
    ARSENAL_OPENSTACK_COMMAND: "dist/arsenal",
    arsenal_director__dry_run: "true",
    PATH: "/bin",
  });
  assert.ok(result, "setup succeeded");
  assert.equal(result.config.director.dry_run, false);
  const unused = "is ignored: options are set by ARSENAL_<SECTION>__<OPTION>";
  assert.deepEqual(warnings, [
    `environment ARSENAL_DIRECTOR_DRY_RUN ${unused}; did you mean ARSENAL_DIRECTOR__DRY_RUN?`,
    `environment ARSENAL_API_TOKEN_FILE ${unused}; did you mean ARSENAL_API__TOKEN_FILE?`,
    `environment ARSENAL_API_TOKN ${unused}; did you mean ARSENAL_API_TOKEN?`,
    `environment ARSENAL_XYZZY ${unused}`,
    "environment ARSENAL_DIRECTOR__DRYRUN: unknown option [director] dryrun is ignored; " +
    "did you mean ARSENAL_DIRECTOR__DRY_RUN?",
    "environment ARSENAL_DIRECTR__DRY_RUN: unknown section [directr] is ignored; " +
    "did you mean ARSENAL_DIRECTOR__DRY_RUN?",
  ]);
  assert.ok(!warnings.join("\n").includes("s3cret"));
});

Deno.test("setup() reads 300,000 unknown options, giving 20 warnings and a count", async () => {
  const lines = Array.from({ length: 300_000 }, (_, i) => `unknown_option_${i} = x`);
  const { result, warnings, file } = await run(`[director]\n${lines.join("\n")}\n`);
  assert.ok(result, "setup succeeded");
  assert.equal(warnings.length, 21);
  assert.equal(warnings[0], `${file}:2: unknown option [director] unknown_option_0 is ignored`);
  assert.equal(warnings[20], "... and 299,980 more warnings");
});

Deno.test("setup() reports 300,000 malformed lines in a ConfigError that lists 20", async () => {
  const lines = Array.from({ length: 300_000 }, (_, i) => `malformed_${i}`);
  const outcome = await run(`[director]\n${lines.join("\n")}\n`);
  const error = configError(outcome);
  assert.equal(error.problems.length, 300_000);
  const listed = error.message.split("\n");
  assert.equal(listed[0], "Invalid configuration (300000 problems):");
  assert.equal(listed.length, 22);
  assert.match(listed[1], /:2: "malformed_0": expected option = value$/);
  assert.equal(listed[21], "  ... and 299,980 more");
});

Deno.test("setup() passes on the file's warnings: a repeated option, an inline comment", async () => {
  const { result, warnings, file } = await run(
    "[director]\ndry_run = true\ndry_run = false\npoll_spacing = 60 # a minute\n",
  );
  assert.equal(result, undefined, "60 # a minute is no integer");
  assert.deepEqual(warnings.map((w) => w.split(": ").slice(0, 2).join(": ")), [
    `${file}:3: [director] dry_run is set again (first at ${file}:2); the last value is used`,
    `${file}:4: [director] poll_spacing`,
  ]);
});

Deno.test("setup() warns even when it then fails", async () => {
  const outcome = await run("[directr]\nx = 1\n[director]\npoll_spacing = never\n");
  assert.equal(configError(outcome).problems.length, 1);
  assert.equal(outcome.warnings.length, 1);
  assert.match(outcome.warnings[0], /did you mean \[director\]\?/);
});

Deno.test("setup() loads a plugin file and validates its own section", async (t) => {
  await t.step("its options are read from [fixed_share]", async () => {
    const { result, warnings } = await run(
      `[strategy]\nmodule = ${plugin("fixed_share")}\n[fixed_share]\nshare = 0.25\nimage = x\n`,
    );
    assert.deepEqual(warnings, []);
    assert.equal(result?.strategy.strategy.name, "fixed_share");
    assert.equal(result?.strategy.module, plugin("fixed_share"));
    assert.deepEqual(result?.strategyOptions, { share: 0.25, image: "x" });
  });
  await t.step("a bad value there is a problem", async () => {
    const outcome = await run(
      `[strategy]\nmodule = ${plugin("fixed_share")}\n[fixed_share]\nshare = 2\n`,
    );
    assert.deepEqual(configError(outcome).problems, [{
      where: `${outcome.file}:4`,
      section: "fixed_share",
      option: "share",
      value: "2",
      expected: "expected a number from 0 to 1",
    }]);
  });
  await t.step("[simple_proportional_strategy] is then ignored, with a warning", async () => {
    const { result, warnings, file } = await run(
      `[strategy]\nmodule = ${plugin("fixed_share")}\n` +
        "[simple_proportional_strategy]\npercentage_to_cache = 5\n",
    );
    assert.ok(result, "an ignored section is not validated");
    assert.deepEqual(warnings, [
      `${file}:4: section [simple_proportional_strategy] is ignored: it configures strategy ` +
      `"simple_proportional", and the active strategy is "fixed_share"`,
    ]);
  });
});

Deno.test("setup() never shows a plugin option marked secret, valid or not", async (t) => {
  const conf = (key: string) =>
    `[strategy]\nmodule = ${plugin("with_secret")}\n[with_secret]\napi_key = ${key}\n`;
  await t.step("an invalid one is reported without its value", async () => {
    const error = configError(await run(conf("not valid s3cret")));
    assert.ok(!error.message.includes("s3cret"), error.message);
    assert.match(error.message, /\[with_secret\] api_key \(secret, not shown\): letters only/);
  });
  await t.step("a valid one is redacted in the effective configuration", async () => {
    const { result } = await run(conf("goodsecret"));
    assert.ok(result);
    const text = renderEffectiveConfig(result);
    assert.ok(!text.includes("goodsecret"), text);
    assert.match(text, /^api_key = <redacted>$/m);
    assert.match(text, /^label = x$/m);
  });
});

Deno.test("setup() reports a plugin that cannot be used as a problem on [strategy] module", async (t) => {
  const cases: [string, string, RegExp][] = [
    [
      "a missing file",
      join(ROOT, "tests/_fixtures/plugins/missing.ts"),
      /^cannot read the plugin file/,
    ],
    ["no default export", plugin("no_default"), /^module has no default export$/],
    ["not a strategy", plugin("not_a_strategy"), /^default export is not a strategy: .*version/],
    [
      "throws on import",
      plugin("throws_on_import"),
      /^module failed to load: .*boom while importing/,
    ],
    ["an unknown built-in", "no_such_strategy", /^no built-in strategy has this name/],
  ];
  for (const [name, module, reason] of cases) {
    await t.step(name, async () => {
      const outcome = await run(
        `[strategy]\nmodule = ${module}\n[director]\npoll_spacing = 0\n`,
      );
      const error = configError(outcome);
      assert.equal(error.problems.length, 2, error.message);
      const problem = error.problems.find((p) => p.option === "module");
      assert.ok(problem, error.message);
      assert.equal(problem.where, `${outcome.file}:2`);
      assert.equal(problem.section, "strategy");
      assert.equal(problem.value, module);
      assert.match(problem.expected, reason);
    });
  }
});

Deno.test("typoWarnings() is silent for known sections and options", async () => {
  const { sections } = parseIniText(
    "[DEFAULT]\ndebug = 1\n[director]\ndry_run = 1\n[simple_proportional_strategy]\n" +
      "percentage_to_cache = 0.1\n[glance]\napi_version = 2\n",
    "a.conf",
  );
  const active = await importStrategy({ kind: "builtin", name: "simple_proportional" }, STRATEGIES);
  assert.deepEqual(typoWarnings(sections, active), []);
});

Deno.test("typoWarnings() counts only the active strategy's section as known", async () => {
  const { sections } = parseIniText("[fixed_share]\nshare = 0.5\nshar = 1\n", "a.conf");
  const active = await importStrategy({ kind: "file", path: plugin("fixed_share") }, STRATEGIES);
  assert.deepEqual(typoWarnings(sections, active), [
    "a.conf:3: unknown option [fixed_share] shar is ignored; did you mean share?",
  ]);
  assert.deepEqual(typoWarnings(sections, undefined), [
    "a.conf:2: unknown section [fixed_share] is ignored",
  ]);
});

Deno.test("setup() validates the plugin's section even when [strategy] has a bad weight", async () => {
  // [strategy] module is fine; only default_image_weight is wrong, so the plugin can be known.
  const outcome = await run(
    "[strategy]\ndefault_image_weight = -1\n[simple_proportional_strategy]\n" +
      "percentage_to_cache = 2\n",
  );
  const error = configError(outcome);
  assert.deepEqual(error.problems.map((p) => p.option).sort(), [
    "default_image_weight",
    "percentage_to_cache",
  ]);
});

Deno.test("setup() does not call a secret's _file option unknown", async () => {
  for (
    const text of ["os_password_file = /nonexistent/pw", "os_password = a\nos_password_file = b"]
  ) {
    const outcome = await run(`[client_wrapper]\n${text}\n`);
    assert.equal(configError(outcome).problems.length, 1);
    assert.deepEqual(outcome.warnings, [], text);
  }
});
