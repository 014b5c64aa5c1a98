/**
 * A fast start (issue #10 §4): whole processes, each figure beside its target and its floor.
 *
 * - `plan` on a 100,000-node snapshot (12.7 MB) against a bare Deno process that reads and
 *   `JSON.parse`s the same file: at most 2× that floor.
 * - `plan` on 1,000,000 nodes: peak RSS below the original Python harness's 555 MB.
 * - The strategy (simple_proportional, checked), in this process: at least 10× faster than the
 *   original's 281 ms at 100,000 nodes and 2.56 s at 1,000,000.
 * - `run` on the simulator: `/readyz` answers 200 within 200 ms of the spawn, beside a bare
 *   `Deno.serve` polled alike.
 * - `healthcheck` (reading the configuration, as the Dockerfile's HEALTHCHECK does, and with
 *   `--url`) and `version`: under 100 ms of CPU (user + system), beside an empty `deno run`.
 *
 * Wall times are medians (the plan and its floor run in turn); CPU times are hyperfine's means.
 * Needs hyperfine and GNU time (`apt-get install hyperfine time`). Run:
 * `deno run -A tests/bench/start.ts` (part of `deno task bench`); copied into another checkout, it
 * measures that one. Exits 1 when a target is missed.
 */
import { runStrategy } from "../../src/strategy/run.ts";
import { importStrategy } from "../../src/strategy/loader.ts";
import { STRATEGIES } from "../../src/setup.ts";
import { syntheticFleet } from "../_fixtures/synthetic_fleet.ts";
import { context, ROOT } from "../_helpers.ts";

const RUNS = 7;
const shape = { flavors: 10, images: 50, provisioned: 0.5, cached: 0.05, stale: 0.2 };
const DENO = Deno.execPath();
const MAIN = `${ROOT}main.ts`;

/** What a tool prints, or a hint to install it when it is missing. */
async function tool(name: string, args: string[], pkg = name): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(name, { args, stdin: "null" }).output()
    .catch(() => {
      console.error(`${name} is not installed: apt-get install ${pkg}`);
      Deno.exit(1);
    });
  const text = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  if (code !== 0) throw new Error(`${name} ${args.join(" ")} failed:\n${text}`);
  return text;
}

/** Mean CPU time (user + system) of a command, in ms, by hyperfine. */
async function cpuTime(
  command: string[],
  { runs = RUNS } = {},
): Promise<number> {
  const json = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await tool("hyperfine", [
      "-N",
      "--warmup=2",
      `--runs=${runs}`,
      "--style=none",
      `--export-json=${json}`,
      command.join(" "),
    ]);
    const result = JSON.parse(await Deno.readTextFile(json)).results[0];
    return (result.user + result.system) * 1000;
  } finally {
    await Deno.remove(json);
  }
}

/** Median peak RSS of a command, in MB, by GNU time. */
async function peakRss(command: string[]): Promise<number> {
  const peaks: number[] = [];
  for (let i = 0; i < 3; i++) {
    const text = await tool("/usr/bin/time", ["-f", "peak %M", ...command], "time");
    peaks.push(Number(/peak (\d+)\s*$/.exec(text)![1]) / 1024);
  }
  return median(peaks);
}

/**
 * Median wall times, in ms, of `commands` run in turn (one of each, then again): on a busy
 * machine, what slows one run slows its neighbours alike, and their ratio holds.
 */
async function wallTimes(commands: string[][], runs = 11): Promise<number[]> {
  const times: number[][] = commands.map(() => []);
  for (let run = -1; run < runs; run++) {
    for (const [i, [name, ...args]] of commands.entries()) {
      const started = performance.now();
      const { code } = await new Deno.Command(name, { args, stdout: "null", stderr: "null" })
        .output();
      if (code !== 0) throw new Error(`${[name, ...args].join(" ")} exited ${code}`);
      if (run >= 0) times[i].push(performance.now() - started);
    }
  }
  return times.map(median);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Median ms from spawning `args` to the first 200 from `url`, polled every 2 ms. */
async function timeToReady(args: string[], url: string): Promise<number> {
  const times: number[] = [];
  for (let run = -1; run < RUNS; run++) {
    const started = performance.now();
    const child = new Deno.Command(DENO, { args, stdout: "null", stderr: "null" }).spawn();
    try {
      for (let poll = 0;; poll++) {
        if (poll > 5_000) throw new Error(`${url} did not answer 200 within 10 s`);
        const status = await fetch(url).then(async (r) => (await r.body?.cancel(), r.status))
          .catch(() => 0);
        if (status === 200) break;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      if (run >= 0) times.push(performance.now() - started);
    } finally {
      child.kill("SIGTERM");
      await child.status;
    }
  }
  return median(times);
}

/** A port nothing listens on now. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Median ms of `fn` over 15 runs, after it ran for half a second (as `deno bench` warms up). */
function timeInProcess(fn: () => void): number {
  const warm = performance.now() + 500;
  for (let i = 0; i < 3 || performance.now() < warm; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < 15; i++) {
    const started = performance.now();
    fn();
    times.push(performance.now() - started);
  }
  return median(times);
}

interface Row {
  readonly what: string;
  readonly measured: string;
  readonly target: string;
  readonly floor: string;
  readonly met: boolean;
}

const rows: Row[] = [];
const ms = (t: number) => `${t.toFixed(t < 10 ? 1 : 0)} ms`;
const mb = (m: number) => `${m.toFixed(0)} MB`;

const dir = await Deno.makeTempDir({ prefix: "arsenal-start-" });
try {
  const strategy = await importStrategy(
    { kind: "builtin", name: "simple_proportional" },
    STRATEGIES,
  );
  const options = { percentage_to_cache: 0.125 };
  const snapshots: Record<number, string> = {};
  for (const [nodes, original] of [[100_000, 281], [1_000_000, 2560]]) {
    const fleet = syntheticFleet({ nodes, ...shape });
    const t = timeInProcess(() => runStrategy(strategy, fleet, options, context(1)));
    rows.push({
      what: `strategy, ${nodes.toLocaleString("en")} nodes (in process)`,
      measured: `${ms(t)} (${(original / t).toFixed(0)}× faster)`,
      target: `≤ ${ms(original / 10)} (10× the original's ${ms(original)})`,
      floor: "",
      met: t <= original / 10,
    });
    snapshots[nodes] = `${dir}/snapshot-${nodes}.json`;
    await Deno.writeTextFile(snapshots[nodes], JSON.stringify(fleet));
  }

  const floorScript = `${dir}/read_parse.ts`;
  await Deno.writeTextFile(floorScript, "JSON.parse(await Deno.readTextFile(Deno.args[0]));\n");
  const readParse = (nodes: number) => [DENO, "run", "--allow-read", floorScript, snapshots[nodes]];
  const plan = (nodes: number) => [
    DENO,
    "run",
    "--allow-read",
    "--allow-env",
    MAIN,
    "plan",
    "--snapshot",
    snapshots[nodes],
  ];

  const [floor100k, plan100k] = await wallTimes([readParse(100_000), plan(100_000)], 15);
  rows.push({
    what: "plan, 100,000 nodes (12.7 MB), whole process",
    measured: `${ms(plan100k)} (${(plan100k / floor100k).toFixed(2)}× floor)`,
    target: `≤ 2× floor (${ms(2 * floor100k)})`,
    floor: `${ms(floor100k)} (read + JSON.parse)`,
    met: plan100k <= 2 * floor100k,
  });
  const floor1m = await peakRss(readParse(1_000_000));
  const plan1m = await peakRss(plan(1_000_000));
  rows.push({
    what: "plan, 1,000,000 nodes, peak RSS",
    measured: mb(plan1m),
    target: "< 555 MB (the original's)",
    floor: `${mb(floor1m)} (read + JSON.parse)`,
    met: plan1m < 555,
  });

  const port = freePort();
  const config = `${dir}/arsenal.conf`;
  await Deno.writeTextFile(config, `[director]\nscout = simulator\n\n[api]\nport = ${port}\n`);
  const bare = `${dir}/bare_serve.ts`;
  await Deno.writeTextFile(
    bare,
    `Deno.serve({ hostname: "127.0.0.1", port: ${port}, onListen() {} },\n` +
      `  () => new Response("ok"));\n`,
  );
  const base = `http://127.0.0.1:${port}`;
  const bareReady = await timeToReady(["run", "--allow-net", bare], `${base}/`);
  const ready = await timeToReady(
    ["run", "--allow-read", "--allow-env", "--allow-net", MAIN, "--config-file", config],
    `${base}/readyz`,
  );
  rows.push({
    what: "run on the simulator: spawn to /readyz 200",
    measured: ms(ready),
    target: "≤ 200 ms",
    floor: `${ms(bareReady)} (a bare Deno.serve)`,
    met: ready <= 200,
  });

  const empty = `${dir}/empty.ts`;
  await Deno.writeTextFile(empty, "\n");
  const floorCpu = await cpuTime([DENO, "run", empty], { runs: 11 });
  const agent = new Deno.Command(DENO, {
    args: ["run", "--allow-read", "--allow-env", "--allow-net", MAIN, "--config-file", config],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    for (let i = 0; (await fetch(`${base}/livez`).catch(() => null))?.status !== 200; i++) {
      if (i > 1000) throw new Error("the agent did not start");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const commands: [string, string[]][] = [
      ["healthcheck --config-file", ["healthcheck", "--config-file", config]],
      ["healthcheck --url", ["healthcheck", "--url", base]],
      ["version", ["version"]],
    ];
    for (const [name, args] of commands) {
      const cpu = await cpuTime([DENO, "run", "-A", MAIN, ...args], { runs: 11 });
      rows.push({
        what: `${name}: CPU (user + system)`,
        measured: ms(cpu),
        target: "< 100 ms",
        floor: `${ms(floorCpu)} (an empty deno run)`,
        met: cpu < 100,
      });
    }
  } finally {
    agent.kill("SIGTERM");
    await agent.status;
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}

const widths = (["what", "measured", "target", "floor"] as const).map((key) =>
  Math.max(key.length, ...rows.map((row) => row[key].length))
);
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ");
console.log(line(["what", "measured", "target", "floor"]) + "  met");
for (const row of rows) {
  console.log(
    line([row.what, row.measured, row.target, row.floor]) + `  ${row.met ? "yes" : "NO"}`,
  );
}
if (rows.some((row) => !row.met)) Deno.exitCode = 1;
