import assert from "node:assert/strict";
import { type SimulatorInput, simulatorSection } from "../../../src/scout/simulator/config.ts";
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

type Deploy = Extract<TraceEvent, { kind: "deploy" }>;

/** The deploys of the workload `input` describes, up to `hours` (the instances at start left out). */
function deploys(input: SimulatorInput, hours: number): Deploy[] {
  const workload = syntheticWorkload(simulatorSection.parse(input));
  const out: Deploy[] = [];
  while (workload.peek() <= hours * 60) {
    const event = workload.next();
    if (event.kind === "deploy" && event.t > 0) out.push(event);
  }
  return out;
}

/** How many of `items` each key has, most first. */
function tally<T>(items: readonly T[], key: (item: T) => string): [string, number][] {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** Every knob of realism on, strongly. */
const REALISTIC: SimulatorInput = {
  nodes: 300,
  images: 8,
  seed: 5,
  instance_minutes: 240,
  image_skew: 1.4,
  image_mix: "per_flavor",
  flavor_skew: 1,
  daily_amplitude: 0.7,
  peak_hour: 15,
  bursts_per_day: 6,
  burst_size: 30,
  burst_minutes: 10,
  drift_per_day: 4,
  image_refresh_minutes: 600,
};

Deno.test("syntheticWorkload() keeps time order, deletes after deploys and its seed with every knob on", () => {
  const workload = syntheticWorkload(simulatorSection.parse(REALISTIC));
  const deployed = new Set<string>();
  let last = 0;
  let count = 0;
  while (workload.peek() <= 3 * 24 * 60) {
    const event = workload.next();
    assert.ok(event.t >= last, `event at ${event.t} after ${last}`);
    last = event.t;
    count++;
    if (event.kind === "deploy") assert.ok(!deployed.has(event.id) && deployed.add(event.id));
    if (event.kind === "delete") assert.ok(deployed.delete(event.id), `${event.id} deleted once`);
  }
  assert.ok(count > 3000, `${count} events`);
  assert.deepEqual(deploys(REALISTIC, 24), deploys(REALISTIC, 24));
  assert.notDeepEqual(deploys(REALISTIC, 24), deploys({ ...REALISTIC, seed: 6 }, 24));
});

Deno.test("syntheticWorkload() gives times in thousandths of a minute, so its trace replays it exactly", () => {
  for (const event of deploys(REALISTIC, 12)) {
    assert.equal(Math.round(event.t * 1000) / 1000, event.t);
  }
});

Deno.test("syntheticWorkload() skews images by image_skew: uniform at 0, the first most at 2", () => {
  const base = { nodes: 400, images: 5, instance_minutes: 60 };
  const uniform = tally(deploys({ ...base, image_skew: 0 }, 48), (d) => d.image);
  const share = (counts: [string, number][], i: number) =>
    counts[i][1] / counts.reduce((sum, [, n]) => sum + n, 0);
  assert.ok(share(uniform, 0) < 0.23 && share(uniform, 4) > 0.17, JSON.stringify(uniform));
  const skewed = tally(deploys({ ...base, image_skew: 2 }, 48), (d) => d.image);
  assert.equal(skewed[0][0], "Ubuntu 24.04");
  assert.ok(share(skewed, 0) > 0.6, JSON.stringify(skewed));
});

Deno.test("syntheticWorkload() gives each flavor its own image mix with image_mix = per_flavor", () => {
  const base = { nodes: 400, images: 8, flavors: 4, instance_minutes: 60, image_skew: 1.5 };
  const top = (mix: "shared" | "per_flavor") => {
    const all = deploys({ ...base, image_mix: mix }, 48);
    return ["small", "medium", "large", "xlarge"].map((size) =>
      tally(all.filter((d) => d.flavor === `baremetal-${size}`), (d) => d.image)[0][0]
    );
  };
  assert.deepEqual(new Set(top("shared")), new Set(["Ubuntu 24.04"]));
  assert.ok(new Set(top("per_flavor")).size >= 3, JSON.stringify(top("per_flavor")));
});

Deno.test("syntheticWorkload() deploys more often per node on the first flavors with flavor_skew, each flavor as deployed", () => {
  const input = { nodes: 400, flavors: 2, instance_minutes: 120, flavor_skew: 1 };
  const counts = Object.fromEntries(tally(deploys(input, 72), (d) => d.flavor));
  const ratio = counts["baremetal-small"] / counts["baremetal-medium"];
  assert.ok(ratio > 1.7 && ratio < 2.3, `small/medium deploys ${ratio}`);
  const even = Object.fromEntries(
    tally(deploys({ ...input, flavor_skew: 0 }, 72), (d) => d.flavor),
  );
  const evenRatio = even["baremetal-small"] / even["baremetal-medium"];
  assert.ok(evenRatio > 0.85 && evenRatio < 1.15, `small/medium deploys ${evenRatio}`);
  // Shorter lives where deploys are more frequent: each flavor stays about half deployed.
  const workload = syntheticWorkload(simulatorSection.parse(input));
  const running = new Map<string, string>();
  while (workload.peek() <= 72 * 60) {
    const event = workload.next();
    if (event.kind === "deploy") running.set(event.id, event.flavor);
    if (event.kind === "delete") running.delete(event.id);
  }
  const byFlavor = tally([...running.values()], (f) => f);
  for (const [flavor, n] of byFlavor) assert.ok(n > 70 && n < 130, `${flavor}: ${n} running`);
});

Deno.test("syntheticWorkload() follows the day with daily_amplitude, busiest at peak_hour", () => {
  const all = deploys(
    { nodes: 400, instance_minutes: 60, daily_amplitude: 0.8, peak_hour: 15 },
    96,
  );
  const hour = (d: Deploy) => Math.floor(d.t / 60) % 24;
  const around = (h: number) => all.filter((d) => Math.abs(hour(d) - h) <= 1).length;
  assert.ok(around(15) > 4 * around(3), `peak ${around(15)}, trough ${around(3)}`);
  const flat = deploys({ nodes: 400, instance_minutes: 60 }, 96);
  const flatAround = (h: number) => flat.filter((d) => Math.abs(hour(d) - h) <= 1).length;
  assert.ok(flatAround(15) < 1.3 * flatAround(3), `${flatAround(15)} vs ${flatAround(3)}`);
});

/** Windows of `minutes` holding at least `least` deploys of one image on one flavor. */
function bursts(all: readonly Deploy[], minutes: number, least: number): number {
  let found = 0;
  let until = -Infinity;
  for (let i = 0; i < all.length; i++) {
    if (all[i].t < until) continue;
    const { flavor, image, t } = all[i];
    const same = all.filter((d) =>
      d.t >= t && d.t < t + minutes && d.flavor === flavor && d.image === image
    );
    if (same.length >= least) {
      found++;
      until = t + minutes;
    }
  }
  return found;
}

Deno.test("syntheticWorkload() adds bursts of one image on one flavor at bursts_per_day", () => {
  const base = { nodes: 400, images: 6, instance_minutes: 600, image_skew: 0 };
  const calm = deploys(base, 48);
  assert.equal(bursts(calm, 5, 15), 0);
  const bursty = deploys({ ...base, bursts_per_day: 10, burst_size: 30, burst_minutes: 5 }, 48);
  const found = bursts(bursty, 5, 15);
  assert.ok(found >= 10 && found <= 30, `${found} bursts in two days at 10 a day`);
});

Deno.test("syntheticWorkload() lets popularity drift with drift_per_day, and not without", () => {
  const base = { nodes: 400, images: 6, flavors: 1, instance_minutes: 120, image_skew: 1.5 };
  const ranking = (input: SimulatorInput, day: number) =>
    tally(deploys(input, 24 * (day + 1)).filter((d) => d.t >= day * 24 * 60), (d) => d.image)
      .map(([image]) => image).slice(0, 3);
  assert.deepEqual(ranking(base, 0), ranking(base, 6));
  const drifting = { ...base, drift_per_day: 4 };
  assert.notDeepEqual(ranking(drifting, 0), ranking(drifting, 6));
});

Deno.test("syntheticWorkload() generates a week of 2,000 nodes and 20,000 deploys in under half a second", () => {
  const input: SimulatorInput = {
    ...REALISTIC,
    nodes: 2000,
    images: 20,
    instance_minutes: 504,
    deployed_share: 0.5,
  };
  const started = performance.now();
  const all = deploys(input, 168);
  const elapsed = performance.now() - started;
  assert.ok(all.length > 18_000 && all.length < 24_000, `${all.length} deploys`);
  assert.ok(elapsed < 500, `${elapsed.toFixed(0)} ms`);
});

Deno.test("syntheticWorkload() keeps the steady deploys as they were when bursts are turned on", () => {
  const base = { nodes: 300, images: 8, instance_minutes: 240, image_mix: "per_flavor" as const };
  const key = (d: Deploy) => `${d.t} ${d.flavor} ${d.image}`;
  const calm = deploys(base, 24).map(key);
  const bursty = new Set(deploys({ ...base, bursts_per_day: 12 }, 24).map(key));
  assert.ok(bursty.size > calm.length + 100, `${bursty.size} deploys with bursts, ${calm.length}`);
  assert.deepEqual(calm.filter((k) => !bursty.has(k)), []);
});

Deno.test("syntheticWorkload() with no deploys, updates or bursts has no next event", () => {
  const workload = syntheticWorkload(simulatorSection.parse({
    nodes: 10,
    deployed_share: 0,
    deploys_per_minute: 0,
    image_refresh_minutes: 0,
  }));
  assert.equal(workload.peek(), Infinity);
});
