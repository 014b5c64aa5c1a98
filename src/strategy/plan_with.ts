/**
 * Planning as the loop and `arsenal plan` do it: built-ins inline (they are Arsenal's own code
 * and take milliseconds), plugin files in a worker that a timeout or a stop abandons.
 *
 * @module
 */
import type { ObservedDeploy } from "../domain/deploy_history.ts";
import type { FleetState } from "../domain/fleet.ts";
import type { ImageWeights } from "../domain/image_weights.ts";
import { seededRandom } from "../domain/random.ts";
import type { Clock } from "../runtime/clock.ts";
import { PlanError, type PlanFailure } from "../runtime/errors.ts";
import type { LoadedStrategy } from "./loader.ts";
import { packDeploys, packFleet, transferables, unpackPlan } from "./plan_transfer.ts";
import type { PlanReply, PlanRequest } from "./plan_worker.ts";
import { type CheckedPlan, runStrategy } from "./run.ts";

/** The plan worker's entry point; `deno compile` embeds it (see src/build/compile.ts). */
export const PLAN_WORKER_URL: string = new URL("./plan_worker.ts", import.meta.url).href;

/** Extra time the worker gives itself before it interrupts a plan the caller gave up on. */
const WORKER_GRACE_MS = 1000;

/** What to plan from. */
export interface PlanInput {
  readonly fleet: FleetState;
  /** The strategy's options, as its schema parsed them (plain data). */
  readonly options: unknown;
  /** Seed of the random source the strategy gets. */
  readonly seed: number;
  readonly imageWeights: ImageWeights;
  /** The deploy history, oldest first (`PlanContext.deploys`); none when left out. */
  readonly deploys?: readonly ObservedDeploy[];
}

/** The history of a plan that was given none. */
const NO_DEPLOYS: readonly ObservedDeploy[] = Object.freeze([]);

/** How to run a plan. */
export interface PlanWithOptions {
  /** Times the plan of a plugin file. */
  readonly clock: Clock;
  /** Seconds a plugin file's plan may take (`[strategy] plan_timeout`). */
  readonly timeout: number;
  /** Aborting abandons the plan and stops its worker; the promise rejects with the reason. */
  readonly signal?: AbortSignal;
}

/**
 * Plans with `loaded` and checks the plan: inline for a built-in, in a fresh worker for a plugin
 * file, so nothing the plugin does can block this thread.
 *
 * @throws {PlanError} when the plan fails: `timeout`, `error` (plugin code threw) or `invalid`
 * @example
 * ```ts
 * const plan = await planWith(loaded, { fleet, options, seed: 7, imageWeights }, {
 *   clock: systemClock,
 *   timeout: 60,
 * });
 * ```
 */
export async function planWith(
  loaded: LoadedStrategy,
  input: PlanInput,
  options: PlanWithOptions,
): Promise<CheckedPlan> {
  options.signal?.throwIfAborted();
  if (loaded.moduleUrl === undefined) {
    return runStrategy(loaded, input.fleet, input.options, {
      random: seededRandom(input.seed),
      imageWeights: input.imageWeights,
      deploys: input.deploys ?? NO_DEPLOYS,
    });
  }
  return await planInWorker(loaded.module, { ...input, moduleUrl: loaded.moduleUrl }, options);
}

async function planInWorker(
  module: string,
  input: PlanInput & { readonly moduleUrl: string },
  { clock, timeout, signal }: PlanWithOptions,
): Promise<CheckedPlan> {
  const worker = new Worker(PLAN_WORKER_URL, { type: "module", name: "arsenal plan" });
  const settled = new AbortController();
  try {
    const reply = firstReply(worker);
    const request: PlanRequest = {
      ...input,
      fleet: packFleet(input.fleet),
      deploys: packDeploys(input.deploys ?? NO_DEPLOYS),
      timeoutMs: timeout * 1000 + WORKER_GRACE_MS,
    };
    try {
      const transfer = [...transferables(request.fleet), ...transferables(request.deploys)];
      worker.postMessage(request, { transfer });
    } catch (e) {
      const reason = `its options cannot be handed to the plan worker: ${(e as Error).message}`;
      throw new PlanError(module, reason, "error", { cause: e });
    }
    const waiting = signal ? AbortSignal.any([signal, settled.signal]) : settled.signal;
    const expiry = clock.sleep(timeout * 1000, waiting).then(
      () => "timed out" as const,
      () => "abandoned" as const,
    );
    const outcome = await Promise.race([reply, expiry]);
    if (outcome === "abandoned") throw signal?.reason;
    if (outcome === "timed out" || (!outcome.ok && outcome.failure === "timeout")) {
      const reason = `plan() did not finish within ${timeout} s; the worker was stopped`;
      throw new PlanError(module, reason, "timeout");
    }
    return planOf(module, outcome, input.fleet);
  } finally {
    settled.abort();
    worker.terminate();
  }
}

/**
 * The worker's first answer. Plugin code runs in the worker and could post messages of its own,
 * so anything but a reply, and any error of the worker, is taken as the plugin's fault.
 */
function firstReply(worker: Worker): Promise<PlanReply> {
  return new Promise((resolve) => {
    const fault = (reason: string) => resolve({ ok: false, failure: "error", reason });
    worker.onmessage = ({ data }) =>
      isReply(data) ? resolve(data) : fault("the plan worker answered something other than a plan");
    worker.onmessageerror = () => fault("the plan could not be read back");
    worker.onerror = (event) => {
      // Handled here: unhandled, a worker's error ends the whole process.
      event.preventDefault();
      fault(`the plan worker failed: ${event.message}`);
    };
  });
}

const FAILURES: readonly unknown[] = ["timeout", "error", "invalid"] satisfies PlanFailure[];

function isReply(data: unknown): data is PlanReply {
  if (data === null || typeof data !== "object") return false;
  const reply = data as Record<string, unknown>;
  if (reply.ok === true) return reply.plan !== null && typeof reply.plan === "object";
  return reply.ok === false && typeof reply.reason === "string" && FAILURES.includes(reply.failure);
}

/** The checked plan a reply holds, rebuilt from `fleet`; or the plugin's fault. */
function planOf(module: string, reply: PlanReply, fleet: FleetState): CheckedPlan {
  if (!reply.ok) throw new PlanError(module, reply.reason, reply.failure);
  try {
    return unpackPlan(reply.plan, fleet);
  } catch (e) {
    const reason = e instanceof RangeError
      ? `the plan worker answered a plan outside the fleet: ${e.message}`
      : "the plan worker answered something other than a plan";
    throw new PlanError(module, reason, "error", { cause: e });
  }
}
