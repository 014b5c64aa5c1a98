import assert from "node:assert/strict";
import { simulatorSection } from "../../../src/scout/simulator/config.ts";
import { syntheticWorkload } from "../../../src/scout/simulator/synthetic_workload.ts";
import type { TraceEvent } from "../../../src/domain/trace.ts";

function take(seed: number, count: number): TraceEvent[] {
  const workload = syntheticWorkload(simulatorSection.parse({ nodes: 40, seed }));
  return Array.from({ length: count }, () => workload.next());
}

Deno.test("syntheticWorkload() lists the fleet: nodes spread evenly over the flavors", () => {
  const { fleet } = syntheticWorkload(simulatorSection.parse({ nodes: 10, flavors: 4 }));
  assert.deepEqual(Object.values(fleet.flavors), [3, 3, 2, 2]);
  assert.equal(fleet.images.length, 6);
});

Deno.test("syntheticWorkload() plays events in time order, each delete after its deploy", () => {
  const events = take(3, 500);
  const deployed = new Set<string>();
  let last = 0;
  for (const event of events) {
    assert.ok(event.t >= last, `event at ${event.t} after ${last}`);
    last = event.t;
    if (event.kind === "deploy") deployed.add(event.id);
    if (event.kind === "delete") assert.ok(deployed.delete(event.id), `${event.id} deleted once`);
  }
  assert.ok(events.some((e) => e.kind === "delete"));
  assert.ok(events.some((e) => e.kind === "image_update"));
});

Deno.test("syntheticWorkload() starts with the running instances as deploys at minute 0", () => {
  const events = take(1, 40);
  const atStart = events.filter((e) => e.t === 0);
  assert.ok(atStart.length > 10 && atStart.every((e) => e.kind === "deploy"));
});

Deno.test("syntheticWorkload() plays the same events for the same seed, others for another", () => {
  assert.deepEqual(take(7, 300), take(7, 300));
  assert.notDeepEqual(take(7, 300), take(8, 300));
});
