/** fleetFigures(): the counts behind statistics logs, /v1/plan and metrics. */
import assert from "node:assert/strict";
import { fleetFigures, RETIRED } from "../../src/director/figures.ts";
import { fleet, image, node } from "../_helpers.ts";

Deno.test("fleetFigures() counts each listed flavor's nodes by state, with its target", () => {
  const nodes = [
    node("p1", "a", { provisioned: true, cached: true, cachedImageUuid: "i1" }),
    node("f1", "a"),
    node("c1", "a", { cached: true, cachedImageUuid: "i1" }),
    node("c2", "b", { cached: true, cachedImageUuid: "old" }),
    node("x1", "unlisted"),
  ];
  const { flavors, images } = fleetFigures(
    fleet(nodes, [image("i1", "Ubuntu"), image("i2")], ["a", "b", "a"]),
    {
      a: 4,
    },
  );
  assert.deepEqual(flavors, [
    { flavor: "a", target: 4, provisioned: 1, available: 1, cached: 1 },
    { flavor: "b", provisioned: 0, available: 0, cached: 1 },
  ]);
  assert.deepEqual(images, [
    { uuid: "i1", name: "Ubuntu", cached: 1 },
    { uuid: "i2", name: "i2", cached: 0 },
    { uuid: "old", name: RETIRED, cached: 1 },
  ]);
});

Deno.test("fleetFigures() counts nodes that cannot be cached now, and cache records by status", () => {
  const nodes = [
    node("free", "a", { cacheStatus: "none" }),
    node("dead", "a", { provisioned: true, notCacheable: true, cacheStatus: "none" }),
    node("lost", "a", { provisioned: true, notCacheable: true, cacheStatus: "lost" }),
    node("busy", "a", { cached: true, cachedImageUuid: "i1", cacheStatus: "caching" }),
    node("hit", "a", { cached: true, cachedImageUuid: "i1", cacheStatus: "cached" }),
    node("deployed", "a", { provisioned: true, cacheStatus: "lost" }),
    node("retry", "b", { cacheStatus: "failed" }),
    node("x", "unlisted", { cacheStatus: "cached", cached: true, cachedImageUuid: "i1" }),
  ];
  const { flavors, images } = fleetFigures(fleet(nodes, [image("i1")], ["a", "b"]));
  assert.deepEqual(flavors, [
    {
      flavor: "a",
      provisioned: 1,
      available: 1,
      cached: 2,
      notCacheable: 2,
      cacheRecords: { caching: 1, cached: 1, failed: 0, lost: 2 },
    },
    {
      flavor: "b",
      provisioned: 0,
      available: 1,
      cached: 0,
      notCacheable: 0,
      cacheRecords: { caching: 0, cached: 0, failed: 1, lost: 0 },
    },
  ]);
  assert.deepEqual(images, [{ uuid: "i1", name: "i1", cached: 3 }], "of any flavor, as before");
});
