import assert from "node:assert/strict";
import { type Random, seededRandom } from "../../../src/domain/random.ts";
import { NO_AUTH } from "../../../src/scout/openstack/auth.ts";
import { UpstreamError } from "../../../src/scout/openstack/errors.ts";
import {
  readRetry,
  type RetryPolicy,
  ServiceClient,
  type UpstreamObserver,
} from "../../../src/scout/openstack/http.ts";
import { type RawAction, rawHttpServer } from "../../_fakes/raw_http.ts";

const signal = new AbortController().signal;
/** The waits seed 7 gives a backoff from 2 s, doubling, at most 30 s. */
const EXPECTED_WAITS = [2000, 2375, 7546, 14893, 18191, 30000];
/** Three retries, no wait between them, 50 ms per attempt. */
// Long enough for an answer to arrive in time on a loaded machine, short enough for a timeout test.
const POLICY: RetryPolicy = { retries: 3, intervalSeconds: 0, timeoutSeconds: 0.25 };

function client(
  url: string,
  policy = POLICY,
  observer?: UpstreamObserver,
  random: Random = seededRandom(1),
): ServiceClient {
  return new ServiceClient({
    service: "baremetal",
    endpoint: () => Promise.resolve(url),
    credentials: NO_AUTH,
    policy,
    observer,
    random,
  });
}

/**
 * A caller's signal that gives up long after any call_timeout in these tests: a client that
 * fails to bound an attempt then fails its test instead of hanging it.
 */
const guard = () => AbortSignal.timeout(5_000);

const WARM: RawAction = { kind: "answer", status: 200, body: "{}" };
const FAULTS: Record<string, RawAction> = {
  "an answer of 500": { kind: "answer", status: 500, body: '{"error_message": "boom"}' },
  "no answer within call_timeout": { kind: "hang" },
  "a connection closed after the request arrived": { kind: "close" },
  "a body that stalls after the headers": { kind: "stall", status: 200, body: "{}", sent: 1 },
};

for (const [fault, action] of Object.entries(FAULTS)) {
  Deno.test(`ServiceClient.request() sends a write exactly once after ${fault}`, async () => {
    await using server = rawHttpServer((r) => r.path === "/warm" ? WARM : action);
    const ironic = client(server.url);
    for (const method of ["PUT", "PATCH", "POST", "DELETE"]) {
      // A read first, so that a pooled keep-alive connection is there to be reused.
      await (await ironic.request("GET", "warm", { signal })).body?.cancel();
      const before = server.requests.length;
      const error = await ironic.request(method, "v1/nodes/n1/states/provision", {
        signal: guard(),
        json: { target: "manage" },
      }).catch((e) => e);
      assert.ok(error instanceof UpstreamError, String(error));
      assert.match(error.message, new RegExp(`^Ironic: ${method} /v1/nodes/n1/states/provision: `));
      assert.equal(server.requests.length - before, 1, `${method}: one request, not retried`);
    }
    // The same fault on a read is retried: the fault is real, and only writes are spared.
    const before = server.requests.length;
    await assert.rejects(ironic.request("GET", "v1/nodes", { signal: guard() }), UpstreamError);
    // At least the first try and 3 retries: on a reused connection that closes without an answer,
    // Deno's HTTP client resends once more by itself, which is harmless for a read.
    assert.ok(server.requests.length - before >= 4, "a GET is retried");
  });
}

Deno.test("ServiceClient.request() retries a write marked idempotent like a read", async () => {
  await using server = rawHttpServer(() => FAULTS["an answer of 500"]);
  await assert.rejects(
    client(server.url).request("POST", "v3/auth/tokens", { signal, json: {}, idempotent: true }),
    /^UpstreamError: Ironic: POST \/v3\/auth\/tokens: 500 boom$/,
  );
  assert.equal(server.requests.length, 4);
});

const NODES = JSON.stringify({ nodes: [{ uuid: "n1" }, { uuid: "n2" }] });

Deno.test("ServiceClient.text() retries a read whose body is cut off mid-stream", async () => {
  await using server = rawHttpServer((_, i) =>
    i < 2 ? { kind: "cut", body: NODES, sent: 10 } : { kind: "answer", status: 200, body: NODES }
  );
  const { text } = await client(server.url).text("GET", "v1/nodes", { signal });
  assert.equal(text, NODES);
  assert.equal(server.requests.length, 3);
});

Deno.test("ServiceClient.json() names service, method and path when every body is cut off", async () => {
  await using server = rawHttpServer(() => ({ kind: "cut", body: NODES, sent: 10 }));
  const error = await client(server.url).json(
    "GET",
    "v1/nodes/0c0ffee0-0000-4000-8000-000000000001",
    {
      signal,
    },
  ).catch((e) => e);
  assert.ok(error instanceof UpstreamError, String(error));
  assert.equal(error.status, undefined);
  assert.match(
    error.message,
    /^Ironic: GET \/v1\/nodes\/\{uuid\}: the answer was cut off \(.+\)$/,
  );
  assert.equal(server.requests.length, 4, "the first try and 3 retries");
});

Deno.test("ServiceClient.request() reads a whole body before it returns a read's answer", async () => {
  await using server = rawHttpServer((_, i) =>
    i === 0 ? { kind: "cut", body: NODES, sent: 10 } : { kind: "answer", status: 200, body: NODES }
  );
  const response = await client(server.url).request("GET", "v1/nodes", { signal });
  assert.deepEqual(await response.json(), JSON.parse(NODES));
  assert.equal(new URL(response.url).pathname, "/v1/nodes");
});

const STALLED: RawAction = { kind: "stall", status: 200, body: NODES, sent: 10 };

Deno.test("ServiceClient.text() retries a read whose body stalls after the headers", async () => {
  await using server = rawHttpServer((_, i) =>
    i < 2 ? STALLED : { kind: "answer", status: 200, body: NODES }
  );
  const { text } = await client(server.url).text("GET", "v1/nodes", { signal: guard() });
  assert.equal(text, NODES);
  assert.equal(server.requests.length, 3);
});

Deno.test("ServiceClient.json() says a read got no answer within call_timeout when every body stalls", async () => {
  await using server = rawHttpServer(() => STALLED);
  const error = await client(server.url).json("GET", "v1/nodes", { signal: guard() })
    .catch((e) => e);
  assert.ok(error instanceof UpstreamError, String(error));
  assert.equal(error.status, undefined);
  assert.equal(error.message, "Ironic: GET /v1/nodes: no answer within 0.25 s");
  assert.equal(server.requests.length, 4, "the first try and 3 retries");
});

Deno.test("ServiceClient.request() sends a write once and reports no answer when its body stalls", async () => {
  await using server = rawHttpServer(() => ({ ...STALLED, status: 202 }));
  const error = await client(server.url).request(
    "PUT",
    "v1/nodes/0c0ffee0-0000-4000-8000-000000000001/states/provision",
    { signal: guard(), json: { target: "manage" } },
  ).catch((e) => e);
  assert.ok(error instanceof UpstreamError, String(error));
  assert.equal(error.status, undefined, "an answer never read in full is ambiguous");
  assert.equal(
    error.message,
    "Ironic: PUT /v1/nodes/{uuid}/states/provision: no answer within 0.25 s",
  );
  assert.equal(server.requests.length, 1);
});

Deno.test("ServiceClient.request() counts a stalled body in its attempt and its announced wait", async () => {
  await using server = rawHttpServer(() => STALLED);
  const seen: string[] = [];
  const observer: UpstreamObserver = {
    observeUpstream: (_, method, status, seconds) =>
      void seen.push(`${method} ${status} ${seconds >= 0.25 ? "timed out" : "early"}`),
    observeWait: (_, ms) => void seen.push(`wait ${ms}`),
  };
  const policy = { ...POLICY, retries: 1 };
  await assert.rejects(
    client(server.url, policy, observer).request("GET", "v1/nodes", { signal: guard() }),
    /no answer within 0.25 s/,
  );
  assert.deepEqual(seen, [
    "wait 250", // the attempt, body included, takes at most call_timeout
    "GET error timed out",
    "wait 30000",
    "wait 250",
    "GET error timed out",
    "wait 30000",
  ]);
});

Deno.test("readRetry() waits 50-100 % of the capped backoff, drawn from its random source", () => {
  const retry = readRetry({ retries: 6, intervalSeconds: 2, timeoutSeconds: 60 }, seededRandom(7));
  // ky's schedule: the jittered backoff of attempt n, at most backoffLimit.
  const waits = [1, 2, 3, 4, 5, 6].map((n) =>
    Math.round(Math.min(retry.backoffLimit, retry.jitter(retry.delay(n))))
  );
  assert.deepEqual(waits, EXPECTED_WAITS);
  const again = readRetry({ retries: 6, intervalSeconds: 2, timeoutSeconds: 60 }, seededRandom(7));
  assert.equal(Math.round(again.jitter(again.delay(1))), EXPECTED_WAITS[0], "same seed, same wait");
});

Deno.test("ServiceClient.request() draws the jitter of every retry from its random source", async () => {
  await using server = rawHttpServer(() => FAULTS["an answer of 500"]);
  const seeded = seededRandom(1);
  let draws = 0;
  const random: Random = { ...seeded, next: () => (draws++, seeded.next()) };
  await assert.rejects(
    client(server.url, POLICY, undefined, random).request("GET", "v1/nodes", { signal }),
    UpstreamError,
  );
  assert.equal(server.requests.length, 4);
  assert.equal(draws, 3, "one draw per retry");
});
