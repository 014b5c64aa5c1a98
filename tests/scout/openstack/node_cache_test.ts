import assert from "node:assert/strict";
import {
  agentLive,
  cachedImage,
  ironicTime,
  isCached,
  recordStatus,
} from "../../../src/scout/openstack/node_cache.ts";

const T0 = Date.parse("2026-03-01T12:00:00.000Z");

Deno.test("ironicTime() reads Ironic's naive UTC timestamps, with or without microseconds", () => {
  assert.equal(ironicTime("2026-03-01T12:00:00"), T0);
  assert.equal(ironicTime("2026-03-01T12:00:00.250000"), T0 + 250);
  assert.equal(ironicTime("2026-03-01T13:00:00+01:00"), T0);
  assert.ok(Number.isNaN(ironicTime("yesterday")));
  assert.ok(Number.isNaN(ironicTime(undefined)));
});

Deno.test("agentLive() follows Ironic's fast-track rule at the given time", () => {
  const live = {
    power_state: "power on",
    last_error: null,
    driver_internal_info: {
      agent_url: "http://a:9999",
      agent_last_heartbeat: "2026-03-01T12:00:00",
    },
  };
  assert.equal(agentLive(live, T0 + 300_000, 300), true, "exactly the timeout: still live");
  assert.equal(agentLive(live, T0 + 300_001, 300), false);
  assert.equal(agentLive(live, T0 - 60_000, 300), true, "a heartbeat ahead of Arsenal's clock");
  assert.equal(agentLive({ ...live, power_state: "power off" }, T0, 300), false);
  assert.equal(agentLive({ ...live, last_error: "" }, T0, 300), false, "Ironic wants None");
  const noUrl = { ...live, driver_internal_info: { agent_last_heartbeat: "2026-03-01T12:00:00" } };
  assert.equal(agentLive(noUrl, T0, 300), false);
  const noBeat = { ...live, driver_internal_info: { agent_url: "http://a:9999" } };
  assert.equal(agentLive(noBeat, T0, 300), false);
});

Deno.test("isCached() and cachedImage() read the record with arsenal, driver_info otherwise", () => {
  const record = (status: unknown, image_id: unknown = "i1") => ({
    driver_info: { cache_image_id: "legacy", cache_status: "cached" },
    driver_internal_info: { arsenal_cache: { image_id, status } },
  });
  for (
    const [status, cached] of [["caching", true], ["cached", true], ["failed", false]] as const
  ) {
    assert.equal(isCached(record(status), "arsenal"), cached, status);
    assert.equal(cachedImage(record(status), "arsenal"), cached ? "i1" : "");
  }
  assert.equal(recordStatus(record("someday")), "lost", "an unknown status promises nothing");
  assert.equal(recordStatus(record("cached", 7)), "none", "a malformed record is none");
  assert.equal(recordStatus({ driver_internal_info: null }), "none");
  assert.equal(isCached(record("failed"), "annotate"), true);
  assert.equal(cachedImage(record("failed"), "vendor_passthru"), "legacy");
});
