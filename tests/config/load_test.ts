import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { applyEnvironment, readConfig, readImageWeights } from "../../src/config/load.ts";
import { REDACTED, renderEffectiveConfig } from "../../src/config/effective.ts";
import { parseIniText, type RawSections } from "../../src/config/ini_file.ts";
import { ConfigError, type ConfigProblem, formatProblem } from "../../src/runtime/errors.ts";
import { setup } from "../../src/setup.ts";
import { ROOT, tempDir } from "../_helpers.ts";

type Dir = Awaited<ReturnType<typeof tempDir>>;

/** Writes `text` as arsenal.conf in `dir` and reads it. */
async function load(dir: Dir, text: string, env: Record<string, string> = {}) {
  const file = await dir.write("arsenal.conf", text);
  return { file, ...readConfig(file, env) };
}

/** A config written the way the original Arsenal's deployments wrote theirs. */
const ORIGINAL_STYLE = (weights: string) => `
[DEFAULT]
debug = False
verbose = True
log_file = /var/log/arsenal/arsenal.log

[director]
scout = onmetal_scout.OnMetalScout
dry_run = True
poll_spacing = 60
directive_spacing = 300
cache_directive_rate_limit = 25
cache_directive_limiting_period = 600
eject_directive_rate_limit = 10
eject_directive_limiting_period = 900
log_statistics = False

[strategy]
module_class = simple_proportional_strategy.SimpleProportionalStrategy
image_weights_filename = ${weights}
default_image_weight = 2

[client_wrapper]
os_username = arsenal
os_password = s3cr#t;pw
os_api_url = https://identity.example.com:5000/v3
os_tenant_name = 123456
os_tenant_id = 123456
region_name = IAD
call_max_retries = 5
call_retry_interval = 3
auth_system = rackspace

[nova]
admin_username = arsenal
admin_url = https://identity.example.com:5000/v3
api_max_retries = 10

[ironic]
admin_username = ironic
admin_password = 'quoted pw'
admin_url = https://identity.example.com:5000/v3
admin_tenant_name = service
api_endpoint = https://ironic.example.com:6385/

[glance]
api_endpoint: https://glance.example.com:9292
admin_auth_token = tok-123
`;

Deno.test("readConfig(undefined) gives the original Arsenal's defaults, on the simulator", () => {
  const { config, problems, strategyModule } = readConfig(undefined);
  assert.deepEqual(problems, []);
  assert.ok(config);
  assert.equal(config.file, undefined);
  assert.deepEqual(
    { ...config.director },
    {
      scout: "simulator",
      // The simulator's spacings are seconds; the original's 120 apply to real scouts.
      poll_spacing: 10,
      directive_spacing: 5,
      poll_jitter: 0,
      directive_jitter: 0,
      directive_concurrency: 8,
      shutdown_grace_period: 30,
      dry_run: false,
      cache_directive_rate_limit: 0,
      cache_directive_limiting_period: 300,
      eject_directive_rate_limit: 0,
      eject_directive_limiting_period: 300,
      log_statistics: true,
    },
  );
  assert.equal(config.strategy.default_image_weight, 1);
  assert.equal(
    config.strategy.module_class,
    "simple_proportional_strategy.SimpleProportionalStrategy",
  );
  assert.deepEqual(strategyModule, {
    kind: "builtin",
    name: "simple_proportional",
    where: "(defaults)",
  });
  assert.equal(config.client_wrapper.call_max_retries, 60);
  assert.equal(config.client_wrapper.call_retry_interval, 2);
  assert.equal(config.client_wrapper.auth_system, "keystone");
  assert.equal(config.ironic.api_version, 1);
  assert.equal(config.glance.api_version, 2);
  assert.equal(config.DEFAULT.debug, false);
  assert.equal(config.imageWeights.byName.size, 0);
  assert.equal(config.imageWeights.defaultWeight, 1);
});

Deno.test("readConfig() loads a config written in the original Arsenal's style", async () => {
  await using dir = await tempDir();
  const weights = await dir.write("weights.json", '{"Ubuntu 14.04": 80, "CentOS 7": 20}');
  const { config, problems } = await load(dir, ORIGINAL_STYLE(weights));
  assert.deepEqual(problems, []);
  assert.ok(config);
  assert.equal(config.director.scout, "onmetal_scout.OnMetalScout");
  assert.equal(config.director.dry_run, true);
  assert.equal(config.director.log_statistics, false);
  assert.equal(config.director.eject_directive_limiting_period, 900);
  assert.deepEqual(config.strategyModule.kind, "builtin");
  assert.equal(config.client_wrapper.os_password, "s3cr#t;pw");
  assert.equal(config.client_wrapper.auth_system, "rackspace");
  assert.equal(config.nova.api_max_retries, 10);
  assert.equal(config.ironic.admin_password, "quoted pw");
  assert.equal(config.ironic.api_endpoint, "https://ironic.example.com:6385/");
  assert.equal(config.glance.api_endpoint, "https://glance.example.com:9292");
  assert.equal(config.glance.admin_auth_token, "tok-123");
  assert.equal(config.DEFAULT.verbose, true);
  assert.deepEqual([...config.imageWeights.byName], [["Ubuntu 14.04", 80], ["CentOS 7", 20]]);
  assert.equal(config.imageWeights.defaultWeight, 2);
});

Deno.test("readConfig() reads booleans in every oslo.config spelling", async () => {
  await using dir = await tempDir();
  for (const [text, expected] of [["True", true], ["no", false], ["ON", true], ["0", false]]) {
    const { config, problems } = await load(dir, `[director]\ndry_run = ${text}\n`);
    assert.deepEqual(problems, []);
    assert.equal(config?.director.dry_run, expected, String(text));
  }
});

Deno.test("readConfig() lets ARSENAL_<SECTION>__<OPTION> variables override the file", async (t) => {
  await using dir = await tempDir();
  await t.step("the variable beats the file and is named as where", async () => {
    const { config, raw } = await load(dir, "[director]\ndry_run = False\n", {
      ARSENAL_DIRECTOR__DRY_RUN: "true",
    });
    assert.equal(config?.director.dry_run, true);
    assert.equal(
      raw.get("director")?.get("dry_run")?.where,
      "environment ARSENAL_DIRECTOR__DRY_RUN",
    );
  });
  await t.step("a variable can set a section the file lacks", async () => {
    const { config } = await load(dir, "[director]\n", { ARSENAL_IRONIC__PAGE_SIZE: "50" });
    assert.equal(config?.ironic.page_size, 50);
  });
  await t.step("a bad value is a problem pointing at the variable", async () => {
    const { problems } = await load(dir, "", { ARSENAL_DIRECTOR__POLL_SPACING: "soon" });
    assert.deepEqual(problems.map((p) => [p.where, p.option, p.value]), [
      ["environment ARSENAL_DIRECTOR__POLL_SPACING", "poll_spacing", "soon"],
    ]);
  });
  await t.step("other names are ignored", async () => {
    const env = {
      ARSENAL_DRY_RUN: "true",
      DIRECTOR__DRY_RUN: "true",
      arsenal_director__dry_run: "true",
      XARSENAL_DIRECTOR__DRY_RUN: "true",
      PATH: "/bin",
    };
    const { config, raw } = await load(dir, "[director]\ndry_run = no\n", env);
    assert.equal(config?.director.dry_run, false);
    assert.deepEqual([...raw.keys()], ["director"]);
  });
});

Deno.test("applyEnvironment() normalises section and option names", () => {
  const sections: RawSections = new Map();
  applyEnvironment(sections, {
    ARSENAL_DEFAULT__DEBUG: "1",
    ARSENAL_Client_Wrapper__OS_USERNAME: "admin",
    ARSENAL_SIMPLE_PROPORTIONAL_STRATEGY__PERCENTAGE_TO_CACHE: "0.5",
  });
  assert.deepEqual(sections.get("DEFAULT")?.get("debug")?.value, "1");
  assert.deepEqual(sections.get("client_wrapper")?.get("os_username"), {
    value: "admin",
    where: "environment ARSENAL_Client_Wrapper__OS_USERNAME",
  });
  assert.equal(
    sections.get("simple_proportional_strategy")?.get("percentage_to_cache")?.value,
    "0.5",
  );
});

Deno.test("readConfig() reads secrets from <option>_file", async (t) => {
  await using dir = await tempDir();
  await t.step("one trailing newline is stripped and the _file option removed", async () => {
    const secret = await dir.write("pw", "s3cret\n");
    const token = await dir.write("token", "tok\n\n");
    const ironic = await dir.write("ironic", "ir#pw\r\n");
    const { config, problems, raw } = await load(
      dir,
      `[client_wrapper]\nos_password_file = ${secret}\nos_auth_token_file = ${token}\n` +
        `[ironic]\nadmin_password =\nadmin_password_file = ${ironic}\n`,
    );
    assert.deepEqual(problems, []);
    assert.equal(config?.client_wrapper.os_password, "s3cret");
    assert.equal(config?.client_wrapper.os_auth_token, "tok\n");
    assert.equal(config?.ironic.admin_password, "ir#pw");
    assert.equal(raw.get("client_wrapper")?.has("os_password_file"), false);
    assert.equal(raw.get("ironic")?.has("admin_password_file"), false);
    assert.match(raw.get("client_wrapper")?.get("os_password")?.where ?? "", /pw \(.*:2\)$/);
  });
  await t.step("the _file option may come from the environment", async () => {
    const secret = await dir.write("env_pw", "from-env");
    const { config } = await load(dir, "", { ARSENAL_GLANCE__ADMIN_AUTH_TOKEN_FILE: secret });
    assert.equal(config?.glance.admin_auth_token, "from-env");
  });
  await t.step("setting both the option and its _file is a problem", async () => {
    const secret = await dir.write("pw", "s3cret\n");
    const { config, problems } = await load(
      dir,
      `[client_wrapper]\nos_password = inline\nos_password_file = ${secret}\n`,
    );
    assert.equal(config, undefined);
    assert.deepEqual(problems, [{
      where: `${dir.path}/arsenal.conf:3`,
      section: "client_wrapper",
      option: "os_password_file",
      expected: "set either os_password or os_password_file, not both",
    }]);
  });
  await t.step("an unreadable secret file is a problem naming the option", async () => {
    const missing = join(dir.path, "no_such_secret");
    const { problems } = await load(dir, `[ironic]\nadmin_password_file = ${missing}\n`);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].section, "ironic");
    assert.equal(problems[0].option, "admin_password_file");
    assert.equal(problems[0].value, missing);
    assert.match(problems[0].expected, /^cannot read the secret file/);
  });
});

Deno.test("readConfig() reports an invalid secret without its value, however it was given", async (t) => {
  await using dir = await tempDir();
  /** Fails if `secret` appears anywhere in what an operator could see of `problems`. */
  const assertHidden = (problems: readonly ConfigProblem[], secret: string) => {
    assert.equal(problems.length, 1, JSON.stringify(problems));
    const shown = [JSON.stringify(problems), new ConfigError(problems).message];
    for (const text of shown) assert.ok(!text.includes(secret), `${secret} shown: ${text}`);
    assert.equal(problems[0].secret, true);
    assert.match(formatProblem(problems[0]), /\[api\] token \(secret, not shown\): a bearer token/);
  };
  await t.step("in the file", async () => {
    const { problems } = await load(dir, "[api]\ntoken = s3cret tok!@#\n");
    assertHidden(problems, "s3cret tok");
    assert.equal(problems[0].where, `${dir.path}/arsenal.conf:2`);
  });
  await t.step("in ARSENAL_API_TOKEN and ARSENAL_API__TOKEN", async () => {
    for (const name of ["ARSENAL_API_TOKEN", "ARSENAL_API__TOKEN"]) {
      const { problems } = await load(dir, "", { [name]: "env s3cret" });
      assertHidden(problems, "s3cret");
      assert.equal(problems[0].where, `environment ${name}`);
    }
  });
  await t.step("in token_file, with a newline too many", async () => {
    const token = await dir.write("token", "file-s3cret\n\n");
    const { problems } = await load(dir, `[api]\ntoken_file = ${token}\n`);
    assertHidden(problems, "file-s3cret");
    assert.ok(problems[0].where.startsWith(token), problems[0].where);
  });
});

Deno.test("formatProblem() never prints the value of a problem marked secret", () => {
  const line = formatProblem({
    where: "a.conf:2",
    section: "api",
    option: "token",
    value: "leaked",
    secret: true,
    expected: "bad",
  });
  assert.equal(line, "a.conf:2: [api] token (secret, not shown): bad");
});

Deno.test("formatProblem() never prints the credentials of a URL in a value", () => {
  const line = formatProblem({
    where: "a.conf:3",
    section: "ironic",
    option: "api_endpoint",
    value: "ftp://admin:hunter2@ironic.example:6385/",
    expected: "an http:// or https:// URL",
  });
  assert.equal(
    line,
    'a.conf:3: [ironic] api_endpoint = "ftp://<redacted>@ironic.example:6385/": ' +
      "an http:// or https:// URL",
  );
});

/** Writes `json` as a weights file and reads it. */
async function weightsOf(dir: Dir, json: string) {
  const problems: ConfigProblem[] = [];
  const path = await dir.write("weights.json", json);
  const weights = readImageWeights(path, 1, "a.conf:4", problems);
  return { weights, problems, path };
}

Deno.test("readImageWeights() reads a JSON object of image name -> weight", async () => {
  await using dir = await tempDir();
  const { weights, problems } = await weightsOf(dir, '{"a": 3, "b b": 0}');
  assert.deepEqual(problems, []);
  assert.deepEqual(weights, { byName: new Map([["a", 3], ["b b", 0]]), defaultWeight: 1 });
  assert.deepEqual(readImageWeights(undefined, 4, "x", problems), {
    byName: new Map(),
    defaultWeight: 4,
  });
});

Deno.test("readImageWeights() takes __proto__ and constructor as plain image names", async (t) => {
  await using dir = await tempDir();
  await t.step("their weights are kept", async () => {
    const { weights, problems } = await weightsOf(dir, '{"__proto__": 3, "constructor": 2}');
    assert.deepEqual(problems, []);
    assert.equal(weights.byName.get("constructor"), 2);
    assert.equal(weights.byName.get("__proto__"), 3);
    assert.equal(weights.byName.size, 2);
  });
  await t.step("their bad weights are reported", async () => {
    const { problems } = await weightsOf(dir, '{"__proto__": -3, "constructor": 1.5}');
    assert.deepEqual(problems.map((p) => p.option).sort(), ['"__proto__"', '"constructor"']);
  });
});

Deno.test("readImageWeights() reports what is wrong with a weights file", async (t) => {
  await using dir = await tempDir();
  await t.step("a missing file, with the resolved path of a relative one", () => {
    const problems: ConfigProblem[] = [];
    readImageWeights("no_such_weights.json", 1, "a.conf:4", problems);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].where, "a.conf:4");
    assert.equal(problems[0].section, "strategy");
    assert.equal(problems[0].option, "image_weights_filename");
    assert.ok(problems[0].expected.includes(`resolved to ${resolve("no_such_weights.json")}`));
  });
  await t.step("not JSON; a comment gets a hint", async () => {
    const plain = await weightsOf(dir, "{a: 1}");
    assert.equal(plain.problems.length, 1);
    assert.match(plain.problems[0].expected, /^not valid JSON/);
    assert.doesNotMatch(plain.problems[0].expected, /comments/);
    const commented = await weightsOf(dir, '# weights\n{"a": 1}');
    assert.match(commented.problems[0].expected, /JSON allows no comments$/);
  });
  await t.step("one problem per bad weight, naming its image", async () => {
    const { problems, weights, path } = await weightsOf(
      dir,
      '{"ok": 1, "neg": -1, "frac": 1.5, "text": "2", "big": 1e400}',
    );
    assert.equal(weights.byName.size, 0);
    assert.deepEqual(problems.map((p) => p.option).sort(), [
      '"big"',
      '"frac"',
      '"neg"',
      '"text"',
    ]);
    for (const p of problems) {
      assert.ok(p.where.startsWith(path), p.where);
      assert.match(p.expected, /^expected a non-negative integer weight, got /);
    }
    assert.ok(problems.some((p) => p.expected.endsWith('got "2"')));
    const big = problems.find((p) => p.option === '"big"');
    assert.equal(
      big?.expected,
      "expected a non-negative integer weight, got a number too large to represent (Infinity)",
    );
    assert.ok(problems.some((p) => p.expected.endsWith("got 1.5")));
  });
  await t.step("a JSON array or scalar", async () => {
    for (const json of ['["a", "b"]', "3", "null"]) {
      const { problems } = await weightsOf(dir, json);
      assert.equal(problems.length, 1, json);
      assert.match(problems[0].expected, /^expected a JSON object of image name -> weight/);
    }
  });
});

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
      const { strategyModule, problems, file } = await load(dir, `[strategy]\n${options}\n`);
      assert.deepEqual(problems, []);
      assert.deepEqual(strategyModule, { ...expected, where: `${file}:2` });
    });
  }
});

Deno.test("readConfig() reports [strategy] spellings it cannot follow", async (t) => {
  await using dir = await tempDir();
  await t.step("module and module_class in conflict", async () => {
    const { problems, config } = await load(
      dir,
      "[strategy]\nmodule = ./mine.ts\nmodule_class = simple_proportional\n",
    );
    assert.equal(config, undefined);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].option, "module_class");
    assert.match(problems[0].expected, /^conflicts with module = \.\/mine\.ts/);
  });
  await t.step("an unknown module_class says how to load a plugin", async () => {
    const { problems, strategyModule } = await load(
      dir,
      "[strategy]\nmodule_class = my_strategy.MyStrategy\n",
    );
    assert.equal(strategyModule, undefined);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].value, "my_strategy.MyStrategy");
    assert.match(problems[0].expected, /module = \/path\/to\/plugin\.ts/);
  });
  await t.step("a strategy_class other than the original's", async () => {
    const { problems } = await load(
      dir,
      "[strategy]\nmodule = simple_proportional\nstrategy_class = GreedyStrategy\n",
    );
    assert.deepEqual(problems.map((p) => [p.option, p.value]), [
      ["strategy_class", "GreedyStrategy"],
    ]);
    assert.match(problems[0].expected, /only SimpleProportionalStrategy/);
  });
});

Deno.test("readConfig() returns the problems of every section together", async () => {
  await using dir = await tempDir();
  const { config, problems, file } = await load(
    dir,
    "[director]\npoll_spacing = 0\ndry_run = perhaps\n[strategy]\ndefault_image_weight = -1\n" +
      "[glance]\napi_version = two\n[x\n",
  );
  assert.equal(config, undefined);
  assert.deepEqual(problems.map((p) => p.where).sort(), [
    `${file}:2`,
    `${file}:3`,
    `${file}:5`,
    `${file}:7`,
    `${file}:8`,
  ]);
});

Deno.test("readConfig() checks the weights file even when other [strategy] options are bad", async () => {
  await using dir = await tempDir();
  const { problems, strategyModule, file } = await load(
    dir,
    "[strategy]\ndefault_image_weight = -1\nimage_weights_filename = /nonexistent/weights.json\n",
  );
  assert.deepEqual(problems.map((p) => [p.where, p.option]), [
    [`${file}:2`, "default_image_weight"],
    [`${file}:3`, "image_weights_filename"],
  ]);
  assert.deepEqual(strategyModule, { kind: "builtin", name: "simple_proportional", where: file });
});

Deno.test("readConfig() reports an unreadable file as one problem", async () => {
  await using dir = await tempDir();
  for (const file of [join(dir.path, "missing.conf"), dir.path]) {
    const { config, problems } = readConfig(file);
    assert.equal(config, undefined);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].where, file);
    assert.match(problems[0].expected, /^cannot read the file: /);
  }
});

Deno.test("renderEffectiveConfig() shows values in force, secrets redacted", async () => {
  await using dir = await tempDir();
  const weights = await dir.write("weights.json", '{"Ubuntu": 5}');
  const token = await dir.write("token", "file-token-xyz\n");
  const file = await dir.write(
    "arsenal.conf",
    ORIGINAL_STYLE(weights) + `\n[nova]\nadmin_auth_token_file = ${token}\n`,
  );
  const text = renderEffectiveConfig(await setup(file));
  for (const secret of ["s3cr#t;pw", "quoted pw", "tok-123", "file-token-xyz"]) {
    assert.ok(!text.includes(secret), `${secret} is shown`);
  }
  const { sections, problems } = parseIniText(text, "effective");
  assert.deepEqual(problems, []);
  const value = (s: string, o: string) => sections.get(s)?.get(o)?.value;
  assert.equal(value("client_wrapper", "os_password"), REDACTED);
  assert.equal(value("nova", "admin_auth_token"), REDACTED);
  assert.equal(value("ironic", "admin_password"), REDACTED);
  assert.equal(value("glance", "admin_auth_token"), REDACTED);
  assert.equal(value("client_wrapper", "os_username"), "arsenal");
  assert.equal(value("nova", "admin_password"), undefined);
  assert.equal(value("strategy", "module"), "simple_proportional");
  assert.equal(value("strategy", "module_class"), undefined);
  assert.equal(value("strategy", "image_weights_filename"), weights);
  assert.equal(value("director", "poll_spacing"), "60");
  assert.equal(value("director", "dry_run"), "true");
  assert.equal(value("glance", "api_version"), "2");
  assert.equal(value("simple_proportional_strategy", "percentage_to_cache"), "0.125");
  assert.match(text, new RegExp(`^# Effective configuration of ${file}\n`));
  assert.match(text, /# Image weights: 1 image name\(s\) listed, others weigh 2/);
});

Deno.test("renderEffectiveConfig() shows a plugin file's path and its own section", async () => {
  await using dir = await tempDir();
  const plugin = join(ROOT, "tests/_fixtures/plugins/fixed_share.ts");
  const file = await dir.write("arsenal.conf", `[strategy]\nmodule = ${plugin}\n`);
  const { sections } = parseIniText(renderEffectiveConfig(await setup(file)), "effective");
  assert.equal(sections.get("strategy")?.get("module")?.value, plugin);
  assert.equal(sections.get("fixed_share")?.get("share")?.value, "0.5");
  assert.equal(sections.has("simple_proportional_strategy"), false);
  assert.equal(sections.get("director")?.get("poll_spacing")?.value, "10");
});

Deno.test("readConfig() keeps the original's spacings for real scouts and given ones for the simulator", async () => {
  await using dir = await tempDir();
  const real = await load(
    dir,
    "[director]\nscout = onmetal_scout.OnMetalScout\n[client_wrapper]\nauth_type = noauth\n" +
      "[ironic]\napi_endpoint = http://ironic:6385\n[nova]\napi_endpoint = http://nova:8774\n" +
      "[glance]\napi_endpoint = http://glance:9292\n",
  );
  assert.deepEqual(real.problems, []);
  assert.deepEqual([real.config?.director.poll_spacing, real.config?.director.directive_spacing], [
    120,
    120,
  ]);
  const given = await load(dir, "[director]\npoll_spacing = 30\n");
  assert.deepEqual(
    [given.config?.director.poll_spacing, given.config?.director.directive_spacing],
    [30, 5],
  );
});

Deno.test("readConfig() refuses an API beyond loopback without a token, unless read-only", async () => {
  await using dir = await tempDir();
  const open = await load(dir, "[api]\nhost = 0.0.0.0\n");
  assert.deepEqual(open.problems.map((p) => [p.where, p.option, p.value]), [[
    `${open.file}:2`,
    "host",
    "0.0.0.0",
  ]]);
  assert.match(open.problems[0].expected, /needs a token .* or read_only = true/);
  assert.deepEqual((await load(dir, "[api]\nhost = 0.0.0.0\nread_only = true\n")).problems, []);
  const token = await load(dir, "[api]\nhost = ::\n", { ARSENAL_API_TOKEN: "s3cret" });
  assert.deepEqual(token.problems, []);
  assert.equal(token.config?.api.token, "s3cret");
  assert.deepEqual((await load(dir, "[api]\nhost = localhost\n")).problems, []);
});

Deno.test("readConfig() finds module = name in [strategy] plugin_dir; built-in names win", async () => {
  await using dir = await tempDir();
  const plugins = join(dir.path, "plugins");
  await Deno.mkdir(plugins);
  await dir.write("plugins/mine.js", "export default {};\n");
  const mine = await load(dir, `[strategy]\nplugin_dir = ${plugins}\nmodule = mine\n`);
  assert.deepEqual(mine.problems, []);
  assert.equal(mine.config?.strategyModule.kind, "file");
  assert.equal(
    (mine.config?.strategyModule as { path: string }).path,
    join(plugins, "mine.js"),
  );
  const builtin = await load(
    dir,
    `[strategy]\nplugin_dir = ${plugins}\nmodule = simple_proportional\n`,
  );
  assert.deepEqual(builtin.config?.strategyModule, {
    kind: "builtin",
    name: "simple_proportional",
    where: `${builtin.file}:3`,
  });
  const missing = await load(dir, `[strategy]\nplugin_dir = ${plugins}\nmodule = theirs\n`);
  assert.equal(
    (missing.config?.strategyModule as { path: string }).path,
    join(plugins, "theirs.ts"),
  );
});

Deno.test("readConfig() reads [strategy] plan_timeout in whole seconds, 60 by default", async (t) => {
  assert.equal(readConfig(undefined).config?.strategy.plan_timeout, 60);
  await using dir = await tempDir();
  const { config } = await load(dir, "[strategy]\nplan_timeout = 5\n");
  assert.equal(config?.strategy.plan_timeout, 5);
  for (const bad of ["0", "1.5", "soon", "3601"]) {
    await t.step(bad, async () => {
      const { problems, file } = await load(dir, `[strategy]\nplan_timeout = ${bad}\n`);
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.equal(problems[0].where, `${file}:2`);
      assert.equal(problems[0].option, "plan_timeout");
      assert.match(problems[0].expected, /integer/);
    });
  }
});
