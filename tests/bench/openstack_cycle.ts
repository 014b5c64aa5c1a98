/**
 * Issue #4's target: a cycle against the fake Ironic with 10,000 nodes (1,000 per page, 20 ms
 * added latency per page) takes at most the page-fetch time plus 10%.
 *
 * "Page-fetch time" is the floor any client pays: fetching every page (11: ten full ones, then
 * the empty one a full last page leads to) and reading its body, one after another as the next
 * links require. The cycle is `Loop.triggerCycle()` with the OpenStack scout, in dry run: list and
 * map the nodes, plan with simple_proportional, record every directive. Flavors and images are
 * polled before timing, as the loop does on its own schedule. Best and median of 7 runs each.
 *
 * Run: `deno run -A tests/bench/openstack_cycle.ts` (part of `deno task bench`). Exits 1 when the
 * median cycle exceeds the median page-fetch time by more than 10%.
 */
import { readConfig, STRATEGIES } from "../../src/setup.ts";
import { Director } from "../../src/director/director.ts";
import { UNIFORM_WEIGHTS } from "../../src/domain/image_weights.ts";
import { seededRandom } from "../../src/domain/random.ts";
import { Loop } from "../../src/loop.ts";
import { systemClock } from "../../src/runtime/clock.ts";
import { RuntimeSettings } from "../../src/runtime/settings.ts";
import { OpenStackScout } from "../../src/scout/openstack/openstack_scout.ts";
import { importStrategy } from "../../src/strategy/loader.ts";
import { FakeOpenStack } from "../_fakes/openstack.ts";
import { tempDir, tunables } from "../_helpers.ts";

const NODES = 10_000;
const PAGE = 1_000;
const LATENCY_MS = 20;
const RUNS = 7;

/** The fake cloud, populated; in a process of its own, as Ironic would be. */
async function serve(): Promise<void> {
  const fake = await FakeOpenStack.start({ ironicMaxLimit: PAGE, pageDelayMs: LATENCY_MS });
  const flavors = ["bm.small", "bm.medium", "bm.large", "bm.gpu"];
  for (const name of flavors) {
    fake.addFlavor({
      name,
      extra_specs: { [`resources:CUSTOM_${name.replace(".", "_").toUpperCase()}`]: "1" },
    });
  }
  const images = Array.from({ length: 20 }, (_, i) => fake.addImage({ name: `image-${i}` }));
  for (let i = 0; i < NODES; i++) {
    const cached = i % 7 === 0;
    fake.addNodes(1, {
      resource_class: flavors[i % flavors.length],
      provision_state: i % 3 === 0 ? "active" : "available",
      properties: { memory_mb: 262144, cpus: 64, local_gb: 960, cpu_arch: "x86_64" },
      driver_info: {
        ipmi_address: `10.0.${i >> 8}.${i & 255}`,
        ipmi_username: "admin",
        ipmi_password: "******",
        ...(cached && {
          // Every other cached node holds an image Glance no longer lists: an eject.
          cache_image_id: i % 14 === 0 ? `retired-${i}` : images[i % images.length].id,
          cache_status: "cached",
        }),
      },
    });
  }
  console.log(JSON.stringify({ keystoneUrl: fake.keystoneUrl, ironicUrl: fake.ironicUrl }));
  // Serve until the parent closes our standard input.
  for await (const _ of Deno.stdin.readable) { /* wait */ }
  await fake.close();
}

if (Deno.args[0] === "serve") {
  await serve();
  Deno.exit(0);
}

const server = new Deno.Command(Deno.execPath(), {
  args: ["run", "--allow-net=127.0.0.1", import.meta.filename!, "serve"],
  stdin: "piped",
  stdout: "piped",
}).spawn();
const reader = server.stdout.getReader();
let announced = "";
while (!announced.includes("\n")) {
  const { value, done } = await reader.read();
  if (done) throw new Error("the fake cloud did not start");
  announced += new TextDecoder().decode(value);
}
await reader.cancel();
const fake = JSON.parse(announced) as { keystoneUrl: string; ironicUrl: string };

await using dir = await tempDir();
const file = await dir.write(
  "arsenal.conf",
  `[director]\nscout = openstack\n[client_wrapper]\nos_api_url = ${fake.keystoneUrl}\n` +
    "os_username = admin\nos_password = secret\nos_tenant_name = admin\n",
);
const { config, problems } = readConfig(file);
if (!config?.openstack) throw new Error(JSON.stringify(problems));
const scout = new OpenStackScout(config.openstack, { clock: systemClock, random: seededRandom(1) });
const strategy = await importStrategy({ kind: "builtin", name: "simple_proportional" }, STRATEGIES);
const settings = new RuntimeSettings(
  tunables({ dry_run: true, strategy: { percentage_to_cache: 0.25 } }),
  strategy.options,
);
const loop = new Loop({
  clock: systemClock,
  scout,
  strategy,
  director: new Director(scout, systemClock, settings.current, 8),
  settings,
  imageWeights: UNIFORM_WEIGHTS,
  pollSpacing: 60,
  logStatistics: false,
  random: seededRandom(1),
});
await loop.poll();

/** Fetches every node page as the Ironic API hands them out, reading each body. */
async function fetchPages(): Promise<number> {
  let url: string | null = `${fake.ironicUrl}/v1/nodes?fields=uuid,provision_state,maintenance,` +
    `driver_info,extra,properties,resource_class&limit=${PAGE}`;
  let pages = 0;
  while (url) {
    const response: Response = await fetch(url, {
      headers: { "X-OpenStack-Ironic-API-Version": "1.82", Accept: "application/json" },
    });
    const text = await response.text();
    pages++;
    url = /"next":\s*"([^"]+)"/.exec(text)?.[1] ?? null;
  }
  return pages;
}

async function time(fn: () => Promise<unknown>): Promise<number[]> {
  await fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
}

const pages = await fetchPages();
const fetchTimes = await time(fetchPages);
let directives = 0;
const cycleTimes = await time(async () => {
  const record = await loop.triggerCycle()!;
  if (record.outcome !== "success") throw new Error(`cycle ${record.outcome}: ${record.reason}`);
  directives = record.directives.length;
});
const median = (t: number[]) => t[Math.floor(t.length / 2)];
const ratio = median(cycleTimes) / median(fetchTimes);
const ms = (t: number) => `${t.toFixed(1)} ms`;
console.log(
  `OpenStack cycle, ${NODES} nodes, ${pages} pages of ${PAGE}, ${LATENCY_MS} ms per page:\n` +
    `  page fetch alone: best ${ms(fetchTimes[0])}, median ${ms(median(fetchTimes))}\n` +
    `  full cycle (${directives} directives, dry run): best ${ms(cycleTimes[0])}, ` +
    `median ${ms(median(cycleTimes))}\n` +
    `  cycle / page fetch = ${(ratio * 100).toFixed(1)}% (target <= 110%)`,
);
await server.stdin.close();
await server.status;
if (ratio > 1.1) Deno.exitCode = 1;
