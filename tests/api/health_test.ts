import assert from "node:assert/strict";
import { createApi } from "../../src/api/app.ts";
import { FAKE_METRICS, json, testDeps } from "./_deps.ts";

Deno.test("createApi() GET /livez and /-/healthy answer 200 ok while the loop is live", async () => {
  const app = createApi(testDeps());
  for (const path of ["/livez", "/-/healthy"]) {
    assert.deepEqual(await json(await app.request(path), 200), { status: "ok" }, path);
  }
});

Deno.test("createApi() GET /livez and /-/healthy answer 503 with the reason when wedged", async () => {
  const deps = testDeps();
  deps.controller.live = { ok: false, reason: "no cycle started for 600 s" };
  const app = createApi(deps);
  for (const path of ["/livez", "/-/healthy"]) {
    assert.deepEqual(
      await json(await app.request(path), 503),
      { status: "unhealthy", reason: "no cycle started for 600 s" },
      path,
    );
  }
});

Deno.test("createApi() GET /readyz and /-/ready answer 200 ready when ready", async () => {
  const app = createApi(testDeps());
  for (const path of ["/readyz", "/-/ready"]) {
    assert.deepEqual(await json(await app.request(path), 200), { status: "ready" }, path);
  }
});

Deno.test("createApi() GET /readyz and /-/ready answer 503 with the reason when not ready", async () => {
  const deps = testDeps();
  deps.controller.ready = { ok: false, reason: "the last scout failed" };
  const app = createApi(deps);
  for (const path of ["/readyz", "/-/ready"]) {
    assert.deepEqual(
      await json(await app.request(path), 503),
      { status: "not ready", reason: "the last scout failed" },
      path,
    );
  }
});

Deno.test("createApi() GET /metrics answers the exposition in the source's content type", async () => {
  const res = await createApi(testDeps()).request("/metrics");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("Content-Type"), FAKE_METRICS.contentType);
  assert.equal(await res.text(), await FAKE_METRICS.render());
});

Deno.test("createApi() answers HEAD on read routes without a body", async () => {
  const res = await createApi(testDeps()).request("/livez", { method: "HEAD" });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "");
});
