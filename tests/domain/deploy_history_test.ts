/** Tests of `src/domain/deploy_history.ts`: the observed deploys strategies plan from. */
import assert from "node:assert/strict";
import {
  DEPLOY_HISTORY_CAP,
  DEPLOY_HISTORY_WINDOW_MS,
  DeployHistory,
  type ObservedDeploy,
} from "../../src/domain/deploy_history.ts";

const MINUTE = 60_000;

function deploy(at: number, flavor = "small", image = "Ubuntu", hit = false): ObservedDeploy {
  return { at, flavor, image, hit };
}

Deno.test("DeployHistory.deploys lists what was appended, oldest first", () => {
  const history = new DeployHistory();
  assert.deepEqual(history.deploys, []);
  history.append(deploy(1000, "small", "Ubuntu", true));
  history.append(deploy(2000, "large", "Debian"));
  assert.deepEqual(history.deploys, [
    deploy(1000, "small", "Ubuntu", true),
    deploy(2000, "large", "Debian"),
  ]);
  assert.equal(history.size, 2);
});

Deno.test("DeployHistory.deploys is the same array from one append to the next", () => {
  const history = new DeployHistory();
  history.append(deploy(0));
  const first = history.deploys;
  history.append(deploy(MINUTE));
  assert.equal(history.deploys, first, "no copy per read while nothing is dropped");
  assert.equal(first.length, 2);
});

Deno.test("DeployHistory.append() keeps the last 7 days, dropping older deploys in batches", () => {
  const history = new DeployHistory();
  const spacing = 10 * MINUTE;
  const perWindow = DEPLOY_HISTORY_WINDOW_MS / spacing;
  for (let i = 0; i < 3 * perWindow; i++) {
    history.append(deploy(i * spacing));
    const { deploys } = history;
    const newest = deploys.at(-1)!.at;
    const inWindow = deploys.filter((d) => d.at > newest - DEPLOY_HISTORY_WINDOW_MS).length;
    assert.equal(inWindow, Math.min(i + 1, perWindow), `every deploy of the window is kept (${i})`);
    assert.ok(deploys.length <= Math.ceil(perWindow * 4 / 3) + 2, `few older ones linger (${i})`);
  }
});

Deno.test("DeployHistory.append() never holds more than its cap, and keeps the newest", () => {
  const cap = 1000;
  const history = new DeployHistory({ cap });
  for (let i = 0; i < 5 * cap; i++) {
    history.append(deploy(i));
    assert.ok(history.size <= cap, `${history.size} records after ${i + 1} appends`);
    assert.equal(history.deploys.at(-1)!.at, i);
  }
  const ats = history.deploys.map((d) => d.at);
  assert.deepEqual(ats, ats.toSorted((a, b) => a - b), "oldest first");
  assert.ok(history.size >= cap * 7 / 8, `${history.size} kept`);
});

Deno.test("DeployHistory caps at 200,000 deploys by default", () => {
  assert.equal(DEPLOY_HISTORY_CAP, 200_000);
  assert.equal(DEPLOY_HISTORY_WINDOW_MS, 7 * 24 * 60 * MINUTE);
});

Deno.test("DeployHistory.append() places a deploy older than the newest in time order", () => {
  const history = new DeployHistory();
  history.append(deploy(3000));
  history.append(deploy(1000));
  history.append(deploy(2000));
  assert.deepEqual(history.deploys.map((d) => d.at), [1000, 2000, 3000]);
});

Deno.test("DeployHistory.append() leaves out a deploy older than the window", () => {
  const history = new DeployHistory();
  history.append(deploy(DEPLOY_HISTORY_WINDOW_MS + 10 * MINUTE));
  history.append(deploy(5 * MINUTE));
  assert.deepEqual(history.deploys.map((d) => d.at), [DEPLOY_HISTORY_WINDOW_MS + 10 * MINUTE]);
});

Deno.test("DeployHistory.append() keeps a copy: a later change to the record does not show", () => {
  const history = new DeployHistory();
  const record = { at: 1, flavor: "small", image: "Ubuntu", hit: true, extra: "dropped" };
  history.append(record);
  record.flavor = "large";
  assert.deepEqual(history.deploys, [deploy(1, "small", "Ubuntu", true)]);
});

Deno.test("DeployHistory.expire() drops deploys that left the window though none came since", () => {
  const history = new DeployHistory();
  for (let i = 0; i < 100; i++) history.append(deploy(i * MINUTE));
  history.expire(DEPLOY_HISTORY_WINDOW_MS + 10 * MINUTE);
  assert.equal(history.deploys.length, 100, "ten expired deploys wait for a batch");
  history.expire(DEPLOY_HISTORY_WINDOW_MS + 30 * MINUTE);
  assert.equal(history.deploys.length, 70);
  assert.equal(history.deploys[0].at, 30 * MINUTE);
});
