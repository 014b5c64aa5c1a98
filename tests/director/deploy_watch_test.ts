/** DeployWatch: deploys and deletes from successive node listings. */
import assert from "node:assert/strict";
import { DeployWatch } from "../../src/director/deploy_watch.ts";
import type { Node } from "../../src/domain/fleet.ts";
import { node } from "../_helpers.ts";

const T = 1_700_000_000_000;
const free = node("n", "small", { phase: "available" });
const ready = node("n", "small", {
  phase: "available",
  cached: true,
  cachedImageUuid: "img",
});
const pending = { ...ready, cacheReady: false };
const other = { ...ready, cachedImageUuid: "else" };
const active = node("n", "small", { provisioned: true, phase: "active", instanceImage: "img" });
const deploying = { ...active, phase: "deploying" as const };
const replaced = { ...active, instanceImage: "new" };
const cleaning = node("n", "small", { provisioned: true, phase: "cleaning" });
const broken = node("n", "small", { provisioned: true, phase: "other" });
const deploy = (hit: boolean, image = "img") => ({
  kind: "deploy",
  at: T,
  node: "n",
  flavor: "small",
  image,
  hit,
});
const remove = (image = "img") => ({ kind: "delete", at: T, node: "n", flavor: "small", image });

const table: [string, Node, Node, object[]][] = [
  ["available with the image ready -> active: a hit", ready, active, [deploy(true)]],
  ["available with the image ready -> deploying: a hit", ready, deploying, [deploy(true)]],
  ["available, not cached -> active: a miss", free, active, [deploy(false)]],
  ["available, image still being written -> active: a miss", pending, active, [deploy(false)]],
  ["available with another image -> active: a miss", other, active, [deploy(false)]],
  ["cleaning -> active (available in between): a miss", cleaning, active, [deploy(false)]],
  ["deploying -> active: nothing", deploying, active, []],
  ["active -> active: nothing", active, active, []],
  ["active -> cleaning: a delete", active, cleaning, [remove()]],
  ["active -> available (cleaning in between): a delete", active, free, [remove()]],
  ["deploying -> error: a delete", deploying, broken, [remove()]],
  ["active with another image: a delete and a miss", active, replaced, [
    remove(),
    deploy(false, "new"),
  ]],
  ["other -> active (an adoption): nothing", broken, active, []],
  ["available -> cleaning (an eject): nothing", ready, cleaning, []],
];

for (const [name, before, after, expected] of table) {
  Deno.test(`DeployWatch.observe() tells ${name}`, () => {
    const watch = new DeployWatch();
    assert.deepEqual(watch.observe([before], T - 5000), []);
    assert.deepEqual(watch.observe([after], T), expected);
  });
}

Deno.test("DeployWatch.observe() starts from a node's first listing and forgets unlisted ones", () => {
  const watch = new DeployWatch();
  assert.deepEqual(watch.observe([active], T), []);
  assert.deepEqual(watch.observe([], T), []);
  assert.deepEqual(watch.observe([free], T), []);
});

Deno.test("DeployWatch.observe() ignores nodes whose scout gives no phase", () => {
  const watch = new DeployWatch();
  watch.observe([node("n", "small")], T);
  assert.deepEqual(watch.observe([node("n", "small", { provisioned: true })], T), []);
});
