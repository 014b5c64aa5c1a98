/** seededRandom(): the only randomness strategies get, so it must be repeatable and fair. */
import assert from "node:assert/strict";
import { seededRandom } from "../../src/domain/random.ts";
import { MAX_SEED } from "../../src/domain/seed.ts";

Deno.test("seededRandom() repeats its draws for a seed and differs between seeds", () => {
  const draws = (seed: number) => {
    const r = seededRandom(seed);
    return [r.next(), r.int(1000), ...r.shuffle([1, 2, 3, 4, 5, 6, 7, 8])];
  };
  assert.deepEqual(draws(42), draws(42));
  assert.notDeepEqual(draws(42), draws(43));
  assert.deepEqual(draws(MAX_SEED), draws(MAX_SEED));
});

Deno.test("seededRandom() rejects seeds that are not 32-bit unsigned integers", () => {
  for (const seed of [-1, 1.5, MAX_SEED + 1, NaN]) {
    assert.throws(() => seededRandom(seed), RangeError, String(seed));
  }
});

Deno.test("Random.int() and next() stay in range", () => {
  const r = seededRandom(1);
  for (let i = 0; i < 10_000; i++) {
    const n = r.int(7);
    assert.ok(Number.isInteger(n) && n >= 0 && n < 7);
    const x = r.next();
    assert.ok(x >= 0 && x < 1);
  }
});

Deno.test("Random.sample() draws distinct items without touching its input", () => {
  const items = Object.freeze(Array.from({ length: 50 }, (_, i) => i));
  const picked = seededRandom(3).sample(items, 20);
  assert.equal(picked.length, 20);
  assert.equal(new Set(picked).size, 20);
  assert.ok(picked.every((i) => items.includes(i)));
  assert.deepEqual(seededRandom(3).sample(items, 99).sort((a, b) => a - b), [...items]);
  assert.deepEqual(seededRandom(3).sample(items, 0), []);
});

Deno.test("Random.sample() is a prefix of shuffle() for the same seed", () => {
  const items = Array.from({ length: 30 }, (_, i) => i);
  assert.deepEqual(seededRandom(9).sample(items, 12), seededRandom(9).shuffle(items).slice(0, 12));
});

Deno.test("Random.shuffle() puts each item first about equally often", () => {
  const r = seededRandom(5);
  const firsts = [0, 0, 0, 0];
  const rounds = 40_000;
  for (let i = 0; i < rounds; i++) firsts[r.shuffle([0, 1, 2, 3])[0]]++;
  for (const count of firsts) assert.ok(Math.abs(count - rounds / 4) < rounds * 0.02, `${firsts}`);
});
