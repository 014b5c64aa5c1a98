/**
 * Each command loads only what it needs (issue #10 §4), read from `deno info --json main.ts`: what
 * `main.ts` imports statically, plus everything the command's module imports (statically or
 * dynamically), must not include the control API's, the metrics' or the OpenStack client's
 * packages unless the command is `run`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import { ROOT } from "../_helpers.ts";

interface Dependency {
  readonly code?: { readonly specifier: string };
  readonly isDynamic?: boolean;
}
interface ModuleGraph {
  readonly modules: readonly { specifier: string; dependencies?: readonly Dependency[] }[];
  readonly redirects: Readonly<Record<string, string>>;
}

const MAIN = pathToFileURL(`${ROOT}main.ts`).href;

async function moduleGraph(): Promise<ModuleGraph> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", MAIN],
    cwd: ROOT,
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return JSON.parse(new TextDecoder().decode(stdout));
}

/**
 * The modules `roots` load: static imports, and dynamic ones too when `dynamic` says so (of the
 * importing module and, when it asks, of the imported one).
 */
function reachable(
  graph: ModuleGraph,
  roots: readonly string[],
  dynamic: (from: string, to: string) => boolean,
): Set<string> {
  const modules = new Map(graph.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const pending = [...roots];
  while (pending.length > 0) {
    const given = pending.pop()!;
    const specifier = graph.redirects[given] ?? given;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dependency of modules.get(specifier)?.dependencies ?? []) {
      const to = dependency.code?.specifier;
      if (!to || (dependency.isDynamic && !dynamic(specifier, to))) continue;
      pending.push(to);
    }
  }
  return seen;
}

/** The npm packages among `modules`, by name. */
function packages(modules: Iterable<string>): Set<string> {
  const names = new Set<string>();
  for (const specifier of modules) {
    const name = /^npm:\/?((?:@[^/@]+\/)?[^/@]+)/.exec(specifier)?.[1];
    if (name) names.add(name);
  }
  return names;
}

/** The module main.ts imports to run each command, other than `run`. */
const COMMANDS = {
  "plan": "src/cli/plan.ts",
  "check-config": "src/cli/check_config.ts",
  "healthcheck": "src/cli/healthcheck.ts",
  "trace": "src/cli/trace.ts",
} as const;
const HEAVY = ["hono", "prom-client", "ky", "p-limit"];

Deno.test("main() loads neither hono, prom-client, ky, p-limit nor LogTape for version and help", async () => {
  const graph = await moduleGraph();
  const modules = reachable(graph, [MAIN], () => false);
  assert.ok(modules.has(pathToFileURL(`${ROOT}src/cli/args.ts`).href), "the graph is read");
  const loaded = packages(modules);
  // LogTape loads Node's stream and util modules: about 25 ms of CPU that these commands skip.
  for (const name of [...HEAVY, "@logtape/logtape", "@logtape/file"]) {
    assert.ok(!loaded.has(name), `main.ts imports ${name} statically`);
  }
});

Deno.test("main() loads neither hono, prom-client, ky nor p-limit for plan, check-config, healthcheck and trace", async () => {
  const graph = await moduleGraph();
  for (const [command, file] of Object.entries(COMMANDS)) {
    const module = pathToFileURL(`${ROOT}${file}`).href;
    const loaded = reachable(graph, [MAIN, module], (from) => from !== MAIN);
    assert.ok(loaded.has(module), `${file} is not in main.ts's module graph`);
    const names = packages(loaded);
    for (const name of HEAVY) assert.ok(!names.has(name), `${command} loads ${name}`);
  }
});

Deno.test("main() loads neither hono, prom-client nor ky for simulate", async () => {
  const graph = await moduleGraph();
  const module = pathToFileURL(`${ROOT}src/cli/simulate.ts`).href;
  const loaded = reachable(graph, [MAIN, module], (from) => from !== MAIN);
  assert.ok(loaded.has(module), "src/cli/simulate.ts is not in main.ts's module graph");
  const names = packages(loaded);
  // The director's p-limit it needs: it issues the directives.
  for (const name of ["hono", "prom-client", "ky"]) {
    assert.ok(!names.has(name), `simulate loads ${name}`);
  }
  const main = reachable(graph, [MAIN], () => false);
  assert.ok(!main.has(module), "main.ts imports simulate statically");
});

Deno.test("main() loads LogTape for plan only once it has something to log", async () => {
  const graph = await moduleGraph();
  const plan = pathToFileURL(`${ROOT}src/cli/plan.ts`).href;
  // What plan loads to plan, and not what it loads to log a warning (or a --debug line).
  const logging = [pathToFileURL(`${ROOT}src/config/log_warning.ts`).href];
  const loaded = reachable(
    graph,
    [MAIN, plan],
    (from, to) => from !== MAIN && !logging.includes(to) && !packages([to]).has("@logtape/logtape"),
  );
  assert.ok(loaded.has(pathToFileURL(`${ROOT}src/strategy_setup.ts`).href), "plan loads its setup");
  // A plan reads [strategy] and the strategy's section: the other sections' code stays unloaded.
  for (const other of ["src/setup.ts", "src/sections.ts", "src/api/config.ts"]) {
    assert.ok(!loaded.has(pathToFileURL(`${ROOT}${other}`).href), `plan loads ${other}`);
  }
  // LogTape and the Node modules it brings cost about 20 ms of CPU, and most plans log nothing.
  assert.ok(!packages(loaded).has("@logtape/logtape"), "plan loads LogTape before it logs");
});

Deno.test("main() loads no configuration code for healthcheck --url", async () => {
  const graph = await moduleGraph();
  const healthcheck = pathToFileURL(`${ROOT}src/cli/healthcheck.ts`).href;
  const loaded = reachable(graph, [MAIN, healthcheck], () => false);
  for (const file of ["src/setup.ts", "src/config/load.ts"]) {
    const module = pathToFileURL(`${ROOT}${file}`).href;
    assert.ok(!loaded.has(module), `healthcheck imports ${file} statically`);
  }
  assert.ok(!packages(loaded).has("zod"), "healthcheck --url loads zod");
  assert.ok(
    !packages(loaded).has("@logtape/logtape"),
    "healthcheck loads LogTape: it logs nothing",
  );
});

Deno.test("main() loads zod's mini build, not its classic one, for healthcheck --config-file", async () => {
  const graph = await moduleGraph();
  const healthcheck = pathToFileURL(`${ROOT}src/cli/healthcheck.ts`).href;
  const loaded = [...reachable(graph, [MAIN, healthcheck], (from) => from !== MAIN)];
  const zod = loaded.filter((specifier) => /^npm:\/?zod@/.test(specifier));
  // The classic build's schemas carry every method: about 11 ms more CPU at each probe.
  assert.deepEqual(zod.map((specifier) => specifier.replace(/@[^/]+/, "")), ["npm:/zod/mini"]);
});

Deno.test("main() loads the control API, the metrics and the OpenStack client for run", async () => {
  const graph = await moduleGraph();
  const run = pathToFileURL(`${ROOT}src/cli/run.ts`).href;
  const names = packages(reachable(graph, [MAIN, run], (from) => from !== MAIN));
  for (const name of HEAVY) assert.ok(names.has(name), `run does not load ${name}`);
});

Deno.test("main() loads prom-client's metric classes for run, not its index", async () => {
  const graph = await moduleGraph();
  const run = pathToFileURL(`${ROOT}src/cli/run.ts`).href;
  const loaded = [...reachable(graph, [MAIN, run], (from) => from !== MAIN)];
  const prom = loaded.filter((specifier) => /^npm:\/?prom-client@/.test(specifier));
  assert.ok(prom.length > 0, "run loads no prom-client");
  // The index also loads the Pushgateway (Node's http), default metrics and cluster code.
  for (const specifier of prom) assert.match(specifier, /\/lib\/\w+\.js$/);
});

Deno.test("main() imports prom-client for run only dynamically: it loads after the agent is ready", async () => {
  const graph = await moduleGraph();
  const run = pathToFileURL(`${ROOT}src/cli/run.ts`).href;
  const loaded = reachable(graph, [MAIN, run], () => false);
  assert.ok(!packages(loaded).has("prom-client"), "run imports prom-client statically");
});

Deno.test("main() loads the OpenStack client for run only when the configuration asks for it", async () => {
  const graph = await moduleGraph();
  const run = pathToFileURL(`${ROOT}src/cli/run.ts`).href;
  const loaded = reachable(graph, [MAIN, run], () => false);
  assert.ok(!packages(loaded).has("ky"), "run on the simulator loads ky");
  const scout = pathToFileURL(`${ROOT}src/scout/openstack/openstack_scout.ts`).href;
  assert.ok(!loaded.has(scout), "run imports the OpenStack scout statically");
});

Deno.test("main() loads none of Node's modules for version, healthcheck and a plan that logs nothing", async () => {
  const graph = await moduleGraph();
  const module = (file: string) => pathToFileURL(`${ROOT}${file}`).href;
  // What each loads until it logs (plan) or at all (version, healthcheck --config-file).
  const cases: [string, string[], (from: string, to: string) => boolean][] = [
    ["version", [MAIN], () => false],
    ["healthcheck", [MAIN, module("src/cli/healthcheck.ts")], (from) => from !== MAIN],
    [
      "plan",
      [MAIN, module("src/cli/plan.ts")],
      (from, to) =>
        from !== MAIN && to !== module("src/config/log_warning.ts") &&
        !packages([to]).has("@logtape/logtape"),
    ],
  ];
  for (const [command, roots, dynamic] of cases) {
    // Importing any of them sets up Deno's Node layer: about 10 ms of CPU, at every start.
    const node = [...reachable(graph, roots, dynamic)].filter((s) => s.startsWith("node:"));
    assert.deepEqual(node, [], `${command} loads ${node.join(", ")}`);
  }
});
