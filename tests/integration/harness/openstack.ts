/**
 * Real OpenStack services for the integration suite: the Deno side of `openstack_services.py`.
 *
 * `startOpenStack()` checks (and, as root, installs) the Debian packages, then starts Ironic,
 * Glance, Keystone and the Nova API on free ports of 127.0.0.1 with their state in a fresh
 * temporary directory. `stop()` stops them by PID and process group, and is safe to call twice.
 *
 * As a command, for working on the OpenStack scout by hand:
 *
 * ```sh
 * deno run --allow-all tests/integration/harness/openstack.ts up [STATE_DIR]  # prints env.json
 * deno run --allow-all tests/integration/harness/seed.ts STATE_DIR            # seed the fleet
 * deno run --allow-all tests/integration/harness/openstack.ts down STATE_DIR
 * ```
 *
 * @module
 */
import { fileURLToPath } from "node:url";

const HARNESS = fileURLToPath(new URL(".", import.meta.url));
const SCRIPT = `${HARNESS}openstack_services.py`;
const PYTHON = "/usr/bin/python3";

/** What `openstack_services.py up` reports (also in `<stateDir>/env.json`). */
export interface OpenStackEnv {
  readonly stateDir: string;
  readonly ports: Readonly<Record<"ironic" | "glance" | "keystone" | "nova", number>>;
  /** Ironic and Glance roots, Keystone `.../v3`, Nova `.../v2.1`: what the catalog lists. */
  readonly urls: Readonly<Record<"ironic" | "glance" | "keystone" | "nova", string>>;
  readonly adminUser: string;
  readonly adminPassword: string;
  readonly project: string;
  readonly region: string;
  readonly ironicMaxLimit: number;
  readonly cacheDelay: number;
  readonly pids: Readonly<Record<string, number>>;
  /** Seconds per service start-up, and for all of them ("up", in parallel). */
  readonly timings: Readonly<Record<string, number>>;
}

/** Options of {@linkcode startOpenStack}. */
export interface StartOptions {
  /** Ironic `[api]max_limit`: the largest page of nodes (default 20, to exercise paging). */
  readonly maxLimit?: number;
  /** Seconds a fake `cache_image` stays "caching" on arsenal-fake-hardware (default 1). */
  readonly cacheDelay?: number;
  /** The state directory (default: a new temporary one, removed by `stop()`). */
  readonly stateDir?: string;
  /** Never run apt-get (default: install the missing packages when running as root). */
  readonly noInstall?: boolean;
  /**
   * Have a detached watchdog stop the services as soon as this Deno process ends, even when it
   * is killed or interrupted before it can call `stop()` (default true).
   */
  readonly stopWithThisProcess?: boolean;
}

async function python(
  args: readonly string[],
  timeoutMs: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    await Deno.stat(PYTHON);
  } catch {
    throw new Error(`${PYTHON} not found: the OpenStack harness needs Debian 12 (bookworm)`);
  }
  const out = await new Deno.Command(PYTHON, {
    args: [SCRIPT, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { PYTHONDONTWRITEBYTECODE: "1" },
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

/**
 * Checks the Debian packages; installs the missing ones when running as root (unless
 * `noInstall`), else throws with the apt-get command to run.
 */
export async function ensurePackages(
  { noInstall = false }: { noInstall?: boolean } = {},
): Promise<{ installed: string[]; seconds: number }> {
  const r = await python(["packages", ...(noInstall ? ["--no-install"] : [])], 1_800_000);
  if (r.code !== 0) throw new Error(r.stderr.trim() || `openstack_services.py exit ${r.code}`);
  return JSON.parse(r.stdout);
}

/** Running services; dispose (or `stop()`) to stop them. */
export class OpenStack implements AsyncDisposable {
  #stopped = false;

  constructor(readonly env: OpenStackEnv, readonly ownsStateDir: boolean) {}

  /**
   * Stops every service (SIGTERM to its process group, SIGKILL after 5 s), then removes the
   * state directory if it was created here, unless `keepState` (logs, configs for a post-mortem).
   */
  async stop({ keepState = false }: { keepState?: boolean } = {}): Promise<void> {
    if (this.#stopped) return;
    const r = await python(["down", "--state-dir", this.env.stateDir], 60_000);
    if (r.code !== 0) {
      killRecorded(this.env);
      throw new Error(`stopping OpenStack failed: ${r.stderr.trim()}`);
    }
    this.#stopped = true;
    if (this.ownsStateDir && !keepState) {
      await Deno.remove(this.env.stateDir, { recursive: true }).catch(() => {});
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/**
 * Last resort when `down` fails: SIGKILL the process groups recorded at start-up, each only if
 * its leader is still the `launch.py` of this state directory.
 */
function killRecorded(env: OpenStackEnv): void {
  for (const pid of Object.values(env.pids)) {
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`);
      if (cmdline.includes("launch.py") && cmdline.includes(env.stateDir)) {
        Deno.kill(-pid, "SIGKILL");
      }
    } catch {
      // gone already
    }
  }
}

/** Starts Ironic, Glance, Keystone and the Nova API; throws (with log tails) when one fails. */
export async function startOpenStack(options: StartOptions = {}): Promise<OpenStack> {
  const ownsStateDir = !options.stateDir;
  const stateDir = options.stateDir ??
    await Deno.makeTempDir({ prefix: "arsenal-openstack-" });
  const args = [
    "up",
    "--state-dir",
    stateDir,
    "--max-limit",
    String(options.maxLimit ?? 20),
    "--cache-delay",
    String(options.cacheDelay ?? 1),
    ...(options.noInstall ? ["--no-install"] : []),
    ...(options.stopWithThisProcess ?? true ? ["--owner-pid", String(Deno.pid)] : []),
  ];
  let r;
  try {
    r = await python(args, 600_000);
  } catch (e) {
    // timed out: stop whatever did start
    await python(["down", "--state-dir", stateDir], 60_000).catch(() => {});
    throw e;
  }
  if (r.code !== 0) {
    await python(["down", "--state-dir", stateDir], 60_000).catch(() => {});
    throw new Error(`OpenStack did not start (state kept in ${stateDir}):\n${r.stderr.trim()}`);
  }
  return new OpenStack(JSON.parse(r.stdout) as OpenStackEnv, ownsStateDir);
}

if (import.meta.main) {
  const [command, dir] = Deno.args;
  if (command === "up") {
    const os = await startOpenStack({ stateDir: dir, stopWithThisProcess: false });
    console.log(JSON.stringify(os.env, null, 2));
  } else if (command === "down" && dir) {
    const r = await python(["down", "--state-dir", dir], 60_000);
    console.log(r.stdout.trim() || r.stderr.trim());
    Deno.exit(r.code);
  } else {
    console.error("usage: openstack.ts up [STATE_DIR] | down STATE_DIR");
    Deno.exit(2);
  }
}
