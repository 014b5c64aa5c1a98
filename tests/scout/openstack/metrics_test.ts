/**
 * Tests of `src/scout/openstack/metrics.ts`: HTTP requests to OpenStack, read back from the
 * exposition.
 *
 * @module
 */
import assert from "node:assert/strict";
import { UpstreamMetrics } from "../../../src/scout/openstack/metrics.ts";
import { scrape, testMetrics, value } from "../../_metrics.ts";

Deno.test("UpstreamMetrics.observeUpstream() counts requests by service, method and status", async () => {
  const metrics = testMetrics("openstack");
  const upstream = new UpstreamMetrics(metrics.registry);
  upstream.observeUpstream("baremetal", "GET", "200", 0.02);
  upstream.observeUpstream("baremetal", "GET", "200", 0.04);
  upstream.observeUpstream("baremetal", "PUT", "409", 3);
  upstream.observeUpstream("identity", "POST", "error", 0.5);
  const samples = await scrape(metrics);
  const requests = (labels: Record<string, string>) =>
    value(samples, "arsenal_upstream_requests_total", labels);
  assert.equal(requests({ service: "baremetal", method: "GET", status: "200" }), 2);
  assert.equal(requests({ service: "baremetal", method: "PUT", status: "409" }), 1);
  assert.equal(requests({ service: "identity", method: "POST", status: "error" }), 1);
  assert.equal(
    value(samples, "arsenal_upstream_request_duration_seconds_count", { service: "baremetal" }),
    3,
  );
});
