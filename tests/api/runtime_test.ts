import assert from "node:assert/strict";
import { createApi } from "../../src/api/app.ts";
import { patchRefusal } from "../../src/api/runtime.ts";
import type { Change, PatchRejection, SettingProblem } from "../../src/runtime/settings.ts";
import { CONFIGURED, json, testDeps } from "./_deps.ts";

const MERGE_PATCH = "application/merge-patch+json";

/** A PATCH /v1/runtime request with a JSON body (or raw text) and extra headers. */
function patch(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: "PATCH",
    headers: { "Content-Type": MERGE_PATCH, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}

Deno.test("createApi() GET /v1/runtime answers the settings with their ETag", async () => {
  const res = await createApi(testDeps()).request("/v1/runtime");
  assert.equal(res.headers.get("ETag"), '"1"');
  assert.deepEqual(await json(res, 200), CONFIGURED);
});

Deno.test("createApi() PATCH /v1/runtime applies a merge patch and answers the changes", async () => {
  const deps = testDeps();
  const heard: Change[] = [];
  deps.settings.onChange((change) => heard.push(change));
  const app = createApi(deps);
  const res = await app.request(
    "/v1/runtime?reason=maintenance%20window",
    patch({ dry_run: true, strategy: { percentage_to_cache: 0.5 } }, { "If-Match": '"1"' }),
  );
  assert.equal(res.headers.get("ETag"), '"2"');
  const changes = [
    { setting: "dry_run", from: false, to: true, reason: "maintenance window" },
    { setting: "strategy.percentage_to_cache", from: 0.125, to: 0.5, reason: "maintenance window" },
  ];
  assert.deepEqual(await json(res, 200), {
    settings: { ...CONFIGURED, dry_run: true, strategy: { percentage_to_cache: 0.5 } },
    changes,
  });
  assert.deepEqual(heard, changes);
  const after = await app.request("/v1/runtime");
  assert.equal(after.headers.get("ETag"), '"2"');
  assert.equal((await json(after, 200)).dry_run, true);
});

Deno.test("createApi() PATCH /v1/runtime accepts application/json and no If-Match", async () => {
  const deps = testDeps();
  const res = await createApi(deps).request(
    "/v1/runtime",
    patch({ paused: true }, { "Content-Type": "application/json; charset=utf-8" }),
  );
  assert.deepEqual((await json(res, 200)).changes, [
    { setting: "paused", from: false, to: true },
  ]);
  assert.equal(deps.settings.current.paused, true);
});

Deno.test("createApi() PATCH /v1/runtime resets a setting to its configured value with null", async () => {
  const deps = testDeps();
  deps.settings.patch({ directive_spacing: 30, strategy: { percentage_to_cache: 0.9 } });
  const res = await createApi(deps).request(
    "/v1/runtime",
    patch({ directive_spacing: null, strategy: { percentage_to_cache: null } }),
  );
  const body = await json(res, 200);
  assert.deepEqual(body.settings, CONFIGURED);
  assert.deepEqual(body.changes, [
    { setting: "directive_spacing", from: 30, to: 120 },
    { setting: "strategy.percentage_to_cache", from: 0.9, to: 0.125 },
  ]);
});

Deno.test("createApi() PATCH /v1/runtime answers 400 for malformed JSON", async () => {
  const deps = testDeps();
  const res = await createApi(deps).request("/v1/runtime", patch('{"dry_run": tru'));
  assert.deepEqual(await json(res, 400), { error: "the body is not valid JSON" });
  assert.deepEqual(deps.settings.current, CONFIGURED);
});

Deno.test("createApi() PATCH /v1/runtime answers 400 for JSON that is not an object", async () => {
  const res = await createApi(testDeps()).request("/v1/runtime", patch([{ dry_run: true }]));
  assert.equal((await json(res, 400)).error, "the body must be a JSON object");
});

Deno.test("createApi() PATCH /v1/runtime answers 415 for another content type", async () => {
  const app = createApi(testDeps());
  for (const type of ["text/plain", "application/x-www-form-urlencoded", undefined]) {
    const init = patch({ dry_run: true });
    const headers = new Headers(init.headers);
    if (type === undefined) headers.delete("Content-Type");
    else headers.set("Content-Type", type);
    const res = await app.request("/v1/runtime", { ...init, headers });
    assert.match(String((await json(res, 415)).error), /merge-patch\+json/, String(type));
  }
});

Deno.test("createApi() PATCH /v1/runtime answers 413 for an oversized body", async () => {
  const huge = JSON.stringify({ dry_run: true, padding: "x".repeat(100_000) });
  const res = await createApi(testDeps()).request("/v1/runtime", patch(huge));
  assert.equal(res.status, 413);
  assert.equal(res.headers.get("Content-Type"), "application/json");
});

Deno.test("createApi() PATCH /v1/runtime answers 422 with problems and changes nothing", async (t) => {
  const cases: [string, unknown, string][] = [
    ["an unknown key", { dry_run: true, dryrun: true }, "dryrun"],
    ["an unknown strategy option", { strategy: { share: 0.5 } }, "strategy.share"],
    ["a wrong type", { dry_run: true, directive_spacing: "soon" }, "directive_spacing"],
    [
      "an out-of-range value",
      { paused: true, strategy: { percentage_to_cache: 2 } },
      "strategy.percentage_to_cache",
    ],
  ];
  for (const [name, body, path] of cases) {
    await t.step(name, async () => {
      const deps = testDeps();
      const res = await createApi(deps).request("/v1/runtime", patch(body));
      assert.equal(res.headers.get("ETag"), '"1"');
      const answer = await json(res, 422);
      assert.equal(answer.error, "the patch is invalid; nothing was changed");
      const problems = answer.problems as { path: string; message: string }[];
      assert.ok(problems.some((p) => p.path === path), JSON.stringify(problems));
      assert.deepEqual(deps.settings.current, CONFIGURED);
      assert.equal(deps.settings.etag, '"1"');
    });
  }
});

Deno.test("createApi() PATCH /v1/runtime answers 422 with a huge or deep value cut short", async (t) => {
  const deep = "[".repeat(20_000) + "]".repeat(20_000);
  const cases: [string, string, string][] = [
    ["20,000 levels deep", `{"dry_run": ${deep}}`, "dry_run"],
    [
      "20,000 levels deep, as a strategy option",
      `{"strategy": {"percentage_to_cache": ${deep}}}`,
      "strategy.percentage_to_cache",
    ],
    ["a 60,000-character string", JSON.stringify({ paused: "x".repeat(60_000) }), "paused"],
  ];
  for (const [name, body, path] of cases) {
    await t.step(name, async () => {
      const deps = testDeps();
      const res = await createApi(deps).request("/v1/runtime", patch(body));
      const text = await res.clone().text();
      assert.ok(text.length < 1_000, `${text.length} characters answered`);
      const answer = await json(res, 422);
      const [problem] = answer.problems as { path: string; value: unknown }[];
      assert.equal(problem.path, path);
      assert.equal(typeof problem.value, "string");
      assert.ok(String(problem.value).endsWith("…"), String(problem.value));
      // The preview is the start of the value's JSON text.
      assert.match(String(problem.value), /^(\[\[\[\[|"xxxx)/);
      assert.deepEqual(deps.settings.current, CONFIGURED);
    });
  }
  await t.step("a small value is echoed as it was sent", async () => {
    const res = await createApi(testDeps()).request("/v1/runtime", patch({ paused: [1, "a"] }));
    assert.deepEqual((await json(res, 422)).problems, [
      {
        path: "paused",
        message: "expected a boolean (true/false, yes/no, on/off, 1/0)",
        value: [1, "a"],
      },
    ]);
  });
});

Deno.test("createApi() PATCH /v1/runtime answers 412 for a stale If-Match", async () => {
  const deps = testDeps();
  deps.settings.patch({ paused: true });
  const res = await createApi(deps).request(
    "/v1/runtime",
    patch({ dry_run: true }, { "If-Match": '"1"' }),
  );
  assert.equal(res.headers.get("ETag"), '"2"');
  assert.match(String((await json(res, 412)).error), /stale/);
  assert.equal(deps.settings.current.dry_run, false);
});

Deno.test("createApi() PATCH /v1/runtime takes If-Match * or a list holding the current ETag", async () => {
  for (const ifMatch of ["*", '"7", "1"', '"1","9"']) {
    const deps = testDeps();
    const res = await createApi(deps).request(
      "/v1/runtime",
      patch({ paused: true }, { "If-Match": ifMatch }),
    );
    assert.equal(res.headers.get("ETag"), '"2"', ifMatch);
    assert.equal(deps.settings.current.paused, true);
    await res.body?.cancel();
  }
  const weak = await createApi(testDeps()).request(
    "/v1/runtime",
    patch({ paused: true }, { "If-Match": 'W/"1"' }),
  );
  assert.equal(
    String((await json(weak, 412)).error),
    'If-Match W/"1" is stale; the settings are now "1"',
  );
});

Deno.test("patchRefusal() maps each kind of rejection to its status, with the current ETag", () => {
  const problems: SettingProblem[] = [{ path: "dry_run", message: "expected a boolean", value: 1 }];
  const cases: [PatchRejection, number, string][] = [
    [{ kind: "malformed" }, 400, "the body must be a JSON object"],
    [{ kind: "stale", etag: '"3"' }, 412, 'If-Match "1" is stale; the settings are now "3"'],
    [{ kind: "invalid", problems }, 422, "the patch is invalid; nothing was changed"],
  ];
  for (const [rejection, status, message] of cases) {
    const error = patchRefusal(rejection, { ifMatch: '"1"', etag: '"3"' });
    assert.equal(error.status, status, rejection.kind);
    assert.equal(error.message, message);
    assert.deepEqual(error.problems, rejection.kind === "invalid" ? problems : undefined);
    assert.deepEqual(error.headers, { ETag: '"3"' });
  }
});
