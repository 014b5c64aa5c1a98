/** runStrategy(): a plugin's answer is normalised and held to the contract before use. */
import assert from "node:assert/strict";
import { PluginError } from "../../src/runtime/errors.ts";
import type { Strategy } from "../../src/strategy/contract.ts";
import { checkStrategy } from "../../src/strategy/loader.ts";
import { runStrategy } from "../../src/strategy/run.ts";
import { context, fleet, image, node } from "../_helpers.ts";

const state = fleet([node("n1", "f"), node("n2", "f"), node("n3", "f")], [image("i1")]);

function run(plan: Strategy["plan"]) {
  const loaded = checkStrategy("test", { name: "test", version: "1", plan });
  return runStrategy(loaded, state, {}, context());
}

function invalid(plan: Strategy["plan"]): string {
  try {
    run(plan);
  } catch (e) {
    assert.ok(e instanceof PluginError);
    return e.reason;
  }
  return assert.fail("the plan should have been rejected");
}

Deno.test("runStrategy() accepts an array or { directives, warnings, targets }", () => {
  const eject = { kind: "eject" as const, nodeUuid: "n1" };
  assert.deepEqual(run(() => [eject]), { directives: [eject], warnings: [], targets: {} });
  assert.deepEqual(
    run(() => ({ directives: [eject], warnings: ["careful"], targets: { f: 2, g: NaN } })),
    { directives: [eject], warnings: ["careful"], targets: { f: 2 } },
  );
});

Deno.test("runStrategy() copies directives and drops fields the contract does not define", () => {
  const returned = {
    kind: "cache",
    nodeUuid: "n1",
    imageUuid: "i1",
    imageChecksum: "sum-i1",
    x: 1,
  };
  const { directives } = run(() => [returned as never]);
  assert.deepEqual(directives, [
    { kind: "cache", nodeUuid: "n1", imageUuid: "i1", imageChecksum: "sum-i1" },
  ]);
  assert.notEqual(directives[0], returned);
});

Deno.test("runStrategy() wraps a throwing plan() in a PluginError with its cause", () => {
  const boom = new Error("boom");
  const loaded = checkStrategy("m", {
    name: "m",
    version: "1",
    plan: () => {
      throw boom;
    },
  });
  assert.throws(() => runStrategy(loaded, state, {}, context()), (e: PluginError) => {
    assert.equal(e.reason, "plan() threw: boom");
    assert.equal(e.cause, boom);
    return true;
  });
});

Deno.test("runStrategy() rejects a result that is neither directives nor a plan", () => {
  assert.match(
    invalid(() => "nope" as never),
    /must return an array of directives or \{ directives \}/,
  );
  assert.match(invalid(() => ({ directives: "x" }) as never), /must return an array/);
});

Deno.test("runStrategy() lists every invalid directive by index", () => {
  const reason = invalid(() =>
    [
      { kind: "cache", nodeUuid: "n1", imageUuid: "gone", imageChecksum: "x" },
      { kind: "cache", nodeUuid: "n2", imageUuid: "i1", imageChecksum: "wrong" },
      { kind: "eject", nodeUuid: "n3" },
      { kind: "eject", nodeUuid: "n3" },
      { kind: "wipe", nodeUuid: "n1" },
      { kind: "eject", nodeUuid: "" },
      null,
    ] as never
  );
  const lines = reason.split("\n").slice(1).map((line) => line.trim());
  assert.deepEqual(lines, [
    'directives[0]: image "gone" is not a current image',
    'directives[1]: imageChecksum "wrong" is not image i1\'s',
    "directives[3]: node n3 already has a directive in this plan",
    'directives[4]: kind must be "cache" or "eject", got "wipe"',
    "directives[5]: nodeUuid must be a non-empty string",
    "directives[6]: not an object",
  ]);
});

Deno.test("runStrategy() caps the list of invalid directives", () => {
  const reason = invalid(() => Array.from({ length: 25 }, () => ({ kind: "wipe" })) as never);
  assert.equal(reason.split("\n").length, 1 + 10 + 1);
  assert.match(reason, /\.\.\. and 15 more$/);
});
