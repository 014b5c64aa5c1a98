/**
 * simple_proportional: the original SimpleProportionalStrategy's decisions, case by case.
 */
import assert from "node:assert/strict";
import strategy, { chooseImages } from "../../plugins/simple_proportional.ts";
import type { Directive } from "../../src/domain/directive.ts";
import type { FleetState, Node } from "../../src/domain/fleet.ts";
import type { ImageWeights } from "../../src/domain/image_weights.ts";
import { seededRandom } from "../../src/domain/random.ts";
import { context, fleet, image, node, weights } from "../_helpers.ts";

function plan(
  state: FleetState,
  percentage: number,
  options: { weights?: ImageWeights; seed?: number } = {},
) {
  const result = strategy.plan(
    state,
    { percentage_to_cache: percentage },
    context(options.seed ?? 1, options.weights),
  );
  return { directives: result.directives as Directive[], warnings: result.warnings };
}

/** Image UUIDs of the cache directives, counted. */
function imageCounts(directives: readonly Directive[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const d of directives) {
    if (d.kind === "cache") counts[d.imageUuid] = (counts[d.imageUuid] ?? 0) + 1;
  }
  return counts;
}

function freeNodes(count: number, flavor = "f1", prefix = "n"): Node[] {
  return Array.from({ length: count }, (_, i) => node(`${prefix}${i}`, flavor));
}

const ubuntu = image("u", "Ubuntu");
const coreos = image("c", "CoreOS");
const windows = image("w", "Windows");

Deno.test("simple_proportional caches nothing for one free node at 0.125", () => {
  assert.deepEqual(plan(fleet([node("n1", "f1")], [ubuntu]), 0.125).directives, []);
});

Deno.test("simple_proportional caches one free node with the first image at 1", () => {
  assert.deepEqual(plan(fleet([node("n1", "f1")], [ubuntu, coreos]), 1).directives, [
    { kind: "cache", nodeUuid: "n1", imageUuid: "u", imageChecksum: "sum-u" },
  ]);
});

Deno.test("simple_proportional leaves one provisioned node alone", () => {
  assert.deepEqual(
    plan(fleet([node("n1", "f1", { provisioned: true })], [ubuntu]), 1).directives,
    [],
  );
});

Deno.test("simple_proportional plans nothing at 0", () => {
  assert.deepEqual(plan(fleet(freeNodes(50), [ubuntu]), 0).directives, []);
});

Deno.test("simple_proportional ejects stale cached nodes and does not re-cache them at once", () => {
  const nodes = [
    node("stale1", "f1", { cached: true, cachedImageUuid: "retired" }),
    node("free1", "f1"),
    node("stale2", "f2", { cached: true, cachedImageUuid: "retired" }),
  ];
  assert.deepEqual(plan(fleet(nodes, [ubuntu]), 1).directives, [
    { kind: "eject", nodeUuid: "stale1" },
    { kind: "eject", nodeUuid: "stale2" },
    { kind: "cache", nodeUuid: "free1", imageUuid: "u", imageChecksum: "sum-u" },
  ]);
});

Deno.test("simple_proportional leaves a provisioned node with a stale image alone", () => {
  const nodes = [node("n1", "f1", { provisioned: true, cached: true, cachedImageUuid: "retired" })];
  assert.deepEqual(plan(fleet(nodes, [ubuntu]), 1).directives, []);
});

Deno.test("simple_proportional ejects a cached node with an empty image UUID", () => {
  const nodes = [node("n1", "f1", { cached: true, cachedImageUuid: "" })];
  // Even when some image (wrongly) has an empty UUID.
  assert.deepEqual(plan(fleet(nodes, [image("", "blank")]), 0).directives, [
    { kind: "eject", nodeUuid: "n1" },
  ]);
});

Deno.test("simple_proportional treats an uncached node's leftover image UUID as free", () => {
  const nodes = [node("n1", "f1", { cachedImageUuid: "retired" })];
  assert.deepEqual(plan(fleet(nodes, [ubuntu]), 1).directives, [
    { kind: "cache", nodeUuid: "n1", imageUuid: "u", imageChecksum: "sum-u" },
  ]);
});

Deno.test("simple_proportional caches 10 Ubuntu and 20 CoreOS for weights 5/10/0 on 30 nodes", () => {
  const result = plan(fleet(freeNodes(30), [ubuntu, coreos, windows]), 1, {
    weights: weights({ Ubuntu: 5, CoreOS: 10, Windows: 0 }, 0),
  });
  assert.deepEqual(imageCounts(result.directives), { u: 10, c: 20 });
  assert.equal(new Set(result.directives.map((d) => d.nodeUuid)).size, 30);
});

Deno.test("simple_proportional gives an over-cached flavor no directives", () => {
  const nodes = [
    ...freeNodes(1),
    node("c1", "f1", { cached: true, cachedImageUuid: "u" }),
    node("c2", "f1", { cached: true, cachedImageUuid: "u" }),
    node("c3", "f1", { cached: true, cachedImageUuid: "c" }),
  ];
  assert.deepEqual(plan(fleet(nodes, [ubuntu, coreos]), 0.25).directives, []);
});

Deno.test("simple_proportional computes need in doubles: 0.29 of 100 is 28", () => {
  assert.equal(plan(fleet(freeNodes(100), [ubuntu]), 0.29).directives.length, 28);
});

Deno.test("simple_proportional states each flavor's target: floor(percentage x unprovisioned)", () => {
  const nodes = [
    ...freeNodes(7, "a", "a"),
    node("p", "a", { provisioned: true }),
    ...freeNodes(2, "b", "b"),
  ];
  const result = strategy.plan(fleet(nodes, [ubuntu]), { percentage_to_cache: 0.5 }, context());
  assert.deepEqual(result.targets, { a: 3, b: 1 });
});

Deno.test("simple_proportional subtracts cached nodes of the flavor from its target", () => {
  const nodes = [
    ...freeNodes(8),
    node("c1", "f1", { cached: true, cachedImageUuid: "u" }),
    node("c2", "f1", { cached: true, cachedImageUuid: "u" }),
    node("p1", "f1", { provisioned: true }),
  ];
  // 10 unprovisioned: floor(0.5 * 10) - 2 cached = 3. scale = (2 + 3) / 2, so d = [0.5, 2.5]:
  // CoreOS twice, then the 0.5 tie goes to Ubuntu, first in the list.
  const { directives } = plan(fleet(nodes, [ubuntu, coreos]), 0.5);
  assert.deepEqual(imageCounts(directives), { c: 2, u: 1 });
  assert.ok(directives.every((d) => d.nodeUuid.startsWith("n")), "only free nodes are cached");
});

Deno.test("simple_proportional never caches nodes of unlisted flavors, but ejects them", () => {
  const nodes = [
    ...freeNodes(4, "unlisted", "u"),
    node("s1", "unlisted", { cached: true, cachedImageUuid: "retired" }),
    ...freeNodes(2, "listed", "l"),
  ];
  const { directives } = plan(fleet(nodes, [ubuntu], ["listed"]), 1);
  assert.deepEqual(directives.map((d) => `${d.kind}:${d.nodeUuid}`).sort(), [
    "cache:l0",
    "cache:l1",
    "eject:s1",
  ]);
});

Deno.test("simple_proportional emits ejects first, then caches flavor by flavor in list order", () => {
  const nodes = [
    ...freeNodes(2, "b", "b"),
    node("s1", "a", { cached: true, cachedImageUuid: "old" }),
    ...freeNodes(2, "a", "a"),
    node("s2", "b", { cached: true, cachedImageUuid: "old" }),
  ];
  const { directives } = plan(fleet(nodes, [ubuntu], ["a", "b", "a"]), 1);
  assert.deepEqual(directives.map((d) => `${d.kind}:${d.nodeUuid[0]}`), [
    "eject:s",
    "eject:s",
    "cache:a",
    "cache:a",
    "cache:b",
    "cache:b",
  ]);
  assert.deepEqual(directives.slice(0, 2).map((d) => d.nodeUuid), ["s1", "s2"]);
});

Deno.test("simple_proportional warns instead of crashing when a flavor needs images and none exist", () => {
  const nodes = [...freeNodes(4), node("s1", "f1", { cached: true, cachedImageUuid: "gone" })];
  const { directives, warnings } = plan(fleet(nodes, []), 1);
  assert.deepEqual(directives, [{ kind: "eject", nodeUuid: "s1" }]);
  assert.equal(warnings?.length, 1);
  assert.match(warnings![0], /Flavor "f1" needs 4 more cached node\(s\), but there are no images/);
});

Deno.test("simple_proportional gives each same-named image the name's weight", () => {
  const images = [image("u1", "Ubuntu"), image("u2", "Ubuntu"), coreos];
  const { directives } = plan(fleet(freeNodes(8), images), 1, {
    weights: weights({ Ubuntu: 1, CoreOS: 2 }),
  });
  assert.deepEqual(imageCounts(directives), { u1: 2, u2: 2, c: 4 });
});

Deno.test("simple_proportional looks weights up by name safely (constructor, __proto__)", () => {
  const images = [image("a", "constructor"), image("b", "__proto__")];
  const { directives } = plan(fleet(freeNodes(4), images), 1, { weights: weights({}, 1) });
  assert.deepEqual(imageCounts(directives), { a: 2, b: 2 });
});

Deno.test("simple_proportional caches least-cached images first when all weights are 0", () => {
  const nodes = [...freeNodes(2), node("c1", "f1", { cached: true, cachedImageUuid: "u" })];
  const { directives } = plan(fleet(nodes, [ubuntu, coreos, windows]), 1, {
    weights: weights({}, 0),
  });
  assert.deepEqual(directives.map((d) => d.kind === "cache" && d.imageUuid), ["c", "w"]);
});

Deno.test("simple_proportional spreads nodes by seed and is repeatable for one", () => {
  const state = fleet(freeNodes(200), [ubuntu]);
  const chosen = (seed: number) => plan(state, 0.1, { seed }).directives.map((d) => d.nodeUuid);
  assert.deepEqual(chosen(5), chosen(5));
  assert.notDeepEqual(chosen(5), chosen(6));
  assert.notDeepEqual(chosen(5), freeNodes(20).map((n) => n.uuid), "not simply the first nodes");
});

Deno.test("chooseImages() breaks ties by list order", () => {
  assert.deepEqual([...chooseImages(5, 0, [1, 1, 1], [0, 0, 0])], [0, 1, 2, 0, 1]);
});

Deno.test("chooseImages() factors in what is already cached", () => {
  assert.deepEqual([...chooseImages(2, 2, [1, 1], [2, 0])], [1, 1]);
});

Deno.test("chooseImages() never picks a weight-0 image while another weighs more", () => {
  // scale 2, d = [0, 4, 2]; the weight-0 image stays at 0 while the others run down to it.
  assert.deepEqual([...chooseImages(6, 0, [0, 2, 1], [0, 0, 0])], [1, 1, 1, 2, 1, 2]);
});

/** The original's selection, verbatim in spirit: a linear max with first-wins ties. */
function referenceChoice(need: number, cached: number, w: number[], perImage: number[]): number[] {
  let sum = 0;
  for (const x of w) sum += x;
  const scale = sum === 0 ? 1 : (cached + need) / sum;
  const d = w.map((x, i) => scale * x - perImage[i]);
  const picks: number[] = [];
  for (let k = 0; k < need; k++) {
    let best = 0;
    for (let i = 1; i < d.length; i++) if (d[i] > d[best]) best = i;
    picks.push(best);
    d[best] -= 1;
  }
  return picks;
}

Deno.test("chooseImages() picks exactly what a linear first-wins max would", () => {
  const random = seededRandom(2024);
  for (let run = 0; run < 3000; run++) {
    const n = 1 + random.int(9);
    const w = Array.from({ length: n }, () => random.int(4) === 0 ? 0 : random.int(50));
    const perImage = Array.from({ length: n }, () => random.int(5));
    const cached = perImage.reduce((a, b) => a + b, 0);
    const need = 1 + random.int(60);
    assert.deepEqual(
      [...chooseImages(need, cached, w, perImage)],
      referenceChoice(need, cached, w, perImage),
      JSON.stringify({ need, cached, w, perImage }),
    );
  }
});
