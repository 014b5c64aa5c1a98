/**
 * Cycles: `GET /v1/plan` shows the last finished one, `POST /v1/cycle` runs one now.
 *
 * @module
 */
import { Hono, type MiddlewareHandler } from "hono";
import type { Controller } from "./deps.ts";
import { ApiError } from "./errors.ts";

/**
 * The cycle routes, mounted under `/v1`.
 *
 * `POST /cycle` waits for the cycle and answers with its record; while another cycle runs it
 * answers 409 at once, so a retrying operator never queues a second one.
 *
 * @param guard the middleware in front of `POST /cycle` (see `mutationGuard()`)
 */
export function cycleRoutes(controller: Controller, guard: MiddlewareHandler): Hono {
  return new Hono()
    .get("/plan", (c) => {
      const record = controller.lastCycle();
      if (record === undefined) throw new ApiError(404, "no cycle has finished yet");
      return c.json(record, 200);
    })
    .post("/cycle", guard, async (c) => {
      const running = controller.triggerCycle();
      if (running === undefined) throw new ApiError(409, "a cycle is already running");
      return c.json(await running, 200);
    });
}
