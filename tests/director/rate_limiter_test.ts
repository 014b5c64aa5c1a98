/** RateLimiter: the original's limiter, plus a restart when the clock goes backwards. */
import assert from "node:assert/strict";
import { RateLimiter } from "../../src/director/rate_limiter.ts";
import { ManualClock } from "../../src/runtime/clock.ts";

const T0 = 1_700_000_000_000;

Deno.test("RateLimiter with limit 0 lets everything through", () => {
  const limiter = new RateLimiter(0, 300, new ManualClock(T0));
  assert.equal(limiter.take(1_000_000), 1_000_000);
  assert.equal(limiter.take(5), 5);
});

Deno.test("RateLimiter allows the limit per period, then nothing until the period ends", async () => {
  const clock = new ManualClock(T0);
  const limiter = new RateLimiter(10, 300, clock);
  assert.equal(limiter.take(4), 4);
  assert.equal(limiter.take(8), 6);
  assert.equal(limiter.take(3), 0);
  await clock.advance(299_999);
  assert.equal(limiter.take(3), 0, "the period has not elapsed");
  await clock.advance(1);
  assert.equal(limiter.take(30), 10, "a new period starts once it has elapsed");
});

Deno.test("RateLimiter restarts the period when the clock goes backwards", () => {
  const clock = new ManualClock(T0);
  const limiter = new RateLimiter(2, 300, clock);
  assert.equal(limiter.take(5), 2);
  clock.set(T0 - 1000);
  assert.equal(limiter.take(5), 2);
});

Deno.test("RateLimiter.take(n, false) asks without counting", () => {
  const limiter = new RateLimiter(3, 60, new ManualClock(T0));
  assert.equal(limiter.take(5, false), 3);
  assert.equal(limiter.take(5, false), 3);
  assert.equal(limiter.take(2), 2);
  assert.equal(limiter.take(5, false), 1);
});

Deno.test("RateLimiter.configure() keeps the current period and its count", async () => {
  const clock = new ManualClock(T0);
  const limiter = new RateLimiter(3, 60, clock);
  assert.equal(limiter.take(3), 3);
  limiter.configure(5, 60);
  assert.equal(limiter.take(5), 2);
  limiter.configure(5, 30);
  await clock.advance(30_000);
  assert.equal(limiter.take(5), 5, "the shorter period has elapsed");
});

Deno.test("RateLimiter rejects invalid limits and periods", () => {
  const clock = new ManualClock(T0);
  for (const [limit, period] of [[-1, 60], [1.5, 60], [1, 0], [1, 0.5]]) {
    assert.throws(() => new RateLimiter(limit, period, clock), RangeError, `${limit}/${period}`);
  }
});
