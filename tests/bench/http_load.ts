/**
 * HTTP load (issue #3): `/livez` throughput with wrk on loopback while cycles run every second on a
 * 10,000-node simulated fleet, beside a bare `Deno.serve` answering the same body, measured alike.
 *
 * Run by `deno task bench`; needs wrk (`apt-get install wrk`).
 */
import { ROOT } from "../_helpers.ts";

const DURATION = "10s";

async function wrk(url: string): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command("wrk", {
    args: ["-t2", "-c64", `-d${DURATION}`, "--latency", url],
  }).output().catch(() => {
    console.error("wrk is not installed: apt-get install wrk");
    Deno.exit(1);
  });
  const text = new TextDecoder().decode(code === 0 ? stdout : stderr);
  if (code !== 0) throw new Error(text);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text)?.[1];
  const p99 = /99%\s+(\S+)/.exec(text)?.[1];
  return `${Math.round(Number(rps)).toLocaleString("en")} req/s, p99 ${p99}`;
}

/** Starts `args` with deno and waits for a line naming the URL it listens on. */
async function start(
  args: string[],
  pattern: RegExp,
): Promise<{ url: string; stop(): Promise<void> }> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const lines = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  child.stdout.pipeTo(new WritableStream());
  let text = "";
  let url: string | undefined;
  while (!url) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`exited before listening:\n${text}`);
    text += value;
    url = pattern.exec(text)?.[1];
  }
  (async () => {
    while (!(await lines.read()).done) { /* drain */ }
  })();
  return {
    url,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

const dir = await Deno.makeTempDir({ prefix: "arsenal-load-" });
const config = `${dir}/arsenal.conf`;
await Deno.writeTextFile(
  config,
  `[director]
directive_spacing = 1
poll_spacing = 1
log_statistics = false

[api]
port = 0

[simulator]
nodes = 10000
`,
);
const baseline = `${dir}/baseline.ts`;
await Deno.writeTextFile(
  baseline,
  `Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: ({ port }) =>
    console.error("listening on http://127.0.0.1:" + port) },
    () => Response.json({ status: "ok" }));`,
);

try {
  const raw = await start(["run", "--allow-net", baseline], /listening on (\S+)/);
  console.log(`bare Deno.serve:               ${await wrk(`${raw.url}/`)}`);
  await raw.stop();

  const agent = await start(
    ["run", "--allow-read", "--allow-env", "--allow-net", "main.ts", "--config-file", config],
    /Control API listening on (\S+)/,
  );
  console.log(`arsenal /livez (10k nodes, 1 s cycles): ${await wrk(`${agent.url}/livez`)}`);
  const cycles = /arsenal_cycles_total\{outcome="success"\} (\d+)/.exec(
    await (await fetch(`${agent.url}/metrics`)).text(),
  )?.[1];
  console.log(`cycles completed meanwhile:     ${cycles}`);
  await agent.stop();
} finally {
  await Deno.remove(dir, { recursive: true });
}
