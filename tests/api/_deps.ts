/**
 * Test doubles for the control API: a controller whose answers and cycles the test decides, real
 * runtime settings, and a fixed metrics source.
 *
 * @module
 */
import assert from "node:assert/strict";
import simpleProportional from "../../plugins/simple_proportional.ts";
import type { ApiDeps, Controller, Health, MetricsSource } from "../../src/api/deps.ts";
import type { RecentDeploy } from "../../src/director/recent_deploys.ts";
import type { CycleRecord } from "../../src/director/record.ts";
import { RuntimeSettings, type Tunables } from "../../src/runtime/settings.ts";
import { tunables } from "../_helpers.ts";

/** The configured settings every test starts from. */
export const CONFIGURED: Tunables = tunables();

/** A finished cycle with fixed timestamps. */
export function cycleRecord(fields: Partial<CycleRecord> = {}): CycleRecord {
  return {
    startedAt: 1_700_000_000_000,
    finishedAt: 1_700_000_001_500,
    outcome: "success",
    trigger: "schedule",
    strategy: { name: "simple_proportional", version: "1.0.0" },
    seed: 42,
    dryRun: false,
    directives: [{ kind: "eject", nodeUuid: "n1", outcome: "issued" }],
    flavors: [{ flavor: "small", provisioned: 1, available: 2, cached: 1 }],
    images: [{ uuid: "i1", name: "ubuntu", cached: 1 }],
    ...fields,
  };
}

/** A controller whose health and last cycle are plain fields, and whose cycles the test ends. */
export class FakeController implements Controller {
  live: Health = { ok: true };
  ready: Health = { ok: true };
  last: CycleRecord | undefined = undefined;
  /** How many cycles were started. */
  triggered = 0;
  #running: PromiseWithResolvers<CycleRecord> | undefined;
  #started = Promise.withResolvers<void>();

  liveness(): Health {
    return this.live;
  }

  readiness(): Health {
    return this.ready;
  }

  /** What `recentDeploys()` answers. */
  deploys: RecentDeploy[] = [];

  recentDeploys(): readonly RecentDeploy[] {
    return this.deploys;
  }

  lastCycle(): CycleRecord | undefined {
    return this.last;
  }

  triggerCycle(): Promise<CycleRecord> | undefined {
    if (this.#running) return undefined;
    this.triggered++;
    this.#running = Promise.withResolvers<CycleRecord>();
    this.#started.resolve();
    return this.#running.promise;
  }

  /** Resolves once a cycle is running. */
  started(): Promise<void> {
    return this.#started.promise;
  }

  /** Ends the running cycle with `record`. */
  finish(record: CycleRecord): void {
    assert.ok(this.#running, "no cycle is running");
    this.#running.resolve(record);
    this.#running = undefined;
    this.#started = Promise.withResolvers<void>();
    this.last = record;
  }
}

/** A metrics source with fixed text. */
export const FAKE_METRICS: MetricsSource = {
  contentType: "text/plain; version=0.0.4; charset=utf-8",
  render: () => Promise.resolve("# HELP arsenal_up Up.\n# TYPE arsenal_up gauge\narsenal_up 1\n"),
};

/** Deps for `createApi()`: a fake controller, fresh settings, fake metrics, open and writable. */
export function testDeps(
  fields: Partial<Omit<ApiDeps, "controller">> = {},
): ApiDeps & { controller: FakeController } {
  return {
    controller: new FakeController(),
    settings: new RuntimeSettings(CONFIGURED, simpleProportional.options),
    metrics: FAKE_METRICS,
    readOnly: false,
    ...fields,
  };
}

/** Asserts `res` is JSON with `status` and returns its body. */
export async function json(res: Response, status: number): Promise<Record<string, unknown>> {
  const body = await res.text();
  assert.equal(res.status, status, body);
  assert.equal(res.headers.get("Content-Type"), "application/json");
  return JSON.parse(body);
}
