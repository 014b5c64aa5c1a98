import assert from "node:assert/strict";
import { seededRandom } from "../../../src/domain/random.ts";
import { NO_AUTH } from "../../../src/scout/openstack/auth.ts";
import { UpstreamError } from "../../../src/scout/openstack/errors.ts";
import { ServiceClient } from "../../../src/scout/openstack/http.ts";
import { IronicApi } from "../../../src/scout/openstack/ironic.ts";
import { ManualClock } from "../../../src/runtime/clock.ts";
import { type RawAction, rawHttpServer, type RawRequest } from "../../_fakes/raw_http.ts";

const signal = new AbortController().signal;
const ROOT: RawAction = {
  kind: "answer",
  status: 200,
  body: '{"default_version": {"version": "1.82"}}',
};
const LOCKED: RawAction = {
  kind: "answer",
  status: 409,
  body: JSON.stringify({
    error_message: JSON.stringify({ faultstring: "Node n1 is locked by host c1" }),
  }),
};
const ACCEPTED: RawAction = { kind: "answer", status: 202, body: "" };

/** An Ironic whose root answers normally and whose other paths answer as `act` says. */
function ironic(act: (request: RawRequest, index: number) => RawAction) {
  const server = rawHttpServer((r, i) => r.path === "/" ? ROOT : act(r, i));
  const clock = new ManualClock(1_700_000_000_000);
  const api = new IronicApi(
    new ServiceClient({
      service: "baremetal",
      endpoint: () => Promise.resolve(server.url),
      credentials: NO_AUTH,
      policy: { retries: 3, intervalSeconds: 0, timeoutSeconds: 0.05 },
      random: seededRandom(1),
    }),
    { clock, conflict: { retries: 2, intervalSeconds: 5 } },
  );
  const writes = () => server.requests.filter((r) => r.method !== "GET");
  return { server, clock, api, writes };
}

/** Waits (a bounded number of turns of the event loop) until someone sleeps on `clock`. */
async function untilSleeping(clock: ManualClock): Promise<void> {
  for (let turn = 0; turn < 10_000 && clock.pending === 0; turn++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  assert.equal(clock.pending, 1, "nobody is waiting on the clock");
}

const WRITES: Record<string, (api: IronicApi) => Promise<void>> = {
  "IronicApi.setProvisionState()": (api) => api.setProvisionState("n1", "manage", signal),
  "IronicApi.patchNode()": (api) =>
    api.patchNode("n1", [{ op: "add", path: "/extra/x", value: 1 }], signal),
  "IronicApi.vendorPassthru()": (api) => api.vendorPassthru("n1", "cache_image", {}, signal),
};
const FAULTS: Record<string, RawAction> = {
  "an answer of 500": { kind: "answer", status: 500, body: "{}" },
  "no answer within call_timeout": { kind: "hang" },
  "a connection closed after the request arrived": { kind: "close" },
};

for (const [name, write] of Object.entries(WRITES)) {
  for (const [fault, action] of Object.entries(FAULTS)) {
    Deno.test(`${name} sends its write exactly once after ${fault}`, async () => {
      const { server, api, writes } = ironic(() => action);
      await using _ = server;
      await assert.rejects(write(api), UpstreamError);
      assert.equal(writes().length, 1, JSON.stringify(server.requests));
    });
  }
}

Deno.test("IronicApi.setProvisionState() sends a 409 again api_max_retries times, api_retry_interval apart", async () => {
  const { server, clock, api, writes } = ironic(() => LOCKED);
  await using _ = server;
  const done = api.setProvisionState("n1", "provide", signal).then(() => undefined, (e) => e);
  await untilSleeping(clock);
  assert.equal(writes().length, 1);
  await clock.advance(4_999);
  assert.equal(writes().length, 1, "not before the interval");
  await clock.advance(1);
  await untilSleeping(clock);
  assert.equal(writes().length, 2);
  await clock.advance(5_000);
  const error = await done;
  assert.ok(error instanceof UpstreamError);
  assert.equal(error.status, 409);
  assert.match(
    error.message,
    /^Ironic: PUT \/v1\/nodes\/n1\/states\/provision: 409 Node n1 is locked/,
  );
  assert.equal(writes().length, 3, "the first and 2 retries");
  assert.deepEqual(writes().map((r) => r.body), Array(3).fill('{"target":"provide"}'));
});

Deno.test("IronicApi.patchNode() succeeds when a 409 clears within the retries", async () => {
  const { server, clock, api, writes } = ironic((_, i) => i === 1 ? LOCKED : ACCEPTED);
  await using _ = server;
  const done = api.patchNode("n1", [{ op: "remove", path: "/extra/x" }], signal);
  await untilSleeping(clock);
  await clock.advance(5_000);
  await done;
  assert.equal(writes().length, 2);
});
