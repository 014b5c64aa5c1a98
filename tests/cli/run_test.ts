/**
 * `arsenal run` end to end: the agent as a process of its own on a free port, driven over HTTP and
 * by signals; what ends before the agent runs (refused configurations, `--once`) runs in-process.
 */
import assert from "node:assert/strict";
import { FakeOpenStack } from "../_fakes/openstack.ts";
import { promtoolCheckMetrics } from "../_fakes/promtool.ts";
import { startArsenal } from "../_arsenal.ts";
import { runMain } from "../_run_main.ts";
import { ROOT, SIMULATED_AGENT as CONFIG, tempDir } from "../_helpers.ts";

/** Polls `url` until it answers 200 (bounded). */
async function until200(url: string): Promise<Response> {
  for (let tries = 0; tries < 250; tries++) {
    const response = await fetch(url);
    if (response.ok) return response;
    await response.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${url} never answered 200`);
}

Deno.test("arsenal run serves health, metrics, plan and toggles, and stops on SIGTERM", async () => {
  await using dir = await tempDir();
  await using agent = await startArsenal(await dir.write("arsenal.conf", CONFIG));

  assert.deepEqual(await (await until200(`${agent.url}/readyz`)).json(), { status: "ready" });
  assert.deepEqual(await (await fetch(`${agent.url}/livez`)).json(), { status: "ok" });

  const metrics = await (await fetch(`${agent.url}/metrics`)).text();
  assert.match(metrics, /^arsenal_build_info\{.*scout="simulator".*\} 1$/m);
  assert.match(metrics, /^arsenal_nodes\{flavor="baremetal-small",state="available"\} \d+$/m);
  assert.equal(await promtoolCheckMetrics(metrics), "");

  const before = await fetch(`${agent.url}/v1/runtime`);
  const etag = before.headers.get("etag")!;
  await before.body?.cancel();
  const patched = await fetch(`${agent.url}/v1/runtime?reason=e2e`, {
    method: "PATCH",
    headers: { "content-type": "application/merge-patch+json", "if-match": etag },
    body: JSON.stringify({ dry_run: true, strategy: { percentage_to_cache: 1 } }),
  });
  assert.equal(patched.status, 200);
  assert.notEqual(patched.headers.get("etag"), etag);
  await patched.body?.cancel();

  const cycle = await fetch(`${agent.url}/v1/cycle`, { method: "POST" });
  assert.equal(cycle.status, 200);
  const record = await cycle.json();
  assert.equal(record.dryRun, true);
  assert.ok(record.directives.length > 0, "at 100% there is caching to plan");
  assert.ok(record.directives.every((d: { outcome: string }) => d.outcome === "dry_run"));

  const plan = await (await fetch(`${agent.url}/v1/plan`)).json();
  assert.equal(plan.dryRun, true);
  assert.match(
    await (await fetch(`${agent.url}/metrics`)).text(),
    /^arsenal_dry_run 1$/m,
  );

  const { code, log } = await agent.stop("SIGTERM");
  assert.equal(code, 0, log);
  assert.match(log, /Runtime setting dry_run changed from false to true \(reason: e2e\)/);
  assert.match(log, /Received SIGTERM/);
  assert.match(log, /Stopped/);
});

Deno.test("arsenal run counts in /metrics what its OpenStack scout reports: requests, resumed ejects", async () => {
  await using dir = await tempDir();
  await using fake = await FakeOpenStack.start();
  fake.addFlavor({ name: "bm.small", extra_specs: { "resources:CUSTOM_BAREMETAL_SMALL": "1" } });
  fake.addImage({ name: "ubuntu" });
  fake.addNodes(2, { resource_class: "baremetal.small" });
  fake.addNodes(1, { resource_class: "baremetal.odd" });
  const [stranded] = fake.addNodes(1, {
    resource_class: "baremetal.small",
    provision_state: "manageable",
    extra: { arsenal_eject: "2026-01-01T00:00:00.000Z" },
    driver_info: { cache_image_id: "retired-image", cache_status: "cached" },
  });
  const config = "[director]\nscout = openstack\ndry_run = true\n[api]\nport = 0\n" +
    `[client_wrapper]\nos_api_url = ${fake.keystoneUrl}\nos_username = admin\n` +
    "os_password = secret\nos_tenant_name = admin\ncall_retry_interval = 0\n" +
    "[ironic]\ncache_method = annotate\napi_retry_interval = 0\n";
  await using agent = await startArsenal(await dir.write("arsenal.conf", config));
  await until200(`${agent.url}/readyz`);
  let metrics = "";
  for (let tries = 0; tries < 250 && !/^arsenal_ejects_resumed_total 1$/m.test(metrics); tries++) {
    metrics = await (await fetch(`${agent.url}/metrics`)).text();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.deepEqual(stranded.history, ["manageable", "cleaning", "available"]);
  assert.match(metrics, /^arsenal_ejects_resumed_total 1$/m, agent.log());
  assert.match(metrics, /^arsenal_unidentified_nodes 1$/m);
  assert.match(
    metrics,
    /^arsenal_upstream_requests_total\{service="baremetal",method="GET",status="200"\} [1-9]/m,
  );
});

Deno.test("arsenal run requires the token on mutating routes, not on read routes", async () => {
  await using dir = await tempDir();
  await using agent = await startArsenal(await dir.write("arsenal.conf", CONFIG), {
    env: { ARSENAL_API_TOKEN: "s3cret-token" },
  });
  await until200(`${agent.url}/readyz`);
  const patch = (headers: Record<string, string>) =>
    fetch(`${agent.url}/v1/runtime`, {
      method: "PATCH",
      headers: { "content-type": "application/json", ...headers },
      body: '{"paused": true}',
    });
  const anonymous = await patch({});
  assert.equal(anonymous.status, 401);
  await anonymous.body?.cancel();
  const wrong = await patch({ authorization: "Bearer nope" });
  assert.equal(wrong.status, 401);
  await wrong.body?.cancel();
  const right = await patch({ authorization: "Bearer s3cret-token" });
  assert.equal(right.status, 200);
  await right.body?.cancel();
  const { code, log } = await agent.stop();
  assert.equal(code, 0);
  assert.doesNotMatch(log, /s3cret-token/, "the token is never logged");
});

Deno.test("arsenal run refuses to listen beyond loopback without a token", async () => {
  await using dir = await tempDir();
  const config = await dir.write("arsenal.conf", "[api]\nhost = 0.0.0.0\n");
  const run = await runMain(["run", "--config-file", config]);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /\[api\] host = "0.0.0.0": listening beyond loopback needs a token/);
  assert.doesNotMatch(run.stderr, /^\s+at /m);
});

Deno.test("arsenal run tells an old config's Keystone v2.0 URL what to change, with exit 2", async () => {
  await using dir = await tempDir();
  const config = await dir.write(
    "arsenal.conf",
    "[director]\nscout = onmetal_scout.OnMetalScout\n[client_wrapper]\n" +
      "os_api_url = https://identity.example.com:5000/v2.0\nos_username = u\nos_password = p\n" +
      "os_tenant_name = t\n",
  );
  const run = await runMain(["run", "--once", "--config-file", config]);
  assert.equal(run.code, 2, run.stderr);
  assert.match(
    run.stderr,
    /:4: \[client_wrapper\] os_api_url = "https:\/\/identity.example.com:5000\/v2.0": Keystone's v2.0 API was removed .* use the v3 URL, https:\/\/identity.example.com:5000\/v3/,
  );
  assert.doesNotMatch(run.stderr, /^\s+at /m);
});

Deno.test("arsenal run --once runs one cycle, prints its record and exits 0", async () => {
  await using dir = await tempDir();
  const config = await dir.write("arsenal.conf", CONFIG);
  const run = await runMain(["run", "--once", "--config-file", config, "--log-format", "json"]);
  assert.equal(run.code, 0, run.stderr);
  const record = JSON.parse(run.stdout);
  assert.equal(record.outcome, "success");
  assert.equal(record.trigger, "once");
  assert.ok(record.directives.length > 0);
  assert.ok(record.directives.every((d: { outcome: string }) => d.outcome === "issued"));
  const lines = run.stderr.trim().split("\n").map((line) => JSON.parse(line));
  assert.ok(lines.some((l) => l.logger === "arsenal.loop" && /Cycle done/.test(l.message)));
});

Deno.test("arsenal run --once exits 1 when a directive fails", async () => {
  await using dir = await tempDir();
  const config = await dir.write(
    "arsenal.conf",
    CONFIG.replace("seed = 7", "seed = 7\nfailure_rate = 1"),
  );
  const run = await runMain(["run", "--once", "--config-file", config]);
  assert.equal(run.code, 1, run.stderr);
  const record = JSON.parse(run.stdout);
  assert.ok(record.directives.every((d: { outcome: string }) => d.outcome === "failed"));
  assert.match(run.stderr, /directive\(s\) failed: .*simulated failure/);
});

Deno.test("arsenal run --log-file appends the log to the file", async () => {
  await using dir = await tempDir();
  const config = await dir.write("arsenal.conf", CONFIG);
  const logFile = `${dir.path}/arsenal.log`;
  const run = await runMain(["run", "--once", "--config-file", config, "--log-file", logFile]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(await Deno.readTextFile(logFile), /arsenal·loop: Cycle done/);
});

Deno.test("arsenal run logs the configuration's warnings to its [DEFAULT] log_file too", async () => {
  await using dir = await tempDir();
  const logFile = `${dir.path}/arsenal.log`;
  const config = await dir.write(
    "arsenal.conf",
    `[DEFAULT]\nlog_file = ${logFile}\n${CONFIG}\n[directr]\ndry_run = true\n`,
  );
  const { code, stderr } = await runMain(["run", "--once", "--config-file", config]);
  const warning = /unknown section \[directr\] is ignored; did you mean \[director\]\?/;
  assert.equal(code, 0);
  assert.match(stderr, warning);
  const log = await Deno.readTextFile(logFile);
  assert.match(log, warning, "logging is configured before the configuration's warnings");
  assert.match(log, /arsenal·loop: Cycle done/);
});

/** Over a second: a repeat of a stop signal is a new one after `REPEAT_MS` (main.ts). */
const LATER_MS = 1_100;

/**
 * An agent (logging at debug level, with `director` options) whose directives stay in flight: its
 * cloud's Ironic never answers a node PATCH. Resolves once the first one reached the fake.
 */
async function stuckAgent(
  fake: FakeOpenStack,
  dir: { write(name: string, text: string): Promise<string> },
  director = "",
) {
  fake.addFlavor({ name: "bm.small", extra_specs: { "resources:CUSTOM_BAREMETAL_SMALL": "1" } });
  fake.addImage({ name: "ubuntu" });
  fake.addNodes(4, { resource_class: "baremetal.small" });
  fake.inject({ method: "PATCH", path: /^\/baremetal\/v1\/nodes\// }, {
    hang: true,
    times: Infinity,
  });
  const config = "[DEFAULT]\ndebug = true\n" +
    `[director]\nscout = openstack\n${director}[api]\nport = 0\n` +
    `[client_wrapper]\nos_api_url = ${fake.keystoneUrl}\nos_username = admin\n` +
    "os_password = secret\nos_tenant_name = admin\n[ironic]\ncache_method = annotate\n" +
    "[simple_proportional_strategy]\npercentage_to_cache = 0.5\n";
  const agent = await startArsenal(await dir.write("arsenal.conf", config));
  const patched = () => fake.requests.some((r) => r.method === "PATCH");
  for (let tries = 0; tries < 250 && !patched(); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(patched(), `no directive reached the fake cloud:\n${agent.log()}`);
  return agent;
}

for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
  Deno.test(`arsenal run exits ${code} at once on a second ${signal} a second after the first`, async () => {
    await using dir = await tempDir();
    await using fake = await FakeOpenStack.start();
    // The grace period is 30 s: the agent is still stopping when the second signal comes.
    await using agent = await stuckAgent(fake, dir);
    agent.child.kill(signal);
    await agent.logged(/Stopping: no new cycles/);
    // The agent took the signal before logging it: LATER_MS from now is over a second after it.
    await new Promise((resolve) => setTimeout(resolve, LATER_MS));
    const { code: exit, log } = await agent.stop(signal);
    assert.equal(exit, code, log);
    assert.match(log, new RegExp(`Received ${signal} again: exiting now`));
    assert.doesNotMatch(log, /Stopped/);
  });
}

Deno.test("arsenal run stops gracefully on one Ctrl-C seen twice (deno task forwards it)", async () => {
  await using dir = await tempDir();
  await using fake = await FakeOpenStack.start();
  await using agent = await stuckAgent(fake, dir, "shutdown_grace_period = 1\n");
  agent.child.kill("SIGINT");
  await agent.logged(/Received SIGINT/);
  const { code, log } = await agent.stop("SIGINT");
  assert.equal(code, 0, log);
  assert.match(log, /Received SIGINT again within 1 s: taken as the same signal/);
  assert.doesNotMatch(log, /exiting now/);
  assert.match(log, /Stopped/);
});

Deno.test("arsenal run exits 2 naming [DEFAULT] log_file when it cannot be opened", async () => {
  await using dir = await tempDir();
  const config = await dir.write(
    "arsenal.conf",
    `[DEFAULT]\nlog_file = ${dir.path}/no/such/dir/arsenal.log\n${CONFIG}`,
  );
  const run = await runMain(["run", "--once", "--config-file", config]);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /\[DEFAULT\] log_file = ".*arsenal.log": cannot open the log file/);
  assert.doesNotMatch(run.stderr, /^\s+at /m);
});

Deno.test("arsenal run exits 2 naming --log-file when it cannot be opened", async () => {
  await using dir = await tempDir();
  const config = await dir.write("arsenal.conf", CONFIG);
  const logFile = `${dir.path}/no/such/dir/arsenal.log`;
  const run = await runMain(["run", "--once", "--config-file", config, "--log-file", logFile]);
  assert.equal(run.code, 2, run.stderr);
  assert.ok(run.stderr.startsWith(`arsenal: cannot open the log file ${logFile}: `), run.stderr);
  assert.doesNotMatch(run.stderr, /^\s+at /m);
});

Deno.test("arsenal run logs the warnings of a configuration it refuses, and exits 2", async () => {
  await using dir = await tempDir();
  const config = await dir.write(
    "arsenal.conf",
    `[DEFAULT]\ndebug = true\n${CONFIG}\n[directr]\ndry_run = true\n[director]\npoll_spacing = soon\n`,
  );
  const run = await runMain(["run", "--once", "--config-file", config]);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /unknown section \[directr\] is ignored; did you mean \[director\]\?/);
  assert.match(run.stderr, /\[director\] poll_spacing = "soon": expected an integer >= 1/);
  assert.doesNotMatch(run.stderr, /^\s+at /m);
});

Deno.test("arsenal run reloads its configuration on SIGHUP, and keeps it when the new one is bad", async () => {
  await using dir = await tempDir();
  const file = await dir.write("arsenal.conf", CONFIG);
  await using agent = await startArsenal(file);
  await until200(`${agent.url}/readyz`);
  const runtime = async () => await (await fetch(`${agent.url}/v1/runtime`)).json();
  assert.equal((await runtime()).strategy.percentage_to_cache, 0.5);

  await Deno.writeTextFile(
    file,
    CONFIG.replace("percentage_to_cache = 0.5", "percentage_to_cache = 0.25") +
      "\n[director]\ndry_run = true\n",
  );
  agent.child.kill("SIGHUP");
  await agent.logged(/Reloaded .*arsenal\.conf: strategy simple_proportional/);
  const reloaded = await runtime();
  assert.equal(reloaded.strategy.percentage_to_cache, 0.25);
  assert.equal(reloaded.dry_run, true);
  assert.match(
    agent.log(),
    /Runtime setting dry_run changed from false to true \(reason: reload\)/,
  );

  await Deno.writeTextFile(file, CONFIG + "\n[director]\npoll_spacing = soon\n");
  agent.child.kill("SIGHUP");
  // The refusal, then its problems, each a line of its own.
  await agent.logged(/Reload problem: .*\n/);
  assert.match(
    agent.log(),
    /refused; the running configuration stays: 1 problem\n.*Reload problem: .*\[director\] poll_spacing = "soon": expected an integer >= 1\n/,
    "each problem on a line of its own",
  );
  assert.equal((await runtime()).strategy.percentage_to_cache, 0.25);
  const metrics = await (await fetch(`${agent.url}/metrics`)).text();
  assert.match(metrics, /^arsenal_config_reloads_total\{outcome="success"\} 1$/m);
  assert.match(metrics, /^arsenal_config_reloads_total\{outcome="failed"\} 1$/m);
  assert.equal((await agent.stop()).code, 0);
});

Deno.test("arsenal run keeps its rate limits across a SIGHUP reload, and build_info follows the new strategy", async () => {
  await using dir = await tempDir();
  const limited = CONFIG.replace(
    "[director]\n",
    "[director]\ncache_directive_rate_limit = 1\ncache_directive_limiting_period = 3600\n",
  );
  const file = await dir.write("arsenal.conf", limited);
  await using agent = await startArsenal(file);
  await agent.logged(/Issued 1 directive\(s\), 0 failed, .*\d+ over the rate limit/);

  const plugin = `${ROOT}tests/_fixtures/plugins/fixed_share.ts`;
  await Deno.writeTextFile(
    file,
    `${limited}\n[strategy]\nmodule = ${plugin}\n[fixed_share]\nshare = 0.5\n`,
  );
  agent.child.kill("SIGHUP");
  await agent.logged(/Reloaded .*arsenal\.conf: strategy fixed_share 2\.1\.0/);
  let record;
  for (let tries = 0; tries < 250; tries++) {
    record = await (await fetch(`${agent.url}/v1/plan`)).json();
    if (record.strategy?.name === "fixed_share" && record.directives.length > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(record.strategy.name, "fixed_share", "a cycle ran with the reloaded strategy");
  assert.deepEqual(
    [...new Set(record.directives.map((d: { outcome: string }) => d.outcome))],
    ["rate_limited"],
    "the hour's one cache directive was used before the reload",
  );
  const metrics = await (await fetch(`${agent.url}/metrics`)).text();
  assert.match(metrics, /^arsenal_directives_total\{kind="cache",outcome="issued"\} 1$/m);
  assert.match(
    metrics,
    /^arsenal_build_info\{[^}]*strategy="fixed_share",strategy_version="2\.1\.0"[^}]*\} 1$/m,
  );
  assert.equal(metrics.match(/^arsenal_build_info\{/gm)?.length, 1, "one build_info series");
  assert.equal((await agent.stop()).code, 0);
});

Deno.test("arsenal run logs a reload refused for a bad token_file without the token", async () => {
  await using dir = await tempDir();
  const token = await dir.write("token", "good-token\n");
  const file = await dir.write("arsenal.conf", `${CONFIG}\n[api]\ntoken_file = ${token}\n`);
  await using agent = await startArsenal(file);
  await until200(`${agent.url}/readyz`);
  await Deno.writeTextFile(token, "bad s3cret!@#\n\n");
  agent.child.kill("SIGHUP");
  // The refusal, then its problems, each a line of its own.
  await agent.logged(/Reload problem: .*\n/);
  assert.match(agent.log(), /Reload of .* refused; the running configuration stays/);
  assert.match(agent.log(), /\[api\] token \(secret, not shown\): a bearer token is/);
  const { code, log } = await agent.stop();
  assert.equal(code, 0);
  assert.doesNotMatch(log, /s3cret|good-token/);
});

/** CONFIG with the `faulty` plugin file spinning in every plan. */
function spinningAgent(planTimeout: number): string {
  return CONFIG.replace(
    "[simple_proportional_strategy]\npercentage_to_cache = 0.5\n",
    `[strategy]\nmodule = ${ROOT}tests/_fixtures/plugins/faulty.ts\n` +
      `plan_timeout = ${planTimeout}\n\n[faulty]\nfault = spin\n`,
  );
}

Deno.test("arsenal run serves its API while a plugin is stuck, and stops on one SIGTERM", async () => {
  await using dir = await tempDir();
  await using agent = await startArsenal(await dir.write("arsenal.conf", spinningAgent(600)));
  let busy: Response | undefined;
  for (let tries = 0; tries < 250 && busy?.status !== 409; tries++) {
    await busy?.body?.cancel();
    busy = await fetch(`${agent.url}/v1/cycle`, { method: "POST" });
  }
  assert.equal(busy?.status, 409, "a cycle is running: the plan is stuck");
  await busy?.body?.cancel();
  const livez = await fetch(`${agent.url}/livez`);
  assert.equal(livez.status, 200);
  await livez.body?.cancel();
  const { code, log } = await agent.stop("SIGTERM");
  assert.equal(code, 0, log);
  assert.doesNotMatch(log, /Received SIGTERM again/);
  assert.match(log, /Stopped/);
});

Deno.test("arsenal run fails a cycle whose plugin runs over plan_timeout, and counts it", async () => {
  await using dir = await tempDir();
  await using agent = await startArsenal(await dir.write("arsenal.conf", spinningAgent(1)));
  const timeouts = /^arsenal_strategy_failures_total\{reason="timeout"\} [1-9]/m;
  let metrics = "";
  for (let tries = 0; tries < 250 && !timeouts.test(metrics); tries++) {
    if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    metrics = await (await fetch(`${agent.url}/metrics`)).text();
  }
  assert.match(metrics, timeouts);
  assert.match(metrics, /^arsenal_cycles_total\{outcome="failed"\} [1-9]/m);
  const { code, log } = await agent.stop("SIGTERM");
  assert.equal(code, 0, log);
  assert.match(log, /plan\(\) did not finish within 1 s; the worker was stopped/);
});
