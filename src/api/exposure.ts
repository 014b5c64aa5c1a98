/**
 * The control API's exposure rule: beyond loopback, mutating routes need a token.
 *
 * @module
 */
import type { RawOption } from "../config/ini_file.ts";
import type { ConfigProblem } from "../runtime/errors.ts";
import { isLoopback } from "../runtime/net.ts";
import type { ApiOptions } from "./config.ts";

/**
 * Refuses an API open beyond loopback with no token, unless it is read-only.
 *
 * @param raw `[api]` as given, to point at where `host` was set
 * @param where where to point when `host` was not set
 */
export function checkApiExposure(
  api: ApiOptions,
  raw: ReadonlyMap<string, RawOption> | undefined,
  where: string,
  problems: ConfigProblem[],
): void {
  if (isLoopback(api.host) || api.token || api.read_only) return;
  problems.push({
    where: raw?.get("host")?.where ?? where,
    section: "api",
    option: "host",
    value: api.host,
    expected: "listening beyond loopback needs a token ([api] token_file or ARSENAL_API_TOKEN), " +
      "or read_only = true",
  });
}
