import assert from "node:assert/strict";
import { seededRandom } from "../../../src/domain/random.ts";
import { IndexSet } from "../../../src/scout/simulator/index_set.ts";

Deno.test("IndexSet.delete() keeps the other members, and pick() returns only members", () => {
  const set = new IndexSet(new Int32Array(10).fill(-1));
  for (const node of [2, 4, 6, 8]) set.add(node);
  set.delete(4);
  set.delete(8);
  assert.equal(set.size, 2);
  const random = seededRandom(1);
  const picked = new Set(Array.from({ length: 100 }, () => set.pick(random)));
  assert.deepEqual([...picked].sort(), [2, 6]);
});

Deno.test("IndexSet shares its positions array with the other sets of its family", () => {
  const pos = new Int32Array(4).fill(-1);
  const [a, b] = [new IndexSet(pos), new IndexSet(pos)];
  a.add(0);
  a.add(1);
  b.add(2);
  a.delete(0);
  assert.deepEqual([...pos], [-1, 0, 0, -1]);
  b.delete(2);
  assert.equal(b.size, 0);
  assert.equal(a.pick(seededRandom(1)), 1);
});
