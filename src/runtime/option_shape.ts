/**
 * What a zod object schema's options are, in JSON Schema terms, and what each expects, in words.
 *
 * The words are shared: `arsenal.conf`'s problems and `PATCH /v1/runtime`'s say alike what an
 * option takes, so both readers describe their schemas here.
 *
 * @module
 */
import { z } from "zod/mini";

/** The subset of JSON Schema that zod emits for INI-friendly options. */
export interface OptionShape {
  type?: string | string[];
  anyOf?: OptionShape[];
  enum?: unknown[];
  items?: OptionShape;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: unknown;
  description?: string;
  /** Set by `meta({ secret: true })`: the value is never printed. */
  secret?: boolean;
  /** Set by `meta({ env: "ARSENAL_X" })`: a variable of its own that sets the option too. */
  env?: string;
}

/** How a section's options are described: by name, with type, bounds, default and help. */
export type SectionShape = Readonly<Record<string, OptionShape>>;

/** Shapes described before: a zod schema never changes, and describing one takes a while. */
const described = new WeakMap<z.core.$ZodType, SectionShape>();

/**
 * The option shapes of an object schema, as JSON Schema properties.
 *
 * @throws {TypeError} when `schema` is not a zod object
 */
export function describeShape(schema: z.core.$ZodType): SectionShape {
  const known = described.get(schema);
  if (known) return known;
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as {
    type?: string;
    properties?: Record<string, OptionShape>;
  };
  if (json.type !== "object") throw new TypeError("A section schema must be a zod object");
  const shape = deepFreeze(json.properties ?? {});
  described.set(schema, shape);
  return shape;
}

/** What an option's `meta()` marks it as, of what {@linkcode OptionShape} reports. */
export type OptionMarks = Pick<OptionShape, "secret" | "env">;

/**
 * The options of an object schema that `meta()` marks secret or gives a variable of their own,
 * as {@linkcode describeShape} reports them (through wrappers such as `.optional()`), read from
 * zod's registry without describing the schema: a start needs the marks of every section, and
 * the shapes only of the sections it is given.
 */
export function optionMarks(schema: z.core.$ZodType): Readonly<Record<string, OptionMarks>> {
  const fields = objectShape(schema);
  if (!fields) return marksOf(describeShape(schema));
  const marks: Record<string, OptionMarks> = {};
  for (const [option, field] of Object.entries(fields)) {
    const set = setMarks(metaThrough(field));
    if (set) marks[option] = set;
  }
  return marks;
}

/** Schemas whose JSON type is that of what they wrap, for the input a section is read from. */
const WRAPPERS = new Set(["optional", "nullable", "default", "prefault", "readonly", "pipe"]);

/** JSON types that zod's own types of the same name have. */
const PLAIN = new Set(["string", "boolean"]);

/**
 * Each option's JSON type (and an array's items'), as {@linkcode describeShape} reports it, read
 * from the schema's definition without describing it: converting the options a file gives needs
 * only their types. Undefined when an option is of a kind not read here (describe it then).
 */
export function optionTypes(schema: z.core.$ZodType): SectionShape | undefined {
  const fields = objectShape(schema);
  if (!fields) return undefined;
  const types: Record<string, OptionShape> = {};
  for (const [option, field] of Object.entries(fields)) {
    const type = typeOf(field);
    if (!type) return undefined;
    types[option] = type;
  }
  return types;
}

function typeOf(field: z.core.$ZodType): OptionShape | undefined {
  let at = field;
  while (WRAPPERS.has(at._zod.def.type)) at = innerOf(at)!;
  const def = at._zod.def as {
    type: string;
    element?: z.core.$ZodType;
    checks?: { _zod: { def: { check: string; format?: string } } }[];
  };
  if (PLAIN.has(def.type)) return { type: def.type };
  if (def.type === "enum") return { type: "string" };
  if (def.type === "number") {
    const integer = def.checks?.some(({ _zod: { def: check } }) =>
      check.check === "number_format" && check.format === "safeint"
    );
    return { type: integer ? "integer" : "number" };
  }
  if (def.type !== "array" || !def.element) return undefined;
  const items = typeOf(def.element);
  return items && { type: "array", items };
}

/** The marks that are set, or undefined when none is. */
function setMarks({ secret, env }: OptionMarks): OptionMarks | undefined {
  if (secret === undefined && env === undefined) return undefined;
  return { ...(secret !== undefined && { secret }), ...(env !== undefined && { env }) };
}

/** The fields of a `z.object()`, or undefined for any other schema. */
function objectShape(schema: z.core.$ZodType): Record<string, z.core.$ZodType> | undefined {
  const def = schema._zod.def as { type: string; shape?: Record<string, z.core.$ZodType> };
  return def.type === "object" ? def.shape : undefined;
}

/** The `secret` and `env` metadata of `field`, the outermost wrapper's first. */
function metaThrough(field: z.core.$ZodType): OptionMarks {
  const found: OptionMarks = {};
  for (let at: z.core.$ZodType | undefined = field; at; at = innerOf(at)) {
    const meta = z.globalRegistry.get(at);
    found.secret ??= meta?.secret as boolean | undefined;
    found.env ??= meta?.env as string | undefined;
  }
  return found;
}

/** The schema a wrapper (`.optional()`, `.default()`, a pipe's input) describes itself by. */
function innerOf(schema: z.core.$ZodType): z.core.$ZodType | undefined {
  const def = schema._zod.def as {
    type: string;
    innerType?: z.core.$ZodType;
    in?: z.core.$ZodType;
  };
  return def.innerType ?? (def.type === "pipe" ? def.in : undefined);
}

function marksOf(shape: SectionShape): Record<string, OptionMarks> {
  const marks: Record<string, OptionMarks> = {};
  for (const [option, prop] of Object.entries(shape)) {
    const set = setMarks(prop);
    if (set) marks[option] = set;
  }
  return marks;
}

/** `value`, frozen through: a described shape is shared by every caller. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** The JSON type an option takes (`integer`, `boolean`...), null aside. */
export function optionType(prop: OptionShape): string | undefined {
  if (typeof prop.type === "string") return prop.type;
  if (Array.isArray(prop.type)) return prop.type.find((t) => t !== "null");
  const branch = prop.anyOf?.find((p) => optionType(p) !== "null");
  return branch ? optionType(branch) : undefined;
}

function bounds(prop: OptionShape): string {
  // zod states the safe-integer range of every integer; only narrower bounds are worth saying.
  const max = (prop.maximum ?? Infinity) < Number.MAX_SAFE_INTEGER ? prop.maximum : undefined;
  const min = (prop.minimum ?? -Infinity) > Number.MIN_SAFE_INTEGER ? prop.minimum : undefined;
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` >= ${min}`;
  if (max !== undefined) return ` <= ${max}`;
  if (prop.exclusiveMinimum !== undefined) return ` > ${prop.exclusiveMinimum}`;
  if (prop.exclusiveMaximum !== undefined) return ` < ${prop.exclusiveMaximum}`;
  return "";
}

/** What an option expects, in words: "an integer >= 1", "one of a, b". */
export function expectation(prop: OptionShape): string {
  if (prop.enum) return `one of ${prop.enum.join(", ")}`;
  switch (optionType(prop)) {
    case "boolean":
      return "a boolean (true/false, yes/no, on/off, 1/0)";
    case "integer":
      return `an integer${bounds(prop)}`;
    case "number":
      return `a number${bounds(prop)}`;
    case "array":
      return "a comma-separated list";
    default:
      return "a string";
  }
}
