/** DeployLog: observed events appended to a file as a valid deploy trace. */
import assert from "node:assert/strict";
import { DeployLog } from "../../src/director/deploy_log.ts";
import type { FleetEvent } from "../../src/domain/deploy_event.ts";
import { parseTrace } from "../../src/domain/trace_reader.ts";
import { ManualClock } from "../../src/runtime/clock.ts";
import { image, node, tempDir } from "../_helpers.ts";

const START = Date.UTC(2026, 0, 1);
const IMAGES = [image("u-1", "Ubuntu 24.04"), image("u-2", "Debian 12")];
const NODES = [node("n-1", "bm.small"), node("n-2", "bm.small"), node("n-3", "bm.large")];

function deploy(at: number, id: string, img = "u-1"): FleetEvent {
  return { kind: "deploy", at, node: id, flavor: "bm.small", image: img, hit: false };
}
function remove(at: number, id: string): FleetEvent {
  return { kind: "delete", at, node: id, flavor: "bm.small", image: "u-1" };
}
const lines = async (file: string) =>
  (await Deno.readTextFile(file)).trimEnd().split("\n").map((l) => JSON.parse(l));

Deno.test("DeployLog.write() starts a new log with the fleet line and writes a valid trace", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/deploys.jsonl`;
  const clock = new ManualClock(START);
  const log = new DeployLog(file, clock);
  log.write([deploy(START + 90_000, "n-1")], IMAGES, NODES);
  log.write([remove(START + 180_000, "n-1"), deploy(START + 180_000, "n-2", "u-2")], IMAGES, NODES);
  log.close();
  const text = await Deno.readTextFile(file);
  const result = parseTrace(text);
  assert.ok(result.ok, JSON.stringify(result));
  const [fleet, ...events] = await lines(file);
  assert.deepStrictEqual(fleet, {
    kind: "fleet",
    flavors: { "bm.small": 2, "bm.large": 1 },
    images: ["Ubuntu 24.04", "Debian 12"],
    started_at: new Date(START).toISOString(),
  });
  assert.deepStrictEqual(events, [
    { t: 1.5, kind: "deploy", id: "n-1", flavor: "bm.small", image: "Ubuntu 24.04" },
    { t: 3, kind: "delete", id: "n-1" },
    { t: 3, kind: "deploy", id: "n-2", flavor: "bm.small", image: "Debian 12" },
  ]);
});

Deno.test("DeployLog.write() appends to an existing log across restarts, t from its start", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/deploys.jsonl`;
  const first = new DeployLog(file, new ManualClock(START));
  first.write([deploy(START + 60_000, "n-1")], IMAGES, NODES);
  first.close();
  const before = await Deno.readTextFile(file);
  const second = new DeployLog(file, new ManualClock(START + 600_000));
  second.write([remove(START + 600_000, "n-1"), remove(START + 600_000, "n-9")], IMAGES, NODES);
  second.close();
  const text = await Deno.readTextFile(file);
  assert.ok(text.startsWith(before), "the existing log is not rewritten");
  assert.ok(parseTrace(text).ok, text);
  // n-9's deploy is not in this log: its delete is left out so that the trace stays valid.
  assert.deepStrictEqual((await lines(file)).slice(1), [
    { t: 1, kind: "deploy", id: "n-1", flavor: "bm.small", image: "Ubuntu 24.04" },
    { t: 10, kind: "delete", id: "n-1" },
  ]);
});

Deno.test("DeployLog.reopen() starts the moved-away log anew with a fleet line and the same start", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/deploys.jsonl`;
  const clock = new ManualClock(START);
  const log = new DeployLog(file, clock);
  log.write([deploy(START + 60_000, "n-1")], IMAGES, NODES);
  await Deno.rename(file, `${file}.1`);
  log.reopen();
  log.write([deploy(START + 120_000, "n-2")], IMAGES, NODES);
  log.close();
  assert.deepStrictEqual((await lines(`${file}.1`)).length, 2);
  const text = await Deno.readTextFile(file);
  assert.ok(parseTrace(text).ok, text);
  const [fleet, event] = await lines(file);
  assert.deepStrictEqual(fleet.started_at, new Date(START).toISOString());
  assert.deepStrictEqual(event, {
    t: 2,
    kind: "deploy",
    id: "n-2",
    flavor: "bm.small",
    image: "Ubuntu 24.04",
  });
});

Deno.test("DeployLog.write() counts a write error and does not throw", async () => {
  await using dir = await tempDir();
  // A directory where the file should be: every open fails.
  const file = `${dir.path}/deploys.jsonl`;
  await Deno.mkdir(file);
  const errors: string[] = [];
  const log = new DeployLog(file, new ManualClock(START), { onError: (r) => errors.push(r) });
  log.write([deploy(START, "n-1")], IMAGES, NODES);
  log.write([deploy(START + 1, "n-2")], IMAGES, NODES);
  log.close();
  assert.deepStrictEqual(log.errors, 2);
  assert.deepStrictEqual(errors.length, 2);
});
