import assert from "node:assert/strict";
import { createApi } from "../../src/api/app.ts";
import { cycleRecord, json, testDeps } from "./_deps.ts";

Deno.test("createApi() GET /v1/plan answers 404 before the first cycle finishes", async () => {
  const body = await json(await createApi(testDeps()).request("/v1/plan"), 404);
  assert.deepEqual(body, { error: "no cycle has finished yet" });
});

Deno.test("createApi() GET /v1/plan answers the last cycle record", async () => {
  const deps = testDeps();
  deps.controller.last = cycleRecord();
  const body = await json(await createApi(deps).request("/v1/plan"), 200);
  assert.deepEqual(body, cycleRecord());
});

Deno.test("createApi() POST /v1/cycle waits for the cycle and answers its record", async () => {
  const deps = testDeps();
  const app = createApi(deps);
  const answer = app.request("/v1/cycle", { method: "POST" });
  await deps.controller.started();
  const record = cycleRecord({ trigger: "manual" });
  deps.controller.finish(record);
  assert.deepEqual(await json(await answer, 200), record);
  assert.equal(deps.controller.triggered, 1);
});

Deno.test("createApi() POST /v1/cycle answers 409 while a cycle is running", async () => {
  const deps = testDeps();
  const app = createApi(deps);
  const first = app.request("/v1/cycle", { method: "POST" });
  await deps.controller.started();
  const second = await app.request("/v1/cycle", { method: "POST" });
  assert.deepEqual(await json(second, 409), { error: "a cycle is already running" });
  assert.equal(deps.controller.triggered, 1);

  deps.controller.finish(cycleRecord({ trigger: "manual" }));
  assert.equal((await first).status, 200);
  const third = app.request("/v1/cycle", { method: "POST" });
  await deps.controller.started();
  deps.controller.finish(cycleRecord({ trigger: "manual", seed: 7 }));
  assert.equal((await json(await third, 200)).seed, 7);
});
