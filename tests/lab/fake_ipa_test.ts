/**
 * The lab's fake agents (tests/lab/fake_ipa/) against a fake Ironic: a loopback server that
 * answers lookups and records heartbeats, so that a test holds each agent's token and can call
 * the agent's API as the conductor does.
 *
 * Skipped unless ARSENAL_OPENSTACK_TESTS=1 (`deno task test:openstack` sets it): the agents are
 * real processes on the wall clock.
 *
 * @module
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { until } from "../integration/harness/api.ts";
import { type ImageServer, type ServedImage, startImageServer } from "./image_server.ts";

const ENABLED = Deno.permissions.querySync({ name: "env", variable: "ARSENAL_OPENSTACK_TESTS" })
      .state === "granted" && Deno.env.get("ARSENAL_OPENSTACK_TESTS") === "1";
const HERE = fileURLToPath(new URL(".", import.meta.url));
const MIB = 1024 * 1024;
const HEARTBEAT_TIMEOUT = 3;
const NODE = "6f1c1a3e-0d7b-4c1e-9a53-2b3f4d5e6f70";

interface Heartbeat {
  readonly at: number;
  readonly body: { callback_url: string; agent_token: string | null; agent_version: string };
  readonly version: string | null;
}

/** Ironic's ramdisk endpoints: lookup hands out a new token per lookup, heartbeats are kept. */
class FakeIronic implements AsyncDisposable {
  readonly lookups: { addresses: string; version: string | null }[] = [];
  readonly heartbeats: Heartbeat[] = [];
  readonly tokens: string[] = [];
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly url: string;

  constructor() {
    this.#server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
      const url = new URL(req.url);
      if (url.pathname === "/") {
        return Response.json({ default_version: { version: "1.82" } });
      }
      if (url.pathname === "/v1/lookup") {
        this.lookups.push({
          addresses: url.searchParams.get("addresses") ?? "",
          version: req.headers.get("X-OpenStack-Ironic-API-Version"),
        });
        const token = crypto.randomUUID().replaceAll("-", "") + "x".repeat(11);
        this.tokens.push(token);
        return Response.json({
          node: { uuid: NODE, properties: {}, instance_info: {}, driver_internal_info: {} },
          config: {
            heartbeat_timeout: HEARTBEAT_TIMEOUT,
            agent_token: token,
            agent_token_required: true,
          },
        });
      }
      if (url.pathname === `/v1/heartbeat/${NODE}` && req.method === "POST") {
        return req.json().then((body) => {
          this.heartbeats.push({
            at: Date.now(),
            body,
            version: req.headers.get("X-OpenStack-Ironic-API-Version"),
          });
          return new Response(null, { status: 202 });
        });
      }
      return new Response("{}", { status: 404 });
    });
    this.url = `http://127.0.0.1:${this.#server.addr.port}`;
  }

  get token(): string {
    const token = this.tokens.at(-1);
    if (!token) throw new Error("Cannot use the agent: it has not looked itself up");
    return token;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#server.shutdown();
  }
}

interface Machine {
  readonly mac: string;
  readonly power: string;
  readonly disk: string;
  readonly agent: { started_at: number; url: string | null; cached_image_id: string | null } | null;
}

interface CommandResult {
  readonly id: string;
  readonly command_name: string;
  readonly command_status: string;
  readonly command_error: { type: string; details: string; message: string } | null;
  readonly command_result: unknown;
}

/** One machines process with one machine, and the fake Ironic it boots against. */
class Rig implements AsyncDisposable {
  readonly ironic = new FakeIronic();
  readonly images: ImageServer = startImageServer();
  readonly stateDir = Deno.makeTempDirSync({ prefix: "arsenal-fake-ipa-" });
  readonly process: Deno.ChildProcess;
  control = "";
  mac = "";

  constructor() {
    this.process = new Deno.Command("/usr/bin/python3", {
      args: [
        "-m",
        "fake_ipa.control",
        "--state-dir",
        this.stateDir,
        "--machines",
        "1",
        "--ironic-url",
        this.ironic.url,
        "--disk-size",
        String(64 * MIB),
        "--boot-delay",
        "0",
        "--download-retries",
        "1",
        "--download-retry-interval",
        "0.1",
      ],
      env: { PYTHONPATH: HERE, PYTHONDONTWRITEBYTECODE: "1" },
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
  }

  async ready(): Promise<this> {
    const info = await until(
      "machines.json",
      10_000,
      () => Deno.readTextFile(`${this.stateDir}/machines.json`).then(JSON.parse, () => undefined),
      {
        intervalMs: 50,
      },
    );
    this.control = info.control;
    this.mac = info.machines[0].mac;
    return this;
  }

  async machine(): Promise<Machine> {
    return await (await fetch(`${this.control}/machines/${this.mac}`)).json();
  }

  async pauseHeartbeats(paused: boolean): Promise<void> {
    const res = await fetch(`${this.control}/machines/${this.mac}/heartbeats`, {
      method: "PUT",
      body: JSON.stringify({ paused }),
    });
    assert.equal(res.status, 200, await res.text());
  }

  async power(state: "on" | "off" | "reboot"): Promise<void> {
    const res = await fetch(`${this.control}/machines/${this.mac}/power`, {
      method: "PUT",
      body: JSON.stringify({ state }),
    });
    assert.equal(res.status, 200, await res.text());
  }

  /** Powers on and waits for the agent's first heartbeat; returns its URL. */
  async boot(): Promise<string> {
    const seen = this.ironic.heartbeats.length;
    await this.power("on");
    const hb = await until(
      "a heartbeat",
      10_000,
      () => Promise.resolve(this.ironic.heartbeats.slice(seen).at(0)),
      { intervalMs: 50 },
    );
    return hb.body.callback_url;
  }

  /** POST /v1/commands/ as the conductor sends it. */
  async command(
    agent: string,
    name: string,
    params: Record<string, unknown>,
    { token = this.ironic.token, wait = false }: { token?: string | null; wait?: boolean } = {},
  ): Promise<{ status: number; body: CommandResult & { faultstring?: string } }> {
    const query = new URLSearchParams({ wait: String(wait) });
    if (token !== null) query.set("agent_token", token);
    const res = await fetch(`${agent}/v1/commands/?${query}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name, params }),
    });
    return { status: res.status, body: await res.json() };
  }

  /** Waits for the last command to leave RUNNING. */
  async finished(agent: string): Promise<CommandResult> {
    return await until("the command to finish", 30_000, async () => {
      const { commands } = await (await fetch(`${agent}/v1/commands/`)).json();
      const last = commands.at(-1) as CommandResult;
      return last.command_status === "RUNNING" ? undefined : last;
    }, { intervalMs: 50 });
  }

  async diskHead(n: number): Promise<Uint8Array> {
    const m = await this.machine();
    const bytes = await Deno.readFile(m.disk);
    return bytes.subarray(0, n);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.process.kill("SIGTERM");
    } catch {
      // gone
    }
    await this.process.status;
    await this.images.close();
    await this.ironic[Symbol.asyncDispose]();
    await Deno.remove(this.stateDir, { recursive: true });
  }
}

function imageInfo(image: ServedImage, extra: Record<string, unknown> = {}) {
  return {
    id: image.name,
    urls: [image.url],
    disk_format: "raw",
    os_hash_algo: "sha256",
    os_hash_value: image.sha256,
    ...extra,
  };
}

const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: !ENABLED, sanitizeOps: false, sanitizeResources: false, fn });

test("fake agent looks itself up by MAC and heartbeats every 0.3-0.6 x the timeout", async () => {
  await using rig = await new Rig().ready();
  const agent = await rig.boot();
  assert.deepEqual(rig.ironic.lookups, [{ addresses: rig.mac, version: "1.62" }]);
  await until(
    "four heartbeats",
    15_000,
    () => Promise.resolve(rig.ironic.heartbeats.length >= 4 || undefined),
  );
  const hbs = rig.ironic.heartbeats;
  for (const hb of hbs) {
    assert.deepEqual(hb.body, {
      callback_url: agent,
      agent_token: rig.ironic.token,
      agent_version: "9.4.3",
    });
    assert.equal(hb.version, "1.68");
  }
  for (let i = 1; i < hbs.length; i++) {
    const gap = (hbs[i].at - hbs[i - 1].at) / 1000;
    assert.ok(gap >= 0.3 * HEARTBEAT_TIMEOUT - 0.1, `gap ${gap} s`);
    assert.ok(gap <= 0.6 * HEARTBEAT_TIMEOUT + 0.5, `gap ${gap} s`);
  }
  const status = await (await fetch(`${agent}/v1/status`)).json();
  assert.equal(status.version, "9.4.3");
  assert.equal(status.started_at, (await rig.machine()).agent?.started_at);
});

test("fake agent answers 401 without its token and 409 while a command runs", async () => {
  await using rig = await new Rig().ready();
  const agent = await rig.boot();
  const image = rig.images.add("slow.img", { size: 4 * MIB, bytesPerSecond: 4 * MIB });
  const info = imageInfo(image, { stream_raw_images: false });
  const none = await rig.command(agent, "standby.prepare_image", { image_info: info }, {
    token: null,
  });
  assert.equal(none.status, 401);
  assert.deepEqual(none.body, {
    faultcode: "Client",
    faultstring: "401 Unauthorized: Token invalid.",
  });
  const wrong = await rig.command(agent, "standby.prepare_image", { image_info: info }, {
    token: "x".repeat(43),
  });
  assert.equal(wrong.status, 401);
  assert.equal(rig.images.gets(image.name), 0, "nothing ran");

  const started = await rig.command(agent, "standby.prepare_image", { image_info: info });
  assert.equal(started.status, 200);
  assert.equal(started.body.command_status, "RUNNING");
  const busy = await rig.command(agent, "deploy.get_deploy_steps", { node: {}, ports: [] });
  assert.equal(busy.status, 409);
  assert.equal(busy.body.faultstring, "Agent is busy: executing command prepare_image");
  const done = await rig.finished(agent);
  assert.equal(done.command_status, "SUCCEEDED", JSON.stringify(done.command_error));
});

test("fake agent's prepare_image skips an image whose id is cached; streaming never caches", async () => {
  await using rig = await new Rig().ready();
  const agent = await rig.boot();
  const a = rig.images.add("a.img", { size: 8 * MIB });
  const b = rig.images.add("b.img", { size: 8 * MIB });

  const streamed = imageInfo(a, { stream_raw_images: true });
  await rig.command(agent, "standby.prepare_image", { image_info: streamed }, { wait: true });
  assert.equal((await rig.finished(agent)).command_status, "SUCCEEDED");
  assert.equal((await rig.machine()).agent?.cached_image_id, null, "the streamed write");
  await rig.command(agent, "standby.prepare_image", { image_info: streamed });
  await rig.finished(agent);
  assert.equal(rig.images.gets(a.name), 2, "streamed twice: nothing cached");

  await rig.command(agent, "standby.prepare_image", {
    image_info: imageInfo(b, { stream_raw_images: false }),
  });
  assert.equal((await rig.finished(agent)).command_status, "SUCCEEDED");
  assert.equal((await rig.machine()).agent?.cached_image_id, b.name);
  const hit = await rig.command(agent, "standby.prepare_image", {
    image_info: imageInfo(b, { stream_raw_images: true }),
  });
  assert.equal(hit.status, 200);
  const result = await rig.finished(agent);
  assert.equal(rig.images.gets(b.name), 1, "a hit downloads nothing, stream or not");
  assert.deepEqual(result.command_result, {
    result: `prepare_image: image (${b.name}) written to device /dev/sda root_uuid=` +
      b.diskIdentifier,
  });
  assert.deepEqual(await rig.diskHead(b.size), b.bytes);
});

test("fake agent's erase_devices zeroes the disk and keeps cached_image_id", async () => {
  await using rig = await new Rig().ready();
  const agent = await rig.boot();
  const image = rig.images.add("c.img", { size: 4 * MIB });
  await rig.command(agent, "standby.prepare_image", {
    image_info: imageInfo(image, { stream_raw_images: false }),
  });
  await rig.finished(agent);
  const step = { step: "erase_devices", priority: 10, interface: "deploy" };
  await rig.command(agent, "clean.execute_clean_step", { step, node: {}, ports: [] });
  const erased = await rig.finished(agent);
  assert.deepEqual(erased.command_result, { clean_result: { "/dev/sda": null }, clean_step: step });
  assert.ok((await rig.diskHead(image.size)).every((b) => b === 0), "zeroed");
  assert.equal((await rig.machine()).agent?.cached_image_id, image.name, "still in memory");

  await rig.command(agent, "standby.prepare_image", {
    image_info: imageInfo(image, { stream_raw_images: false }),
  });
  const stale = await rig.finished(agent);
  assert.equal(stale.command_status, "FAILED");
  assert.equal(
    stale.command_error?.message,
    "No partitions found on the device /dev/sda after writing the image.",
  );
  assert.equal(rig.images.gets(image.name), 1, "the stale id skipped the download");
});

test("fake agent boots afresh after a power cycle: new started_at, lookup and token", async () => {
  await using rig = await new Rig().ready();
  const first = await rig.boot();
  const before = (await rig.machine()).agent!;
  const oldToken = rig.ironic.token;
  await rig.power("off");
  await assert.rejects(fetch(`${first}/v1/status`), "off: nothing answers");
  const beats = rig.ironic.heartbeats.length;
  await new Promise((r) => setTimeout(r, 0.6 * HEARTBEAT_TIMEOUT * 1000 + 500));
  assert.equal(rig.ironic.heartbeats.length, beats, "no heartbeat while off");

  const second = await rig.boot();
  const after = (await rig.machine()).agent!;
  assert.ok(after.started_at > before.started_at);
  assert.equal(rig.ironic.lookups.length, 2);
  assert.notEqual(rig.ironic.token, oldToken);
  const old = await rig.command(second, "standby.sync", {}, { token: oldToken });
  assert.equal(old.status, 401, "the old token is dead");
});

test("fake agent retries a wrong checksum (disk untouched) and a 404 ((retries + 1)^2 GETs)", async () => {
  await using rig = await new Rig().ready();
  const agent = await rig.boot();
  const image = rig.images.add("d.img", { size: 2 * MIB });
  await rig.command(agent, "standby.prepare_image", {
    image_info: imageInfo(image, { stream_raw_images: false, os_hash_value: "0".repeat(64) }),
  });
  const failed = await rig.finished(agent);
  assert.equal(failed.command_status, "FAILED");
  assert.equal(failed.command_error?.type, "ImageChecksumError");
  assert.equal(rig.images.gets(image.name), 2, "one retry of the whole download");
  assert.ok((await rig.diskHead(4096)).every((b) => b === 0), "never written");
  assert.equal((await rig.machine()).agent?.cached_image_id, null);

  const missing = { ...imageInfo(image), urls: [`${rig.images.base}/missing.img`] };
  await rig.command(agent, "standby.prepare_image", { image_info: missing });
  assert.equal((await rig.finished(agent)).command_error?.type, "ImageDownloadError");
  assert.equal(rig.images.gets("missing.img"), 4, "IPA retries a 404 inside and outside");
});

test("fake agent powers itself off on standby.power_off", async () => {
  await using rig = await new Rig().ready();
  const agent = await rig.boot();
  const res = await rig.command(agent, "standby.power_off", {});
  assert.equal(res.status, 200);
  await until(
    "power off",
    5_000,
    async () => (await rig.machine()).power === "power off" || undefined,
    { intervalMs: 50 },
  );
  await assert.rejects(fetch(`${agent}/v1/status`));
});

test("fake agent's heartbeats can pause while it keeps answering (a stale heartbeat)", async () => {
  await using rig = await new Rig().ready();
  const agent = await rig.boot();
  await rig.pauseHeartbeats(true);
  const paused = rig.ironic.heartbeats.length;
  await new Promise((r) => setTimeout(r, 0.6 * HEARTBEAT_TIMEOUT * 1000 + 500));
  assert.equal(rig.ironic.heartbeats.length, paused, "no heartbeat while paused");
  assert.equal((await fetch(`${agent}/v1/status`)).status, 200, "the agent still answers");
  await rig.pauseHeartbeats(false);
  await until(
    "a heartbeat again",
    10_000,
    () => Promise.resolve(rig.ironic.heartbeats.length > paused || undefined),
    { intervalMs: 50 },
  );
});
