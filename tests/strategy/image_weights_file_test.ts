import assert from "node:assert/strict";
import { resolve } from "node:path";
import type { ConfigProblem } from "../../src/runtime/errors.ts";
import { readImageWeights } from "../../src/strategy/image_weights_file.ts";
import { tempDir } from "../_helpers.ts";
import type { Dir } from "../_config.ts";

/** Writes `json` as a weights file and reads it. */
async function weightsOf(dir: Dir, json: string) {
  const problems: ConfigProblem[] = [];
  const path = await dir.write("weights.json", json);
  const weights = readImageWeights(path, 1, "a.conf:4", problems);
  return { weights, problems, path };
}

Deno.test("readImageWeights() reads a JSON object of image name -> weight", async () => {
  await using dir = await tempDir();
  const { weights, problems } = await weightsOf(dir, '{"a": 3, "b b": 0}');
  assert.deepEqual(problems, []);
  assert.deepEqual(weights, { byName: new Map([["a", 3], ["b b", 0]]), defaultWeight: 1 });
  assert.deepEqual(readImageWeights(undefined, 4, "x", problems), {
    byName: new Map(),
    defaultWeight: 4,
  });
});

Deno.test("readImageWeights() takes __proto__ and constructor as plain image names", async (t) => {
  await using dir = await tempDir();
  await t.step("their weights are kept", async () => {
    const { weights, problems } = await weightsOf(dir, '{"__proto__": 3, "constructor": 2}');
    assert.deepEqual(problems, []);
    assert.equal(weights.byName.get("constructor"), 2);
    assert.equal(weights.byName.get("__proto__"), 3);
    assert.equal(weights.byName.size, 2);
  });
  await t.step("their bad weights are reported", async () => {
    const { problems } = await weightsOf(dir, '{"__proto__": -3, "constructor": 1.5}');
    assert.deepEqual(problems.map((p) => p.option).sort(), ['"__proto__"', '"constructor"']);
  });
});

Deno.test("readImageWeights() reports what is wrong with a weights file", async (t) => {
  await using dir = await tempDir();
  await t.step("a missing file, with the resolved path of a relative one", () => {
    const problems: ConfigProblem[] = [];
    readImageWeights("no_such_weights.json", 1, "a.conf:4", problems);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].where, "a.conf:4");
    assert.equal(problems[0].section, "strategy");
    assert.equal(problems[0].option, "image_weights_filename");
    assert.ok(problems[0].expected.includes(`resolved to ${resolve("no_such_weights.json")}`));
  });
  await t.step("not JSON; a comment gets a hint", async () => {
    const plain = await weightsOf(dir, "{a: 1}");
    assert.equal(plain.problems.length, 1);
    assert.match(plain.problems[0].expected, /^not valid JSON/);
    assert.doesNotMatch(plain.problems[0].expected, /comments/);
    const commented = await weightsOf(dir, '# weights\n{"a": 1}');
    assert.match(commented.problems[0].expected, /JSON allows no comments$/);
  });
  await t.step("one problem per bad weight, naming its image", async () => {
    const { problems, weights, path } = await weightsOf(
      dir,
      '{"ok": 1, "neg": -1, "frac": 1.5, "text": "2", "big": 1e400}',
    );
    assert.equal(weights.byName.size, 0);
    assert.deepEqual(problems.map((p) => p.option).sort(), [
      '"big"',
      '"frac"',
      '"neg"',
      '"text"',
    ]);
    for (const p of problems) {
      assert.ok(p.where.startsWith(path), p.where);
      assert.match(p.expected, /^expected a non-negative integer weight, got /);
    }
    assert.ok(problems.some((p) => p.expected.endsWith('got "2"')));
    const big = problems.find((p) => p.option === '"big"');
    assert.equal(
      big?.expected,
      "expected a non-negative integer weight, got a number too large to represent (Infinity)",
    );
    assert.ok(problems.some((p) => p.expected.endsWith("got 1.5")));
  });
  await t.step("a JSON array or scalar", async () => {
    for (const json of ['["a", "b"]', "3", "null"]) {
      const { problems } = await weightsOf(dir, json);
      assert.equal(problems.length, 1, json);
      assert.match(problems[0].expected, /^expected a JSON object of image name -> weight/);
    }
  });
});
