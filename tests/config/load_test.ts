import assert from "node:assert/strict";
import { join } from "node:path";
import { z } from "zod";
import { applyEnvironment, readSections } from "../../src/config/load.ts";
import type { RawSections } from "../../src/config/ini_file.ts";
import { ConfigError, type ConfigProblem, formatProblem } from "../../src/runtime/errors.ts";
import { readConfig } from "../../src/setup.ts";
import { tempDir } from "../_helpers.ts";
import { loadConfig, ORIGINAL_STYLE } from "../_config.ts";

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
  const { config, problems } = await loadConfig(dir, ORIGINAL_STYLE(weights));
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
    const { config, problems } = await loadConfig(dir, `[director]\ndry_run = ${text}\n`);
    assert.deepEqual(problems, []);
    assert.equal(config?.director.dry_run, expected, String(text));
  }
});

Deno.test("readConfig() lets ARSENAL_<SECTION>__<OPTION> variables override the file", async (t) => {
  await using dir = await tempDir();
  await t.step("the variable beats the file and is named as where", async () => {
    const { config, raw } = await loadConfig(dir, "[director]\ndry_run = False\n", {
      ARSENAL_DIRECTOR__DRY_RUN: "true",
    });
    assert.equal(config?.director.dry_run, true);
    assert.equal(
      raw.get("director")?.get("dry_run")?.where,
      "environment ARSENAL_DIRECTOR__DRY_RUN",
    );
  });
  await t.step("a variable can set a section the file lacks", async () => {
    const { config } = await loadConfig(dir, "[director]\n", { ARSENAL_IRONIC__PAGE_SIZE: "50" });
    assert.equal(config?.ironic.page_size, 50);
  });
  await t.step("a bad value is a problem pointing at the variable", async () => {
    const { problems } = await loadConfig(dir, "", { ARSENAL_DIRECTOR__POLL_SPACING: "soon" });
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
    const { config, raw } = await loadConfig(dir, "[director]\ndry_run = no\n", env);
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

Deno.test("readSections() reads only the sections handed to it, and their own variables", () => {
  const sections = {
    vault: z.object({
      key: z.string().optional().meta({ env: "ARSENAL_VAULT_KEY" }),
      tries: z.number().int().default(3),
    }),
  };
  const read = readSections(undefined, sections, {
    ARSENAL_VAULT_KEY: "k",
    ARSENAL_DIRECTOR__DRY_RUN: "maybe",
  });
  assert.deepEqual(read.problems, []);
  assert.deepEqual(read.values, { vault: { key: "k", tries: 3 } });
  assert.deepEqual(read.raw.get("vault")?.get("key"), {
    value: "k",
    where: "environment ARSENAL_VAULT_KEY",
  });
  assert.equal(read.raw.get("director")?.get("dry_run")?.value, "maybe");
});

Deno.test("readConfig() reads secrets from <option>_file", async (t) => {
  await using dir = await tempDir();
  await t.step("one trailing newline is stripped and the _file option removed", async () => {
    const secret = await dir.write("pw", "s3cret\n");
    const token = await dir.write("token", "tok\n\n");
    const ironic = await dir.write("ironic", "ir#pw\r\n");
    const { config, problems, raw } = await loadConfig(
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
    const { config } = await loadConfig(dir, "", { ARSENAL_GLANCE__ADMIN_AUTH_TOKEN_FILE: secret });
    assert.equal(config?.glance.admin_auth_token, "from-env");
  });
  await t.step("setting both the option and its _file is a problem", async () => {
    const secret = await dir.write("pw", "s3cret\n");
    const { config, problems } = await loadConfig(
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
    const { problems } = await loadConfig(dir, `[ironic]\nadmin_password_file = ${missing}\n`);
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
    const { problems } = await loadConfig(dir, "[api]\ntoken = s3cret tok!@#\n");
    assertHidden(problems, "s3cret tok");
    assert.equal(problems[0].where, `${dir.path}/arsenal.conf:2`);
  });
  await t.step("in ARSENAL_API_TOKEN and ARSENAL_API__TOKEN", async () => {
    for (const name of ["ARSENAL_API_TOKEN", "ARSENAL_API__TOKEN"]) {
      const { problems } = await loadConfig(dir, "", { [name]: "env s3cret" });
      assertHidden(problems, "s3cret");
      assert.equal(problems[0].where, `environment ${name}`);
    }
  });
  await t.step("in token_file, with a newline too many", async () => {
    const token = await dir.write("token", "file-s3cret\n\n");
    const { problems } = await loadConfig(dir, `[api]\ntoken_file = ${token}\n`);
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

Deno.test("readConfig() returns the problems of every section together", async () => {
  await using dir = await tempDir();
  const { config, problems, file } = await loadConfig(
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
