/**
 * Health probes for Kubernetes and Prometheus-style checks: `GET /livez` (alias `/-/healthy`) and
 * `GET /readyz` (alias `/-/ready`). They answer 200 or 503 with a JSON status and, when negative,
 * the controller's reason.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import type { Controller, Health } from "./deps.ts";

function answer(c: Context, health: Health, good: string, bad: string): Response {
  return health.ok
    ? c.json({ status: good }, 200)
    : c.json({ status: bad, reason: health.reason }, 503);
}

/**
 * The health routes.
 *
 * @example
 * ```ts ignore
 * app.route("/", healthRoutes(controller)); // GET /livez -> 200 {"status":"ok"}
 * ```
 */
export function healthRoutes(controller: Controller): Hono {
  const live = (c: Context) => answer(c, controller.liveness(), "ok", "unhealthy");
  const ready = (c: Context) => answer(c, controller.readiness(), "ready", "not ready");
  return new Hono()
    .get("/livez", live)
    .get("/-/healthy", live)
    .get("/readyz", ready)
    .get("/-/ready", ready);
}
