/**
 * Tests of `src/domain/trace.ts`: trace lines written in a stable key order, and a trace's length.
 *
 * @module
 */
import assert from "node:assert/strict";
import { serializeTrace, serializeTraceLine, traceDuration } from "../../src/domain/trace.ts";
import { parseTrace } from "../../src/domain/trace_reader.ts";
import { EXAMPLE_TRACE } from "../_fixtures/trace.ts";

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
  const text = serializeTrace(EXAMPLE_TRACE);
  assert.ok(text.endsWith("\n"));
  assert.equal(text.split("\n").length, 5);
  const parsed = parseTrace(text);
  if (!parsed.ok) assert.fail(parsed.problems.join("\n"));
  assert.deepEqual(parsed.trace, EXAMPLE_TRACE);
});

Deno.test("traceDuration() is duration_minutes when given, else the last event's t, else 0", () => {
  assert.equal(traceDuration(EXAMPLE_TRACE), 10080);
  const { duration_minutes: _, ...fleet } = EXAMPLE_TRACE.fleet;
  assert.equal(traceDuration({ fleet, events: EXAMPLE_TRACE.events }), 300);
  assert.equal(traceDuration({ fleet, events: [] }), 0);
});
