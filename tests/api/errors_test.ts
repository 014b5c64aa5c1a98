import assert from "node:assert/strict";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { createApi } from "../../src/api/app.ts";
import { onError } from "../../src/api/errors.ts";
import { closeLogging, configureLogging } from "../../src/runtime/log.ts";
import { json, testDeps } from "./_deps.ts";

/** Captures the `["arsenal", "api"]` log records while `fn` runs. */
async function capturingLogs(fn: () => Promise<void>): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  await configure({
    reset: true,
    sinks: { capture: (record: LogRecord) => records.push(record) },
    loggers: [
      { category: ["arsenal", "api"], lowestLevel: "debug", sinks: ["capture"] },
      { category: ["logtape", "meta"], lowestLevel: "error", sinks: [] },
    ],
  });
  try {
    await fn();
  } finally {
    await reset();
  }
  return records;
}

Deno.test("createApi() answers unknown routes with 404 JSON", async () => {
  const app = createApi(testDeps());
  for (const path of ["/", "/nope", "/v1", "/v1/plans", "/livez/extra", "/v2/runtime"]) {
    assert.deepEqual(await json(await app.request(path), 404), { error: "not found" }, path);
  }
  const res = await app.request("/nope", { method: "DELETE" });
  assert.deepEqual(await json(res, 404), { error: "not found" });
});

Deno.test("createApi() answers a known path with a wrong method with 405 JSON and Allow", async () => {
  const deps = testDeps({ token: "t0ken" });
  const app = createApi(deps);
  const cases: [string, string, string][] = [
    ["POST", "/livez", "GET, HEAD"],
    ["DELETE", "/-/ready", "GET, HEAD"],
    ["PUT", "/metrics", "GET, HEAD"],
    ["POST", "/v1/plan", "GET, HEAD"],
    ["GET", "/v1/cycle", "POST"],
    ["PUT", "/v1/runtime", "GET, HEAD, PATCH"],
    ["DELETE", "/v1/runtime", "GET, HEAD, PATCH"],
  ];
  for (const [method, path, allow] of cases) {
    const res = await app.request(path, { method });
    assert.equal(res.headers.get("Allow"), allow, `${method} ${path}`);
    assert.match(String((await json(res, 405)).error), new RegExp(method), `${method} ${path}`);
  }
  assert.equal(deps.controller.triggered, 0);
});

Deno.test("createApi() answers 500 JSON without the error's message and logs it", async () => {
  const deps = testDeps();
  const secret = "connection to ironic at 10.0.0.5 failed: password=hunter2";
  deps.controller.lastCycle = () => {
    throw new Error(secret);
  };
  deps.controller.triggerCycle = () => Promise.reject(new Error(secret));
  const app = createApi(deps);
  const records = await capturingLogs(async () => {
    for (const [path, method] of [["/v1/plan", "GET"], ["/v1/cycle", "POST"]]) {
      const res = await app.request(path, { method });
      const text = await res.clone().text();
      assert.deepEqual(await json(res, 500), { error: "internal error" }, path);
      assert.ok(!text.includes("hunter2") && !text.includes("at "), text);
    }
  });
  assert.equal(records.length, 2);
  assert.equal(records[0].level, "error");
  assert.deepEqual(records[0].category, ["arsenal", "api"]);
  assert.equal(records[0].properties.path, "/v1/plan");
  assert.equal((records[1].properties.error as Error).message, secret);
});

Deno.test("onError() names the cause of a 500 in the text log line", async () => {
  const deps = testDeps();
  deps.controller.lastCycle = () => {
    throw new RangeError("Maximum call stack size exceeded");
  };
  const lines: string[] = [];
  await configureLogging({ level: "info", write: (line) => lines.push(line) });
  try {
    const res = await createApi(deps).request("/v1/plan");
    assert.deepEqual(await json(res, 500), { error: "internal error" });
  } finally {
    await closeLogging();
  }
  assert.equal(lines.length, 1, lines.join(""));
  assert.match(
    lines[0],
    /Unhandled error in GET \/v1\/plan: RangeError: Maximum call stack size exceeded$/m,
  );
});

Deno.test("createApi() answers 500 JSON when the metrics source fails", async () => {
  const deps = testDeps({
    metrics: { contentType: "text/plain", render: () => Promise.reject(new Error("boom")) },
  });
  const records = await capturingLogs(async () => {
    const res = await createApi(deps).request("/metrics");
    assert.deepEqual(await json(res, 500), { error: "internal error" });
  });
  assert.equal(records.length, 1);
});

Deno.test("onError() turns a text HTTPException into JSON and keeps its headers", async () => {
  const app = new Hono().get("/", () => {
    const res = new Response("Teapot", { status: 418, headers: { "Retry-After": "5" } });
    throw new HTTPException(418, { res, message: "short and stout" });
  });
  app.onError(onError);
  const res = await app.request("/");
  assert.equal(res.headers.get("Retry-After"), "5");
  assert.deepEqual(await json(res, 418), { error: "short and stout" });
});
