/**
 * The control API's section of `arsenal.conf`, `[api]`: where it listens and who may change
 * things. The README's configuration reference mirrors its help text.
 *
 * Written with zod's mini build, unlike the other sections: `healthcheck --config-file`, which a
 * container runs every 30 s, reads only this section, and the classic build's schemas, which carry
 * every method, cost it about 11 ms more CPU. The schema is the same to every reader.
 *
 * @module
 */
import { z } from "zod/mini";

/** `[api]`: the HTTP control API. */
export const apiSection = z.object({
  host: z._default(z.string(), "127.0.0.1").check(z.describe(
    "Address to listen on. Anything but loopback needs a token, or read_only = true.",
  )),
  port: z._default(z.number().check(z.int(), z.gte(0), z.lte(65535)), 9835).check(z.describe(
    "Port to listen on; 0 picks a free one (the log says which).",
  )),
  token: z.optional(
    z.string().check(z.regex(
      /^[A-Za-z0-9._~+/-]+=*$/,
      "a bearer token is letters, digits and . _ ~ + / - (then = padding)",
    )),
  ).check(
    z.meta({ secret: true, env: "ARSENAL_API_TOKEN" }),
    z.describe(
      "Bearer token required by mutating routes (secret; or `token_file`, or ARSENAL_API_TOKEN).",
    ),
  ),
  read_only: z._default(z.boolean(), false).check(z.describe(
    "Refuse every mutating route (PATCH /v1/runtime, POST /v1/cycle).",
  )),
});

/** The `[api]` section, parsed. */
export type ApiOptions = z.infer<typeof apiSection>;
