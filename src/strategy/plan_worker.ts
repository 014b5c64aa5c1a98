/**
 * The plan worker: runs a plugin file's `plan()` off the main thread, so that a plugin that loops
 * or hogs the CPU cannot stall the control API, the probes or shutdown.
 *
 * {@linkcode planWith} starts one for each plan and terminates it afterwards. It imports the same
 * `data:` module the loader built, rebuilds the fleet and the random source, plans and checks the
 * plan with {@linkcode checkPlan} (so a throwing getter, a throwing `toString` or a Promise is
 * caught here, as the plugin's fault), and posts back plain data only. Deno 2.9's
 * `Worker.terminate()` does not interrupt a busy loop (denoland/deno#35657), so the plan also runs
 * under a `node:vm` timeout, which does.
 *
 * This file is a worker's entry point only: importing it installs a message handler.
 *
 * @module
 */
import vm from "node:vm";
import type { ImageWeights } from "../domain/image_weights.ts";
import { seededRandom } from "../domain/random.ts";
import { PlanError, type PlanFailure } from "../runtime/errors.ts";
import type { Strategy } from "./contract.ts";
import {
  type PackedDeploys,
  type PackedFleet,
  type PackedPlan,
  packPlan,
  transferables,
  unpackDeploys,
  unpackFleet,
} from "./plan_transfer.ts";
import { type CheckedPlan, checkPlan } from "./run.ts";

/** What the worker is asked to plan. */
export interface PlanRequest {
  /** The plugin as a `data:` module URL (see `moduleUrl()` in loader.ts). */
  readonly moduleUrl: string;
  readonly fleet: PackedFleet;
  readonly options: unknown;
  readonly seed: number;
  readonly imageWeights: ImageWeights;
  readonly deploys: PackedDeploys;
  /** Wall-clock milliseconds after which the plan is interrupted, whatever the caller does. */
  readonly timeoutMs: number;
}

/** The checked plan, or the plugin's fault. */
export type PlanReply =
  | { readonly ok: true; readonly plan: PackedPlan }
  | { readonly ok: false; readonly failure: PlanFailure; readonly reason: string };

interface WorkerScope {
  onmessage: ((event: MessageEvent<PlanRequest>) => void) | null;
  postMessage(reply: PlanReply, options?: { transfer: Transferable[] }): void;
}

/** Where the plan runs: a context of its own only because `node:vm` needs one to time it. */
const sandbox = vm.createContext({ run: undefined as (() => CheckedPlan) | undefined });

async function answer(request: PlanRequest): Promise<PlanReply> {
  let strategy: Strategy;
  try {
    strategy = (await import(request.moduleUrl)).default;
  } catch (e) {
    const reason = `the plugin failed to load in the plan worker: ${(e as Error)?.message}`;
    return { ok: false, failure: "error", reason };
  }
  const { options, seed, imageWeights } = request;
  const fleet = unpackFleet(request.fleet);
  const context = {
    random: seededRandom(seed),
    imageWeights,
    deploys: unpackDeploys(request.deploys),
  };
  sandbox.run = () => checkPlan("", fleet, () => strategy.plan(fleet, options as never, context));
  try {
    const plan = vm.runInContext("run()", sandbox, { timeout: request.timeoutMs }) as CheckedPlan;
    return { ok: true, plan: packPlan(plan, fleet) };
  } catch (e) {
    if (e instanceof PlanError) return { ok: false, failure: e.failure, reason: e.reason };
    if ((e as { code?: unknown })?.code === "ERR_SCRIPT_EXECUTION_TIMEOUT") {
      return { ok: false, failure: "timeout", reason: "plan() did not finish in time" };
    }
    return { ok: false, failure: "error", reason: String(e) };
  } finally {
    sandbox.run = undefined;
  }
}

const scope = globalThis as unknown as WorkerScope;
scope.onmessage = async ({ data }) => {
  const reply = await answer(data);
  scope.postMessage(reply, { transfer: reply.ok ? transferables(reply.plan) : [] });
};
