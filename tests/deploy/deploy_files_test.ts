/**
 * The deployment files (Dockerfile, .dockerignore, config/deploy/) stay true to the code and to CI:
 * versions, ports, paths, exit statuses, grace periods and option names are read from their
 * sources, not repeated here. The YAML files are checked with targeted patterns (the project has no
 * YAML parser), and additionally parsed with PyYAML when python3 has it; the systemd unit is also
 * run through `systemd-analyze verify` when that exists.
 *
 * @module
 */
import assert from "node:assert/strict";
import { dirname, join, posix, resolve } from "node:path";
import { compileArgs } from "../../src/build/compile.ts";
import { EXIT } from "../../src/cli/args.ts";
import { apiSection } from "../../src/api/config.ts";
import { directorSection } from "../../src/director/config.ts";
import { SECRETS, SECTIONS } from "../../src/sections.ts";
import { describeShape } from "../../src/runtime/option_shape.ts";
import { normalizeSection } from "../../src/config/ini_file.ts";
import { isLoopback } from "../../src/runtime/net.ts";
import { setup } from "../../src/setup.ts";
import { VERSION } from "../../src/version.ts";
import { ROOT } from "../_helpers.ts";

const API = apiSection.parse({});
const DIRECTOR = directorSection.parse({});

const read = (path: string) => Deno.readTextFile(join(ROOT, path));
const dockerfile = await read("Dockerfile");
const dockerignore = await read(".dockerignore");
const compose = await read("config/deploy/compose.yaml");
const kubernetes = await read("config/deploy/kubernetes.yaml");
const unit = await read("config/deploy/arsenal.service");
const exampleConf = await read("config/arsenal.conf");
const ciRun = await read(".ci/run");
/** What `deno task compile` builds for the machine it runs on. */
const compiled = compileArgs(undefined).at(compileArgs(undefined).indexOf("--output") + 1)!;

const CAN_WRITE = Deno.permissions.querySync({ name: "write" }).state === "granted";

/** Whether `command` runs at all (and exits 0) with `args`. */
async function succeeds(command: string, args: string[]): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(command, { args, stdout: "null", stderr: "null" })
      .output();
    return success;
  } catch {
    return false;
  }
}

const HAS_SYSTEMD_ANALYZE = await succeeds("systemd-analyze", ["--version"]);
const HAS_PYYAML = await succeeds("python3", ["-c", "import yaml"]);

/**
 * A test that runs only where it can: `Deno.test` has no ignore reason, so an ignored test says
 * why in its name.
 */
function testWhere(
  name: string,
  requirements: Record<string, boolean>,
  fn: () => Promise<void>,
): void {
  const missing = Object.entries(requirements).filter(([, met]) => !met).map(([what]) => what);
  Deno.test({
    name: missing.length ? `${name} [ignored: needs ${missing.join(", ")}]` : name,
    ignore: missing.length > 0,
    fn,
  });
}
const WRITE = "--allow-write (temporary files)";

/** Seconds in a duration: `45`, `45s`, `1min 30s` (systemd) or `1m30s` (Compose). */
function seconds(text: string): number {
  const units: Record<string, number> = { "": 1, s: 1, sec: 1, m: 60, min: 60, h: 3600 };
  let total = 0;
  const rest = text.trim().replace(/(\d+(?:\.\d+)?)\s*(min|sec|s|m|h|)(?![a-z])/g, (_, n, u) => {
    total += Number(n) * units[u];
    return "";
  });
  assert.equal(rest.trim(), "", `unparsable duration "${text}"`);
  return total;
}

// --- Dockerfile ----------------------------------------------------------------------------------

interface Instruction {
  readonly op: string;
  readonly args: string;
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped, in stages. */
function dockerStages(text: string): Instruction[][] {
  const logical = text
    .split("\n")
    .filter((line) => !/^\s*#/.test(line))
    .join("\n")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const stages: Instruction[][] = [];
  for (const line of logical) {
    const [, op, args] = line.match(/^(\S+)\s*(.*)$/)!;
    const instruction = { op: op.toUpperCase(), args: args.replace(/\s+/g, " ") };
    if (instruction.op === "FROM") stages.push([]);
    assert.ok(stages.length > 0, `"${line}" comes before the first FROM`);
    stages.at(-1)!.push(instruction);
  }
  return stages;
}

const stages = dockerStages(dockerfile);
const [buildStage, runtimeStage] = stages;
const all = (stage: Instruction[], op: string) => stage.filter((i) => i.op === op);
const last = (stage: Instruction[], op: string) => all(stage, op).at(-1);
/** An exec-form (JSON array) argument, e.g. of ENTRYPOINT or HEALTHCHECK ... CMD. */
const execForm = (args: string): string[] => JSON.parse(args);

const runtimeCommand = [
  ...execForm(last(runtimeStage, "ENTRYPOINT")!.args),
  ...execForm(last(runtimeStage, "CMD")!.args),
];
/** The arsenal.conf the image runs with, from its ENTRYPOINT and CMD. */
const imageConfigFile = runtimeCommand[runtimeCommand.indexOf("--config-file") + 1];
/** Destination -> source of the runtime stage's `COPY --from=build` lines. */
const runtimeCopies = new Map(
  all(runtimeStage, "COPY").map((copy) => {
    const [, source, destination] = copy.args.match(/^--from=\S+ (\S+) (\S+)$/)!;
    return [destination, source];
  }),
);

Deno.test("Dockerfile: two stages, building with the Deno version CI installs", () => {
  const ciVersion = ciRun.match(/^DENO_VERSION=(\S+)$/m)?.[1];
  assert.ok(ciVersion, ".ci/run sets no DENO_VERSION");
  assert.equal(stages.length, 2);
  assert.match(buildStage[0].args, /^denoland\/deno:(\S+?)(@sha256:[0-9a-f]{64})? AS build$/);
  assert.equal(buildStage[0].args.match(/^denoland\/deno:([^@\s]+)/)?.[1], ciVersion);
  assert.doesNotMatch(runtimeStage[0].args, /\bAS\b/, "the runtime stage is the last, unnamed");
});

Deno.test("Dockerfile: locked dependencies are installed before the sources are copied", () => {
  const runs = buildStage.map((i) => `${i.op} ${i.args}`);
  const install = runs.indexOf("RUN deno install --frozen");
  assert.ok(install > 0, "no RUN deno install --frozen");
  assert.deepEqual(runs.slice(install - 1, install), ["COPY deno.json deno.lock ./"]);
  const firstSource = runs.findIndex((r) => /^COPY (main\.ts|src|plugins|config)\b/.test(r));
  assert.ok(firstSource > install, "sources are copied before deno install");
  assert.ok(runs.some((r) => r.startsWith("RUN deno task compile")), "no deno task compile");
});

Deno.test("Dockerfile: the runtime stage runs the compiled binary as a non-root user", () => {
  const workdir = last(buildStage, "WORKDIR")!.args;
  assert.equal(runtimeCopies.get(runtimeCommand[0]), posix.join(workdir, compiled));
  const user = last(runtimeStage, "USER")?.args;
  assert.match(user ?? "", /^\d+(:\d+)?$/, "USER must be numeric for Kubernetes' runAsNonRoot");
  assert.notEqual(Number(user!.split(":")[0]), 0, "USER is root");
  assert.equal(last(runtimeStage, "STOPSIGNAL")?.args, "SIGTERM");
  assert.equal(runtimeCommand[1], "run");
});

Deno.test("Dockerfile: HEALTHCHECK runs `arsenal healthcheck` with the image's configuration", () => {
  const healthcheck = last(runtimeStage, "HEALTHCHECK")?.args.match(/\bCMD (\[.*\])$/)?.[1];
  assert.ok(healthcheck, "no exec-form HEALTHCHECK CMD");
  const [binary, subcommand, ...rest] = execForm(healthcheck);
  assert.equal(binary, runtimeCommand[0]);
  assert.equal(subcommand, "healthcheck");
  assert.deepEqual(rest, ["--config-file", imageConfigFile]);
});

Deno.test("Dockerfile: EXPOSE is the default [api] port, and the API is guarded or loopback", () => {
  assert.deepEqual(all(runtimeStage, "EXPOSE").map((i) => i.args), [String(API.port)]);
  const host = all(runtimeStage, "ENV")
    .map((i) => i.args.match(/\bARSENAL_API__HOST=(\S+)/)?.[1])
    .find((h) => h !== undefined);
  assert.ok(host !== undefined && !isLoopback(host), "the image should listen beyond loopback");
});

Deno.test("Dockerfile: the runtime stage installs and runs no curl or wget", () => {
  for (const { op, args } of runtimeStage) {
    assert.doesNotMatch(`${op} ${args}`, /\b(curl|wget)\b/i);
  }
  assert.equal(all(runtimeStage, "RUN").length, 0, "distroless has no shell for RUN");
});

Deno.test("Dockerfile: the image's label version is src/version.ts", () => {
  assert.equal(
    all(runtimeStage, "ARG").map((i) => i.args.match(/^VERSION=(\S+)$/)?.[1]).find(Boolean),
    VERSION,
  );
});

Deno.test("Dockerfile: the example arsenal.conf finds its weights file in the image", () => {
  assert.equal(runtimeCopies.get(imageConfigFile), posix.join("/src", "config/arsenal.conf"));
  const weights = exampleConf.match(/^image_weights_filename\s*=\s*(\S+)$/m)?.[1];
  assert.ok(weights, "config/arsenal.conf sets no image_weights_filename");
  const inImage = posix.resolve(last(runtimeStage, "WORKDIR")?.args ?? "/", weights);
  assert.equal(runtimeCopies.get(inImage), posix.join("/src", "config/image_weights.json"));
});

Deno.test(".dockerignore keeps everything out of the context but what the Dockerfile copies", () => {
  const patterns = dockerignore.split("\n").map((l) => l.trim()).filter((l) => l && l[0] !== "#");
  assert.equal(patterns[0], "*", "an allowlist starts by excluding everything");
  const included = patterns.filter((p) => p.startsWith("!")).map((p) =>
    p.slice(1).replace(/\/$/, "")
  );
  const contextPaths = all(buildStage, "COPY")
    .filter((copy) => !copy.args.startsWith("--from="))
    .flatMap((copy) => copy.args.split(" ").slice(0, -1));
  // And what the runtime stage takes from the build stage's copy of the context.
  const workdir = last(buildStage, "WORKDIR")!.args;
  for (const source of runtimeCopies.values()) {
    const relative = posix.relative(workdir, source);
    if (relative !== compiled) contextPaths.push(relative);
  }
  for (const path of contextPaths) {
    const covered = included.some((p) => path === p || path.startsWith(`${p}/`)) ||
      included.some((p) => p.startsWith(`${path}/`));
    assert.ok(covered, `${path} is copied but excluded by .dockerignore`);
  }
  for (const excluded of [".git", ".ci", "dist", "tests", "node_modules", "config/deploy"]) {
    assert.ok(
      !included.some((p) => excluded === p || excluded.startsWith(`${p}/`)),
      `${excluded} is in the build context`,
    );
  }
});

// --- ARSENAL_* variables ---------------------------------------------------------------------------

Deno.test("every ARSENAL_<SECTION>__<OPTION> variable in the deployment files names an option", () => {
  const files = { Dockerfile: dockerfile, compose, kubernetes, unit };
  let seen = 0;
  for (const [file, text] of Object.entries(files)) {
    for (const [, section, option] of text.matchAll(/\bARSENAL_([A-Z0-9_]+?)__([A-Z0-9_]+)/g)) {
      seen++;
      const name = normalizeSection(section) as keyof typeof SECTIONS;
      assert.ok(name in SECTIONS, `${file}: unknown section in ARSENAL_${section}__${option}`);
      const known = Object.keys(describeShape(SECTIONS[name]));
      const lower = option.toLowerCase();
      const secret = lower.endsWith("_file") && SECRETS[name]?.includes(lower.slice(0, -5));
      assert.ok(
        known.includes(lower) || secret,
        `${file}: [${name}] has no option ${lower} (ARSENAL_${section}__${option})`,
      );
    }
  }
  assert.ok(seen > 0);
});

// --- systemd ---------------------------------------------------------------------------------------

/** The unit's `Key=value` settings by section, each key with all its values in order. */
function unitSettings(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const line of text.split("\n").map((l) => l.trim())) {
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = line.match(/^\[(.+)\]$/);
    if (header) {
      current = new Map();
      sections.set(header[1], current);
      continue;
    }
    const [, key, value] = line.match(/^([A-Za-z]+)=(.*)$/) ?? [];
    assert.ok(current && key !== undefined, `unexpected line in the unit: ${line}`);
    current.set(key, [...current.get(key) ?? [], value]);
  }
  return sections;
}

const service = unitSettings(unit).get("Service")!;
/** The last value of `key` in [Service] (the one in force for single-valued settings). */
const setting = (key: string) => service.get(key)?.at(-1);

Deno.test("systemd unit: starts `arsenal run` with a configuration in its ConfigurationDirectory", () => {
  assert.equal(setting("Type"), "exec");
  const [binary, command, flag, file] = setting("ExecStart")!.split(/\s+/);
  assert.equal(binary, runtimeCommand[0], "the same path as in the image");
  assert.deepEqual([command, flag], ["run", "--config-file"]);
  assert.equal(dirname(file), `/etc/${setting("ConfigurationDirectory")}`);
  assert.ok(setting("StateDirectory"), "no StateDirectory");
  assert.ok(unitSettings(unit).get("Install")?.get("WantedBy")?.includes("multi-user.target"));
});

Deno.test("systemd unit: reloads with SIGHUP, stops with SIGTERM after the grace period", () => {
  assert.match(setting("ExecReload") ?? "", /^\/bin\/kill -HUP \$MAINPID$/);
  assert.equal(setting("KillSignal"), "SIGTERM");
  const stop = seconds(setting("TimeoutStopSec") ?? "0");
  assert.ok(
    stop > DIRECTOR.shutdown_grace_period,
    `TimeoutStopSec ${stop} s <= shutdown_grace_period ${DIRECTOR.shutdown_grace_period} s`,
  );
  assert.equal(setting("Restart"), "on-failure");
  assert.ok(
    setting("RestartPreventExitStatus")?.split(/\s+/).includes(String(EXIT.usage)),
    "an invalid configuration must not be restarted",
  );
});

Deno.test("systemd unit: hardened", () => {
  const expected: Record<string, string> = {
    DynamicUser: "yes",
    NoNewPrivileges: "yes",
    ProtectSystem: "strict",
    ProtectHome: "yes",
    PrivateTmp: "yes",
    PrivateDevices: "yes",
    ProtectKernelTunables: "yes",
    ProtectKernelModules: "yes",
    ProtectKernelLogs: "yes",
    ProtectControlGroups: "yes",
    RestrictNamespaces: "yes",
    LockPersonality: "yes",
    SystemCallArchitectures: "native",
    CapabilityBoundingSet: "",
    // V8's JIT writes, then runs, machine code: "yes" would stop Arsenal at startup.
    MemoryDenyWriteExecute: "no",
  };
  for (const [key, value] of Object.entries(expected)) assert.equal(setting(key), value, key);
  assert.deepEqual(
    setting("RestrictAddressFamilies")?.split(/\s+/).sort(),
    ["AF_INET", "AF_INET6", "AF_UNIX"],
  );
  assert.match(service.get("SystemCallFilter")?.[0] ?? "", /^@system-service\b/);
});

Deno.test("systemd unit: every %d credential it points Arsenal at is loaded", () => {
  const loaded = (service.get("LoadCredential") ?? []).map((c) => c.split(":")[0]);
  const used = (service.get("Environment") ?? []).flatMap((e) =>
    [...e.matchAll(/%d\/([\w.-]+)/g)].map((m) => m[1])
  );
  assert.ok(used.length > 0, "no credential is used");
  for (const name of used) assert.ok(loaded.includes(name), `credential ${name} is not loaded`);
});

testWhere("systemd unit: systemd-analyze verify accepts it without a warning", {
  "systemd-analyze": HAS_SYSTEMD_ANALYZE,
  [WRITE]: CAN_WRITE,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "arsenal-unit-" });
  try {
    // verify insists that ExecStart exists: stand in for the binary.
    const binary = join(dir, "arsenal");
    await Deno.writeTextFile(binary, "#!/bin/sh\n", { mode: 0o755 });
    const copy = join(dir, "arsenal.service");
    await Deno.writeTextFile(copy, unit.replaceAll(`${runtimeCommand[0]} `, `${binary} `));
    const { code, stdout, stderr } = await new Deno.Command("systemd-analyze", {
      args: ["verify", copy],
    }).output();
    const output = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
    assert.equal(code, 0, output);
    assert.equal(output.trim(), "", "warnings from systemd-analyze verify");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// --- Kubernetes ------------------------------------------------------------------------------------

/** The manifest's documents by kind. */
const manifests = new Map(
  kubernetes.split(/^---\s*$/m).map((doc) => [doc.match(/^kind: (\w+)$/m)?.[1] ?? "", doc]),
);
const deployment = manifests.get("Deployment") ?? "";
const k8sService = manifests.get("Service") ?? "";

/** The text of the block scalar `key: |` in `yaml`, dedented. */
function blockScalar(yaml: string, key: string): string {
  const lines = yaml.split("\n");
  const start = lines.findIndex((l) => new RegExp(`^\\s*${key.replace(".", "\\.")}: \\|$`).test(l));
  assert.ok(start >= 0, `no block scalar ${key}`);
  const indent = (l: string) => l.match(/^ */)![0].length;
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() !== "" && indent(line) <= indent(lines[start])) break;
    body.push(line);
  }
  const margin = Math.min(...body.filter((l) => l.trim()).map(indent));
  return body.map((l) => l.slice(margin)).join("\n").trimEnd() + "\n";
}

/** `key: value` pairs of the block scalar-free map under `key:` (e.g. stringData), unquoted. */
function mapUnder(yaml: string, key: string): Map<string, string> {
  const block = yaml.split(new RegExp(`^\\s*${key}:\\s*$`, "m"))[1] ?? "";
  const entries = new Map<string, string>();
  for (const line of block.split("\n").slice(1)) {
    if (line.trim() === "" || line.trim().startsWith("#")) continue;
    const [, name, value] = line.match(/^\s+([\w.-]+): (.+)$/) ?? [];
    if (name === undefined) break;
    entries.set(name, value.replace(/^"(.*)"$/, "$1"));
  }
  return entries;
}

const configMapConf = blockScalar(manifests.get("ConfigMap") ?? "", "arsenal.conf");
const confValue = (conf: string, option: string) =>
  conf.match(new RegExp(`^${option}\\s*=\\s*(\\S+)\\s*$`, "m"))?.[1];

Deno.test("Kubernetes: a Secret, a ConfigMap, one Recreate-d replica and a Service", () => {
  assert.deepEqual([...manifests.keys()].sort(), ["ConfigMap", "Deployment", "Secret", "Service"]);
  assert.match(deployment, /^ {2}replicas: 1$/m);
  assert.match(deployment, /^ {2}strategy:\n {4}type: Recreate$/m);
  assert.match(deployment, /^\s+#.*\bmust never run twice against one cloud\b/m);
});

Deno.test("Kubernetes: probes on /livez and /readyz, on the API's port", () => {
  assert.match(deployment, /livenessProbe:\n\s+httpGet:\n\s+path: \/livez\n\s+port: http\n/);
  assert.match(deployment, /readinessProbe:\n\s+httpGet:\n\s+path: \/readyz\n\s+port: http\n/);
  assert.match(deployment, new RegExp(`- name: http\\n\\s+containerPort: ${API.port}\\n`));
  assert.match(
    k8sService,
    new RegExp(`- name: http\\n\\s+port: ${API.port}\\n\\s+targetPort: http`),
  );
  assert.equal(confValue(configMapConf, "port") ?? String(API.port), String(API.port));
});

Deno.test("Kubernetes: Prometheus annotations on the Service and the pod template", () => {
  for (const [what, doc] of [["Service", k8sService], ["pod template", deployment]]) {
    assert.match(doc, /^\s+prometheus\.io\/scrape: "true"$/m, what);
    assert.match(doc, new RegExp(`^\\s+prometheus\\.io/port: "${API.port}"$`, "m"), what);
    assert.match(doc, /^\s+prometheus\.io\/path: \/metrics$/m, what);
  }
});

Deno.test("Kubernetes: non-root, read-only, no privilege escalation, no capabilities", () => {
  const uid = last(runtimeStage, "USER")!.args.split(":")[0];
  assert.equal((deployment.match(/^\s+runAsNonRoot: true$/gm) ?? []).length, 2);
  assert.ok(deployment.match(/^\s+runAsUser: (\d+)$/gm)?.every((l) => l.endsWith(` ${uid}`)));
  assert.match(deployment, /^\s+readOnlyRootFilesystem: true$/m);
  assert.match(deployment, /^\s+allowPrivilegeEscalation: false$/m);
  assert.match(deployment, /^\s+capabilities:\n\s+drop: \["ALL"\]$/m);
  assert.match(deployment, /^\s+seccompProfile:\n\s+type: RuntimeDefault$/m);
  assert.match(deployment, /^\s+resources:\n\s+requests:\n[\s\S]*?\n\s+limits:\n/m);
  assert.match(deployment, /^\s+automountServiceAccountToken: false$/m);
});

Deno.test("Kubernetes: the pod outlives the shutdown grace period", () => {
  const grace = Number(deployment.match(/^\s+terminationGracePeriodSeconds: (\d+)$/m)?.[1]);
  const configured = Number(confValue(configMapConf, "shutdown_grace_period") ?? 0);
  assert.ok(grace > Math.max(DIRECTOR.shutdown_grace_period, configured), `${grace} s`);
});

testWhere("Kubernetes: the ConfigMap's arsenal.conf, with the Secret mounted, is valid", {
  [WRITE]: CAN_WRITE,
}, async () => {
  const args = execForm(deployment.match(/^\s+args: (\[.*\])$/m)![1]);
  const confPath = args[args.indexOf("--config-file") + 1];
  const mountOf = (volume: string) =>
    deployment.match(new RegExp(`- name: ${volume}\\n\\s+mountPath: (\\S+)\\n`))![1];
  const configDir = mountOf("config");
  const secretDir = mountOf("secrets");
  assert.equal(dirname(confPath), configDir);
  assert.equal(confValue(configMapConf, "scout"), "openstack");
  assert.equal(confValue(configMapConf, "dry_run"), "true", "start in dry run");

  const files: Record<string, string> = {
    [confPath]: configMapConf,
    [`${configDir}/image_weights.json`]: blockScalar(
      manifests.get("ConfigMap")!,
      "image_weights.json",
    ),
  };
  for (const [key, value] of mapUnder(manifests.get("Secret")!, "stringData")) {
    files[`${secretDir}/${key}`] = value;
  }
  for (const file of configMapConf.matchAll(/^\w+_file\s*=\s*(\S+)$/gm)) {
    assert.ok(file[1] in files, `${file[1]} is not in the Secret`);
  }
  const { warnings, error } = await setupIn(files, confPath, {});
  assert.equal(error, undefined);
  assert.deepEqual(warnings, []);
});

/**
 * Runs {@linkcode setup} on `files` (absolute path -> contents) written under a temporary
 * directory, every mention of those paths (in the files and `env`) moved there too.
 */
async function setupIn(
  files: Record<string, string>,
  confPath: string,
  env: Record<string, string>,
): Promise<{ warnings: string[]; error?: string }> {
  const dir = await Deno.makeTempDir({ prefix: "arsenal-deploy-" });
  const move = (text: string) =>
    Object.keys(files).reduce((t, path) => t.replaceAll(path, join(dir, path)), text);
  try {
    for (const [path, text] of Object.entries(files)) {
      await Deno.mkdir(dirname(join(dir, path)), { recursive: true });
      await Deno.writeTextFile(join(dir, path), move(text));
    }
    const movedEnv = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, move(v)]));
    const warnings: string[] = [];
    try {
      await setup(join(dir, confPath), { env: movedEnv, onWarning: (w) => warnings.push(w) });
      return { warnings };
    } catch (e) {
      return { warnings, error: (e as Error).message };
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

// --- Compose ---------------------------------------------------------------------------------------

/** The text of one service of compose.yaml (up to the next service or top-level key). */
function composeService(name: string): string {
  const match = compose.match(
    new RegExp(`^  ${name}:\\n([\\s\\S]*?)(?=^  \\w[\\w-]*:\\n|^\\S|(?![\\s\\S]))`, "m"),
  );
  assert.ok(match, `no service ${name}`);
  return match[1];
}

const arsenalService = composeService("arsenal");

Deno.test("Compose: Arsenal, Ironic and Prometheus, in the Compose spec (no version key)", () => {
  assert.doesNotMatch(compose, /^version:/m);
  assert.match(compose, /^services:$/m);
  for (const name of ["arsenal", "ironic", "prometheus"]) composeService(name);
  const context = arsenalService.match(/^ {4}build:\n {6}context: (\S+)$/m)?.[1];
  assert.ok(context, "arsenal is not built from the repository");
  assert.equal(resolve(ROOT, "config/deploy", context) + "/", ROOT);
});

Deno.test("Compose: Arsenal stops gracefully and publishes the API's port", () => {
  assert.match(arsenalService, /^ {4}stop_signal: SIGTERM$/m);
  const grace = seconds(arsenalService.match(/^ {4}stop_grace_period: (\S+)$/m)?.[1] ?? "0");
  assert.ok(grace > DIRECTOR.shutdown_grace_period, `stop_grace_period ${grace} s`);
  assert.match(
    arsenalService,
    new RegExp(`^ {6}- "127\\.0\\.0\\.1:${API.port}:${API.port}"$`, "m"),
  );
  assert.match(arsenalService, /^ {4}read_only: true$/m);
});

Deno.test("Compose: the configuration and the Prometheus files are mounted read-only", () => {
  const mounts = [...compose.matchAll(
    /- type: bind\n\s+source: (\S+)\n\s+target: (\S+)\n\s+read_only: true\n/g,
  )].map(([, source, target]) => [source, target]);
  assert.deepEqual(mounts, [
    ["../arsenal.conf", imageConfigFile],
    ["../prometheus/prometheus.yml", "/etc/prometheus/prometheus.yml"],
    ["../prometheus/alerts.yml", "/etc/prometheus/alerts.yml"],
  ]);
  assert.ok(composeService("prometheus").includes("--config.file=/etc/prometheus/prometheus.yml"));
});

/** The arsenal service's `environment:` map. */
const composeEnv = mapUnder(arsenalService, "environment");

Deno.test("Compose: the token comes from a Docker secret", () => {
  const secret = compose.match(/^secrets:\n(?: {2}#.*\n)* {2}(\w+):\n {4}file: (\S+)$/m);
  assert.ok(secret, "no top-level file secret");
  assert.match(arsenalService, new RegExp(`^ {4}secrets:\\n {6}- ${secret[1]}$`, "m"));
  assert.equal(composeEnv.get("ARSENAL_API__TOKEN_FILE"), `/run/secrets/${secret[1]}`);
  assert.ok(!composeEnv.has("ARSENAL_API_TOKEN"), "a token in compose.yaml is a token in git");
});

testWhere("Compose: the example arsenal.conf with Arsenal's environment is valid", {
  [WRITE]: CAN_WRITE,
}, async () => {
  const tokenFile = composeEnv.get("ARSENAL_API__TOKEN_FILE")!;
  const workdir = last(runtimeStage, "WORKDIR")!.args;
  const weights = confValue(exampleConf, "image_weights_filename")!;
  const files = {
    [imageConfigFile]: exampleConf.replace(
      /^(image_weights_filename\s*=\s*)\S+$/m,
      `$1${posix.resolve(workdir, weights)}`,
    ),
    [posix.resolve(workdir, weights)]: await read("config/image_weights.json"),
    [tokenFile]: "0123456789abcdef0123456789abcdef\n",
  };
  const { warnings, error } = await setupIn(
    files,
    imageConfigFile,
    Object.fromEntries(composeEnv),
  );
  assert.equal(error, undefined);
  assert.deepEqual(warnings, []);
});

// --- YAML, when PyYAML is at hand ----------------------------------------------------------------

/** Every document of a YAML file, parsed by PyYAML. */
async function parseYaml(path: string): Promise<unknown[]> {
  const script = "import json, sys, yaml\n" +
    "print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))";
  const { success, stdout, stderr } = await new Deno.Command("python3", {
    args: ["-c", script, join(ROOT, path)],
  }).output();
  assert.ok(success, new TextDecoder().decode(stderr));
  return JSON.parse(new TextDecoder().decode(stdout));
}

// deno-lint-ignore no-explicit-any
type Yaml = any;

testWhere("YAML: both files parse, with the structure the patterns above assume", {
  "python3 with PyYAML": HAS_PYYAML,
}, async () => {
  const docs: Yaml[] = await parseYaml("config/deploy/kubernetes.yaml");
  assert.deepEqual(docs.map((d) => d.kind), ["Secret", "ConfigMap", "Deployment", "Service"]);
  const [secret, configMap, deploy, svc] = docs;
  assert.equal(configMap.data["arsenal.conf"], configMapConf);
  assert.deepEqual(
    new Map(Object.entries(secret.stringData)),
    mapUnder(
      manifests.get("Secret")!,
      "stringData",
    ),
  );
  assert.equal(deploy.spec.replicas, 1);
  assert.equal(deploy.spec.strategy.type, "Recreate");
  const pod = deploy.spec.template.spec;
  const [container] = pod.containers;
  assert.equal(pod.containers.length, 1);
  assert.equal(container.livenessProbe.httpGet.path, "/livez");
  assert.equal(container.readinessProbe.httpGet.path, "/readyz");
  assert.equal(container.ports[0].containerPort, API.port);
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.ok(pod.terminationGracePeriodSeconds > DIRECTOR.shutdown_grace_period);
  for (const annotated of [deploy.spec.template.metadata, svc.metadata]) {
    assert.deepEqual(annotated.annotations, {
      "prometheus.io/scrape": "true",
      "prometheus.io/port": String(API.port),
      "prometheus.io/path": "/metrics",
    });
  }
  assert.deepEqual(deploy.spec.selector.matchLabels, svc.spec.selector);
  assert.equal(svc.spec.ports[0].port, API.port);

  const [composed]: Yaml[] = await parseYaml("config/deploy/compose.yaml");
  assert.deepEqual(Object.keys(composed.services), ["arsenal", "ironic", "prometheus"]);
  assert.equal(composed.version, undefined);
  assert.deepEqual(
    new Map(Object.entries(composed.services.arsenal.environment)),
    composeEnv,
  );
  assert.deepEqual(composed.services.arsenal.secrets, Object.keys(composed.secrets));
});
