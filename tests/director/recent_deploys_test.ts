/** RecentDeploys: the last deploys, bounded, newest first. */
import assert from "node:assert/strict";
import { RecentDeploys } from "../../src/director/recent_deploys.ts";
import type { DeployEvent } from "../../src/domain/deploy_event.ts";

const T = Date.UTC(2026, 0, 1);
const deploy = (i: number): DeployEvent => ({
  kind: "deploy",
  at: T + i * 1000,
  node: `n${i}`,
  flavor: "small",
  image: "img",
  hit: i % 2 === 0,
});

Deno.test("RecentDeploys.list() gives the deploys newest first, with their time and image name", () => {
  const recent = new RecentDeploys(3);
  assert.deepEqual(recent.list(), []);
  recent.add(deploy(0), "Ubuntu");
  recent.add(deploy(1), "");
  assert.deepEqual(recent.list(), [
    {
      time: "2026-01-01T00:00:01.000Z",
      node: "n1",
      flavor: "small",
      image: "img",
      imageName: "",
      hit: false,
    },
    {
      time: "2026-01-01T00:00:00.000Z",
      node: "n0",
      flavor: "small",
      image: "img",
      imageName: "Ubuntu",
      hit: true,
    },
  ]);
});

Deno.test("RecentDeploys.add() drops the oldest deploy beyond the limit", () => {
  const recent = new RecentDeploys(3);
  for (let i = 0; i < 8; i++) recent.add(deploy(i), "");
  assert.deepEqual(recent.list().map((d) => d.node), ["n7", "n6", "n5"]);
});
