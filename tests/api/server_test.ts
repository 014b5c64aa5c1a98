import assert from "node:assert/strict";
import { createApi } from "../../src/api/app.ts";
import { serveApi } from "../../src/api/server.ts";
import { isLoopback } from "../../src/runtime/net.ts";
import { cycleRecord, testDeps } from "./_deps.ts";

Deno.test("serveApi() serves on a free port and shuts down gracefully", async () => {
  const deps = testDeps();
  const api = await serveApi(createApi(deps), { hostname: "127.0.0.1", port: 0 });
  assert.notEqual(api.port, 0);
  assert.equal(api.url, `http://127.0.0.1:${api.port}`);

  const live = await fetch(`${api.url}/livez`);
  assert.equal(live.status, 200);
  assert.equal(live.headers.get("Content-Type"), "application/json");
  assert.deepEqual(await live.json(), { status: "ok" });

  // A request in flight when shutdown starts is still answered.
  const cycle = fetch(`${api.url}/v1/cycle`, { method: "POST" });
  await deps.controller.started();
  const stopped = api.shutdown();
  deps.controller.finish(cycleRecord({ trigger: "manual" }));
  const answer = await cycle;
  assert.equal(answer.status, 200);
  assert.equal((await answer.json()).trigger, "manual");
  await stopped;
  await api.shutdown();

  await assert.rejects(fetch(`${api.url}/livez`), TypeError);
});

Deno.test("serveApi() stops when its signal aborts", async () => {
  const controller = new AbortController();
  const api = await serveApi(createApi(testDeps()), {
    hostname: "127.0.0.1",
    port: 0,
    signal: controller.signal,
  });
  const res = await fetch(`${api.url}/readyz`);
  await res.body?.cancel();
  controller.abort();
  await api.shutdown();
  await assert.rejects(fetch(`${api.url}/readyz`), TypeError);
});

Deno.test("serveApi() rejects when the port is taken", async () => {
  const api = await serveApi(createApi(testDeps()), { hostname: "127.0.0.1", port: 0 });
  try {
    await assert.rejects(
      serveApi(createApi(testDeps()), { hostname: "127.0.0.1", port: api.port }),
      Deno.errors.AddrInUse,
    );
  } finally {
    await api.shutdown();
  }
});

Deno.test("isLoopback() accepts loopback addresses only", () => {
  const loopback = [
    "localhost",
    "LocalHost",
    "127.0.0.1",
    "127.1.2.3",
    "127.255.255.255",
    "::1",
    "[::1]",
    "0:0:0:0:0:0:0:1",
    "::ffff:127.0.0.1",
  ];
  const exposed = [
    "",
    "0.0.0.0",
    "::",
    "[::]",
    "10.0.0.1",
    "128.0.0.1",
    "127.0.0.256",
    "127.0.0.01",
    "127.1",
    "127.0.0.1.example.com",
    "localhost.example.com",
    "example.com",
    "::2",
    "::ffff:10.0.0.1",
    "fe80::1%lo",
  ];
  for (const hostname of loopback) assert.equal(isLoopback(hostname), true, hostname);
  for (const hostname of exposed) assert.equal(isLoopback(hostname), false, hostname);
});
