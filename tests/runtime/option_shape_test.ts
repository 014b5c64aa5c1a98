import assert from "node:assert/strict";
import { z } from "zod";
import {
  describeShape,
  expectation,
  optionMarks,
  optionType,
  optionTypes,
} from "../../src/runtime/option_shape.ts";
import { directorSection } from "../../src/director/config.ts";
import { SECTIONS } from "../../src/sections.ts";
import { BUILTIN_STRATEGIES } from "../../plugins/mod.ts";

/** The JSON Schema property of a single option typed by `schema`. */
const prop = (schema: z.ZodType) => describeShape(z.object({ option: schema })).option;

Deno.test("describeShape() gives each option's type, bounds, default and help", () => {
  const shape = describeShape(directorSection);
  assert.equal(shape.poll_spacing.type, "integer");
  assert.equal(shape.poll_spacing.minimum, 1);
  assert.equal(shape.poll_spacing.default, 120);
  assert.equal(shape.dry_run.type, "boolean");
  assert.match(shape.dry_run.description ?? "", /dry|directive/i);
  assert.equal(shape.scout.type, "string");
  assert.deepEqual(describeShape(z.object({})), {});
});

Deno.test("describeShape() rejects schemas that are not objects", () => {
  assert.throws(() => describeShape(z.string()), TypeError);
  assert.throws(() => describeShape(z.array(z.number())), /zod object/);
});

Deno.test("expectation() words what an option wants", () => {
  const cases: [z.ZodType, string][] = [
    [z.number().int().min(1), "an integer >= 1"],
    [z.number().int().min(0).default(60), "an integer >= 0"],
    [z.number().min(0).max(1), "a number from 0 to 1"],
    [z.number().max(10), "a number <= 10"],
    [z.number().positive(), "a number > 0"],
    [z.number().lt(5), "a number < 5"],
    [z.number(), "a number"],
    [z.boolean(), "a boolean (true/false, yes/no, on/off, 1/0)"],
    [z.enum(["a", "b"]), "one of a, b"],
    [z.string(), "a string"],
    [z.string().nullable(), "a string"],
    [z.array(z.string()), "a comma-separated list"],
  ];
  for (const [schema, expected] of cases) assert.equal(expectation(prop(schema)), expected);
});

Deno.test("expectation() hides zod's safe-integer bounds", () => {
  assert.equal(expectation(prop(z.number().int())), "an integer");
  assert.equal(expectation(prop(z.number().int().max(5))), "an integer <= 5");
});

Deno.test("describeShape() describes a schema once and hands every caller the same frozen shape", () => {
  const schema = z.object({ n: z.number().int().min(1).default(5) });
  const shape = describeShape(schema);
  assert.equal(describeShape(schema), shape);
  assert.notEqual(describeShape(z.object({ n: z.number().int().min(1).default(5) })), shape);
  assert.ok(Object.isFrozen(shape) && Object.isFrozen(shape.n));
  assert.throws(() => {
    (shape.n as { minimum?: number }).minimum = 0;
  }, TypeError);
});

Deno.test("optionMarks() reads the secret and env marks describeShape() reports, through wrappers", () => {
  const secret = () => z.string().meta({ secret: true });
  const schema = z.object({
    plain: z.string(),
    token: secret().describe("A token (secret)"),
    optional: secret().optional(),
    defaulted: secret().default("x"),
    aliased: z.string().optional().meta({ env: "ARSENAL_X" }),
    both: secret().optional().meta({ env: "ARSENAL_Y" }),
    described: z.string().describe("not secret"),
  });
  assert.deepEqual(optionMarks(schema), {
    token: { secret: true },
    optional: { secret: true },
    defaulted: { secret: true },
    aliased: { env: "ARSENAL_X" },
    both: { secret: true, env: "ARSENAL_Y" },
  });
  const wrapped = z.object({ key: secret().optional() }).default({});
  assert.deepEqual(optionMarks(wrapped), { key: { secret: true } });
  for (const section of [schema, wrapped, ...Object.values(SECTIONS)]) {
    const marked = Object.entries(describeShape(section))
      .filter(([, p]) => p.secret !== undefined || p.env !== undefined)
      .map(([option, p]) => [option, JSON.parse(JSON.stringify({ secret: p.secret, env: p.env }))]);
    assert.deepEqual(optionMarks(section), Object.fromEntries(marked));
  }
});

/** Each option's type as describeShape() reports it, and an array's items' type. */
function describedTypes(schema: z.core.$ZodType) {
  return Object.fromEntries(
    Object.entries(describeShape(schema)).map(([option, p]) => [
      option,
      { type: optionType(p), items: p.items && optionType(p.items) },
    ]),
  );
}

Deno.test("optionTypes() reads each option's type describeShape() reports, through wrappers", () => {
  const schema = z.object({
    text: z.string().optional().describe("help"),
    flag: z.boolean().default(false),
    count: z.number().int().min(0).default(3),
    share: z.number().min(0).max(1).nullable(),
    choice: z.enum(["a", "b"]).default("a"),
    list: z.array(z.number().int()).optional(),
    piped: z.string().transform((s) => s.length),
  });
  const sections: z.core.$ZodType[] = [schema, ...Object.values(SECTIONS)];
  for (const { options } of Object.values(BUILTIN_STRATEGIES)) if (options) sections.push(options);
  for (const section of sections) {
    const read = optionTypes(section);
    assert.ok(read, "every option's type is read");
    const types = Object.fromEntries(
      Object.entries(read).map(([option, p]) => [
        option,
        { type: optionType(p), items: p.items && optionType(p.items) },
      ]),
    );
    assert.deepEqual(types, describedTypes(section));
  }
});

Deno.test("optionTypes() reads nothing of a schema whose options it cannot type alone", () => {
  assert.equal(optionTypes(z.object({ either: z.union([z.string(), z.number()]) })), undefined);
  assert.equal(optionTypes(z.string()), undefined);
});
