/**
 * Tests of `src/domain/trace.ts`: trace lines written in a stable key order, and a trace's length.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  serializeTrace,
  serializeTraceLine,
  type Trace,
  traceDuration,
} from "../../src/domain/trace.ts";
import { parseTrace } from "../../src/domain/trace_reader.ts";

const EXAMPLE: Trace = {
  fleet: {
    kind: "fleet",
    flavors: { "bm.small": 120, "bm.large": 40 },
    images: ["Ubuntu 24.04", "Debian 12"],
    duration_minutes: 10080,
  },
  events: [
    { t: 0, kind: "deploy", id: "i-1", flavor: "bm.small", image: "Ubuntu 24.04" },
    { t: 95.5, kind: "delete", id: "i-1" },
    { t: 300, kind: "image_update", image: "Debian 12" },
  ],
};

Deno.test("serializeTraceLine() writes the keys in the documented order whatever the object's order", () => {
  assert.equal(
    serializeTraceLine({ image: "U", flavor: "s", id: "i-1", kind: "deploy", t: 1.5 }),
    '{"t":1.5,"kind":"deploy","id":"i-1","flavor":"s","image":"U"}',
  );
  assert.equal(
    serializeTraceLine({ id: "i-1", kind: "delete", t: 2 }),
    '{"t":2,"kind":"delete","id":"i-1"}',
  );
  assert.equal(
    serializeTraceLine({ image: "U", kind: "image_update", t: 3 }),
    '{"t":3,"kind":"image_update","image":"U"}',
  );
  assert.equal(
    serializeTraceLine({ duration_minutes: 60, images: ["U"], flavors: { s: 1 }, kind: "fleet" }),
    '{"kind":"fleet","flavors":{"s":1},"images":["U"],"duration_minutes":60}',
  );
  assert.equal(
    serializeTraceLine({ kind: "fleet", flavors: { s: 1 }, images: ["U"] }),
    '{"kind":"fleet","flavors":{"s":1},"images":["U"]}',
  );
});

Deno.test("serializeTraceLine() leaves out fields a line's kind does not have", () => {
  const extra = { t: 2, kind: "delete", id: "i-1", flavor: "s" } as const;
  assert.equal(serializeTraceLine(extra), '{"t":2,"kind":"delete","id":"i-1"}');
});

Deno.test("serializeTrace() gives text that parseTrace() reads back as the same trace", () => {
  const text = serializeTrace(EXAMPLE);
  assert.ok(text.endsWith("\n"));
  assert.equal(text.split("\n").length, 5);
  const parsed = parseTrace(text);
  if (!parsed.ok) assert.fail(parsed.problems.join("\n"));
  assert.deepEqual(parsed.trace, EXAMPLE);
});

Deno.test("traceDuration() is duration_minutes when given, else the last event's t, else 0", () => {
  assert.equal(traceDuration(EXAMPLE), 10080);
  const { duration_minutes: _, ...fleet } = EXAMPLE.fleet;
  assert.equal(traceDuration({ fleet, events: EXAMPLE.events }), 300);
  assert.equal(traceDuration({ fleet, events: [] }), 0);
});
