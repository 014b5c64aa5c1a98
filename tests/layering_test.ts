/**
 * The layering rule, read from the module graph (`deno info --json`): no cycle between the parts
 * of the product, `src/domain/` imports nothing of the project, `src/config/` only `domain` and
 * `runtime`, `src/runtime/` only `domain` and `config`, and only the composition root imports
 * `plugins/`.
 *
 * A part is a folder of `src/` (`src/<name>/`, everything under it), a file directly in `src/`,
 * `plugins/`, or `main.ts`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ROOT } from "./_helpers.ts";

/** One import: `from` imports `to`, both relative to the repository root. */
interface Import {
  readonly from: string;
  readonly to: string;
}

/** The part a module belongs to: `src/config/`, `src/loop.ts`, `plugins/`, `main.ts`. */
function partOf(path: string): string {
  const segments = path.split("/");
  if (segments[0] === "src") return segments.length > 2 ? `src/${segments[1]}/` : path;
  if (segments[0] === "plugins") return "plugins/";
  return path;
}

/** Which parts a part may import, when the rule restricts it. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  "src/domain/": [],
  "src/config/": ["src/domain/", "src/runtime/"],
  "src/runtime/": ["src/domain/", "src/config/"],
};

/** The only parts that import `plugins/`. */
const COMPOSITION_ROOT = [
  "main.ts",
  "src/cli/",
  "src/setup.ts",
  "src/strategy_setup.ts",
  "src/agent.ts",
];

/** The parts of each strongly connected component of more than one part (Tarjan). */
function components(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (part: string) => {
    index.set(part, index.size);
    low.set(part, index.get(part)!);
    stack.push(part);
    for (const next of edges.get(part) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(part, Math.min(low.get(part)!, low.get(next)!));
      } else if (stack.includes(next)) {
        low.set(part, Math.min(low.get(part)!, index.get(next)!));
      }
    }
    if (low.get(part) !== index.get(part)) return;
    const component: string[] = [];
    let member;
    do {
      member = stack.pop()!;
      component.push(member);
    } while (member !== part);
    if (component.length > 1) found.push(component.sort());
  };
  for (const part of [...edges.keys()].sort()) if (!index.has(part)) visit(part);
  return found;
}

/** The shortest cycle through `start` (breadth first), as its parts in order. */
function cycleThrough(start: string, edges: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  for (let at = 0; at < queue.length; at++) {
    for (const next of [...edges.get(queue[at]) ?? []].sort()) {
      if (next === start) {
        const path = [queue[at]];
        while (path[0] !== start) path.unshift(previous.get(path[0])!);
        return path;
      }
      if (previous.has(next)) continue;
      previous.set(next, queue[at]);
      queue.push(next);
    }
  }
  return [];
}

/** One cycle per component: the shortest, as `A -> B -> A`. */
function cycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  return components(edges).map((component) =>
    component.map((part) => cycleThrough(part, edges))
      .reduce((shortest, cycle) => cycle.length < shortest.length ? cycle : shortest)
  );
}

/**
 * Every break of the layering rule in `imports`, each naming the imports that make it
 * (`src/a/x.ts -> src/b/y.ts`).
 */
export function layeringViolations(imports: readonly Import[]): string[] {
  const between = imports
    .map((i) => ({ ...i, fromPart: partOf(i.from), toPart: partOf(i.to) }))
    .filter((i) => i.fromPart !== i.toPart);
  const named = (list: typeof between) => list.map((i) => `${i.from} -> ${i.to}`).join(", ");
  const violations: string[] = [];
  for (const [part, allowed] of Object.entries(ALLOWED)) {
    const bad = between.filter((i) => i.fromPart === part && !allowed.includes(i.toPart));
    if (bad.length > 0) {
      const may = allowed.length ? `only ${allowed.join(" and ")}` : "nothing of the project";
      violations.push(`${part} may import ${may}: ${named(bad)}`);
    }
  }
  const plugins = between.filter((i) =>
    i.toPart === "plugins/" && !COMPOSITION_ROOT.includes(i.fromPart)
  );
  if (plugins.length > 0) {
    violations.push(
      `only the composition root (${COMPOSITION_ROOT.join(", ")}) imports plugins/: ` +
        named(plugins),
    );
  }
  const edges = new Map<string, Set<string>>();
  for (const i of between) {
    if (!edges.has(i.fromPart)) edges.set(i.fromPart, new Set());
    edges.get(i.fromPart)!.add(i.toPart);
  }
  for (const cycle of cycles(edges)) {
    const steps = cycle.map((part, at) => [part, cycle[(at + 1) % cycle.length]]);
    const closing = steps.map(([from, to]) =>
      named(between.filter((i) => i.fromPart === from && i.toPart === to))
    );
    violations.push(`cycle ${[...cycle, cycle[0]].join(" -> ")}: ${closing.join("; ")}`);
  }
  return violations;
}

/** A module of `deno info --json`, as far as the rule needs it. */
interface InfoModule {
  readonly specifier: string;
  readonly dependencies?: readonly {
    readonly code?: { readonly specifier?: string };
    readonly type?: { readonly specifier?: string };
  }[];
}

/** Every `.ts` file under `dir` (relative to the repository root). */
async function sources(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(join(ROOT, dir))) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) found.push(...await sources(path));
    else if (entry.name.endsWith(".ts")) found.push(path);
  }
  return found;
}

/**
 * The product's imports between its own modules, code and type alike: the graph from `main.ts`,
 * `plugins/mod.ts` and every module of `src/`, so that what is imported only by a computed
 * specifier (a command, the plan worker) is in it too.
 */
async function productImports(): Promise<Import[]> {
  const roots = ["main.ts", "plugins/mod.ts", ...await sources("src")];
  const dir = await Deno.makeTempDir({ prefix: "arsenal-layering-" });
  try {
    const entry = join(dir, "product.ts");
    const lines = roots.map((root) =>
      `import ${JSON.stringify(pathToFileURL(join(ROOT, root)).href)};`
    );
    await Deno.writeTextFile(entry, lines.join("\n") + "\n");
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--config", join(ROOT, "deno.json"), entry],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    const { modules } = JSON.parse(new TextDecoder().decode(output.stdout)) as {
      modules: InfoModule[];
    };
    const own = (specifier: string | undefined) => {
      if (!specifier?.startsWith("file://")) return undefined;
      const path = relative(ROOT, fileURLToPath(specifier));
      return path.startsWith("..") ? undefined : path;
    };
    return modules.flatMap((module) => {
      const from = own(module.specifier);
      if (from === undefined) return [];
      return (module.dependencies ?? []).flatMap((dependency) =>
        [dependency.code?.specifier, dependency.type?.specifier]
          .map(own)
          .filter((to): to is string => to !== undefined)
          .map((to) => ({ from, to }))
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("layeringViolations() names the imports that close a cycle between folders", () => {
  const violations = layeringViolations([
    { from: "src/loop.ts", to: "src/director/director.ts" },
    { from: "src/director/director.ts", to: "src/scout/scout.ts" },
    { from: "src/director/record.ts", to: "src/scout/scout.ts" },
    { from: "src/scout/openstack/settings.ts", to: "src/director/config.ts" },
    { from: "src/scout/scout.ts", to: "src/scout/openstack/settings.ts" },
  ]);
  assert.deepEqual(violations, [
    "cycle src/director/ -> src/scout/ -> src/director/: " +
    "src/director/director.ts -> src/scout/scout.ts, src/director/record.ts -> src/scout/scout.ts; " +
    "src/scout/openstack/settings.ts -> src/director/config.ts",
  ]);
});

Deno.test("layeringViolations() holds domain, config and runtime to what they may import", () => {
  const violations = layeringViolations([
    { from: "src/domain/fleet.ts", to: "src/version.ts" },
    { from: "src/config/load.ts", to: "src/runtime/errors.ts" },
    { from: "src/config/load.ts", to: "src/strategy/loader.ts" },
    { from: "src/runtime/settings.ts", to: "src/domain/random.ts" },
    { from: "src/runtime/metrics.ts", to: "src/api/app.ts" },
  ]);
  assert.deepEqual(violations, [
    "src/domain/ may import nothing of the project: src/domain/fleet.ts -> src/version.ts",
    "src/config/ may import only src/domain/ and src/runtime/: " +
    "src/config/load.ts -> src/strategy/loader.ts",
    "src/runtime/ may import only src/domain/ and src/config/: " +
    "src/runtime/metrics.ts -> src/api/app.ts",
  ]);
});

Deno.test("layeringViolations() allows config and runtime one direction between them", () => {
  const oneWay = [{ from: "src/config/section.ts", to: "src/runtime/option_shape.ts" }];
  assert.deepEqual(layeringViolations(oneWay), []);
  assert.deepEqual(
    layeringViolations([
      ...oneWay,
      { from: "src/runtime/settings.ts", to: "src/config/section.ts" },
    ]),
    [
      "cycle src/config/ -> src/runtime/ -> src/config/: " +
      "src/config/section.ts -> src/runtime/option_shape.ts; " +
      "src/runtime/settings.ts -> src/config/section.ts",
    ],
  );
});

Deno.test("layeringViolations() lets only the composition root import plugins/", () => {
  const violations = layeringViolations([
    { from: "main.ts", to: "plugins/mod.ts" },
    { from: "src/cli/plan.ts", to: "plugins/mod.ts" },
    { from: "src/setup.ts", to: "plugins/mod.ts" },
    { from: "src/strategy_setup.ts", to: "plugins/mod.ts" },
    { from: "src/agent.ts", to: "plugins/mod.ts" },
    { from: "src/strategy/loader.ts", to: "plugins/mod.ts" },
    { from: "plugins/mod.ts", to: "src/strategy/contract.ts" },
  ]);
  assert.deepEqual(violations, [
    "only the composition root (main.ts, src/cli/, src/setup.ts, src/strategy_setup.ts, " +
    "src/agent.ts) imports " +
    "plugins/: src/strategy/loader.ts -> plugins/mod.ts",
    "cycle plugins/ -> src/strategy/ -> plugins/: plugins/mod.ts -> src/strategy/contract.ts; " +
    "src/strategy/loader.ts -> plugins/mod.ts",
  ]);
});

Deno.test("the product's module graph keeps the layering rule", async () => {
  const imports = await productImports();
  assert.ok(imports.some((i) => i.from === "main.ts"), "main.ts is not in the graph");
  assert.ok(
    imports.some((i) => i.from === "src/strategy/plan_worker.ts"),
    "the plan worker is not in the graph",
  );
  assert.deepEqual(layeringViolations(imports), []);
});
