/** readDeployHistory(): the deploy history read back from `[director] deploy_log` at start. */
import assert from "node:assert/strict";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { DeployLog } from "../../src/director/deploy_log.ts";
import { readDeployHistory } from "../../src/director/deploy_log_reader.ts";
import { DEPLOY_HISTORY_WINDOW_MS } from "../../src/domain/deploy_history.ts";
import { ManualClock } from "../../src/runtime/clock.ts";
import { image, node, tempDir } from "../_helpers.ts";

const T0 = Date.parse("2026-03-01T12:00:00.000Z");
const DAY = 24 * 60;
const FLEET = JSON.stringify({
  kind: "fleet",
  flavors: { small: 2, large: 1 },
  images: ["Ubuntu", "Debian"],
  started_at: new Date(T0).toISOString(),
});

/** What `fn` resolves with, and the deploy log's warnings meanwhile, as rendered messages. */
async function warnings<T>(fn: () => Promise<T>): Promise<[T, string[]]> {
  const records: LogRecord[] = [];
  await configure({
    reset: true,
    sinks: { capture: (record: LogRecord) => records.push(record) },
    loggers: [
      { category: ["arsenal", "deploy-log"], lowestLevel: "warning", sinks: ["capture"] },
      { category: ["logtape", "meta"], lowestLevel: "error", sinks: [] },
    ],
  });
  let result: T;
  try {
    result = await fn();
  } finally {
    await reset();
  }
  return [result, records.map((r) => `${r.level} ${r.message.map(String).join("")}`)];
}

Deno.test("readDeployHistory() reads the deploys of the window, placed from started_at and t", async () => {
  await using dir = await tempDir();
  const path = await dir.write(
    "deploys.jsonl",
    [
      FLEET,
      `{"t":0,"kind":"deploy","id":"a","flavor":"small","image":"Ubuntu"}`,
      `{"t":${DAY},"kind":"deploy","id":"b","flavor":"large","image":"Debian"}`,
      `{"t":${DAY + 5},"kind":"delete","id":"a"}`,
      `{"t":${DAY + 6},"kind":"image_update","image":"Ubuntu"}`,
      `{"t":${3 * DAY},"kind":"deploy","id":"c","flavor":"small","image":"Ubuntu"}`,
      "",
    ].join("\n"),
  );
  const now = T0 + 8 * DAY * 60_000 - 60_000;
  const [history, said] = await warnings(() => readDeployHistory(path, now));
  assert.deepEqual(said, []);
  assert.deepEqual(history.deploys, [
    { at: T0 + DAY * 60_000, flavor: "large", image: "Debian", hit: false },
    { at: T0 + 3 * DAY * 60_000, flavor: "small", image: "Ubuntu", hit: false },
  ]);
});

Deno.test("readDeployHistory() places the events after each fleet line from its own started_at", async () => {
  await using dir = await tempDir();
  const later = T0 + 2 * DAY * 60_000;
  const path = await dir.write(
    "deploys.jsonl",
    [
      FLEET,
      `{"t":1,"kind":"deploy","id":"a","flavor":"small","image":"Ubuntu"}`,
      FLEET.replace(new Date(T0).toISOString(), new Date(later).toISOString()),
      `{"t":2,"kind":"deploy","id":"b","flavor":"small","image":"Debian","hit":true}`,
    ].join("\n"),
  );
  const history = await readDeployHistory(path, later + DAY * 60_000);
  assert.deepEqual(history.deploys.map((d) => [d.at, d.image, d.hit]), [
    [T0 + 60_000, "Ubuntu", false],
    [later + 120_000, "Debian", true],
  ]);
});

Deno.test("readDeployHistory() skips a torn or invalid line with one warning naming the file and line", async () => {
  await using dir = await tempDir();
  const path = await dir.write(
    "deploys.jsonl",
    [
      FLEET,
      `{"t":1,"kind":"deploy","id":"a","flavor":"small","image":"Ubuntu"}`,
      `{"t":2,"kind":"deploy","id":"b","flav`,
      `{"t":"3","kind":"deploy","id":"c","flavor":"small","image":"Ubuntu"}`,
      `{"t":4,"kind":"deploy","id":"d","flavor":7,"image":"Ubuntu"}`,
      `[1,2]`,
      `{"t":5,"kind":"deploy","id":"e","flavor":"large","image":"Debian"}`,
      `{"t":6,"kind":"deploy","id":"f","flavor":"small","image":"Ubu`,
    ].join("\n"),
  );
  const [history, said] = await warnings(() => readDeployHistory(path, T0 + 60_000));
  assert.deepEqual(history.deploys.map((d) => d.at), [T0 + 60_000, T0 + 300_000]);
  assert.equal(said.length, 5, said.join("\n"));
  for (const [i, line] of [3, 4, 5, 6, 8].entries()) {
    assert.match(said[i], new RegExp(`^warning Skipping line ${line} of the deploy log ${path}: `));
  }
});

Deno.test("readDeployHistory() places no event before a fleet line with a start, and says so once", async () => {
  await using dir = await tempDir();
  const path = await dir.write(
    "deploys.jsonl",
    [
      `{"kind":"fleet","flavors":{"small":1},"images":["Ubuntu"]}`,
      `{"t":1,"kind":"deploy","id":"a","flavor":"small","image":"Ubuntu"}`,
      `{"t":2,"kind":"deploy","id":"b","flavor":"small","image":"Ubuntu"}`,
      FLEET,
      `{"t":3,"kind":"deploy","id":"c","flavor":"small","image":"Ubuntu"}`,
    ].join("\n"),
  );
  const [history, said] = await warnings(() => readDeployHistory(path, T0));
  assert.deepEqual(history.deploys.map((d) => d.at), [T0 + 180_000]);
  assert.equal(said.length, 1, said.join("\n"));
  assert.match(said[0], /line 1\b.*started_at/);
});

Deno.test("readDeployHistory() of a missing or unreadable file is an empty history, never an error", async () => {
  await using dir = await tempDir();
  const [histories, said] = await warnings(() =>
    Promise.all([readDeployHistory(`${dir.path}/none.jsonl`, T0), readDeployHistory(dir.path, T0)])
  );
  assert.deepEqual(histories.map((h) => h.size), [0, 0]);
  assert.equal(said.length, 1, "a missing file is no surprise; a directory is");
  assert.match(said[0], new RegExp(dir.path));
});

Deno.test("readDeployHistory() reads back what DeployLog wrote, images named", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/deploys.jsonl`;
  const clock = new ManualClock(T0);
  const log = new DeployLog(path, clock);
  const images = [image("uuid-u", "Ubuntu"), image("uuid-d", "Debian")];
  const nodes = [node("n1", "small"), node("n2", "large")];
  const deploy = (at: number, n: string, flavor: string, img: string) => ({
    kind: "deploy" as const,
    at,
    node: n,
    flavor,
    image: img,
    hit: true,
  });
  log.write([deploy(T0, "n1", "small", "uuid-u")], images, nodes);
  log.write([deploy(T0 + 90_000, "n2", "large", "uuid-d")], images, nodes);
  log.close();
  const history = await readDeployHistory(path, T0 + DEPLOY_HISTORY_WINDOW_MS);
  assert.deepEqual(history.deploys, [
    { at: T0, flavor: "small", image: "Ubuntu", hit: false },
    { at: T0 + 90_000, flavor: "large", image: "Debian", hit: false },
  ]);
});
