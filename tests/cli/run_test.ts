/**
 * `arsenal run` end to end: the agent as a subprocess on a free port, driven over HTTP.
 */
import assert from "node:assert/strict";
import { promtoolCheckMetrics } from "../_fakes/promtool.ts";
import { arsenalArgs, ROOT, runArsenal, SIMULATED_AGENT as CONFIG, tempDir } from "../_helpers.ts";

/** A running agent: its API's base URL, its log so far, and a way to stop it. */
interface Agent extends AsyncDisposable {
  readonly url: string;
  readonly child: Deno.ChildProcess;
  log(): string;
  /** Sends `signal` and resolves with the exit status and the whole log. */
  stop(signal?: Deno.Signal): Promise<{ code: number; log: string }>;
}

/** Starts `arsenal run` and waits until its log names the API's address. */
async function startAgent(config: string, env: Record<string, string> = {}): Promise<Agent> {
  const child = new Deno.Command(Deno.execPath(), {
    args: arsenalArgs(["--allow-net"], ["--config-file", config]),
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let text = "";
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      text += value;
    }
  })();
  let url: string | undefined;
  for (let tries = 0; !url && tries < 300; tries++) {
    url = /Control API listening on (http:\/\/\S+)/.exec(text)?.[1];
    if (!url) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const stop = async (signal: Deno.Signal = "SIGTERM") => {
    try {
      child.kill(signal);
    } catch { /* already gone */ }
    const { code } = await child.status;
    await pump;
    return { code, log: text };
  };
  if (!url) {
    await stop("SIGKILL");
    throw new Error(`the agent did not start:\n${text}`);
  }
  return {
    url,
    child,
    log: () => text,
    stop,
    [Symbol.asyncDispose]: async () => void await stop("SIGKILL"),
  };
}

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
  await using agent = await startAgent(await dir.write("arsenal.conf", CONFIG));

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

Deno.test("arsenal run requires the token on mutating routes, not on read routes", async () => {
  await using dir = await tempDir();
  await using agent = await startAgent(await dir.write("arsenal.conf", CONFIG), {
    ARSENAL_API_TOKEN: "s3cret-token",
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
  const run = await runArsenal(["run", "--config-file", config]);
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
  const run = await runArsenal(["run", "--once", "--config-file", config]);
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
  const run = await runArsenal(["run", "--once", "--config-file", config, "--log-format", "json"]);
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
  const run = await runArsenal(["run", "--once", "--config-file", config]);
  assert.equal(run.code, 1, run.stderr);
  const record = JSON.parse(run.stdout);
  assert.ok(record.directives.every((d: { outcome: string }) => d.outcome === "failed"));
  assert.match(run.stderr, /directive\(s\) failed: .*simulated failure/);
});

Deno.test("arsenal run --log-file appends the log to the file", async () => {
  await using dir = await tempDir();
  const config = await dir.write("arsenal.conf", CONFIG);
  const logFile = `${dir.path}/arsenal.log`;
  const child = new Deno.Command(Deno.execPath(), {
    args: arsenalArgs(
      [`--allow-write=${logFile}`],
      ["run", "--once", "--config-file", config, "--log-file", logFile],
    ),
    stdout: "null",
    stderr: "null",
  });
  assert.equal((await child.output()).code, 0);
  assert.match(await Deno.readTextFile(logFile), /arsenal·loop: Cycle done/);
});

Deno.test("arsenal run exits at once on a second signal while directives are in flight", async () => {
  await using dir = await tempDir();
  const slow = CONFIG.replace("seed = 7", "seed = 7\nissue_seconds = 600");
  await using agent = await startAgent(await dir.write("arsenal.conf", slow));
  // The first cycle's directives now take ten minutes each; wait until they are in flight.
  for (let tries = 0; tries < 250 && !/Control API/.test(agent.log()); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  agent.child.kill("SIGTERM");
  for (let tries = 0; tries < 250 && !/Stopping: no new cycles/.test(agent.log()); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const { code, log } = await agent.stop("SIGTERM");
  assert.equal(code, 143, log);
  assert.match(log, /Received SIGTERM again: exiting now/);
});

Deno.test("arsenal run exits 2 naming [DEFAULT] log_file when it cannot be opened", async () => {
  await using dir = await tempDir();
  const config = await dir.write(
    "arsenal.conf",
    `[DEFAULT]\nlog_file = ${dir.path}/no/such/dir/arsenal.log\n${CONFIG}`,
  );
  const run = await runArsenal(["run", "--once", "--config-file", config]);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /\[DEFAULT\] log_file = ".*arsenal.log": cannot open the log file/);
  assert.doesNotMatch(run.stderr, /^\s+at /m);
});

/** Waits (bounded) until the agent's log matches `pattern` `count` times. */
async function untilLogged(agent: Agent, pattern: RegExp, count = 1): Promise<void> {
  const global = new RegExp(pattern.source, "g");
  for (let tries = 0; tries < 250; tries++) {
    if ((agent.log().match(global) ?? []).length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`the log never showed ${pattern}:\n${agent.log()}`);
}

Deno.test("arsenal run reloads its configuration on SIGHUP, and keeps it when the new one is bad", async () => {
  await using dir = await tempDir();
  const file = await dir.write("arsenal.conf", CONFIG);
  await using agent = await startAgent(file);
  await until200(`${agent.url}/readyz`);
  const runtime = async () => await (await fetch(`${agent.url}/v1/runtime`)).json();
  assert.equal((await runtime()).strategy.percentage_to_cache, 0.5);

  await Deno.writeTextFile(
    file,
    CONFIG.replace("percentage_to_cache = 0.5", "percentage_to_cache = 0.25") +
      "\n[director]\ndry_run = true\n",
  );
  agent.child.kill("SIGHUP");
  await untilLogged(agent, /Reloaded .*arsenal\.conf: strategy simple_proportional/);
  const reloaded = await runtime();
  assert.equal(reloaded.strategy.percentage_to_cache, 0.25);
  assert.equal(reloaded.dry_run, true);
  assert.match(
    agent.log(),
    /Runtime setting dry_run changed from false to true \(reason: reload\)/,
  );

  await Deno.writeTextFile(file, CONFIG + "\n[director]\npoll_spacing = soon\n");
  agent.child.kill("SIGHUP");
  await untilLogged(agent, /Reload of .* refused; the running configuration stays/);
  assert.match(agent.log(), /\[director\] poll_spacing = "soon": expected an integer >= 1/);
  assert.equal((await runtime()).strategy.percentage_to_cache, 0.25);
  const metrics = await (await fetch(`${agent.url}/metrics`)).text();
  assert.match(metrics, /^arsenal_config_reloads_total\{outcome="success"\} 1$/m);
  assert.match(metrics, /^arsenal_config_reloads_total\{outcome="failed"\} 1$/m);
  assert.equal((await agent.stop()).code, 0);
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
  await using agent = await startAgent(await dir.write("arsenal.conf", spinningAgent(600)));
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
  await using agent = await startAgent(await dir.write("arsenal.conf", spinningAgent(1)));
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
