import assert from "node:assert/strict";
import { createApi } from "../../src/api/app.ts";
import { json, testDeps } from "./_deps.ts";

Deno.test("createApi() GET /v1/deploys answers the most recent observed deploys, newest first", async () => {
  const deps = testDeps();
  assert.deepEqual(await json(await createApi(deps).request("/v1/deploys"), 200), { deploys: [] });
  const deploy = {
    time: "2026-01-01T00:00:00.000Z",
    node: "n1",
    flavor: "small",
    image: "u1",
    imageName: "Ubuntu",
    hit: true,
  };
  deps.controller.deploys = [deploy, { ...deploy, node: "n0", hit: false }];
  const body = await json(await createApi(deps).request("/v1/deploys"), 200);
  assert.deepEqual(body, { deploys: deps.controller.deploys });
});

Deno.test("createApi() /v1/deploys refuses other methods with 405", async () => {
  const res = await createApi(testDeps()).request("/v1/deploys", { method: "POST" });
  assert.equal(res.status, 405);
  await res.body?.cancel();
});
