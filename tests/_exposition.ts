/**
 * Reads a Prometheus text exposition back sample by sample, for tests of metrics.
 *
 * @module
 */
import assert from "node:assert/strict";

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

/** The samples `metrics` renders now. */
export async function scrape(metrics: { render(): Promise<string> }): Promise<Sample[]> {
  return parse(await metrics.render());
}
