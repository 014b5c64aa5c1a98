/**
 * The OpenStack clients' metrics: every HTTP attempt to an OpenStack service, by service, method
 * and status, and how long it took.
 *
 * @module
 */
import * as client from "../../runtime/prom_client.ts";
import type { UpstreamObserver } from "./http.ts";
import { DURATION_BUCKETS } from "../../runtime/metrics.ts";

/** The HTTP requests the OpenStack clients made, on a registry. */
export class UpstreamMetrics implements UpstreamObserver {
  readonly #requests: client.Counter<"service" | "method" | "status">;
  readonly #duration: client.Histogram<"service">;

  /** Registers the upstream request metrics on `registry`. */
  constructor(registry: client.Registry) {
    const registers = [registry];
    this.#requests = new client.Counter({
      name: "arsenal_upstream_requests_total",
      help: "HTTP requests to OpenStack services (each retry counts), by service, method and " +
        "status (`error`: no whole response: connection error, timeout or a body cut off).",
      labelNames: ["service", "method", "status"],
      registers,
    });
    this.#duration = new client.Histogram({
      name: "arsenal_upstream_request_duration_seconds",
      help:
        "Time OpenStack services took to answer one HTTP request, to its last byte, by service.",
      labelNames: ["service"],
      buckets: [...DURATION_BUCKETS],
      registers,
    });
  }

  /** Counts one HTTP request (one attempt) to an OpenStack service. */
  observeUpstream(service: string, method: string, status: string, seconds: number): void {
    this.#requests.inc({ service, method, status });
    this.#duration.observe({ service }, Math.max(0, seconds));
  }
}
