/**
 * Node's `util.parseArgs` as the command line uses it (strict, positionals allowed, tokens
 * returned), with its results and its messages. Importing `node:util` sets up Deno's Node layer,
 * about 11 ms of CPU at every start, which `healthcheck` and `version` pay for nothing else.
 *
 * @module
 */

/** An option the command line takes: a flag, or one that takes a value. */
export interface OptionSpec {
  readonly type: "boolean" | "string";
  /** A one-letter alias: `-h` for `--help`. */
  readonly short?: string;
}

/** A word of the command line, as `util.parseArgs` reports it. */
export type ArgToken =
  | {
    readonly kind: "option";
    readonly name: string;
    readonly rawName: string;
    readonly index: number;
    readonly value?: string;
    readonly inlineValue?: boolean;
  }
  | { readonly kind: "positional"; readonly index: number; readonly value: string }
  | { readonly kind: "option-terminator"; readonly index: number };

/** The options given, by name: a flag's `true`, or the value given. */
export type OptionValues<O extends Readonly<Record<string, OptionSpec>>> = {
  -readonly [K in keyof O]?: O[K]["type"] extends "string" ? string : boolean;
};

function longName(options: Readonly<Record<string, OptionSpec>>, short: string): string {
  return Object.keys(options).find((name) => options[name].short === short) ?? short;
}

function takesValue(options: Readonly<Record<string, OptionSpec>>, name: string): boolean {
  return Object.hasOwn(options, name) && options[name].type === "string";
}

/** `-abc` as `-a -b -c`; from the first letter that takes a value on, the rest is its value. */
function expandGroup(arg: string, options: Readonly<Record<string, OptionSpec>>): string[] {
  const expanded: string[] = [];
  for (let at = 1; at < arg.length; at++) {
    if (takesValue(options, longName(options, arg[at])) && at < arg.length - 1) {
      expanded.push(`-${arg.slice(at)}`);
      break;
    }
    expanded.push(`-${arg[at]}`);
  }
  return expanded;
}

/** The command line's words as tokens, the way `util.parseArgs` splits them. */
function tokenize(
  args: readonly string[],
  options: Readonly<Record<string, OptionSpec>>,
): ArgToken[] {
  const tokens: ArgToken[] = [];
  const remaining = [...args];
  let index = -1;
  let grouped = 0;
  while (remaining.length > 0) {
    const arg = remaining.shift()!;
    // The letters of a group, `-hs`, are read as words of their own that share its index.
    if (grouped > 0) grouped--;
    else index++;
    if (arg === "--") {
      tokens.push({ kind: "option-terminator", index });
      for (const value of remaining) tokens.push({ kind: "positional", index: ++index, value });
      break;
    }
    const short = arg.length >= 2 && arg[0] === "-" && arg[1] !== "-";
    const long = arg.length > 2 && arg.startsWith("--");
    if (short && arg.length > 2 && !takesValue(options, longName(options, arg[1]))) {
      const expanded = expandGroup(arg, options);
      remaining.unshift(...expanded);
      grouped = expanded.length;
    } else if (short && arg.length > 2) {
      const name = longName(options, arg[1]);
      const value = arg.slice(2);
      tokens.push({
        kind: "option",
        name,
        rawName: arg.slice(0, 2),
        index,
        value,
        inlineValue: true,
      });
    } else if ((short || long) && !(long && arg.includes("=", 3))) {
      const name = short ? longName(options, arg[1]) : arg.slice(2);
      const value = takesValue(options, name) ? remaining.shift() : undefined;
      tokens.push({
        kind: "option",
        name,
        rawName: arg,
        index,
        value,
        inlineValue: value === undefined ? undefined : false,
      });
      if (value !== undefined) index++;
    } else if (long) {
      const equal = arg.indexOf("=");
      const name = arg.slice(2, equal);
      const value = arg.slice(equal + 1);
      tokens.push({ kind: "option", name, rawName: `--${name}`, index, value, inlineValue: true });
    } else {
      tokens.push({ kind: "positional", index, value: arg });
    }
  }
  return tokens;
}

/** Refuses an unknown option, a flag given a value, and a value missing or looking like an option. */
function check(
  token: Extract<ArgToken, { kind: "option" }>,
  options: Readonly<Record<string, OptionSpec>>,
): void {
  if (!Object.hasOwn(options, token.name)) {
    throw new TypeError(
      `Unknown option '${token.rawName}'. To specify a positional argument starting with a '-', ` +
        `place it at the end of the command after '--', as in '-- ${JSON.stringify(token.rawName)}`,
    );
  }
  const { type, short } = options[token.name];
  const both = `${short ? `-${short}, ` : ""}--${token.name}`;
  if (type === "string" && token.value === undefined) {
    throw new TypeError(`Option '${both} <value>' argument missing`);
  }
  if (type === "boolean" && token.value !== undefined) {
    throw new TypeError(`Option '${both}' does not take an argument`);
  }
  const value = token.value ?? "";
  if (!token.inlineValue && value.length > 1 && value[0] === "-") {
    const example = token.rawName.startsWith("--")
      ? `'${token.rawName}=-XYZ'`
      : `'--${token.name}=-XYZ' or '${token.rawName}-XYZ'`;
    throw new TypeError(
      `Option '${token.rawName}' argument is ambiguous.\n` +
        `Did you forget to specify the option argument for '${token.rawName}'?\n` +
        `To specify an option argument starting with a dash use ${example}.`,
    );
  }
}

/**
 * Parses `args` against `options` as `util.parseArgs({ args, options, strict: true,
 * allowPositionals: true, tokens: true })` does.
 *
 * @throws {TypeError} for an unknown option, a flag given a value, a value missing, or a value
 *   given apart that starts with `-` (with the messages of `util.parseArgs`)
 */
export function parseArgs<O extends Readonly<Record<string, OptionSpec>>>(
  args: readonly string[],
  options: O,
): { values: OptionValues<O>; positionals: string[]; tokens: ArgToken[] } {
  const tokens = tokenize(args, options);
  const values: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === "positional") positionals.push(token.value);
    if (token.kind !== "option") continue;
    check(token, options);
    if (token.name !== "__proto__") values[token.name] = token.value ?? true;
  }
  return { values: values as OptionValues<O>, positionals, tokens };
}
