import assert from "node:assert/strict";
import { createApi } from "../../src/api/app.ts";
import { mutationGuard } from "../../src/api/guard.ts";
import { cycleRecord, json, testDeps } from "./_deps.ts";

const TOKEN = "s3cret-T0ken.value~";

const PATCH_DRY_RUN: RequestInit = {
  method: "PATCH",
  headers: { "Content-Type": "application/merge-patch+json" },
  body: '{"dry_run": true}',
};

/** `init` with an extra Authorization header, unless it is undefined. */
function withAuth(init: RequestInit, authorization?: string): RequestInit {
  const headers = new Headers(init.headers);
  if (authorization !== undefined) headers.set("Authorization", authorization);
  return { ...init, headers };
}

/** The mutating routes, as path and request. */
const MUTATIONS: [string, RequestInit][] = [
  ["/v1/runtime", PATCH_DRY_RUN],
  ["/v1/cycle", { method: "POST" }],
];

Deno.test("createApi() refuses mutating routes with 401 JSON without the token", async (t) => {
  const deps = testDeps({ token: TOKEN });
  const app = createApi(deps);
  const attempts: [string, string | undefined][] = [
    ["no header", undefined],
    ["a wrong token", "Bearer wrong-token"],
    ["a token with a suffix", `Bearer ${TOKEN}x`],
    ["another scheme", `Basic ${btoa(`admin:${TOKEN}`)}`],
    ["an empty bearer", "Bearer "],
  ];
  for (const [name, authorization] of attempts) {
    await t.step(name, async () => {
      for (const [path, init] of MUTATIONS) {
        const res = await app.request(path, withAuth(init, authorization));
        assert.equal(typeof (await json(res, 401)).error, "string", path);
        assert.match(res.headers.get("WWW-Authenticate") ?? "", /^Bearer realm="arsenal"/, path);
      }
    });
  }
  assert.equal(deps.settings.current.dry_run, false);
  assert.equal(deps.controller.triggered, 0);
});

Deno.test("createApi() accepts mutating routes with the right bearer token", async () => {
  const deps = testDeps({ token: TOKEN });
  const app = createApi(deps);
  const patched = await app.request("/v1/runtime", withAuth(PATCH_DRY_RUN, `Bearer ${TOKEN}`));
  assert.deepEqual((await json(patched, 200)).changes, [
    { setting: "dry_run", from: false, to: true },
  ]);
  assert.equal(deps.settings.current.dry_run, true);

  const cycle = app.request("/v1/cycle", withAuth({ method: "POST" }, `bearer ${TOKEN}`));
  await deps.controller.started();
  deps.controller.finish(cycleRecord({ trigger: "manual" }));
  assert.equal((await json(await cycle, 200)).trigger, "manual");
});

Deno.test("createApi() serves read routes without a token when one is set", async () => {
  const deps = testDeps({ token: TOKEN });
  deps.controller.last = cycleRecord();
  const app = createApi(deps);
  for (
    const path of [
      "/livez",
      "/readyz",
      "/-/healthy",
      "/-/ready",
      "/metrics",
      "/v1/plan",
      "/v1/runtime",
    ]
  ) {
    assert.equal((await app.request(path)).status, 200, path);
  }
});

Deno.test("createApi() refuses mutating routes with 403 JSON when read-only", async () => {
  for (const token of [undefined, TOKEN]) {
    const deps = testDeps({ readOnly: true, token });
    const app = createApi(deps);
    for (const [path, init] of MUTATIONS) {
      const res = await app.request(path, withAuth(init, `Bearer ${TOKEN}`));
      const body = await json(res, 403);
      assert.deepEqual(body, { error: "the API is read-only" }, path);
    }
    assert.equal(deps.settings.current.dry_run, false);
    assert.equal(deps.controller.triggered, 0);
    assert.equal((await app.request("/v1/runtime")).status, 200);
  }
});

Deno.test("mutationGuard() refuses a token no request could present", () => {
  for (const token of ["", "has space", 'quote"d', "ünïcode"]) {
    assert.throws(() => mutationGuard({ token, readOnly: false }), TypeError, token);
  }
});
