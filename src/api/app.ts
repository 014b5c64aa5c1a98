/**
 * The control API for operators (curl) and Prometheus, built with Hono.
 *
 * | Route                          | Answers                                                     |
 * | ------------------------------ | ----------------------------------------------------------- |
 * | `GET /livez`, `/-/healthy`     | 200 `{"status":"ok"}`, 503 `{"status":"unhealthy",reason}`  |
 * | `GET /readyz`, `/-/ready`      | 200 `{"status":"ready"}`, 503 `{"status":"not ready",...}`  |
 * | `GET /metrics`                 | 200, Prometheus text                                        |
 * | `GET /v1/plan`                 | 200 the last cycle record, 404 before the first one         |
 * | `GET /v1/deploys`              | 200 `{deploys}`: the last observed deploys, newest first    |
 * | `GET /v1/runtime`              | 200 the settings, with an `ETag`                            |
 * | `PATCH /v1/runtime` (guarded)  | 200 `{settings, changes}`; 400, 412, 413, 415, 422          |
 * | `POST /v1/cycle` (guarded)     | 200 the cycle record, 409 while a cycle runs                |
 *
 * Guarded routes answer 403 when the API is read-only and 401 without the bearer token when one
 * is set. Every error is JSON `{"error": ...}`: 404 for unknown paths, 405 (with `Allow`) for a
 * wrong method, 500 without details for anything unexpected.
 *
 * @module
 */
import { Hono } from "hono";
import { cycleRoutes } from "./cycle.ts";
import type { ApiDeps } from "./deps.ts";
import { deploysRoutes } from "./deploys.ts";
import { notFound, onError, rejectOtherMethods } from "./errors.ts";
import { mutationGuard } from "./guard.ts";
import { healthRoutes } from "./health.ts";
import { metricsRoutes } from "./metrics.ts";
import { runtimeRoutes } from "./runtime.ts";

/**
 * Builds the control API. Serve it with `serveApi()`, or call `app.request()` in tests.
 *
 * @throws {TypeError} when `deps.token` is set but could never be presented (see `mutationGuard()`)
 *
 * @example
 * ```ts ignore
 * const app = createApi({ controller, settings, metrics, token, readOnly: false });
 * const res = await app.request("/v1/runtime");
 * ```
 */
export function createApi(deps: ApiDeps): Hono {
  const guard = mutationGuard({ token: deps.token, readOnly: deps.readOnly });
  const app = new Hono()
    .route("/", healthRoutes(deps.controller))
    .route("/", metricsRoutes(deps.metrics))
    .route("/v1", cycleRoutes(deps.controller, guard))
    .route("/v1", deploysRoutes(deps.controller))
    .route("/v1", runtimeRoutes(deps.settings, guard));
  rejectOtherMethods(app);
  app.notFound(notFound);
  app.onError(onError);
  return app;
}
