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
