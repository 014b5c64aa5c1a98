/**
 * Tests of `src/domain/snapshot.ts`: decoding and validating recorded fleet snapshots.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  decodeSnapshot,
  formatPath,
  MAX_LISTED_PROBLEMS,
  snapshotFleet,
} from "../../src/domain/snapshot.ts";
import type { FleetState } from "../../src/domain/fleet.ts";
import { fleet, image, node } from "../_helpers.ts";

/** A snapshot's JSON object, before any change a test makes to it. */
function validRaw(): Record<string, unknown> {
  return {
    observedAt: 1700000000000,
    nodes: [
      { uuid: "n1", flavor: "small", provisioned: false, cached: false, cachedImageUuid: "" },
      { uuid: "n2", flavor: "small", provisioned: true, cached: false, cachedImageUuid: "" },
      { uuid: "n3", flavor: "large", provisioned: false, cached: true, cachedImageUuid: "i1" },
    ],
    flavors: [{ name: "small" }, { name: "large" }],
    images: [
      { uuid: "i1", name: "Ubuntu", checksum: "abc" },
      { uuid: "i2", name: "Debian", checksum: "def" },
    ],
  };
}

/** Decodes `raw` as JSON and returns the fleet; fails the test when decoding fails. */
function decodeOk(raw: unknown): FleetState {
  const result = decodeSnapshot(JSON.stringify(raw));
  if (!result.ok) assert.fail(`expected a valid snapshot, got problems:\n${result.problems}`);
  return result.fleet;
}

/** Decodes `raw` (JSON text or a value to stringify) and returns the problems. */
function decodeProblems(raw: unknown): string[] {
  const result = decodeSnapshot(typeof raw === "string" ? raw : JSON.stringify(raw));
  if (result.ok) assert.fail("expected the snapshot to be rejected");
  return result.problems;
}

Deno.test("decodeSnapshot returns the fleet state of a valid snapshot", () => {
  assert.deepEqual(decodeOk(validRaw()), {
    observedAt: 1700000000000,
    nodes: [
      node("n1", "small"),
      node("n2", "small", { provisioned: true }),
      node("n3", "large", { cached: true, cachedImageUuid: "i1" }),
    ],
    flavors: [{ name: "small" }, { name: "large" }],
    images: [
      { uuid: "i1", name: "Ubuntu", checksum: "abc" },
      { uuid: "i2", name: "Debian", checksum: "def" },
    ],
  });
});

Deno.test("decodeSnapshot decodes the example of its own documentation", () => {
  const json = `{"nodes":[{"uuid":"n1","flavor":"small","provisioned":false,"cached":false,` +
    `"cachedImageUuid":""}],"flavors":[{"name":"small"}],` +
    `"images":[{"uuid":"i1","name":"Ubuntu","checksum":"abc"}]}`;
  const result = decodeSnapshot(json);
  assert.ok(result.ok);
  assert.deepEqual(
    result.fleet,
    fleet([node("n1", "small")], [{ uuid: "i1", name: "Ubuntu", checksum: "abc" }]),
  );
});

Deno.test("decodeSnapshot accepts an empty fleet", () => {
  assert.deepEqual(decodeOk({ nodes: [], flavors: [], images: [] }), fleet([], []));
});

Deno.test("decodeSnapshot turns a null or missing cachedImageUuid into the empty string", () => {
  const raw = validRaw();
  raw.nodes = [
    { uuid: "n1", flavor: "small", provisioned: false, cached: false, cachedImageUuid: null },
    { uuid: "n2", flavor: "small", provisioned: false, cached: false },
  ];
  const decoded = decodeOk(raw);
  assert.deepEqual(decoded.nodes.map((n) => n.cachedImageUuid), ["", ""]);
  assert.deepEqual(decoded.nodes, [node("n1", "small"), node("n2", "small")]);
});

Deno.test("decodeSnapshot turns a null or missing image checksum into the empty string", () => {
  const raw = validRaw();
  raw.images = [{ uuid: "i1", name: "Ubuntu", checksum: null }, { uuid: "i2", name: "Debian" }];
  assert.deepEqual(decodeOk(raw).images, [
    { uuid: "i1", name: "Ubuntu", checksum: "" },
    { uuid: "i2", name: "Debian", checksum: "" },
  ]);
});

Deno.test("decodeSnapshot defaults observedAt to 0 when it is missing", () => {
  const raw = validRaw();
  delete raw.observedAt;
  assert.equal(decodeOk(raw).observedAt, 0);
});

Deno.test("decodeSnapshot keeps an observedAt that is given", () => {
  const raw = validRaw();
  raw.observedAt = 42.5;
  assert.equal(decodeOk(raw).observedAt, 42.5);
});

Deno.test("decodeSnapshot drops fields it does not know", () => {
  const raw = validRaw();
  raw.comment = "recorded by hand";
  raw.nodes = [{ ...node("n1", "small"), maintenance: true }];
  raw.images = [{ ...image("i1"), visibility: "public" }];
  const decoded = decodeOk(raw);
  assert.deepEqual(decoded.nodes, [node("n1", "small")]);
  assert.deepEqual(decoded.images, [image("i1")]);
  assert.equal("comment" in decoded, false);
});

Deno.test("decodeSnapshot allows duplicate flavor names", () => {
  const raw = validRaw();
  raw.flavors = [{ name: "small" }, { name: "small" }, { name: "large" }];
  assert.deepEqual(decodeOk(raw).flavors, [{ name: "small" }, { name: "small" }, {
    name: "large",
  }]);
});

Deno.test("decodeSnapshot allows nodes of flavors that are not listed", () => {
  const raw = validRaw();
  raw.flavors = [];
  assert.equal(decodeOk(raw).nodes.length, 3);
});

Deno.test("decodeSnapshot reports text that is not JSON as one problem", () => {
  for (const text of ["", "{", "nodes: []", "{'nodes': []}", '{"nodes": [],}']) {
    const problems = decodeProblems(text);
    assert.equal(problems.length, 1, `for ${JSON.stringify(text)}: ${problems}`);
    assert.match(problems[0], /^not valid JSON: \S/, `for ${JSON.stringify(text)}`);
  }
});

Deno.test("decodeSnapshot reports a top level that is not an object at '(top level)'", () => {
  const cases: [string, string][] = [
    ["null", "got null"],
    ["[]", "got []"],
    ['"fleet"', 'got "fleet"'],
    ["3", "got 3"],
  ];
  for (const [text, got] of cases) {
    const problems = decodeProblems(text);
    assert.equal(problems.length, 1, `for ${text}: ${problems}`);
    assert.match(problems[0], /^\(top level\): /, `for ${text}`);
    assert.ok(problems[0].endsWith(`(${got})`), `for ${text}: ${problems[0]}`);
  }
});

Deno.test("decodeSnapshot names each missing list as missing", () => {
  const problems = decodeProblems({});
  assert.equal(problems.length, 3, problems.join("\n"));
  for (const [i, list] of ["nodes", "flavors", "images"].entries()) {
    assert.match(problems[i], new RegExp(`^${list}: .*\\(missing\\)$`));
  }
});

Deno.test("decodeSnapshot names the JSON path and the value of a field of the wrong type", () => {
  const raw = validRaw();
  (raw.nodes as Record<string, unknown>[])[1].provisioned = "yes";
  const problems = decodeProblems(raw);
  assert.equal(problems.length, 1, problems.join("\n"));
  assert.match(problems[0], /^nodes\[1\]\.provisioned: /);
  assert.match(problems[0], /boolean/);
  assert.ok(problems[0].endsWith('(got "yes")'), problems[0]);
});

Deno.test("decodeSnapshot reports a missing required field as missing", () => {
  const raw = validRaw();
  delete (raw.nodes as Record<string, unknown>[])[2].cached;
  delete (raw.images as Record<string, unknown>[])[0].name;
  const problems = decodeProblems(raw);
  assert.equal(problems.length, 2, problems.join("\n"));
  assert.match(problems[0], /^nodes\[2\]\.cached: .*\(missing\)$/);
  assert.match(problems[1], /^images\[0\]\.name: .*\(missing\)$/);
});

Deno.test("decodeSnapshot lists every problem in the snapshot, each with its path", () => {
  const problems = decodeProblems({
    observedAt: "yesterday",
    nodes: [
      { uuid: 7, flavor: "small", provisioned: false, cached: false },
      { uuid: "n2", flavor: null, provisioned: false, cached: "no" },
    ],
    flavors: [{ name: "small" }, "large"],
    images: [{ uuid: "i1", name: "Ubuntu", checksum: 5 }],
  });
  const expected: [string, string][] = [
    ["observedAt", '(got "yesterday")'],
    ["nodes[0].uuid", "(got 7)"],
    ["nodes[1].flavor", "(got null)"],
    ["nodes[1].cached", '(got "no")'],
    ["flavors[1]", '(got "large")'],
    ["images[0].checksum", "(got 5)"],
  ];
  assert.equal(problems.length, expected.length, problems.join("\n"));
  for (const [path, got] of expected) {
    const problem = problems.find((p) => p.startsWith(`${path}: `));
    assert.ok(problem, `no problem names ${path}:\n${problems.join("\n")}`);
    assert.ok(problem.endsWith(got), problem);
  }
});

Deno.test("decodeSnapshot rejects an empty node uuid, image uuid or flavor name", () => {
  const raw = validRaw();
  (raw.nodes as Record<string, unknown>[])[0].uuid = "";
  (raw.images as Record<string, unknown>[])[1].uuid = "";
  (raw.flavors as Record<string, unknown>[])[0].name = "";
  const problems = decodeProblems(raw);
  assert.equal(problems.length, 3, problems.join("\n"));
  for (const path of ["nodes[0].uuid", "flavors[0].name", "images[1].uuid"]) {
    const problem = problems.find((p) => p.startsWith(`${path}: `));
    assert.ok(problem, `no problem names ${path}:\n${problems.join("\n")}`);
    assert.match(problem, /non-empty string/);
    assert.ok(problem.endsWith('(got "")'), problem);
  }
});

Deno.test("decodeSnapshot accepts empty image names and flavors of nodes", () => {
  const raw = validRaw();
  (raw.images as Record<string, unknown>[])[0].name = "";
  (raw.nodes as Record<string, unknown>[])[0].flavor = "";
  const decoded = decodeOk(raw);
  assert.equal(decoded.images[0].name, "");
  assert.equal(decoded.nodes[0].flavor, "");
});

Deno.test("decodeSnapshot rejects a non-finite or null observedAt", () => {
  // 1e999 is valid JSON and parses to Infinity.
  const infinite = decodeProblems('{"observedAt":1e999,"nodes":[],"flavors":[],"images":[]}');
  assert.equal(infinite.length, 1, infinite.join("\n"));
  assert.match(infinite[0], /^observedAt: /);
  const isNull = decodeProblems({ observedAt: null, nodes: [], flavors: [], images: [] });
  assert.equal(isNull.length, 1, isNull.join("\n"));
  assert.match(isNull[0], /^observedAt: .*\(got null\)$/);
});

Deno.test("decodeSnapshot does not describe an infinite observedAt as null", () => {
  const problems = decodeProblems('{"observedAt":1e999,"nodes":[],"flavors":[],"images":[]}');
  assert.equal(problems.length, 1, problems.join("\n"));
  assert.doesNotMatch(problems[0], /got null/, problems[0]);
});

Deno.test("decodeSnapshot shortens a long value in a problem to 60 characters", () => {
  const raw = validRaw();
  const long = "x".repeat(200);
  (raw.nodes as Record<string, unknown>[])[0].provisioned = long;
  const [problem] = decodeProblems(raw);
  const got = /\(got (.*)\)$/.exec(problem)?.[1];
  assert.ok(got, problem);
  assert.equal(got.length, 60);
  assert.equal(got, `"${"x".repeat(56)}...`);
});

Deno.test("decodeSnapshot keeps a value of exactly 60 characters whole", () => {
  const raw = validRaw();
  const value = "y".repeat(58); // 60 characters with its quotes
  (raw.nodes as Record<string, unknown>[])[0].provisioned = value;
  const [problem] = decodeProblems(raw);
  assert.ok(problem.endsWith(`(got "${value}")`), problem);
});

Deno.test("decodeSnapshot names both indices of a duplicate node uuid", () => {
  const raw = validRaw();
  (raw.nodes as Record<string, unknown>[])[2].uuid = "n1";
  const problems = decodeProblems(raw);
  assert.equal(problems.length, 1, problems.join("\n"));
  assert.match(problems[0], /^nodes\[2\]\.uuid: /);
  assert.match(problems[0], /duplicate/);
  assert.match(problems[0], /nodes\[0\]\.uuid/);
  assert.match(problems[0], /"n1"/);
});

Deno.test("decodeSnapshot names both indices of a duplicate image uuid", () => {
  const raw = validRaw();
  raw.images = [image("i1"), image("i2"), image("i3"), { ...image("i2"), name: "other" }];
  const problems = decodeProblems(raw);
  assert.equal(problems.length, 1, problems.join("\n"));
  assert.match(problems[0], /^images\[3\]\.uuid: /);
  assert.match(problems[0], /duplicate/);
  assert.match(problems[0], /images\[1\]\.uuid/);
  assert.match(problems[0], /"i2"/);
});

Deno.test("decodeSnapshot reports every duplicate, of nodes and of images", () => {
  const raw = validRaw();
  raw.nodes = ["a", "b", "a", "a", "b"].map((uuid) => node(uuid, "small"));
  raw.images = [image("i1"), image("i1")];
  const problems = decodeProblems(raw);
  assert.equal(problems.length, 4, problems.join("\n"));
  assert.match(problems[0], /^nodes\[2\]\.uuid: .*nodes\[0\]\.uuid/);
  assert.match(problems[1], /^nodes\[3\]\.uuid: .*nodes\[0\]\.uuid/);
  assert.match(problems[2], /^nodes\[4\]\.uuid: .*nodes\[1\]\.uuid/);
  assert.match(problems[3], /^images\[1\]\.uuid: .*images\[0\]\.uuid/);
});

Deno.test("decodeSnapshot allows a node and an image to share a uuid", () => {
  const raw = validRaw();
  raw.nodes = [node("same", "small")];
  raw.images = [image("same")];
  assert.equal(decodeOk(raw).nodes[0].uuid, "same");
});

/** A snapshot with `count` nodes, each with one wrong field. */
function withBadNodes(count: number): unknown {
  return {
    nodes: Array.from({ length: count }, (_, i) => ({ ...node(`n${i}`, "small"), cached: "no" })),
    flavors: [{ name: "small" }],
    images: [],
  };
}

Deno.test("decodeSnapshot lists exactly MAX_LISTED_PROBLEMS problems without a summary", () => {
  const problems = decodeProblems(withBadNodes(MAX_LISTED_PROBLEMS));
  assert.equal(problems.length, MAX_LISTED_PROBLEMS);
  assert.ok(problems.every((p, i) => p.startsWith(`nodes[${i}].cached: `)), problems.join("\n"));
});

Deno.test("decodeSnapshot caps a long list of problems and counts the rest", () => {
  const extra = 7;
  const problems = decodeProblems(withBadNodes(MAX_LISTED_PROBLEMS + extra));
  assert.equal(problems.length, MAX_LISTED_PROBLEMS + 1);
  for (let i = 0; i < MAX_LISTED_PROBLEMS; i++) {
    assert.ok(problems[i].startsWith(`nodes[${i}].cached: `), problems[i]);
  }
  assert.equal(problems.at(-1), `... and ${extra} more`);
});

Deno.test("decodeSnapshot caps a long list of duplicates and counts the rest", () => {
  const count = MAX_LISTED_PROBLEMS + 3;
  const problems = decodeProblems({
    nodes: Array.from({ length: count + 1 }, () => node("same", "small")),
    flavors: [],
    images: [],
  });
  assert.equal(problems.length, MAX_LISTED_PROBLEMS + 1);
  assert.match(problems[0], /^nodes\[1\]\.uuid: .*nodes\[0\]\.uuid/);
  assert.equal(problems.at(-1), "... and 3 more");
});

Deno.test("formatPath renders paths the way jq users read them", () => {
  const cases: [PropertyKey[], string][] = [
    [["nodes", 3, "provisioned"], "nodes[3].provisioned"],
    [["nodes"], "nodes"],
    [["nodes", 0], "nodes[0]"],
    [["observedAt"], "observedAt"],
    [["a", "b", "c"], "a.b.c"],
    [["matrix", 1, 2, "x"], "matrix[1][2].x"],
    [[0], "[0]"],
    [[0, "uuid"], "[0].uuid"],
  ];
  for (const [path, expected] of cases) {
    assert.equal(formatPath(path), expected, `for ${JSON.stringify(path)}`);
  }
});

Deno.test("formatPath names the empty path '(top level)'", () => {
  assert.equal(formatPath([]), "(top level)");
});

Deno.test("decodeSnapshot names each duplicate's first occurrence, and counts those past 20", () => {
  // Every UUID twice, the second copies in another order, plus one image UUID three times.
  const n = 1_000;
  const nodes = Array.from({ length: 2 * n }, (_, i) => ({
    uuid: `n${i < n ? i : 2 * n - 1 - i}`,
    flavor: "small",
    provisioned: false,
    cached: false,
  }));
  const images = ["i1", "i2", "i1", "i1"].map((uuid) => ({ uuid, name: uuid, checksum: "c" }));
  const result = decodeSnapshot(JSON.stringify({ nodes, flavors: [], images }));
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.equal(result.problems.length, 21);
  assert.equal(
    result.problems[0],
    `nodes[${n}].uuid: duplicate of nodes[${n - 1}].uuid ("n${n - 1}")`,
  );
  assert.equal(
    result.problems[19],
    `nodes[${n + 19}].uuid: duplicate of nodes[${n - 20}].uuid ("n${n - 20}")`,
  );
  assert.equal(result.problems[20], `... and ${n + 2 - 20} more`);
  const images2 = decodeSnapshot(JSON.stringify({ nodes: [], flavors: [], images }));
  assert.deepEqual(images2.ok ? [] : images2.problems, [
    'images[2].uuid: duplicate of images[0].uuid ("i1")',
    'images[3].uuid: duplicate of images[0].uuid ("i1")',
  ]);
});

Deno.test("snapshotFleet() returns the given node, flavor and image objects when they hold only known fields", () => {
  const raw = validRaw() as { nodes: object[]; flavors: object[]; images: object[] };
  const result = snapshotFleet(raw);
  assert.ok(result.ok);
  assert.equal(result.fleet.nodes, raw.nodes);
  assert.equal(result.fleet.flavors, raw.flavors);
  assert.equal(result.fleet.images, raw.images);
  raw.nodes.forEach((n, i) => assert.equal(result.fleet.nodes[i], n));
});

Deno.test("snapshotFleet() completes and trims items in fresh objects and leaves its input unchanged", () => {
  const raw = validRaw() as Record<string, Record<string, unknown>[]>;
  raw.nodes[0] = { uuid: "n1", flavor: "small", provisioned: false, cached: false };
  raw.nodes[1] = { ...node("n2", "small"), cachedImageUuid: null };
  raw.nodes[2] = { ...node("n3", "large"), maintenance: true };
  raw.flavors[0] = { name: "small", extra_specs: {} };
  raw.images[0] = { uuid: "i1", name: "Ubuntu" };
  // An own "__proto__" key, as JSON.parse makes it.
  raw.images[1] = JSON.parse('{"uuid":"i2","name":"i2","checksum":"sum-i2","__proto__":{}}');
  const before = structuredClone(raw);
  const result = snapshotFleet(raw);
  assert.ok(result.ok);
  assert.deepEqual(raw, before);
  assert.deepEqual(result.fleet, {
    observedAt: 1700000000000,
    nodes: [node("n1", "small"), node("n2", "small"), node("n3", "large")],
    flavors: [{ name: "small" }, { name: "large" }],
    images: [{ uuid: "i1", name: "Ubuntu", checksum: "" }, image("i2")],
  });
});

/** One value of each JSON kind a field could hold, by how a test shows it; `missing` is none. */
const FIELD_VALUES: Readonly<Record<string, unknown>> = {
  "missing": undefined,
  "null": null,
  '""': "",
  '"x"': "x",
  "0": 0,
  "1.5": 1.5,
  "true": true,
  "false": false,
  "[]": [],
  "{}": {},
};

Deno.test("decodeSnapshot accepts exactly the values each field allows, and names the others", () => {
  const values = FIELD_VALUES;
  const accepts: [list: string, field: string, accepted: string[]][] = [
    ["nodes", "uuid", ['"x"']],
    ["nodes", "flavor", ['""', '"x"']],
    ["nodes", "provisioned", ["true", "false"]],
    ["nodes", "cached", ["true", "false"]],
    ["nodes", "cachedImageUuid", ["missing", "null", '""', '"x"']],
    ["flavors", "name", ['"x"']],
    ["images", "uuid", ['"x"']],
    ["images", "name", ['""', '"x"']],
    ["images", "checksum", ["missing", "null", '""', '"x"']],
    ["", "observedAt", ["missing", "0", "1.5"]],
  ];
  for (const [list, field, accepted] of accepts) {
    for (const [shown, value] of Object.entries(values)) {
      const raw = validRaw() as Record<string, Record<string, unknown>[]>;
      const target = list ? raw[list][0] : raw as Record<string, unknown>;
      if (value === undefined) delete target[field];
      else target[field] = structuredClone(value);
      const result = decodeSnapshot(JSON.stringify(raw));
      const where = `${list ? `${list}[0].` : ""}${field}`;
      assert.equal(result.ok, accepted.includes(shown), `${where} = ${shown}`);
      if (result.ok) continue;
      assert.ok(result.problems.length > 0);
      for (const problem of result.problems) assert.ok(problem.startsWith(`${where}: `), problem);
    }
  }
  for (const item of ["null", '"x"', "[]", "0"]) {
    for (const list of ["nodes", "flavors", "images"]) {
      const raw = validRaw() as Record<string, unknown[]>;
      raw[list][0] = values[item];
      const problems = decodeProblems(raw);
      assert.equal(problems.length, 1, `${list}[0] = ${item}: ${problems.join("\n")}`);
      assert.ok(problems[0].startsWith(`${list}[0]: `), problems[0]);
    }
  }
});

Deno.test("decodeSnapshot finds the one repeated uuid among many that differ in one character", () => {
  const uuids = Array.from(
    { length: 20_000 },
    (_, i) => `00000000-0000-4000-8000-${i.toString(16)}`,
  );
  const nodes = [...uuids, uuids[12_345]].map((uuid) => node(uuid, "small"));
  const problems = decodeProblems({ nodes, flavors: [], images: [] });
  assert.deepEqual(problems, [
    `nodes[20000].uuid: duplicate of nodes[12345].uuid ("${uuids[12_345]}")`,
  ]);
  assert.ok(decodeOk({ nodes: nodes.slice(0, -1), flavors: [], images: [] }));
});

Deno.test("decodeSnapshot returns the deploys a snapshot lists, oldest first, a hit only when said", () => {
  const raw = {
    ...validRaw(),
    deploys: [
      { at: 3000, flavor: "small", image: "Ubuntu", hit: true },
      { at: 1000, flavor: "large", image: "" },
      { at: 2000, flavor: "small", image: "Debian", hit: false, node: "n1" },
    ],
  };
  const result = decodeSnapshot(JSON.stringify(raw));
  assert.ok(result.ok, JSON.stringify(result));
  assert.deepEqual(result.deploys, [
    { at: 1000, flavor: "large", image: "", hit: false },
    { at: 2000, flavor: "small", image: "Debian", hit: false },
    { at: 3000, flavor: "small", image: "Ubuntu", hit: true },
  ]);
  assert.deepEqual(decodeOk(raw), decodeOk(validRaw()), "the fleet is the same");
});

Deno.test("decodeSnapshot gives no deploys when the snapshot lists none", () => {
  for (const deploys of [undefined, []]) {
    const result = decodeSnapshot(JSON.stringify({ ...validRaw(), deploys }));
    assert.ok(result.ok);
    assert.deepEqual(result.deploys, []);
  }
});

Deno.test("snapshotFleet() returns the given deploy objects when they hold exactly the known fields", () => {
  const deploys = [{ at: 1, flavor: "small", image: "Ubuntu", hit: true }];
  const result = snapshotFleet({ ...validRaw(), deploys });
  assert.ok(result.ok);
  assert.equal(result.deploys, deploys);
});

Deno.test("decodeSnapshot accepts exactly the values each deploy field allows, and names the others", () => {
  const values = FIELD_VALUES;
  const accepts: [field: string, accepted: string[]][] = [
    ["at", ["0", "1.5"]],
    ["flavor", ['""', '"x"']],
    ["image", ['""', '"x"']],
    ["hit", ["missing", "true", "false"]],
  ];
  for (const [field, accepted] of accepts) {
    for (const [shown, value] of Object.entries(values)) {
      const deploy: Record<string, unknown> = { at: 5, flavor: "small", image: "Ubuntu" };
      if (value === undefined) delete deploy[field];
      else deploy[field] = structuredClone(value);
      const raw = { ...validRaw(), deploys: [{ at: 1, flavor: "small", image: "Ubuntu" }, deploy] };
      const result = decodeSnapshot(JSON.stringify(raw));
      assert.equal(result.ok, accepted.includes(shown), `deploys[1].${field} = ${shown}`);
      if (result.ok) continue;
      for (const problem of result.problems) {
        assert.ok(problem.startsWith(`deploys[1].${field}: `), problem);
      }
    }
  }
  for (const [shown, deploys] of Object.entries({ "null": null, '"x"': "x", "{}": {} })) {
    const problems = decodeProblems({ ...validRaw(), deploys });
    assert.equal(problems.length, 1, `deploys = ${shown}: ${problems.join("\n")}`);
    assert.match(problems[0], /^deploys: /);
  }
  const problems = decodeProblems({ ...validRaw(), deploys: [7] });
  assert.deepEqual(problems.map((p) => p.split(":")[0]), ["deploys[0]"]);
});
