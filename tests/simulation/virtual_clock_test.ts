import assert from "node:assert/strict";
import { VirtualClock } from "../../src/simulation/virtual_clock.ts";

Deno.test("VirtualClock.finish() wakes the work's sleepers in time order, moving time to each", async () => {
  const clock = new VirtualClock(1000);
  const woke: [string, number][] = [];
  const nap = async (name: string, ms: number) => {
    await clock.sleep(ms);
    woke.push([name, clock.now()]);
  };
  const result = await clock.finish(
    Promise.all([nap("b", 30), nap("a", 10), nap("c", 30)]).then(() => "done"),
  );
  assert.equal(result, "done");
  assert.deepEqual(woke, [["a", 1010], ["b", 1030], ["c", 1030]]);
  assert.equal(clock.now(), 1030);
});

Deno.test("VirtualClock.finish() returns work that never sleeps at once, and passes on its failure", async () => {
  const clock = new VirtualClock(0);
  assert.equal(await clock.finish(Promise.resolve(7)), 7);
  await assert.rejects(clock.finish(Promise.reject(new Error("no"))), /no/);
  assert.equal(clock.now(), 0);
});

Deno.test("VirtualClock.set() never moves time back, and an aborted sleep rejects", async () => {
  const clock = new VirtualClock(500);
  clock.set(400);
  assert.equal(clock.now(), 500);
  const abort = new AbortController();
  const sleeping = clock.sleep(10, abort.signal);
  abort.abort(new Error("cut"));
  await assert.rejects(sleeping, /cut/);
});
