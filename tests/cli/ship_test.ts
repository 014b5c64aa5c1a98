/** What shipping relies on: healthcheck, version with its commit, and the compile task's errors. */
import assert from "node:assert/strict";
import { apiUrl } from "../../src/cli/healthcheck.ts";
import { compileArgs, explainFailure } from "../../src/build/compile.ts";
import { COMMAND_MODULES } from "../../src/cli/command_modules.ts";
import { PLAN_WORKER_URL } from "../../src/strategy/plan_with.ts";
import { runArsenal } from "../_arsenal.ts";
import { runMain } from "../_run_main.ts";
import { ROOT, tempDir } from "../_helpers.ts";

Deno.test("healthcheck asks /livez or /readyz and exits 0 only on 200", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    return path === "/livez"
      ? Response.json({ status: "ok" })
      : Response.json({ status: "not ready", reason: "no scout answer yet" }, { status: 503 });
  });
  try {
    const url = `http://127.0.0.1:${server.addr.port}`;
    const live = await runMain(["healthcheck", "--url", url]);
    assert.equal(live.code, 0, live.stderr);
    assert.equal(live.stdout, `healthy: GET ${url}/livez: 200 {"status":"ok"}\n`);
    const ready = await runMain(["healthcheck", "--url", url, "--ready"]);
    assert.equal(ready.code, 1);
    assert.match(ready.stdout, /^unhealthy: GET .*\/readyz: 503 .*no scout answer yet/);
  } finally {
    await server.shutdown();
  }
  const closed = await runMain(["healthcheck", "--url", "http://127.0.0.1:1"]);
  assert.equal(closed.code, 1);
  assert.match(closed.stdout, /^unreachable: GET http:\/\/127.0.0.1:1\/livez: /);
});

Deno.test("healthcheck exits 2 for a bad --url and never echoes its credentials", async () => {
  for (const url of ["http://user:pw@[::1", "http://user:pw@127.0.0.1:1", "127.0.0.1:9835"]) {
    const run = await runMain(["healthcheck", "--url", url]);
    assert.equal(run.code, 2, `${url}: ${run.stdout}${run.stderr}`);
    assert.match(run.stderr, /^arsenal: --url: /);
    assert.doesNotMatch(run.stdout + run.stderr, /pw/);
  }
});

Deno.test("healthcheck finds the API from the configuration, or says why it cannot", async () => {
  assert.equal(apiUrl("127.0.0.1", 9835), "http://127.0.0.1:9835");
  assert.equal(apiUrl("0.0.0.0", 80), "http://127.0.0.1:80");
  assert.equal(apiUrl("::", 9835), "http://[::1]:9835");
  assert.equal(apiUrl("fd00::5", 9835), "http://[fd00::5]:9835");
  await using dir = await tempDir();
  const config = await dir.write("arsenal.conf", "[api]\nport = 0\n");
  const run = await runMain(["healthcheck", "--config-file", config]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /port = 0 picks a free port at start: give healthcheck --url/);
});

Deno.test("healthcheck reads only [api]: a running agent is probed though other sections are invalid", async () => {
  await using api = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => Response.json({ status: "ok" }),
  );
  await using dir = await tempDir();
  const config = await dir.write(
    "arsenal.conf",
    `[api]\nport = ${api.addr.port}\n\n[director]\npoll_spacing = soon\n[strategy]\nmodule = nowhere\n`,
  );
  const run = await runMain(["healthcheck", "--config-file", config]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^healthy: GET http:\/\/127\.0\.0\.1:\d+\/livez: 200/);

  const broken = await dir.write("broken.conf", "[api]\nport = none\nnot an option line\n");
  const refused = await runMain(["healthcheck", "--config-file", broken]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /\[api\] port = "none": expected an integer/);
  assert.match(refused.stderr, /broken\.conf:3: .*expected option = value/);
});

Deno.test("healthcheck refuses each bad [api] value in check-config's words, in a process of its own", async () => {
  await using dir = await tempDir();
  const tokenFile = await dir.write("token", "not a token\n");
  const config = await dir.write(
    "arsenal.conf",
    `[api]\nport = 99999\ntoken_file = ${tokenFile}\nread_only = maybe\n`,
  );
  const env = { ARSENAL_API__HOST: "127.0.0.1", ARSENAL_API__PORT: "1.5" };
  // Its own process loads only what the probe needs: the words must not depend on what else is.
  const probe = await runArsenal(["healthcheck", "--config-file", config], { env });
  assert.equal(probe.code, 2, probe.stdout);
  const problems = probe.stderr.split("\n").filter((line) => line.startsWith("  "));
  assert.deepEqual(problems, [
    '  environment ARSENAL_API__PORT: [api] port = "1.5": expected an integer from 0 to 65535',
    `  ${tokenFile} (${config}:3): [api] token (secret, not shown): a bearer token is letters, ` +
    "digits and . _ ~ + / - (then = padding)",
    `  ${config}:4: [api] read_only = "maybe": expected a boolean (true/false, yes/no, on/off, 1/0)`,
  ]);
  const check = await runMain(["check-config", "--config-file", config], { env });
  assert.equal(check.code, 2);
  assert.deepEqual(check.stderr.split("\n").filter((line) => line.includes("[api]")), problems);
});

Deno.test("version names the git commit it runs from", async () => {
  const head = new TextDecoder().decode(
    (await new Deno.Command("git", { args: ["rev-parse", "HEAD"], cwd: ROOT }).output()).stdout,
  ).trim();
  const run = await runMain(["version"]);
  assert.equal(run.code, 0);
  assert.equal(run.stdout, `arsenal 0.1.0 (deno ${Deno.version.deno}, commit ${head})\n`);
});

Deno.test("the compile task embeds the stamp and explains a missing denort", async () => {
  assert.deepEqual(compileArgs(undefined), [
    "compile",
    "--permission-set=arsenal",
    "--include",
    "dist/build_info.json",
    "--include",
    "src/strategy/plan_worker.ts",
    ...Object.values(COMMAND_MODULES).flatMap((module) => ["--include", module]),
    "--output",
    "dist/arsenal",
    "main.ts",
  ]);
  assert.deepEqual(compileArgs("aarch64-unknown-linux-gnu").slice(-5, -1), [
    "--target",
    "aarch64-unknown-linux-gnu",
    "--output",
    "dist/arsenal-aarch64-unknown-linux-gnu",
  ]);
  assert.match(
    explainFailure(
      "error: Download https://dl.deno.land/release/v2.9.6/denort-x.zip failed",
      undefined,
    ),
    /could not download its base runtime \(denort\).*set DENORT_BIN=\/path\/to\/denort/,
  );
  const task = await new Deno.Command(Deno.execPath(), {
    args: ["task", "compile"],
    cwd: ROOT,
    env: { DENORT_BIN: "/nonexistent/denort", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(task.code, 1);
  assert.match(
    new TextDecoder().decode(task.stderr),
    /DENORT_BIN=\/nonexistent\/denort: no such file/,
  );
  const bad = await new Deno.Command(Deno.execPath(), {
    args: ["task", "compile", "--target", "sparc-sun-solaris"],
    cwd: ROOT,
    stderr: "piped",
  }).output();
  assert.equal(bad.code, 2);
  assert.match(new TextDecoder().decode(bad.stderr), /unknown target "sparc-sun-solaris"/);
});

Deno.test("the compile task embeds every command's module, which main.ts imports by a computed name", async () => {
  const args = compileArgs(undefined);
  const included = args.flatMap((arg, i) => arg === "--include" ? [args[i + 1]] : []);
  for (const module of Object.values(COMMAND_MODULES)) {
    assert.ok(included.includes(module), `${module} is not embedded`);
    assert.ok((await Deno.stat(`${ROOT}${module}`)).isFile, module);
  }
  // Every command module is in the table: main.ts imports no command by a literal name.
  const commands = [...(await Deno.readTextFile(`${ROOT}main.ts`)).matchAll(/case "([a-z-]+)"/g)]
    .map((m) => m[1]);
  assert.deepEqual([...commands, "run"].sort(), Object.keys(COMMAND_MODULES).sort());
  assert.doesNotMatch(
    await Deno.readTextFile(`${ROOT}main.ts`),
    /(?<!typeof )import\("\.\/src\/cli\/(?!start_logging)/,
  );
});

Deno.test("the compile task embeds the plan worker that planWith() starts", async () => {
  const args = compileArgs(undefined);
  const included = args.flatMap((arg, i) => arg === "--include" ? [args[i + 1]] : []);
  const worker = included.find((path) => path.endsWith("plan_worker.ts"));
  assert.ok(worker, `no plan worker among ${included.join(", ")}`);
  assert.equal(new URL(worker, `file://${ROOT}`).href, PLAN_WORKER_URL);
  assert.ok((await Deno.stat(`${ROOT}${worker}`)).isFile);
});

Deno.test("deno.json declares the shipped permissions, and start and compile use them", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  assert.deepEqual(config.permissions.arsenal, { read: true, write: true, net: true, env: true });
  assert.match(config.tasks.start.command, /--permission-set=arsenal/);
  assert.doesNotMatch(config.tasks.start.command, /-A\b|--allow-all/);
  assert.deepEqual(compileArgs(undefined).filter((a) => a.startsWith("--permission")), [
    "--permission-set=arsenal",
  ]);
});
