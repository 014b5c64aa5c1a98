import assert from "node:assert/strict";
import { seededRandom } from "../../../src/domain/random.ts";
import { EventQueue } from "../../../src/scout/simulator/event_queue.ts";

/** Pops every event, in the order the queue gives them. */
function drain(queue: EventQueue): [number, number, number][] {
  const out: [number, number, number][] = [];
  while (queue.nextAt !== Infinity) {
    out.push([queue.nextAt, queue.nextNode, queue.nextEpoch]);
    queue.pop();
  }
  return out;
}

Deno.test("EventQueue.nextAt is Infinity when the queue is empty", () => {
  const queue = new EventQueue();
  assert.equal(queue.nextAt, Infinity);
  queue.push(5, 1, 1);
  queue.pop();
  assert.equal(queue.nextAt, Infinity);
});

Deno.test("EventQueue.pop() gives events in time order, each with its node and epoch", () => {
  const queue = new EventQueue();
  for (const [at, node, epoch] of [[30, 3, 1], [10, 1, 7], [20, 2, 2]]) {
    queue.push(at, node, epoch);
  }
  assert.deepEqual(drain(queue), [[10, 1, 7], [20, 2, 2], [30, 3, 1]]);
});

Deno.test("EventQueue.push() grows past its initial capacity and keeps the order", () => {
  const queue = new EventQueue();
  const random = seededRandom(3);
  const times = Array.from({ length: 5000 }, () => random.int(1_000_000));
  times.forEach((at, node) => queue.push(at, node, node + 1));
  const drained = drain(queue);
  assert.deepEqual(drained.map(([at]) => at), times.toSorted((a, b) => a - b));
  for (const [at, node, epoch] of drained) {
    assert.equal(times[node], at);
    assert.equal(epoch, node + 1);
  }
});
