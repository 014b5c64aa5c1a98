/**
 * A third-party-style plugin: caches one image on a fixed share of each flavor's idle nodes.
 * Used to prove the loader and the contract suite work for plugins other than the built-ins.
 *
 * @module
 */
import { z } from "zod";
import type { Strategy } from "../../../src/strategy/contract.ts";

const options = z.object({
  share: z.number().min(0).max(1).default(0.5),
  image: z.string().optional(),
});

export default {
  name: "fixed_share",
  version: "2.1.0",
  options,
  plan(fleet, opts, { random }) {
    const image = fleet.images.find((i) => i.name === opts.image) ?? fleet.images[0];
    if (!image) return [];
    const idle = fleet.nodes.filter((n) => !n.provisioned && !n.cached);
    return random.sample(idle, Math.floor(idle.length * opts.share)).map((n) => ({
      kind: "cache" as const,
      nodeUuid: n.uuid,
      imageUuid: image.uuid,
      imageChecksum: image.checksum,
    }));
  },
} satisfies Strategy<z.infer<typeof options>>;
