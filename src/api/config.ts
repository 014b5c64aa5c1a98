/**
 * The control API's section of `arsenal.conf`, `[api]`: where it listens and who may change
 * things. The README's configuration reference mirrors its help text.
 *
 * @module
 */
import { z } from "zod";

/** `[api]`: the HTTP control API. */
export const apiSection = z.object({
  host: z.string().default("127.0.0.1").describe(
    "Address to listen on. Anything but loopback needs a token, or read_only = true.",
  ),
  port: z.number().int().min(0).max(65535).default(9835).describe(
    "Port to listen on; 0 picks a free one (the log says which).",
  ),
  token: z.string().regex(
    /^[A-Za-z0-9._~+/-]+=*$/,
    "a bearer token is letters, digits and . _ ~ + / - (then = padding)",
  ).optional().meta({ secret: true, env: "ARSENAL_API_TOKEN" }).describe(
    "Bearer token required by mutating routes (secret; or `token_file`, or ARSENAL_API_TOKEN).",
  ),
  read_only: z.boolean().default(false).describe(
    "Refuse every mutating route (PATCH /v1/runtime, POST /v1/cycle).",
  ),
});

/** The `[api]` section, parsed. */
export type ApiOptions = z.infer<typeof apiSection>;
