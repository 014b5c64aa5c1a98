/** The fleet and the plan in the compact form they cross to and from the plan worker. */
import assert from "node:assert/strict";
import type { FleetState } from "../../src/domain/fleet.ts";
import type { ObservedDeploy } from "../../src/domain/deploy_history.ts";
import {
  packDeploys,
  packFleet,
  packPlan,
  transferables,
  unpackDeploys,
  unpackFleet,
  unpackPlan,
} from "../../src/strategy/plan_transfer.ts";
import { syntheticFleet } from "../_fixtures/synthetic_fleet.ts";
import { fleet, image, node } from "../_helpers.ts";

/** Nodes whose strings hold separators, nothing, and more than one UTF-16 unit per character. */
const ODD: FleetState = {
  ...fleet(
    [
      node("a\nb", "small"),
      node("", "small", { provisioned: true }),
      node("ünï-🙂", "unlisted", { cached: true, cachedImageUuid: "i\n1" }),
      node("n4", "large", { provisioned: true, cached: true, cachedImageUuid: "gone" }),
    ],
    [image("i\n1"), image("i2", "Ubuntu")],
    ["small", "large"],
  ),
  observedAt: 1_700_000_000_000,
};

Deno.test("unpackFleet() gives back the fleet packFleet() packed", () => {
  assert.deepEqual(unpackFleet(structuredClone(packFleet(ODD))), ODD);
  const large = syntheticFleet({ nodes: 5_000, flavors: 4, images: 7 });
  assert.deepEqual(unpackFleet(packFleet(large)), large);
  assert.deepEqual(unpackFleet(packFleet(fleet([], []))), fleet([], []));
});

Deno.test("packFleet() keeps only the members of the contract", () => {
  const extraNode = { ...node("n1", "small"), secret: "x" };
  const extraImage = { ...image("i1"), extra: 1 };
  const packed = unpackFleet(packFleet(fleet([extraNode], [extraImage])));
  assert.deepEqual(packed.nodes, [node("n1", "small")]);
  assert.deepEqual(packed.images, [image("i1")]);
});

Deno.test("unpackPlan() gives back the plan packPlan() packed, from the fleet's own strings", () => {
  const plan = {
    directives: [
      { kind: "eject" as const, nodeUuid: "ünï-🙂" },
      { kind: "cache" as const, nodeUuid: "a\nb", imageUuid: "i2", imageChecksum: "sum-i2" },
    ],
    warnings: ["w"],
    targets: { small: 1 },
  };
  const packed = packPlan(plan, ODD);
  assert.deepEqual([...packed.nodes], [2, 0]);
  assert.deepEqual(unpackPlan(structuredClone(packed), ODD), plan);
});

Deno.test("unpackPlan() refuses what is not a packed plan of the fleet", () => {
  const empty = packPlan({ directives: [], warnings: [], targets: {} }, ODD);
  assert.throws(() => unpackPlan({ ...empty, kinds: [0] } as never, ODD), TypeError);
  assert.throws(() => unpackPlan({ ...empty, warnings: [{}] } as never, ODD), TypeError);
  assert.throws(() => unpackPlan({ ...empty, targets: { small: "1" } } as never, ODD), TypeError);
  const bad = (nodes: number[], images: number[], kinds = [0]) => () =>
    unpackPlan({
      kinds: new Uint8Array(kinds),
      nodes: new Uint32Array(nodes),
      images: new Uint32Array(images),
      warnings: [],
      targets: {},
    }, ODD);
  assert.throws(bad([4], [0]), RangeError);
  assert.throws(bad([0], [2]), RangeError);
  assert.throws(bad([0], [0], [2]), RangeError);
  assert.throws(bad([0, 1], [0]), RangeError);
});

Deno.test("transferables() hands over every typed array, so nothing big is copied", () => {
  const fleetPacked = packFleet(ODD);
  const buffers = transferables(fleetPacked);
  assert.equal(buffers.length, 4);
  structuredClone(fleetPacked, { transfer: buffers });
  assert.equal(fleetPacked.flags.length, 0, "detached: moved, not copied");
  const planPacked = packPlan({ directives: [], warnings: [], targets: {} }, ODD);
  assert.equal(transferables(planPacked).length, 3);
});

/** Deploys whose names hold separators, nothing, and more than one UTF-16 unit per character. */
const DEPLOYS: readonly ObservedDeploy[] = [
  { at: 1_700_000_000_000.5, flavor: "small", image: "Ubuntu 24.04", hit: true },
  { at: 1_700_000_060_000, flavor: "large", image: "", hit: false },
  { at: 1_700_000_060_000, flavor: "smäll\n🙂", image: "Ubuntu 24.04", hit: false },
  { at: -5, flavor: "", image: "small", hit: true },
];

Deno.test("unpackDeploys() gives back the deploys packDeploys() packed", () => {
  assert.deepEqual(unpackDeploys(structuredClone(packDeploys(DEPLOYS))), DEPLOYS);
  assert.deepEqual(unpackDeploys(packDeploys([])), []);
  const many = Array.from({ length: 10_000 }, (_, i) => ({
    at: i * 1000,
    flavor: `f${i % 7}`,
    image: `image ${i % 31}`,
    hit: i % 2 === 0,
  }));
  assert.deepEqual(unpackDeploys(packDeploys(many)), many);
});

Deno.test("packDeploys() names each flavor and image once, and keeps only the record's members", () => {
  const extra = DEPLOYS.map((d) => ({ ...d, node: "secret" }));
  const packed = packDeploys(extra);
  assert.deepEqual(packed.names, ["small", "Ubuntu 24.04", "large", "", "smäll\n🙂"]);
  assert.deepEqual(unpackDeploys(packed), DEPLOYS);
});

Deno.test("transferables() hands over the packed deploys' typed arrays", () => {
  const packed = packDeploys(DEPLOYS);
  const buffers = transferables(packed);
  assert.equal(buffers.length, 4);
  structuredClone(packed, { transfer: buffers });
  assert.equal(packed.at.length, 0, "detached: moved, not copied");
});

Deno.test("unpackPlan() gives back the explanation packPlan() packed, and none when there was none", () => {
  const explain = [
    { flavor: "small", image: "Ubuntu", expected: 2.5, target: 3, cached: 1, why: "forecast" },
  ];
  const plan = { directives: [], warnings: [], targets: {}, explain };
  assert.deepEqual(unpackPlan(structuredClone(packPlan(plan, ODD)), ODD), plan);
  const without = unpackPlan(packPlan({ directives: [], warnings: [], targets: {} }, ODD), ODD);
  assert.equal("explain" in without, false);
});

Deno.test("unpackPlan() refuses an explanation that is not plain entries", () => {
  const entry = { flavor: "small", image: "Ubuntu", expected: 1, target: 1, cached: 0, why: "" };
  const empty = packPlan({ directives: [], warnings: [], targets: {} }, ODD);
  for (
    const explain of [
      {},
      [null],
      [{ ...entry, expected: "1" }],
      [{ ...entry, target: NaN }],
      [{ ...entry, why: 1 }],
      [{ ...entry, flavor: 1 }],
    ]
  ) {
    assert.throws(() => unpackPlan({ ...empty, explain } as never, ODD), TypeError);
  }
});
