/**
 * For tests of metrics: a fresh registry, and its exposition read back sample by sample.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { CycleRecord } from "../src/director/record.ts";
import { Metrics } from "../src/runtime/metrics.ts";

/** When test cycles start: a fixed timestamp. */
export const T0 = 1_700_000_000_000;

/** A registry of its own, with build info for `scout`; groups register on its `registry`. */
export function testMetrics(scout = "simulator"): Metrics {
  return new Metrics({
    version: "0.1.0",
    strategy: { name: "simple_proportional", version: "1.2.0" },
    scout,
  });
}

/** One sample line of the exposition. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const ESCAPES: Record<string, string> = { "\\\\": "\\", '\\"': '"', "\\n": "\n" };

/** The sample lines of a text exposition (comments and blank lines skipped). */
export function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, raw] of (match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[name] = raw.replace(/\\[\\"n]/g, (escape) => ESCAPES[escape]);
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The label sets of every sample named `name`. */
export function series(samples: readonly Sample[], name: string): Record<string, string>[] {
  return samples.filter((s) => s.name === name).map((s) => ({ ...s.labels }));
}

/** The value of the sample with exactly these labels, or undefined. */
export function value(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  return samples.find((s) =>
    s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === wanted
  )?.value;
}

/** A successful scheduled cycle that took 250 ms and did nothing, unless `fields` say otherwise. */
export function cycleRecord(fields: Partial<CycleRecord> = {}): CycleRecord {
  return {
    startedAt: T0,
    finishedAt: T0 + 250,
    outcome: "success",
    trigger: "schedule",
    strategy: { name: "simple_proportional", version: "1.2.0" },
    seed: 1,
    dryRun: false,
    directives: [],
    flavors: [],
    images: [],
    ...fields,
  };
}

/** The samples `metrics` renders now. */
export async function scrape(metrics: { render(): Promise<string> }): Promise<Sample[]> {
  return parse(await metrics.render());
}
