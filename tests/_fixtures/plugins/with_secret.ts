/**
 * A plugin with a secret option, marked the way Arsenal marks its own: `meta({ secret: true })`.
 *
 * @module
 */
import { z } from "zod";
import type { Strategy } from "../../../src/strategy/contract.ts";

const options = z.object({
  api_key: z.string().regex(/^[a-z]+$/, "letters only").meta({ secret: true }),
  label: z.string().default("x"),
});

export default {
  name: "with_secret",
  version: "1.0.0",
  options,
  plan: () => [],
} satisfies Strategy<z.infer<typeof options>>;
