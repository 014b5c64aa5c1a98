/**
 * `GET /metrics`: the Prometheus exposition, in the content type the source names.
 *
 * @module
 */
import { Hono } from "hono";
import type { MetricsSource } from "./deps.ts";

/** The metrics route. */
export function metricsRoutes(metrics: MetricsSource): Hono {
  return new Hono().get("/metrics", async (c) => {
    const text = await metrics.render();
    return c.body(text, 200, { "Content-Type": metrics.contentType });
  });
}
