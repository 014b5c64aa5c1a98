import assert from "node:assert/strict";
import { parseArgs as nodeParseArgs } from "node:util";
import { parseArgs } from "../../src/cli/parse_args.ts";

const OPTIONS = {
  file: { type: "string" },
  seed: { type: "string", short: "s" },
  once: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** What a parse gave, or the message it failed with, in a form both parsers share. */
function outcome(parse: () => { values: object; positionals: string[]; tokens: object[] }) {
  try {
    const { values, positionals, tokens } = parse();
    const plain = tokens.map((token) =>
      Object.fromEntries(Object.entries(token).filter(([, v]) => v !== undefined))
    );
    return { values: { ...values }, positionals, tokens: plain };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** Every command line of up to three words from `words`. */
function* commandLines(words: readonly string[]): Generator<string[]> {
  yield [];
  for (const a of words) {
    yield [a];
    for (const b of words) {
      yield [a, b];
      for (const c of words) yield [a, b, c];
    }
  }
}

Deno.test("parseArgs() parses and refuses every command line as node:util's parseArgs does", () => {
  const words = [
    "x",
    "",
    "-",
    "--",
    "--=",
    "--file",
    "--file=",
    "--file=-1",
    "-1",
    "--once",
    "--help=",
    "-h",
    "-hs",
    "-hx",
    "-h=1",
    "-s5",
    "-x",
    "--bogus",
    "--__proto__",
  ];
  let count = 0;
  for (const args of commandLines(words)) {
    const expected = outcome(() =>
      nodeParseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true, tokens: true })
    );
    assert.deepEqual(outcome(() => parseArgs(args, OPTIONS)), expected, JSON.stringify(args));
    count++;
  }
  assert.equal(count, 1 + words.length + words.length ** 2 + words.length ** 3);
});

Deno.test("parseArgs() does not change the array it is given", () => {
  const args = Object.freeze(["--file", "a", "-hs", "1", "--", "--once"]);
  parseArgs(args, OPTIONS);
  assert.deepEqual(args, ["--file", "a", "-hs", "1", "--", "--once"]);
});
