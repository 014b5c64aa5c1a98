/** Deferred: calls made before a value is loaded wait for it, in order; later ones run at once. */
import assert from "node:assert/strict";
import { Deferred } from "../../src/runtime/deferred.ts";

Deno.test("Deferred.run() holds calls until load(), then runs them in the order made", async () => {
  const seen: string[] = [];
  const deferred = new Deferred(() => Promise.resolve(seen));
  deferred.run((list) => list.push("first"));
  deferred.run((list) => list.push("second"));
  assert.deepEqual(seen, [], "nothing runs before load()");
  assert.equal(await deferred.load(), seen);
  assert.deepEqual(seen, ["first", "second"]);
  deferred.run((list) => list.push("third"));
  assert.deepEqual(seen, ["first", "second", "third"], "after load(), a call runs at once");
});

Deno.test("Deferred.load() loads once, however often and early it is called", async () => {
  let loads = 0;
  const deferred = new Deferred(() => Promise.resolve(++loads));
  const [a, b] = await Promise.all([deferred.load(), deferred.load()]);
  assert.deepEqual([a, b, await deferred.load(), loads], [1, 1, 1, 1]);
});

Deno.test("Deferred.load() that failed keeps the calls and loads again when asked", async () => {
  const seen: number[] = [];
  let fail = true;
  const deferred = new Deferred(() =>
    fail ? Promise.reject(new Error("no module")) : Promise.resolve(seen)
  );
  deferred.run((list) => list.push(1));
  await assert.rejects(deferred.load(), /no module/);
  deferred.run((list) => list.push(2));
  fail = false;
  await deferred.load();
  assert.deepEqual(seen, [1, 2]);
});
