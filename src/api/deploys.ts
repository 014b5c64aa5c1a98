/**
 * `GET /v1/deploys`: the most recent deploys the loop observed, newest first.
 *
 * @module
 */
import { Hono } from "hono";
import type { Controller } from "./deps.ts";

/** The deploys route, mounted under `/v1`: `{"deploys": [{time, node, flavor, image, imageName, hit}]}`. */
export function deploysRoutes(controller: Controller): Hono {
  return new Hono().get("/deploys", (c) => c.json({ deploys: controller.recentDeploys() }, 200));
}
