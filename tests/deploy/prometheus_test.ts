/**
 * The Prometheus and Grafana examples (config/prometheus/, config/grafana/): promtool accepts them,
 * the alerts fire when they should, the dashboard only queries metrics Arsenal exports, and a real
 * Prometheus scrapes a running Arsenal with the example alert rules loaded.
 *
 * Needs Debian's `prometheus` package (/usr/bin/prometheus and /usr/bin/promtool; `.ci/run`
 * installs it when promtool is missing).
 */
import assert from "node:assert/strict";
import { PROMTOOL_HINT } from "../_fakes/promtool.ts";
import { startArsenal } from "../_arsenal.ts";
import { ROOT, SIMULATED_AGENT as ARSENAL_CONF, tempDir } from "../_helpers.ts";

const PROMETHEUS_YML = `${ROOT}config/prometheus/prometheus.yml`;
const ALERTS_YML = `${ROOT}config/prometheus/alerts.yml`;
const RECORDING_YML = `${ROOT}config/prometheus/recording.yml`;
const DASHBOARD_JSON = `${ROOT}config/grafana/arsenal-dashboard.json`;

/** Every wait on a process or a service is bounded by this (ms). */
const DEADLINE_MS = 45_000;

/** The alerts config/prometheus/alerts.yml defines, by name. */
const ALERTS = [
  "ArsenalDown",
  "ArsenalMetricsAbsent",
  "ArsenalNoRecentSuccessfulCycle",
  "ArsenalNoSuccessfulCycleSinceStart",
  "ArsenalDirectiveFailureRatioHigh",
  "ArsenalScoutErrors",
  "ArsenalUpstreamErrors",
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a command to completion; throws with {@linkcode PROMTOOL_HINT} when it is not installed. */
async function run(command: string, args: string[]): Promise<{ code: number; output: string }> {
  let result: Deno.CommandOutput;
  try {
    result = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new Error(PROMTOOL_HINT, { cause: error });
    throw error;
  }
  const decoder = new TextDecoder();
  return {
    code: result.code,
    output: decoder.decode(result.stdout) + decoder.decode(result.stderr),
  };
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** A spawned process whose stderr is collected, stopped with SIGTERM (SIGKILL after 10 s). */
interface Service extends AsyncDisposable {
  log(): string;
}

function spawn(command: string, args: string[], cwd = ROOT): Service {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(command, {
      args,
      cwd,
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new Error(PROMTOOL_HINT, { cause: error });
    throw error;
  }
  let text = "";
  const pump = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) text += chunk;
  })();
  return {
    log: () => text,
    async [Symbol.asyncDispose]() {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), 10_000);
      });
      if (await Promise.race([child.status, timedOut]) === "timeout") {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
      }
      clearTimeout(timer);
      await child.status;
      await pump; // the stream ends when the process exits: nothing is left open
    },
  };
}

/** The metric names an exposition declares (histograms with their series suffixes). */
function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === "histogram") {
      for (const s of ["_bucket", "_sum", "_count"]) names.add(name + s);
    }
    if (type === "summary") { for (const s of ["_sum", "_count"]) names.add(name + s); }
  }
  return names;
}

/**
 * The metric names a PromQL expression selects: identifiers that are not functions, keywords,
 * label names (in `{...}` or `by (...)`), strings, durations or Grafana variables.
 */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
  const keywords = new Set(["and", "or", "unless", "bool", "offset", "inf", "nan"]);
  return [...stripped.matchAll(/(?<![\w.$:])[a-zA-Z_:][\w:]*(?![\w:]|\s*\()/g)]
    .map(([name]) => name)
    .filter((name) => !keywords.has(name.toLowerCase()));
}

Deno.test("metricNames finds the metrics of a PromQL expression, and only those", () => {
  assert.deepEqual(
    metricNames(
      'histogram_quantile(0.9, sum by (le, service) (rate(a_bucket{instance=~"$instance"}[5m])))',
    ),
    ["a_bucket"],
  );
  assert.deepEqual(
    metricNames("time() - (b > 0) > 1e3 and on (instance) c offset 5m or sum without (x) (d)"),
    ["b", "c", "d"],
  );
  assert.deepEqual(metricNames("rate(x[$__rate_interval]) / ignoring(kind) y"), ["x", "y"]);
});

/** A Grafana panel, as far as these tests look at it. */
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: { expr?: string; refId?: string; datasource?: { uid?: string } }[];
  panels?: Panel[];
}

/** The dashboard's panels, those in collapsed rows included. */
async function dashboardPanels(): Promise<{ dashboard: Record<string, unknown>; panels: Panel[] }> {
  const dashboard = JSON.parse(await Deno.readTextFile(DASHBOARD_JSON));
  const panels = (dashboard.panels as Panel[]).flatMap((p) => [p, ...(p.panels ?? [])])
    .filter((p) => p.type !== "row");
  return { dashboard, panels };
}

Deno.test("promtool check config accepts prometheus.yml and the rule files it loads", async () => {
  const { code, output } = await run("promtool", ["check", "config", PROMETHEUS_YML]);
  assert.equal(code, 0, output);
  assert.match(output, /SUCCESS: .*prometheus\.yml is valid prometheus config file syntax/);
  assert.match(output, /SUCCESS: 2 rule files found/);
  assert.match(output, /alerts\.yml\s+SUCCESS: 7 rules found/);
  assert.match(output, /recording\.yml\s+SUCCESS: 2 rules found/);
  const text = await Deno.readTextFile(PROMETHEUS_YML);
  assert.match(text, /job_name: arsenal/);
  assert.match(text, /metrics_path: \/metrics/);
  assert.match(text, /targets: \["127\.0\.0\.1:9835"\]/);
  assert.doesNotMatch(text, /^\s*(authorization|bearer_token)/m, "GET /metrics needs no token");
});

Deno.test("promtool check rules accepts alerts.yml, and its alerts fire when they should", async () => {
  const checked = await run("promtool", ["check", "rules", ALERTS_YML]);
  assert.equal(checked.code, 0, checked.output);
  assert.match(checked.output, new RegExp(`SUCCESS: ${ALERTS.length} rules found`));
  const text = await Deno.readTextFile(ALERTS_YML);
  assert.deepEqual([...text.matchAll(/^\s*- alert: (\S+)$/gm)].map((m) => m[1]), ALERTS);

  // promtool's rule unit tests, in JSON (which YAML reads), over synthetic series.
  const a = { job: "arsenal", instance: "a:9835" };
  const b = { job: "arsenal", instance: "b:9835" };
  const d = { job: "arsenal", instance: "d:9835" };
  const e = { job: "arsenal", instance: "e:9835" };
  const none = (alertname: string, eval_time: string) => ({ alertname, eval_time, exp_alerts: [] });
  const fires = (
    alertname: string,
    eval_time: string,
    labels: Record<string, string>,
    summary: string,
    description: string,
  ) => ({
    alertname,
    eval_time,
    exp_alerts: [{ exp_labels: labels, exp_annotations: { summary, description } }],
  });
  const series = (name: string, labels: Record<string, string>, values: string) => ({
    series: `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(",")}}`,
    values,
  });
  const tests = {
    rule_files: [ALERTS_YML, RECORDING_YML],
    evaluation_interval: "1m",
    tests: [
      {
        interval: "1m",
        input_series: [
          series("up", a, "1x4 0x10"),
          series("arsenal_last_success_timestamp_seconds", a, "60x20"),
          series("arsenal_last_success_timestamp_seconds", b, "0x20"),
        ],
        alert_rule_test: [
          none("ArsenalDown", "3m"),
          fires(
            "ArsenalDown",
            "8m",
            { ...a, severity: "critical" },
            "Arsenal on a:9835 is down",
            "Prometheus has failed to scrape Arsenal's /metrics on a:9835 for 2 minutes: the " +
              "process is not running or its control API is unreachable. Nodes are not being " +
              "cached or ejected.",
          ),
          none("ArsenalMetricsAbsent", "8m"),
          // Succeeded at 60 s: more than 360 s ago from 7m on, firing 1m later.
          none("ArsenalNoRecentSuccessfulCycle", "7m"),
          fires(
            "ArsenalNoRecentSuccessfulCycle",
            "10m",
            { ...a, severity: "critical" },
            "Arsenal on a:9835 has had no successful cycle for 9m 0s",
            "Arsenal's last successful cycle on a:9835 finished 9m 0s ago, more than 3 directive " +
              "spacings (360 s with the default directive_spacing of 120 s). Cycles are failing " +
              "or skipped (paused?): see arsenal_cycles_total by outcome and GET /v1/plan.",
          ),
          // Never succeeded: 0 since startup, firing after 6m.
          none("ArsenalNoSuccessfulCycleSinceStart", "5m"),
          fires(
            "ArsenalNoSuccessfulCycleSinceStart",
            "7m",
            { ...b, severity: "critical" },
            "Arsenal on b:9835 has not completed a cycle since it started",
            "arsenal_last_success_timestamp_seconds on b:9835 has been 0 for 6 minutes (3 " +
              "directive spacings of 120 s): Arsenal started but never finished a successful " +
              "cycle. It is probably not ready (GET /readyz says why); check its credentials and " +
              "the scout's errors.",
          ),
        ],
      },
      {
        interval: "1m",
        input_series: [series("up", { job: "other", instance: "x:1" }, "1x10")],
        alert_rule_test: [
          none("ArsenalMetricsAbsent", "4m"),
          fires(
            "ArsenalMetricsAbsent",
            "6m",
            { job: "arsenal", severity: "critical" },
            "No Arsenal target is being scraped",
            'Prometheus has had no target in job "arsenal" for 5 minutes, so none of the other ' +
              "Arsenal alerts can fire.",
          ),
        ],
      },
      {
        interval: "1m",
        input_series: [
          // a: 20% failed (not above the threshold); b: 22%; c: idle (no division by zero).
          series("arsenal_directives_total", { ...a, kind: "cache", outcome: "issued" }, "0+8x40"),
          series("arsenal_directives_total", { ...a, kind: "cache", outcome: "failed" }, "0+2x40"),
          series("arsenal_directives_total", { ...b, kind: "cache", outcome: "issued" }, "0+39x40"),
          series("arsenal_directives_total", { ...b, kind: "eject", outcome: "failed" }, "0+11x40"),
          series(
            "arsenal_directives_total",
            { job: "arsenal", instance: "c:9835", kind: "cache", outcome: "failed" },
            "0x40",
          ),
          // d: 1 in 10 sent failed (10%), beside 120 a minute never sent: no alert. e: 4 in 10
          // sent failed (40%): it fires, though 4 in the 130 handled would stay below 20%.
          ...["issued", "failed", "skipped", "not_issued", "dry_run", "rate_limited"].flatMap(
            (outcome) => [
              series(
                "arsenal_directives_total",
                { ...d, kind: "eject", outcome },
                `0+${{ issued: 9, failed: 1 }[outcome] ?? 30}x40`,
              ),
              series(
                "arsenal_directives_total",
                { ...e, kind: "cache", outcome },
                `0+${{ issued: 6, failed: 4 }[outcome] ?? 30}x40`,
              ),
            ],
          ),
          series("arsenal_scout_errors_total", { ...a, source: "nodes" }, "0+1x40"),
          series("arsenal_scout_errors_total", { ...a, source: "images" }, "5x40"),
          ...["503", "404", "200"].map((status) =>
            series(
              "arsenal_upstream_requests_total",
              { ...a, service: "baremetal", method: "GET", status },
              "0+60x40",
            )
          ),
        ],
        alert_rule_test: [
          none("ArsenalDirectiveFailureRatioHigh", "5m"),
          {
            alertname: "ArsenalDirectiveFailureRatioHigh",
            eval_time: "30m",
            exp_alerts: [[b, "22%"], [e, "40%"]].map(([labels, ratio]) => ({
              exp_labels: { ...(labels as typeof b), severity: "warning" },
              exp_annotations: {
                summary: `${ratio} of Arsenal's directives fail on ${
                  (labels as typeof b).instance
                }`,
                description:
                  `Over the last 15 minutes ${ratio} of the cache and eject directives ` +
                  `Arsenal issued on ${(labels as typeof b).instance} failed (threshold 20%). ` +
                  "The reasons are logged and listed by GET /v1/plan.",
              },
            })),
          },
          none("ArsenalScoutErrors", "10m"),
          fires(
            "ArsenalScoutErrors",
            "30m",
            { ...a, source: "nodes", severity: "warning" },
            "Arsenal on a:9835 keeps failing to retrieve nodes",
            "Arsenal's scout on a:9835 has kept failing to retrieve nodes for 15 minutes (15 " +
              "failures in the last 15 minutes). Cycles fail or are skipped while the fleet " +
              "cannot be scouted.",
          ),
          none("ArsenalUpstreamErrors", "5m"),
          fires(
            "ArsenalUpstreamErrors",
            "30m",
            { ...a, service: "baremetal", status: "503", severity: "warning" },
            "OpenStack baremetal fails Arsenal's requests (503)",
            "Requests from Arsenal on a:9835 to the OpenStack baremetal service have been ending " +
              "in 503 for 10 minutes (1.00 per second).",
          ),
        ],
      },
    ],
  };
  await using dir = await tempDir();
  const unit = await run("promtool", [
    "test",
    "rules",
    await dir.write("alerts_test.yml", JSON.stringify(tests, null, 2)),
  ]);
  assert.equal(unit.code, 0, unit.output);
  assert.match(unit.output, /SUCCESS/);
});

Deno.test("promtool check rules accepts recording.yml, and it records the observed deploy hit rate", async () => {
  const checked = await run("promtool", ["check", "rules", RECORDING_YML]);
  assert.equal(checked.code, 0, checked.output);
  const a = { job: "arsenal", instance: "a:9835" };
  const labels = (flavor: string, result: string) =>
    `arsenal_deploys_total{job="arsenal",instance="a:9835",flavor="${flavor}",image="Ubuntu",result="${result}"}`;
  const tests = {
    rule_files: [RECORDING_YML],
    evaluation_interval: "1m",
    tests: [{
      interval: "1m",
      input_series: [
        // small: 1 hit and 1 miss a minute; large: 2 misses a minute, never a hit.
        { series: labels("small", "hit"), values: "0+1x120" },
        { series: labels("small", "miss"), values: "0+1x120" },
        { series: labels("large", "miss"), values: "0+2x120" },
      ],
      promql_expr_test: [
        {
          expr: "flavor:arsenal_deploy_hit_ratio:rate1h",
          eval_time: "90m",
          exp_samples: [
            {
              labels: `flavor:arsenal_deploy_hit_ratio:rate1h{${attrs({ ...a, flavor: "large" })}}`,
              value: 0,
            },
            {
              labels: `flavor:arsenal_deploy_hit_ratio:rate1h{${attrs({ ...a, flavor: "small" })}}`,
              value: 0.5,
            },
          ],
        },
        {
          expr: "instance:arsenal_deploy_hit_ratio:rate1h",
          eval_time: "90m",
          exp_samples: [{
            labels: `instance:arsenal_deploy_hit_ratio:rate1h{${attrs(a)}}`,
            value: 0.25,
          }],
        },
      ],
    }],
  };
  await using dir = await tempDir();
  const unit = await run("promtool", [
    "test",
    "rules",
    await dir.write("recording_test.yml", JSON.stringify(tests, null, 2)),
  ]);
  assert.equal(unit.code, 0, unit.output);
  assert.match(unit.output, /SUCCESS/);
});

/** Labels as PromQL writes them: `a="1",b="2"`. */
function attrs(labels: Record<string, string>): string {
  return Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(",");
}

Deno.test("the Grafana dashboard queries only metrics a running Arsenal exports", async () => {
  const { dashboard, panels } = await dashboardPanels();
  assert.equal(dashboard.schemaVersion, 39);
  assert.equal(dashboard.uid, "arsenal");
  const inputs = dashboard.__inputs as { name: string; type: string; pluginId: string }[];
  assert.ok(
    inputs.some((i) =>
      i.name === "DS_PROMETHEUS" && i.type === "datasource" && i.pluginId === "prometheus"
    ),
  );
  const variables = (dashboard.templating as { list: { name: string; type: string }[] }).list;
  assert.ok(variables.some((v) => v.name === "DS_PROMETHEUS" && v.type === "datasource"));

  await using dir = await tempDir();
  await using arsenal = await startArsenal(await dir.write("arsenal.conf", ARSENAL_CONF));
  const exported = exportedNames(await (await fetch(`${arsenal.url}/metrics`)).text());
  assert.ok(
    exported.has("arsenal_build_info") && exported.has("arsenal_nodes"),
    [...exported].join(),
  );

  assert.ok(panels.length >= 7, `${panels.length} panels`);
  assert.equal(new Set(panels.map((p) => p.id)).size, panels.length, "panel ids are unique");
  const queried = new Set<string>();
  for (const panel of panels) {
    assert.equal(panel.datasource?.uid, "${DS_PROMETHEUS}", panel.title);
    assert.equal(panel.datasource?.type, "prometheus", panel.title);
    const targets = panel.targets ?? [];
    assert.ok(targets.length > 0, `${panel.title} has a target`);
    for (const target of targets) {
      assert.equal(target.datasource?.uid ?? "${DS_PROMETHEUS}", "${DS_PROMETHEUS}", panel.title);
      const names = metricNames(target.expr ?? "");
      assert.ok(names.length > 0, `${panel.title}: ${target.expr}`);
      for (const name of names) {
        assert.ok(exported.has(name), `${panel.title}: ${name} is not exported by Arsenal`);
        queried.add(name);
      }
    }
  }
  const titles = panels.map((p) => p.title).join("\n");
  for (
    const title of [
      /Cache coverage per flavor/,
      /Directives per outcome/,
      /Cycle duration/,
      /Cycles by outcome/,
      /Simulator cache hit rate/,
      /Dry run \/ paused/,
      /Upstream requests by service and status/,
      /Observed deploy hit rate per flavor/,
      /Observed deploys by image and result/,
    ]
  ) assert.match(titles, title);
  for (
    const name of [
      "arsenal_nodes",
      "arsenal_cache_target_nodes",
      "arsenal_directives_total",
      "arsenal_cycle_duration_seconds_bucket",
      "arsenal_cycles_total",
      "arsenal_simulator_cache_hits_total",
      "arsenal_simulator_deploys_total",
      "arsenal_dry_run",
      "arsenal_paused",
      "arsenal_upstream_requests_total",
      "arsenal_deploys_total",
    ]
  ) assert.ok(queried.has(name), `the dashboard shows ${name}`);
});

/** Prometheus's HTTP API answer for a query. */
interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

Deno.test("a real Prometheus scrapes a running Arsenal and loads the example alerts", async () => {
  await using dir = await tempDir();
  await using arsenal = await startArsenal(await dir.write("arsenal.conf", ARSENAL_CONF));
  const exported = exportedNames(await (await fetch(`${arsenal.url}/metrics`)).text());
  const target = new URL(arsenal.url).host;

  // The example scrape job, every second, with the example rules by absolute path.
  const config = {
    global: { scrape_interval: "1s", evaluation_interval: "1s" },
    rule_files: [ALERTS_YML],
    scrape_configs: [{
      job_name: "arsenal",
      metrics_path: "/metrics",
      static_configs: [{ targets: [target] }],
    }],
  };
  const promPort = freePort();
  await Deno.mkdir(`${dir.path}/tsdb`);
  await using prometheus = spawn("/usr/bin/prometheus", [
    `--config.file=${await dir.write("prometheus.yml", JSON.stringify(config, null, 2))}`,
    `--storage.tsdb.path=${dir.path}/tsdb`,
    `--web.listen-address=127.0.0.1:${promPort}`,
    "--web.enable-lifecycle",
  ], dir.path);
  const api = `http://127.0.0.1:${promPort}/api/v1`;

  /** GETs a Prometheus API path; undefined while Prometheus is not answering yet. */
  const get = async (path: string) => {
    try {
      const response = await fetch(`${api}${path}`);
      if (response.status === 503) { // starting: "Service Unavailable" until the TSDB is open
        await response.body?.cancel();
        return undefined;
      }
      const body = await response.json();
      assert.equal(body.status, "success", `${path}: ${JSON.stringify(body)}`);
      return body.data;
    } catch (error) {
      if (error instanceof TypeError) return undefined; // connection refused: not up yet
      throw error;
    }
  };
  const query = async (expr: string): Promise<Sample[]> =>
    (await get(`/query?query=${encodeURIComponent(expr)}`))?.result ?? [];

  /** Polls `check` until it returns a value (bounded by the deadline). */
  const deadline = Date.now() + DEADLINE_MS;
  async function eventually<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}\n${prometheus.log().slice(-4000)}`);
      }
      await sleep(250);
    }
  }

  const build = await eventually("arsenal_build_info", async () => {
    const [sample] = await query('arsenal_build_info{job="arsenal"}');
    return sample;
  });
  assert.equal(build.value[1], "1");
  assert.equal(build.metric.instance, target);
  assert.equal(build.metric.strategy, "simple_proportional");
  assert.equal(build.metric.scout, "simulator");
  assert.match(build.metric.version, /^\d+\.\d+\.\d+/);
  assert.equal(build.metric.deno, Deno.version.deno);

  const up = await eventually("up == 1", async () => {
    const [sample] = await query('up{job="arsenal"} == 1');
    return sample;
  });
  assert.equal(up.metric.instance, target);
  const cycles = await eventually("successful cycles", async () => {
    const [sample] = await query('arsenal_cycles_total{job="arsenal",outcome="success"} > 0');
    return sample;
  });
  assert.ok(Number(cycles.value[1]) > 0);
  const [lastSuccess] = await query("time() - arsenal_last_success_timestamp_seconds");
  assert.ok(Math.abs(Number(lastSuccess.value[1])) < 60, "the last success is a recent epoch time");

  // The example alerts are loaded, evaluate without error against real data, and none fires.
  interface Rule {
    name: string;
    type: string;
    query: string;
    duration: number;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    health: string;
    lastError?: string;
    state: string;
  }
  const rules = await eventually("evaluated alert rules", async () => {
    const data = await get("/rules?type=alert");
    const rules: Rule[] = data?.groups.flatMap((g: { rules: Rule[] }) => g.rules) ?? [];
    return rules.length > 0 && rules.every((r) => r.health !== "unknown") ? rules : undefined;
  });
  assert.deepEqual(rules.map((r) => r.name), ALERTS);
  for (const rule of rules) {
    assert.equal(rule.health, "ok", `${rule.name}: ${rule.lastError}`);
    assert.notEqual(rule.state, "firing", rule.name);
    assert.ok(rule.duration > 0, `${rule.name} has a for:`);
    assert.match(rule.labels.severity, /^(warning|critical)$/, rule.name);
    assert.ok(rule.annotations.summary && rule.annotations.description, rule.name);
    for (const name of metricNames(rule.query)) {
      assert.ok(name === "up" || exported.has(name), `${rule.name}: ${name} is not exported`);
    }
  }
  const alerts = await get("/alerts");
  assert.deepEqual(
    alerts.alerts.filter((a: { state: string }) => a.state === "firing"),
    [],
    "a healthy Arsenal fires no alert",
  );

  // Every dashboard query is valid PromQL to this Prometheus; the fleet panels have data.
  const { panels } = await dashboardPanels();
  for (const panel of panels) {
    for (const { expr } of panel.targets ?? []) {
      const result = await query(expr!.replaceAll("$instance", ".*"));
      if (/Cache coverage|Cached nodes|Dry run|Build/.test(panel.title)) {
        assert.ok(result.length > 0, `${panel.title}: ${expr} has data`);
      }
    }
  }
});
