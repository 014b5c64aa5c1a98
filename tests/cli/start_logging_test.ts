/** startLogging(): the command line and `[DEFAULT]` together, and who is blamed for a bad file. */
import assert from "node:assert/strict";
import { getLogger } from "@logtape/logtape";
import { startLogging } from "../../src/cli/start_logging.ts";
import { type Config, readConfig } from "../../src/setup.ts";
import { ConfigError, UsageError } from "../../src/runtime/errors.ts";
import { closeLogging } from "../../src/runtime/log.ts";
import { tempDir } from "../_helpers.ts";

const FLAGS = { debug: false, logFormat: "text" } as const;

async function configOf(dir: { write(name: string, text: string): Promise<string> }, text: string) {
  const { config, problems } = readConfig(await dir.write("arsenal.conf", text));
  assert.deepEqual(problems, []);
  return config as Config;
}

Deno.test("startLogging() throws a UsageError naming --log-file when it cannot be opened", async () => {
  await using dir = await tempDir();
  const logFile = `${dir.path}/no/such/dir/arsenal.log`;
  const config = await configOf(dir, `[DEFAULT]\nlog_file = ${dir.path}/arsenal.log\n`);
  for (const given of [undefined, config]) {
    await assert.rejects(
      () => startLogging({ ...FLAGS, logFile }, given),
      (e) =>
        e instanceof UsageError && e.message.startsWith(`cannot open the log file ${logFile}: `),
    );
  }
});

Deno.test("startLogging() throws a ConfigError at [DEFAULT] log_file when that cannot be opened", async () => {
  await using dir = await tempDir();
  const logFile = `${dir.path}/no/such/dir/arsenal.log`;
  const config = await configOf(dir, `[DEFAULT]\nlog_file = ${logFile}\n`);
  await assert.rejects(() => startLogging(FLAGS, config), (e) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.problems.length, 1);
    const [problem] = e.problems;
    assert.equal(problem.where, `${config.file}:2`);
    assert.equal(
      `[${problem.section}] ${problem.option} = ${problem.value}`,
      `[DEFAULT] log_file = ${logFile}`,
    );
    assert.match(problem.expected, /^cannot open the log file: /);
    return true;
  });
});

Deno.test("startLogging() takes [DEFAULT] debug, and --log-file over [DEFAULT] log_file", async () => {
  await using dir = await tempDir();
  const fromConfig = `${dir.path}/config.log`;
  const fromFlag = `${dir.path}/flag.log`;
  const config = await configOf(dir, `[DEFAULT]\ndebug = true\nlog_file = ${fromConfig}\n`);
  await startLogging({ ...FLAGS, logFile: fromFlag, logFormat: "json" }, config);
  try {
    getLogger(["arsenal", "test"]).debug("A debug line");
  } finally {
    await closeLogging();
  }
  assert.match(await Deno.readTextFile(fromFlag), /"message":"A debug line"/);
  await assert.rejects(() => Deno.stat(fromConfig), Deno.errors.NotFound);
});
