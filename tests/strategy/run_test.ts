/** runStrategy(): a plugin's answer is normalised and held to the contract before use. */
import assert from "node:assert/strict";
import { PlanError, PluginError } from "../../src/runtime/errors.ts";
import type { Strategy } from "../../src/strategy/contract.ts";
import { checkStrategy } from "../../src/strategy/loader.ts";
import { runStrategy } from "../../src/strategy/run.ts";
import { UuidIndex } from "../../src/domain/uuid_index.ts";
import { context, fleet, image, node } from "../_helpers.ts";

/** Free nodes, but n3 is cached with a current image and n4 is deployed. */
const state = fleet([
  node("n1", "f"),
  node("n2", "f"),
  node("n3", "f", { cached: true, cachedImageUuid: "i1" }),
  node("n4", "f", { provisioned: true }),
  ...["n5", "n6", "n7", "n8"].map((uuid) => node(uuid, "f")),
], [image("i1")]);

function run(plan: Strategy["plan"], on = state) {
  const loaded = checkStrategy("test", { name: "test", version: "1", plan });
  return runStrategy(loaded, on, {}, context());
}

function refusal(plan: Strategy["plan"], on = state): PlanError {
  try {
    run(plan, on);
  } catch (e) {
    assert.ok(e instanceof PlanError, String(e));
    assert.ok(e instanceof PluginError);
    return e;
  }
  return assert.fail("the plan should have been rejected");
}

function invalid(plan: Strategy["plan"], on = state): string {
  return refusal(plan, on).reason;
}

Deno.test("runStrategy() accepts an array or { directives, warnings, targets }", () => {
  const eject = { kind: "eject" as const, nodeUuid: "n3" };
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
  const many = fleet(Array.from({ length: 30 }, (_, i) => node(`n${i}`, "f")), [image("i1")]);
  const reason = invalid(() => Array.from({ length: 25 }, () => ({ kind: "wipe" })) as never, many);
  assert.equal(reason.split("\n").length, 1 + 10 + 1);
  assert.match(reason, /\.\.\. and 15 more$/);
});

Deno.test("runStrategy() refuses directives on nodes that are not in the fleet or not free", () => {
  const error = refusal(() => [
    { kind: "cache", nodeUuid: "ghost", imageUuid: "i1", imageChecksum: "sum-i1" },
    { kind: "cache", nodeUuid: "n3", imageUuid: "i1", imageChecksum: "sum-i1" },
    { kind: "cache", nodeUuid: "n4", imageUuid: "i1", imageChecksum: "sum-i1" },
    { kind: "eject", nodeUuid: "n1" },
    { kind: "eject", nodeUuid: "n4" },
    { kind: "eject", nodeUuid: "phantom" },
    { kind: "cache", nodeUuid: "n2", imageUuid: "i1", imageChecksum: "sum-i1" },
  ]);
  assert.equal(error.failure, "invalid");
  assert.deepEqual(error.reason.split("\n").slice(1).map((line) => line.trim()), [
    "directives[0]: node ghost is not in the fleet",
    "directives[1]: node n3 is already cached; cache needs an uncached node",
    "directives[2]: node n4 is provisioned; cache needs an unprovisioned node",
    "directives[3]: node n1 is not cached; eject needs a cached node",
    "directives[4]: node n4 is provisioned; eject needs an unprovisioned node",
    "directives[5]: node phantom is not in the fleet",
  ]);
});

Deno.test("runStrategy() refuses a plan for the same reasons whether the fleet's UUIDs are indexed or not", () => {
  const indexed = fleet([...state.nodes], state.images);
  assert.ok(UuidIndex.of(indexed.nodes));
  const plan = () =>
    [
      { kind: "cache", nodeUuid: "ghost", imageUuid: "i1", imageChecksum: "sum-i1" },
      { kind: "cache", nodeUuid: "n3", imageUuid: "i1", imageChecksum: "sum-i1" },
      { kind: "cache", nodeUuid: "n4", imageUuid: "i1", imageChecksum: "sum-i1" },
      { kind: "eject", nodeUuid: "n3" },
      { kind: "eject", nodeUuid: "n3" },
      { kind: "eject", nodeUuid: "ghost" },
      { kind: "cache", nodeUuid: "n2", imageUuid: "i1", imageChecksum: "sum-i1" },
      { kind: "cache", nodeUuid: "n2", imageUuid: "i1", imageChecksum: "sum-i1" },
    ] as const;
  const reason = invalid(plan);
  assert.match(reason, /directives\[4\]: node n3 already has a directive in this plan/);
  assert.match(reason, /directives\[5\]: node ghost is not in the fleet/);
  assert.match(reason, /directives\[7\]: node n2 already has a directive in this plan/);
  assert.equal(invalid(plan, indexed), reason);
});

Deno.test("runStrategy() refuses more directives than the fleet has nodes, without reading them", () => {
  let read = 0;
  const directives = new Proxy(Array.from({ length: 1_000_000 }), {
    get(target, key, receiver) {
      if (key !== "length" && typeof key === "string" && /^\d+$/.test(key)) read++;
      return Reflect.get(target, key, receiver);
    },
  });
  const error = refusal(() => directives as never);
  assert.equal(error.failure, "invalid");
  assert.equal(
    error.reason,
    "plan() returned 1000000 directives for a fleet of 8 nodes: at most one directive per node",
  );
  assert.equal(read, 0);
});

Deno.test("runStrategy() names the plugin's fault when reading its answer throws", async (t) => {
  const getter = (name: string) => ({
    get [name]() {
      throw new Error(`${name} getter boom`);
    },
  });
  const cases: [string, () => unknown, RegExp][] = [
    [
      "a throwing directives getter",
      () => getter("directives"),
      /reading directives threw: directives getter boom/,
    ],
    [
      "a throwing directive field",
      () => [{
        nodeUuid: "n1",
        get kind() {
          throw new Error("kind getter boom");
        },
      }],
      /reading directives\[0\]\.kind threw: kind getter boom/,
    ],
    [
      "a warning whose toString throws",
      () => ({
        directives: [],
        warnings: ["fine", {
          toString: () => {
            throw new Error("no text");
          },
        }],
      }),
      /reading warnings\[1\] threw: no text/,
    ],
    [
      "a throwing targets getter",
      () => ({ directives: [], targets: getter("f") }),
      /reading targets threw: f getter boom/,
    ],
    [
      "a revoked proxy",
      () => {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        return proxy;
      },
      /reading the result of plan\(\) threw: .*revoked/,
    ],
  ];
  for (const [what, plan, reason] of cases) {
    await t.step(what, () => {
      const error = refusal(plan as never);
      assert.equal(error.failure, "error");
      assert.match(error.reason, reason);
    });
  }
});

Deno.test("runStrategy() says that an async plan() returned a Promise", async () => {
  let rejected = false;
  const error = refusal(
    (async () => {
      await Promise.resolve();
      rejected = true;
      throw new Error("late");
    }) as never,
  );
  assert.equal(error.failure, "error");
  assert.equal(error.reason, "plan() returned a Promise: plan() must be synchronous (not async)");
  // The rejection is handled, not left to crash the process.
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.ok(rejected);
});

Deno.test("runStrategy() describes a thrown non-Error and cuts a long message", () => {
  const unreadable = refusal(() => {
    throw {
      get message() {
        throw new Error("trap");
      },
    };
  });
  assert.equal(unreadable.failure, "error");
  assert.equal(unreadable.reason, "plan() threw: (a value that cannot be shown)");
  const long = refusal(() => {
    throw new Error("x".repeat(100_000));
  });
  assert.ok(long.reason.length < 1100, `${long.reason.length} characters`);
});

Deno.test("runStrategy() keeps the first 20 warnings and counts the rest", () => {
  const plan = run(() => ({
    directives: [],
    warnings: Array.from({ length: 1000 }, (_, i) => `w${i}`),
  }));
  assert.equal(plan.warnings.length, 21);
  assert.deepEqual(plan.warnings.slice(0, 2), ["w0", "w1"]);
  assert.equal(plan.warnings[20], "... and 980 more warnings");
});

Deno.test("runStrategy() looks up no provisioned node when every directive names an unprovisioned one", () => {
  let reads = 0;
  const deployed = (uuid: string) => ({
    ...node(uuid, "f", { provisioned: true }),
    get uuid() {
      reads++;
      return uuid;
    },
  });
  const mixed = fleet([
    deployed("d1"),
    node("n1", "f"),
    deployed("d2"),
    node("n2", "f", { cached: true, cachedImageUuid: "gone" }),
    deployed("d3"),
  ], [image("i1")]);
  const plan = run(() => [
    { kind: "eject", nodeUuid: "n2" },
    { kind: "cache", nodeUuid: "n1", imageUuid: "i1", imageChecksum: "sum-i1" },
  ], mixed);
  assert.equal(plan.directives.length, 2);
  assert.equal(reads, 0);
  const reason = invalid(() => [{ kind: "eject", nodeUuid: "d2" }], mixed);
  assert.match(reason, /node d2 is provisioned; eject needs an unprovisioned node/);
});

Deno.test("runStrategy() finds a plan's nodes in the fleet's UUID index when one was built", () => {
  let reads = 0;
  const counted = (uuid: string, fields = {}) => ({
    ...node(uuid, "f", fields),
    get uuid() {
      reads++;
      return uuid;
    },
  });
  const nodes = Array.from({ length: 200 }, (_, i) => counted(`n${i}`));
  nodes[7] = counted("n7", { cached: true, cachedImageUuid: "gone" });
  const indexed = fleet(nodes, [image("i1")]);
  assert.ok(UuidIndex.of(indexed.nodes));
  reads = 0;
  const plan = run(() => [
    { kind: "eject", nodeUuid: "n7" },
    { kind: "cache", nodeUuid: "n150", imageUuid: "i1", imageChecksum: "sum-i1" },
  ], indexed);
  assert.equal(plan.directives.length, 2);
  assert.ok(reads <= 4, `${reads} UUIDs read`);
  const reason = invalid(
    () => [{ kind: "eject", nodeUuid: "n8" }, { kind: "eject", nodeUuid: "x" }],
    indexed,
  );
  assert.match(reason, /node n8 is not cached; eject needs a cached node/);
  assert.match(reason, /node x is not in the fleet/);
});

/** An explanation entry for flavor `f` and image `i1`, with `fields` over the defaults. */
function explained(fields: Record<string, unknown> = {}) {
  return {
    flavor: "f",
    image: "i1",
    expected: 1.5,
    target: 2,
    cached: 1,
    why: "because",
    ...fields,
  };
}

Deno.test("runStrategy() keeps a valid explanation as fresh plain data, without extra fields", () => {
  const entry = { ...explained(), extra: "dropped" };
  const plan = run(() => ({ directives: [], explain: [entry] }));
  assert.deepEqual(plan.explain, [explained()]);
  assert.notEqual(plan.explain![0], entry);
  assert.equal("explain" in run(() => []), false, "no explanation given, none kept");
});

Deno.test("runStrategy() refuses an invalid explanation, saying which entry and why", async (t) => {
  const cases: [string, unknown, RegExp][] = [
    ["not an array", { f: 1 }, /^explain must be an array of/],
    ["not an object", [null], /explain\[0\]: not an object/],
    [
      "an unknown flavor",
      [explained({ flavor: "g" })],
      /explain\[0\]: flavor "g" is not a flavor of the fleet/,
    ],
    [
      "an unknown image",
      [explained({ image: "i9" })],
      /explain\[0\]: image "i9" is not the name of a current image/,
    ],
    [
      "a negative number",
      [explained({ expected: -1 })],
      /explain\[0\]: expected must be a finite number ≥ 0, got -1/,
    ],
    [
      "an infinite target",
      [explained({ target: Infinity })],
      /explain\[0\]: target must be a finite number ≥ 0, got Infinity/,
    ],
    [
      "a string count",
      [explained({ cached: "1" })],
      /explain\[0\]: cached must be a finite number ≥ 0, got "1"/,
    ],
    [
      "a missing why",
      [explained({ why: undefined })],
      /explain\[0\]: why must be a string of at most 200 characters/,
    ],
    [
      "a long why",
      [explained({ why: "x".repeat(201) })],
      /explain\[0\]: why must be a string of at most 200/,
    ],
    [
      "a pair twice",
      [explained(), explained()],
      /explain\[1\]: flavor "f" and image "i1" are already explained/,
    ],
  ];
  for (const [what, explain, reason] of cases) {
    await t.step(what, () => {
      const twoImages = { ...state, images: [image("i1"), image("i2")] };
      const error = refusal(() => ({ directives: [], explain }) as never, twoImages);
      assert.equal(error.failure, "invalid");
      assert.match(error.reason, reason);
    });
  }
});

Deno.test("runStrategy() refuses more explained pairs than the fleet has, without reading them", () => {
  let read = 0;
  const explain = new Proxy([explained(), explained({ flavor: "f" })], {
    get(target, key, receiver) {
      if (key !== "length" && typeof key === "string" && /^\d+$/.test(key)) read++;
      return Reflect.get(target, key, receiver);
    },
  });
  assert.match(
    invalid(() => ({ directives: [], explain })),
    /^plan\(\) explained 2 pairs for a fleet of 1 flavors and 1 images: at most one entry per \(flavor, image\) pair, and at most 2000$/,
  );
  assert.equal(read, 0);
});

Deno.test("runStrategy() names the plugin's fault when reading its explanation throws", () => {
  const entry = {
    ...explained(),
    get why(): string {
      throw new Error("why getter boom");
    },
  };
  const error = refusal(() => ({ directives: [], explain: [entry] }));
  assert.equal(error.failure, "error");
  assert.match(error.reason, /^reading explain\[0\]\.why threw: why getter boom$/);
});
