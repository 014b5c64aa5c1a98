/**
 * `deno task compile [--target TRIPLE]`: stamps `dist/build_info.json` with the git commit, then
 * runs `deno compile` with the permission set `arsenal` from deno.json, embedding the stamp.
 *
 * `deno compile` downloads its base runtime (`denort`) from dl.deno.land unless `DENORT_BIN`
 * names a local copy. Where that download is impossible, this says so instead of leaving the
 * operator with a network error.
 *
 * Exit status: 0 built; 1 `deno compile` failed; 2 bad arguments.
 *
 * @module
 */
import { COMMAND_MODULES } from "../cli/command_modules.ts";
import { buildInfo } from "../version.ts";

const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
];

/**
 * Builds the `deno compile` arguments for an optional target. A worker's entry point is not in
 * the module graph of `main.ts`, nor are the commands' modules (`main.ts` imports them by a
 * computed name), so the plan worker (src/strategy/plan_worker.ts) and the commands are included
 * by name, as Deno's documentation on workers and dynamic imports in compiled binaries asks.
 */
export function compileArgs(target: string | undefined): string[] {
  const output = target ? `dist/arsenal-${target}` : "dist/arsenal";
  return [
    "compile",
    "--permission-set=arsenal",
    "--include",
    "dist/build_info.json",
    "--include",
    "src/strategy/plan_worker.ts",
    // main.ts imports each command's module by a computed name, which deno compile cannot see.
    ...Object.values(COMMAND_MODULES).flatMap((module) => ["--include", module]),
    ...(target ? ["--target", target] : []),
    "--output",
    output,
    "main.ts",
  ];
}

/** What to tell the operator when `deno compile` failed, from what it printed. */
export function explainFailure(stderr: string, denortBin: string | undefined): string {
  if (denortBin) {
    return `deno compile failed with DENORT_BIN=${denortBin}: is it the denort of Deno ` +
      `${Deno.version.deno} for this target?`;
  }
  if (/denort|dl\.deno\.land|download/i.test(stderr)) {
    return "deno compile could not download its base runtime (denort). Download " +
      `https://dl.deno.land/release/v${Deno.version.deno}/denort-<target>.zip where you can, ` +
      "unzip it here, and set DENORT_BIN=/path/to/denort";
  }
  return "deno compile failed (see above)";
}

if (import.meta.main) {
  const [flag, target, ...rest] = Deno.args;
  if ((flag !== undefined && flag !== "--target") || rest.length > 0 || (flag && !target)) {
    console.error(`usage: deno task compile [--target ${TARGETS.join("|")}]`);
    Deno.exit(2);
  }
  if (target && !TARGETS.includes(target)) {
    console.error(`unknown target "${target}": expected one of ${TARGETS.join(", ")}`);
    Deno.exit(2);
  }
  await Deno.mkdir("dist", { recursive: true });
  const info = { ...buildInfo(), builtAt: new Date().toISOString() };
  await Deno.writeTextFile("dist/build_info.json", JSON.stringify(info) + "\n");
  const denortBin = Deno.env.get("DENORT_BIN");
  if (denortBin) {
    try {
      Deno.statSync(denortBin);
    } catch {
      console.error(`DENORT_BIN=${denortBin}: no such file`);
      Deno.exit(1);
    }
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: compileArgs(target),
    stdout: "inherit",
    stderr: "piped",
  }).spawn();
  const { code, stderr } = await child.output();
  const said = new TextDecoder().decode(stderr);
  await Deno.stderr.write(stderr);
  if (code !== 0) {
    console.error(`arsenal: ${explainFailure(said, denortBin)}`);
    Deno.exit(1);
  }
  console.error(
    `arsenal: built ${compileArgs(target).at(-2)} (commit ${info.commit.slice(0, 12)})`,
  );
}
