import assert from "node:assert/strict";
import { z } from "zod";
import type { RawOption } from "../../src/config/ini_file.ts";
import { coerce, readSection, suggest, unknownOptions } from "../../src/config/section.ts";
import { describeShape } from "../../src/runtime/option_shape.ts";
import { directorSection } from "../../src/director/config.ts";

/** The JSON Schema property of a single option typed by `schema`. */
const prop = (schema: z.ZodType) => describeShape(z.object({ option: schema })).option;

/** Raw options as parseIniText returns them, each on its own line of "a.conf". */
function raw(options: Record<string, string>): Map<string, RawOption> {
  return new Map(
    Object.entries(options).map(([key, value], i) => [key, { value, where: `a.conf:${i + 2}` }]),
  );
}

Deno.test("coerce() reads booleans in oslo.config's spellings, case-insensitively", () => {
  const boolean = prop(z.boolean());
  const cases: [string, boolean][] = [
    ["True", true],
    ["FALSE", false],
    ["yes", true],
    ["No", false],
    ["on", true],
    ["OFF", false],
    ["1", true],
    ["0", false],
    [" true ", true],
  ];
  for (const [text, expected] of cases) assert.equal(coerce(text, boolean), expected, text);
  for (const text of ["y", "n", "enabled", "tru", "2", ""]) {
    assert.equal(coerce(text, boolean), text, `${text} stays a string`);
  }
  assert.equal(coerce("off", prop(z.boolean().default(true))), false);
  assert.equal(coerce("yes", prop(z.boolean().optional())), true);
});

Deno.test("coerce() reads strict decimal numbers only", () => {
  for (const type of [prop(z.number()), prop(z.number().int().min(1))]) {
    const accepted: [string, number][] = [
      ["12", 12],
      ["0.5", 0.5],
      [".5", 0.5],
      ["1e3", 1000],
      ["-3", -3],
      ["+2.5E-1", 0.25],
      ["7.", 7],
      [" 42 ", 42],
    ];
    for (const [text, expected] of accepted) assert.equal(coerce(text, type), expected, text);
    for (const text of ["0x10", "nan", "NaN", "Infinity", "12abc", "", " ", "1,5", "1_000", "e3"]) {
      assert.equal(coerce(text, type), text, `${JSON.stringify(text)} stays a string`);
    }
  }
  assert.equal(coerce("0.25", prop(z.number().nullable())), 0.25);
});

Deno.test("coerce() splits arrays at commas and converts their items", () => {
  assert.deepEqual(coerce("a, b,,c ,", prop(z.array(z.string()))), ["a", "b", "c"]);
  assert.deepEqual(coerce("1, 2.5, x", prop(z.array(z.number()))), [1, 2.5, "x"]);
  assert.deepEqual(coerce("", prop(z.array(z.string()))), []);
});

Deno.test("coerce() leaves strings as written", () => {
  assert.equal(coerce("  spaced ", prop(z.string())), "  spaced ");
  assert.equal(coerce("true", prop(z.string())), "true");
  assert.equal(coerce("12", prop(z.enum(["12", "13"]))), "12");
});

Deno.test("readSection() converts values and fills in defaults", () => {
  const { value, problems } = readSection(
    directorSection,
    "director",
    raw({ poll_spacing: "60", dry_run: "Yes", scout: "onmetal_scout.OnMetalScout" }),
    "a.conf",
  );
  assert.deepEqual(problems, []);
  assert.equal(value?.poll_spacing, 60);
  assert.equal(value?.dry_run, true);
  assert.equal(value?.scout, "onmetal_scout.OnMetalScout");
  assert.equal(value?.directive_spacing, 120);
  assert.equal(value?.log_statistics, true);
});

Deno.test("readSection() counts an empty value as unset, so the default applies", () => {
  const { value, problems } = readSection(
    directorSection,
    "director",
    raw({ poll_spacing: "", dry_run: "   ", scout: "" }),
    "a.conf",
  );
  assert.deepEqual(problems, []);
  assert.equal(value?.poll_spacing, 120);
  assert.equal(value?.dry_run, false);
  assert.equal(value?.scout, "simulator");
});

Deno.test("readSection() on no section at all gives the defaults", () => {
  const { value, problems } = readSection(directorSection, "director", undefined, "(defaults)");
  assert.deepEqual(problems, []);
  assert.equal(value?.eject_directive_limiting_period, 300);
});

Deno.test("readSection() ignores options its schema does not know", () => {
  const { value, problems } = readSection(
    z.object({ a: z.number().default(1) }),
    "s",
    raw({ b: "not a number", c: "" }),
    "a.conf",
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(value, { a: 1 });
});

Deno.test("readSection() reports every problem at once, each fully described", () => {
  const { value, problems } = readSection(
    directorSection,
    "director",
    raw({ poll_spacing: "1.5", dry_run: "maybe", cache_directive_rate_limit: "-1", scout: "x" }),
    "a.conf",
  );
  assert.equal(value, undefined);
  const byOption = new Map(problems.map((p) => [p.option, p]));
  assert.equal(problems.length, 4);
  assert.match(
    byOption.get("scout")!.expected,
    /^expected one of simulator, openstack, standalone, devstack_scout/,
  );
  assert.deepEqual(byOption.get("poll_spacing"), {
    where: "a.conf:2",
    section: "director",
    option: "poll_spacing",
    value: "1.5",
    expected: "expected an integer >= 1",
  });
  assert.deepEqual(byOption.get("dry_run"), {
    where: "a.conf:3",
    section: "director",
    option: "dry_run",
    value: "maybe",
    expected: "expected a boolean (true/false, yes/no, on/off, 1/0)",
  });
  assert.equal(byOption.get("cache_directive_rate_limit")?.expected, "expected an integer >= 0");
  assert.equal(byOption.get("cache_directive_rate_limit")?.where, "a.conf:4");
});

Deno.test("readSection() reports a missing required option at the section's where", () => {
  const schema = z.object({ endpoint: z.string(), retries: z.number().int().min(0) });
  const { problems } = readSection(schema, "svc", raw({ other: "x" }), "a.conf");
  assert.deepEqual(problems, [
    {
      where: "a.conf",
      section: "svc",
      option: "endpoint",
      value: undefined,
      expected: "required: a string",
    },
    {
      where: "a.conf",
      section: "svc",
      option: "retries",
      value: undefined,
      expected: "required: an integer >= 0",
    },
  ]);
});

Deno.test("readSection() reports a required option given empty as required, not mistyped", () => {
  // An empty value counts as unset, so `endpoint =` lacks a value; "" is a string all the same.
  const schema = z.object({ endpoint: z.string() });
  const { problems } = readSection(schema, "svc", raw({ endpoint: "" }), "a.conf");
  assert.equal(problems.length, 1);
  assert.equal(problems[0].option, "endpoint");
  assert.equal(problems[0].expected, "required: a string");
});

Deno.test("readSection() keeps zod's own message for checks beyond type and bounds", () => {
  const schema = z.object({ url: z.string().startsWith("http", "must start with http") });
  const { problems } = readSection(schema, "svc", raw({ url: "ftp://x" }), "a.conf");
  assert.equal(problems.length, 1);
  assert.equal(problems[0].expected, "must start with http");
  assert.equal(problems[0].value, "ftp://x");
});

Deno.test("unknownOptions() warns of each unknown option, hinting at near typos", () => {
  const shape = describeShape(directorSection);
  const warnings = unknownOptions(
    "director",
    raw({ dry_run: "1", dry_rn: "1", pol_spacing: "1", xyzzy_frobnicate: "1" }),
    shape,
  );
  assert.deepEqual(warnings, [
    "a.conf:3: unknown option [director] dry_rn is ignored; did you mean dry_run?",
    "a.conf:4: unknown option [director] pol_spacing is ignored; did you mean poll_spacing?",
    "a.conf:5: unknown option [director] xyzzy_frobnicate is ignored",
  ]);
  assert.deepEqual(unknownOptions("director", raw({ scout: "x" }), shape), []);
  assert.deepEqual(unknownOptions("empty", raw({ a: "1" }), {}), [
    "a.conf:2: unknown option [empty] a is ignored",
  ]);
});

Deno.test("suggest() names the closest candidate only when it is a likely typo", () => {
  const candidates = ["director", "strategy", "client_wrapper", "ironic"];
  assert.equal(suggest("directr", candidates), "director");
  assert.equal(suggest("stratgey", candidates), "strategy");
  assert.equal(suggest("client_wraper", candidates), "client_wrapper");
  assert.equal(suggest("ironic", candidates), "ironic");
  assert.equal(suggest("glance", candidates), undefined);
  assert.equal(suggest("completely_unrelated", candidates), undefined);
  assert.equal(suggest("anything", []), undefined);
});

Deno.test("readSection() never carries the value of an option marked secret", () => {
  const schema = z.object({
    token: z.string().regex(/^[a-z]+$/, "letters only").optional().meta({ secret: true }),
    retries: z.number().int().min(0).meta({ secret: true }),
    name: z.string().regex(/^[a-z]+$/, "letters only").optional(),
  });
  const { problems } = readSection(
    schema,
    "svc",
    raw({ token: "s3cret tok!", retries: "many-s3cret", name: "not secret 1" }),
    "a.conf",
  );
  assert.deepEqual(problems, [
    { where: "a.conf:2", section: "svc", option: "token", secret: true, expected: "letters only" },
    {
      where: "a.conf:3",
      section: "svc",
      option: "retries",
      secret: true,
      expected: "expected an integer >= 0",
    },
    {
      where: "a.conf:4",
      section: "svc",
      option: "name",
      value: "not secret 1",
      expected: "letters only",
    },
  ]);
});
