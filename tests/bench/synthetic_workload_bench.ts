/**
 * Generating synthetic tenants stays cheap: a week of a 2,000-node fleet with about 20,000
 * deploys, every realism knob on, as events and as the trace `arsenal trace` writes.
 */
import { serializeTraceLine } from "../../src/domain/trace.ts";
import { simulatorSection } from "../../src/scout/simulator/config.ts";
import { syntheticWorkload } from "../../src/scout/simulator/synthetic_workload.ts";

const WEEK = 168 * 60;
const OPTIONS = simulatorSection.parse({
  nodes: 2000,
  flavors: 6,
  images: 20,
  instance_minutes: 504,
  image_skew: 1.2,
  image_mix: "per_flavor",
  flavor_skew: 0.7,
  daily_amplitude: 0.6,
  bursts_per_day: 4,
  drift_per_day: 8,
  image_refresh_minutes: 240,
});

/** Plays the week; returns the number of deploys after the start. */
function week(write: boolean): number {
  const workload = syntheticWorkload(OPTIONS);
  let deploys = 0;
  let bytes = 0;
  while (workload.peek() <= WEEK) {
    const event = workload.next();
    if (event.kind === "deploy" && event.t > 0) deploys++;
    if (write) bytes += serializeTraceLine(event).length;
  }
  if (deploys < 18_000 || (write && bytes === 0)) throw new Error(`${deploys} deploys`);
  return deploys;
}

Deno.bench({
  name: `syntheticWorkload, a week of 2,000 nodes (${week(false).toLocaleString("en")} deploys)`,
  n: 10,
  warmup: 2,
  fn: () => void week(false),
});

Deno.bench({
  name: "syntheticWorkload, the same week serialized as a trace",
  n: 10,
  warmup: 2,
  fn: () => void week(true),
});
