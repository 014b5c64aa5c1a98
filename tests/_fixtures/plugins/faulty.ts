/**
 * A plugin with one fault at a time, chosen by its `fault` option: what the isolation of plugins
 * is tested against. `none` caches the first free node, and warns where it planned (in a worker,
 * the global scope is a DedicatedWorkerGlobalScope); `explain` explains a pair, `explain_invalid`
 * badly.
 *
 * @module
 */
import { z } from "zod";
import type { Directive, Strategy } from "../../../src/strategy/contract.ts";

const options = z.object({
  fault: z.enum([
    "none",
    "spin",
    "throw",
    "getter",
    "field",
    "warning",
    "async",
    "ghost",
    "flood",
    "forge",
    "forge_plan",
    "explain",
    "explain_invalid",
  ]).default("none"),
});

/**
 * Loops until stopped from outside: a plugin stuck in `while (true) {}`. It first says so on the
 * `faulty` broadcast channel, for tests that act while it is stuck.
 */
function spin(): never {
  new BroadcastChannel("faulty").postMessage("spinning");
  let turns = 0;
  for (;;) turns++;
}

/** Posts `message` as if the plan worker answered (in a worker; nowhere else). */
function post(message: unknown): void {
  (globalThis as unknown as { postMessage(message: unknown): void }).postMessage(message);
}

export default {
  name: "faulty",
  version: "0.0.1",
  options,
  plan(fleet, { fault }) {
    const image = fleet.images[0];
    const cache = (nodeUuid: string): Directive => ({
      kind: "cache",
      nodeUuid,
      imageUuid: image.uuid,
      imageChecksum: image.checksum,
    });
    const free = fleet.nodes.filter((n) => !n.provisioned && !n.cached);
    switch (fault) {
      case "none":
        return {
          directives: free.slice(0, 1).map((n) => cache(n.uuid)),
          warnings: [`planned in ${globalThis.constructor.name}`],
        };
      case "spin":
        return spin();
      case "throw":
        throw new Error("boom while planning");
      case "getter":
        return {
          get directives(): Directive[] {
            throw new Error("directives getter boom");
          },
        };
      case "field":
        return [{
          ...cache(free[0].uuid),
          get nodeUuid(): string {
            throw new Error("nodeUuid getter boom");
          },
        }];
      case "warning":
        return {
          directives: [],
          warnings: [{
            toString(): string {
              throw new Error("a warning without text");
            },
          } as unknown as string],
        };
      case "async":
        return (async () => await Promise.resolve([]))() as never;
      case "ghost":
        return [cache("ghost-1"), cache(free[0].uuid), cache("ghost-2")];
      case "flood":
        return Array.from({ length: 1_000_000 }, (_, i) => cache(`ghost-${i}`));
      case "explain":
      case "explain_invalid":
        return {
          directives: [],
          explain: [{
            flavor: fleet.flavors[0].name,
            image: image.name,
            expected: 1.5,
            target: fault === "explain" ? 1 : -1,
            cached: 0,
            why: "in a worker",
          }],
        };
      case "forge":
        post("a message that is no plan");
        return [];
      case "forge_plan":
        post({
          ok: true,
          plan: {
            kinds: new Uint8Array([0]),
            nodes: new Uint32Array([fleet.nodes.length]),
            images: new Uint32Array([0]),
            warnings: [],
            targets: {},
          },
        });
        return [];
    }
  },
} satisfies Strategy<z.infer<typeof options>>;
