/** Heartbeat: the last sign of life, and the quiet announced waits allow after it. */
import assert from "node:assert/strict";
import { ManualClock } from "../../src/runtime/clock.ts";
import { Heartbeat } from "../../src/runtime/heartbeat.ts";

const T0 = 1_700_000_000_000;

Deno.test("Heartbeat.beat() records the time, and a wait extends the expected quiet", async () => {
  const clock = new ManualClock(T0);
  const heartbeat = new Heartbeat(clock);
  assert.deepEqual([heartbeat.last, heartbeat.quietUntil], [T0, T0]);
  await clock.advance(1_000);
  heartbeat.beat(120_000);
  assert.deepEqual([heartbeat.last, heartbeat.quietUntil], [T0 + 1_000, T0 + 121_000]);
  await clock.advance(1_000);
  heartbeat.beat();
  assert.equal(heartbeat.last, T0 + 2_000);
  assert.equal(heartbeat.quietUntil, T0 + 121_000, "a beat does not cut a wait still running");
  heartbeat.beat(60_000);
  assert.equal(heartbeat.quietUntil, T0 + 121_000, "overlapping waits: the one ending last");
  await clock.advance(200_000);
  heartbeat.beat();
  assert.equal(heartbeat.quietUntil, T0 + 202_000, "after the wait, the last beat");
});
