/** Tests of `src/domain/uuid_index.ts`: items by UUID, built once and found again. */
import assert from "node:assert/strict";
import { UuidIndex } from "../../src/domain/uuid_index.ts";

/** `count` items whose UUIDs differ only in their last characters, as generated ones do. */
function items(count: number): { uuid: string }[] {
  return Array.from({ length: count }, (_, i) => ({ uuid: `00000001-0000-4000-8000-${i}` }));
}

Deno.test("UuidIndex.find() gives each item's position, and -1 for a UUID no item has", () => {
  for (const count of [0, 1, 7, 8, 9, 1000, 50_000]) {
    const list = items(count);
    const index = UuidIndex.of(list);
    assert.ok(index, `${count} items`);
    for (let i = 0; i < count; i++) assert.equal(index.find(list[i].uuid), i);
    assert.equal(index.find("00000001-0000-4000-8000-x"), -1);
    assert.equal(index.find(""), -1);
  }
});

Deno.test("UuidIndex.of() gives nothing when a UUID repeats, wherever the repeat is", () => {
  for (const [first, second] of [[0, 1], [0, 999], [500, 501], [998, 999]]) {
    const list = items(1000);
    list[second] = { uuid: list[first].uuid };
    assert.equal(UuidIndex.of(list), undefined, `${first} and ${second}`);
  }
});

Deno.test("UuidIndex.cached() gives the index of() built for the same list only", () => {
  const list = items(10);
  assert.equal(UuidIndex.cached(list), undefined);
  const index = UuidIndex.of(list);
  assert.equal(UuidIndex.cached(list), index);
  assert.equal(UuidIndex.cached(items(10)), undefined);
  const repeated = [...items(3), { uuid: list[0].uuid }, { uuid: list[0].uuid }];
  assert.equal(UuidIndex.of(repeated), undefined);
  assert.equal(UuidIndex.cached(repeated), undefined);
});
