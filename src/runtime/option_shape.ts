/**
 * What a zod object schema's options are, in JSON Schema terms, and what each expects, in words.
 *
 * The words are shared: `arsenal.conf`'s problems and `PATCH /v1/runtime`'s say alike what an
 * option takes, so both readers describe their schemas here.
 *
 * @module
 */
import { z } from "zod";

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
const described = new WeakMap<z.ZodType, SectionShape>();

/**
 * The option shapes of an object schema, as JSON Schema properties.
 *
 * @throws {TypeError} when `schema` is not a zod object
 */
export function describeShape(schema: z.ZodType): SectionShape {
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
