/**
 * Tests of `src/domain/trace_reader.ts`: reading and validating deploy traces, line by line.
 *
 * @module
 */
import assert from "node:assert/strict";
import { MAX_LISTED_PROBLEMS, parseTrace, TraceReader } from "../../src/domain/trace_reader.ts";
import type { Trace } from "../../src/domain/trace.ts";
import { EXAMPLE_TRACE, EXAMPLE_TRACE_TEXT } from "../_fixtures/trace.ts";

const FLEET = '{"kind":"fleet","flavors":{"s":2,"l":1},"images":["U","D"],"duration_minutes":100}';

function parseOk(text: string): Trace {
  const result = parseTrace(text);
  if (!result.ok) assert.fail(`expected a valid trace, got:\n${result.problems.join("\n")}`);
  return result.trace;
}

/** The problems of a trace made of `FLEET` then `lines`. */
function problemsOf(...lines: string[]): string[] {
  const result = parseTrace([FLEET, ...lines].join("\n"));
  if (result.ok) assert.fail("expected the trace to be rejected");
  return result.problems;
}

Deno.test("parseTrace() reads the issue's example", () => {
  assert.deepEqual(parseOk(EXAMPLE_TRACE_TEXT), EXAMPLE_TRACE);
});

Deno.test("parseTrace() skips blank lines, reads CRLF, ignores unknown fields and allows an id again once deleted", () => {
  const trace = parseOk(
    "\n" + FLEET.replace('"kind"', '"note":"x","kind"') + "\r\n\r\n" +
      '{"t":1,"kind":"deploy","id":"a","flavor":"s","image":"U","node":"n1"}\r\n  \n' +
      '{"t":1,"kind":"delete","id":"a"}\n{"t":2,"kind":"deploy","id":"a","flavor":"l","image":"D"}',
  );
  assert.deepEqual(trace.fleet, {
    kind: "fleet",
    flavors: { s: 2, l: 1 },
    images: ["U", "D"],
    duration_minutes: 100,
  });
  assert.deepEqual(trace.events, [
    { t: 1, kind: "deploy", id: "a", flavor: "s", image: "U" },
    { t: 1, kind: "delete", id: "a" },
    { t: 2, kind: "deploy", id: "a", flavor: "l", image: "D" },
  ]);
});

Deno.test("parseTrace() accepts a fleet line without duration_minutes and a trace of no events", () => {
  const trace = parseOk('{"kind":"fleet","flavors":{"s":1},"images":["U"]}');
  assert.deepEqual(trace, {
    fleet: { kind: "fleet", flavors: { s: 1 }, images: ["U"] },
    events: [],
  });
});

Deno.test("parseTrace() refuses an empty trace and a first line that is not the fleet line", () => {
  for (const text of ["", "\n  \n"]) {
    const result = parseTrace(text);
    assert.deepEqual(result.ok ? [] : result.problems, [
      'line 1: expected the fleet line, {"kind":"fleet",...} (got an empty trace)',
    ]);
  }
  const result = parseTrace('\n{"t":0,"kind":"delete","id":"a"}');
  assert.deepEqual(result.ok ? [] : result.problems, [
    'line 2: kind: expected "fleet": the fleet line comes first (got "delete")',
  ]);
});

Deno.test("parseTrace() names every problem of an invalid fleet line", () => {
  const bad = (line: string) => {
    const result = parseTrace(line);
    return result.ok ? [] : result.problems;
  };
  assert.deepEqual(bad("[1]"), ["line 1: expected a JSON object (got [1])"]);
  assert.deepEqual(bad('{"kind":"fleet"}'), [
    "line 1: flavors: expected an object of flavor names to node counts (missing)",
    "line 1: images: expected a non-empty list of image names (missing)",
  ]);
  assert.deepEqual(
    bad(
      '{"kind":"fleet","flavors":{"s":0,"m":1.5,"":2,"l":"3"},"images":["U",3,"","U"],"duration_minutes":-1}',
    ),
    [
      'line 1: flavors["s"]: expected a positive integer node count (got 0)',
      'line 1: flavors["m"]: expected a positive integer node count (got 1.5)',
      'line 1: flavors[""]: expected a non-empty flavor name',
      'line 1: flavors["l"]: expected a positive integer node count (got "3")',
      "line 1: images[1]: expected a non-empty image name (got 3)",
      'line 1: images[2]: expected a non-empty image name (got "")',
      'line 1: images[3]: expected a name not listed before, duplicate of images[0] (got "U")',
      "line 1: duration_minutes: expected a positive number of minutes (got -1)",
    ],
  );
  assert.deepEqual(bad('{"kind":"fleet","flavors":{},"images":[]}'), [
    "line 1: flavors: expected at least one flavor (got {})",
    "line 1: images: expected a non-empty list of image names (got [])",
  ]);
});

Deno.test("parseTrace() names the line, field and expectation of every invalid event", () => {
  assert.deepEqual(
    problemsOf(
      "{not json",
      '"deploy"',
      '{"t":1,"kind":"boot","id":"a"}',
      '{"t":1,"kind":"fleet","flavors":{"s":1},"images":["U"]}',
      '{"kind":"image_update","image":"U"}',
      '{"t":-1,"kind":"image_update","image":"U"}',
      '{"t":"5","kind":"image_update","image":"U"}',
      '{"t":101,"kind":"image_update","image":"U"}',
    ),
    [
      "line 2: not valid JSON: " + jsonError("{not json"),
      'line 3: expected a JSON object (got "deploy")',
      'line 4: kind: expected "deploy", "delete" or "image_update" (got "boot")',
      'line 5: kind: expected "deploy", "delete" or "image_update": the fleet line comes first only (got "fleet")',
      "line 6: t: expected a number of minutes from the start (missing)",
      "line 7: t: expected a number of minutes from the start, at least 0 (got -1)",
      'line 8: t: expected a number of minutes from the start (got "5")',
      "line 9: t: expected at most 100, the fleet line's duration_minutes (got 101)",
    ],
  );
});

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (e) {
    return (e as SyntaxError).message;
  }
  return "";
}

Deno.test("parseTrace() refuses events out of time order, naming the previous event's line", () => {
  assert.deepEqual(
    problemsOf(
      '{"t":5,"kind":"image_update","image":"U"}',
      "",
      '{"t":4.5,"kind":"image_update","image":"U"}',
      '{"t":4.5,"kind":"image_update","image":"U"}',
    ),
    ["line 4: t: expected at least 5, the t of line 2: events come in time order (got 4.5)"],
  );
});

Deno.test("parseTrace() refuses flavors and images the fleet line does not list", () => {
  assert.deepEqual(
    problemsOf(
      '{"t":1,"kind":"deploy","id":"a","flavor":"xl","image":"F"}',
      '{"t":1,"kind":"deploy","id":"b"}',
      '{"t":1,"kind":"image_update","image":"F"}',
      '{"t":1,"kind":"image_update"}',
    ),
    [
      'line 2: flavor: expected a flavor of the fleet line: "s", "l" (got "xl")',
      'line 2: image: expected an image of the fleet line: "U", "D" (got "F")',
      'line 3: flavor: expected a flavor of the fleet line: "s", "l" (missing)',
      'line 3: image: expected an image of the fleet line: "U", "D" (missing)',
      'line 4: image: expected an image of the fleet line: "U", "D" (got "F")',
      'line 5: image: expected an image of the fleet line: "U", "D" (missing)',
    ],
  );
});

Deno.test("parseTrace() refuses a deploy of a live id and a delete of an id not deployed", () => {
  assert.deepEqual(
    problemsOf(
      '{"t":1,"kind":"deploy","id":"a","flavor":"s","image":"U"}',
      '{"t":2,"kind":"deploy","id":"a","flavor":"s","image":"U"}',
      '{"t":3,"kind":"delete","id":"b"}',
      '{"t":4,"kind":"delete","id":"a"}',
      '{"t":5,"kind":"delete","id":"a"}',
      '{"t":6,"kind":"delete","id":""}',
      '{"t":6,"kind":"deploy","flavor":"s","image":"U"}',
    ),
    [
      'line 3: id: expected an id not deployed now (got "a", deployed at line 2 and not deleted)',
      'line 4: id: expected the id of a deployed instance (got "b", never deployed)',
      'line 6: id: expected the id of a deployed instance (got "a", deleted at line 5)',
      'line 7: id: expected a non-empty instance id (got "")',
      "line 8: id: expected a non-empty instance id (missing)",
    ],
  );
});

Deno.test("parseTrace() lists the first problems and counts the rest", () => {
  const lines = Array.from({ length: MAX_LISTED_PROBLEMS + 1234 }, () => "[]");
  const problems = problemsOf(...lines);
  assert.equal(problems.length, MAX_LISTED_PROBLEMS + 1);
  assert.equal(problems[0], "line 2: expected a JSON object (got [])");
  assert.equal(problems.at(-1), "... and 1,234 more");
});

Deno.test("TraceReader.read() hands back each valid line as it reads, and result() the whole trace", () => {
  const reader = new TraceReader();
  assert.deepEqual(reader.read(FLEET), {
    kind: "fleet",
    flavors: { s: 2, l: 1 },
    images: ["U", "D"],
    duration_minutes: 100,
  });
  assert.equal(reader.read(""), undefined);
  assert.deepEqual(reader.read('{"t":1,"kind":"delete","id":"z"}'), undefined);
  assert.deepEqual(reader.read('{"t":2,"kind":"image_update","image":"D"}'), {
    t: 2,
    kind: "image_update",
    image: "D",
  });
  const result = reader.result();
  assert.deepEqual(result.ok ? [] : result.problems, [
    'line 3: id: expected the id of a deployed instance (got "z", never deployed)',
  ]);
});

Deno.test("parseTrace() reads 100,000 events in linear time", () => {
  const timeOf = (events: number) => {
    const text = bigTrace(events);
    const start = performance.now();
    const result = parseTrace(text);
    const elapsed = performance.now() - start;
    assert.ok(result.ok && result.trace.events.length === events);
    return elapsed;
  };
  timeOf(10_000);
  const small = Math.min(timeOf(10_000), timeOf(10_000));
  const big = Math.min(timeOf(100_000), timeOf(100_000));
  // Quadratic would be 100× the small trace's time; linear is 10×, with room for a shared machine.
  assert.ok(big < small * 30 + 50, `10k events: ${small} ms, 100k events: ${big} ms`);
  assert.ok(big < 1000, `100k events: ${big} ms`);
});

/** A trace of `events` events: deploys, each deleted 50 events later, and some image updates. */
function bigTrace(events: number): string {
  const lines = [FLEET.replace(',"duration_minutes":100', "")];
  for (let i = 0; i < events; i++) {
    const t = i / 10;
    if (i % 100 === 99) lines.push(`{"t":${t},"kind":"image_update","image":"D"}`);
    else if (i % 2 === 0) {
      lines.push(`{"t":${t},"kind":"deploy","id":"i-${i}","flavor":"s","image":"U"}`);
    } else lines.push(`{"t":${t},"kind":"delete","id":"i-${i - 1}"}`);
  }
  return lines.join("\n");
}
