import assert from "node:assert/strict";
import type { Trace } from "../../../src/domain/trace.ts";
import { traceWorkload } from "../../../src/scout/simulator/trace_workload.ts";

const trace: Trace = {
  fleet: { kind: "fleet", flavors: { "bm.small": 2 }, images: ["A"] },
  events: [
    { t: 0, kind: "deploy", id: "i-1", flavor: "bm.small", image: "A" },
    { t: 5, kind: "image_update", image: "A" },
    { t: 9.5, kind: "delete", id: "i-1" },
  ],
};

Deno.test("traceWorkload() plays the trace's fleet and events in order, then none", () => {
  const workload = traceWorkload(trace);
  assert.equal(workload.fleet, trace.fleet);
  const played = [];
  while (workload.peek() !== Infinity) {
    const t = workload.peek();
    const event = workload.next();
    assert.equal(event.t, t);
    played.push(event);
  }
  assert.deepEqual(played, trace.events);
});
