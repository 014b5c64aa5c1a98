import assert from "node:assert/strict";
import { seededRandom } from "../../../src/domain/random.ts";
import { ImagePopularity, pickCumulative } from "../../../src/scout/simulator/image_popularity.ts";

Deno.test("pickCumulative() finds the index whose weight covers x, skipping empty weights", () => {
  const cumulative = Float64Array.from([1, 1, 3, 6]);
  assert.deepEqual([0, 0.99, 1, 2.5, 3, 5.99].map((x) => pickCumulative(cumulative, x)), [
    0,
    0,
    2,
    2,
    3,
    3,
  ]);
});

function counts(popularity: ImagePopularity, order: number, from: number, draws: number) {
  const random = seededRandom(3);
  const out = new Array(4).fill(0);
  for (let i = 0; i < draws; i++) out[popularity.pick(order, from + i / draws, random)]++;
  return out;
}

Deno.test("ImagePopularity.pick() follows each order's ranking, shuffled per order when asked", () => {
  const shared = new ImagePopularity({
    images: 4,
    skew: 2,
    orders: 1,
    driftPerDay: 0,
    drift: seededRandom(1),
  });
  const [first, second, third, fourth] = counts(shared, 0, 0, 4000);
  assert.ok(first > second && second > third && third > fourth, `${[first, second, third]}`);
  const shuffled = new ImagePopularity({
    images: 4,
    skew: 2,
    orders: 6,
    shuffle: seededRandom(2),
    driftPerDay: 0,
    drift: seededRandom(1),
  });
  const tops = new Set([0, 1, 2, 3, 4, 5].map((order) => {
    const c = counts(shuffled, order, 0, 2000);
    return c.indexOf(Math.max(...c));
  }));
  assert.ok(tops.size >= 2, `tops ${[...tops]}`);
});

Deno.test("ImagePopularity.pick() lets neighbours trade places over days at driftPerDay", () => {
  const popularity = new ImagePopularity({
    images: 4,
    skew: 3,
    orders: 1,
    driftPerDay: 6,
    drift: seededRandom(4),
  });
  const top = (day: number) => {
    const c = counts(popularity, 0, day * 1440, 2000);
    return c.indexOf(Math.max(...c));
  };
  const tops = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(top));
  assert.ok(tops.size >= 2, `the top image never changed in 10 days: ${[...tops]}`);
});
