/**
 * A plugin with one fault at a time, chosen by its `fault` option: what the isolation of plugins
 * is tested against. `none` caches the first free node, and warns where it planned (in a worker,
 * the global scope is a DedicatedWorkerGlobalScope).
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
    }
  },
} satisfies Strategy<z.infer<typeof options>>;
