/**
 * The lab from a Deno test: `startLab()` runs `tests/lab/lab.py` (real Ironic 21.4 and N
 * machines with fake agents), waits for its ready line and returns the lab; `stop()` (or
 * disposal) ends it with SIGTERM and waits for its processes to be gone.
 *
 * Besides Ironic's URL and the node UUIDs, the lab exposes the machines' control endpoint:
 * a test-only view of each machine (power, what runs, its agent's `started_at`, token presence
 * and in-memory `cached_image_id`) and its disk file.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

const LAB = fileURLToPath(new URL("./lab.py", import.meta.url));
const PYTHON = "/usr/bin/python3";

/** Options of {@linkcode startLab}. */
export interface LabOptions {
  /** Nodes (and machines) to enroll (default 4). */
  readonly nodes?: number;
  /** [api]ramdisk_heartbeat_timeout and [deploy]fast_track_timeout in seconds (default 30). */
  readonly heartbeatTimeout?: number;
  /** Size of each machine's disk file in bytes (default 256 MiB, sparse). */
  readonly diskSize?: number;
  /** Seconds from a machine's power-on to its agent's lookup (default 1). */
  readonly bootDelay?: number;
  /** The agents' ipa-image-download-connection-retries (default 2; IPA's is 9). */
  readonly downloadRetries?: number;
  /** Seconds between those retries (default 1; IPA's is 10). */
  readonly downloadRetryInterval?: number;
  /** Keep the state directory (logs, configs, disks) after `stop()`. */
  readonly keepState?: boolean;
  /** Ironic debug logging. */
  readonly debug?: boolean;
  /** Longest the start may take (default 10 min: a first run installs python3-ironic). */
  readonly startTimeoutMs?: number;
}

/** A lab machine as its control endpoint describes it. */
export interface LabMachine {
  readonly mac: string;
  readonly power: "power on" | "power off";
  /** "agent" or "instance" while powered on, else null. */
  readonly running: "agent" | "instance" | null;
  /** What a power-on boots: "agent" or "disk". */
  readonly boot_target: "agent" | "disk";
  /** Power-ons so far. */
  readonly boots: number;
  /** Whether a test paused the agent's heartbeats ({@linkcode Lab.pauseHeartbeats}). */
  readonly heartbeats_paused: boolean;
  readonly disk: string;
  readonly disk_size: number;
  readonly agent: {
    readonly started_at: number;
    readonly url: string | null;
    readonly node: string | null;
    readonly has_token: boolean;
    readonly cached_image_id: string | null;
    readonly last_heartbeat: number | null;
    readonly last_heartbeat_status: number | null;
    readonly heartbeat_timeout: number | null;
    readonly commands: readonly string[];
  } | null;
}

interface LabJson {
  readonly ironic: string;
  readonly nodes: string[];
  readonly control: string;
  readonly stateDir: string;
  readonly heartbeatTimeout: number;
  readonly machines: { mac: string; disk: string; node: string }[];
  readonly pids: Record<string, number>;
  readonly timings: Record<string, number>;
}

/** A running lab. */
export class Lab implements AsyncDisposable {
  #stopped = false;

  constructor(
    readonly info: LabJson,
    readonly process: Deno.ChildProcess,
    readonly draining: Promise<void>,
    readonly stderr: { readonly text: string },
    readonly ownsStateDir: boolean,
  ) {}

  /** Ironic's root URL, e.g. http://127.0.0.1:6385 */
  get ironic(): string {
    return this.info.ironic;
  }

  /** The node UUIDs, in machine order. */
  get nodes(): readonly string[] {
    return this.info.nodes;
  }

  /** The state directory (logs/, ironic/, machines/). */
  get stateDir(): string {
    return this.info.stateDir;
  }

  /** The machines process's control endpoint. */
  get control(): string {
    return this.info.control;
  }

  /** Seconds: start-up phases as lab.py measured them (services, nodes, ready). */
  get timings(): Readonly<Record<string, number>> {
    return this.info.timings;
  }

  /** The machine of a node. */
  async machine(node: string): Promise<LabMachine> {
    const m = this.#machineOf(node);
    const res = await fetch(`${this.control}/machines/${m.mac}`);
    if (!res.ok) throw new Error(`Cannot read machine ${m.mac}: HTTP ${res.status}`);
    return await res.json();
  }

  /**
   * Stops (or resumes) the heartbeats of a node's agent while it keeps answering: Ironic then
   * sees a stale heartbeat (fast track ends once it is older than the heartbeat timeout).
   */
  async pauseHeartbeats(node: string, paused: boolean): Promise<void> {
    const m = this.#machineOf(node);
    const res = await fetch(`${this.control}/machines/${m.mac}/heartbeats`, {
      method: "PUT",
      body: JSON.stringify({ paused }),
    });
    if (!res.ok) throw new Error(`Cannot pause heartbeats of ${m.mac}: ${await res.text()}`);
  }

  #machineOf(node: string): { mac: string } {
    const m = this.info.machines.find((x) => x.node === node);
    if (!m) throw new Error(`Cannot find the lab machine of node ${node}`);
    return m;
  }

  /** The first `n` bytes of a node's disk file. */
  async diskHead(node: string, n: number): Promise<Uint8Array> {
    const m = await this.machine(node);
    using file = await Deno.open(m.disk, { read: true });
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const r = await file.read(out.subarray(got));
      if (r === null) break;
      got += r;
    }
    return out.subarray(0, got);
  }

  /** Stops Ironic and the machines (SIGTERM, then SIGKILL after 30 s); safe to call twice. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    try {
      this.process.kill("SIGTERM");
    } catch {
      // already gone
    }
    const timer = setTimeout(() => {
      try {
        this.process.kill("SIGKILL");
      } catch {
        // gone
      }
    }, 30_000);
    try {
      await this.process.status;
      await this.draining;
    } finally {
      clearTimeout(timer);
    }
    if (this.ownsStateDir) await Deno.remove(this.stateDir, { recursive: true }).catch(() => {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string | null> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return null;
      text += value;
      const nl = text.indexOf("\n");
      if (nl >= 0) return text.slice(0, nl);
    }
  } finally {
    await reader.cancel();
  }
}

/** Keeps the last 64 KiB of a stream (lab.py's progress and errors). */
async function tail(stream: ReadableStream<Uint8Array>, into: { text: string }): Promise<void> {
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    into.text = (into.text + chunk).slice(-65536);
  }
}

/**
 * Starts the lab and resolves once every node is `available` with its agent heartbeating.
 * Throws with lab.py's standard error when it fails or exceeds `startTimeoutMs`.
 */
export async function startLab(options: LabOptions = {}): Promise<Lab> {
  const stateDir = await Deno.makeTempDir({ prefix: "arsenal-lab-" });
  const args = [LAB, "--nodes", String(options.nodes ?? 4), "--state-dir", stateDir];
  if (options.heartbeatTimeout) args.push("--heartbeat-timeout", String(options.heartbeatTimeout));
  if (options.diskSize) args.push("--disk-size", String(options.diskSize));
  if (options.bootDelay !== undefined) args.push("--boot-delay", String(options.bootDelay));
  if (options.downloadRetries !== undefined) {
    args.push("--download-retries", String(options.downloadRetries));
  }
  if (options.downloadRetryInterval !== undefined) {
    args.push("--download-retry-interval", String(options.downloadRetryInterval));
  }
  if (options.debug) args.push("--debug");
  const process = new Deno.Command(PYTHON, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { PYTHONDONTWRITEBYTECODE: "1" },
  }).spawn();
  const stderr = { text: "" };
  const draining = tail(process.stderr, stderr);
  const timeout = options.startTimeoutMs ?? 600_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const line = await Promise.race([
    firstLine(process.stdout),
    new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), timeout)),
  ]);
  clearTimeout(timer);
  const info = line
    ? JSON.parse(await Deno.readTextFile(`${stateDir}/lab.json`))
    : { stateDir } as LabJson;
  const lab = new Lab(info, process, draining, stderr, !options.keepState);
  if (!line) {
    await lab.stop();
    throw new Error(`Cannot start the lab:\n${stderr.text.split("\n").slice(-60).join("\n")}`);
  }
  return lab;
}
