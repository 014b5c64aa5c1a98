/**
 * `arsenal healthcheck`: asks a running Arsenal's `/livez` (or `/readyz`) and exits 0 when it
 * answers 200. Made for container health checks, where the image has no curl.
 *
 * @module
 */
import { ConfigError, UsageError } from "../runtime/errors.ts";
import { type Command, EXIT } from "./args.ts";
import type { CommandIo } from "./io.ts";

/** How long the check waits for an answer. */
const TIMEOUT_MS = 5_000;

/** The control API's URL from `[api] host` and `port`; a wildcard host is asked on loopback. */
export function apiUrl(host: string, port: number): string {
  if (port === 0) {
    throw new UsageError("[api] port = 0 picks a free port at start: give healthcheck --url");
  }
  const local = host === "0.0.0.0" || host === "" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `http://${local.includes(":") ? `[${local}]` : local}:${port}`;
}

/**
 * The API's URL from `[api]` alone. The rest of the file is the running agent's business: a
 * reload it refused leaves it healthy, and a probe must not report otherwise.
 *
 * @throws {ConfigError} when the file cannot be read or parsed, or `[api]` is invalid
 */
async function configuredUrl(
  file: string | undefined,
  env: Readonly<Record<string, string>>,
): Promise<string> {
  // Imported only here: with --url, the check needs no configuration code at all.
  const [{ readSections }, { apiSection }] = await Promise.all([
    import("../config/load.ts"),
    import("../api/config.ts"),
  ]);
  const read = readSections(file, { api: apiSection }, { ...env });
  // Syntax problems name no section; they make the whole file unreliable.
  const problems = read.problems.filter((p) => p.section === undefined || p.section === "api");
  const api = read.values.api;
  if (problems.length > 0 || !api) throw new ConfigError(problems);
  return apiUrl(api.host, api.port);
}

/**
 * Runs the check and returns the exit status.
 *
 * @throws {ConfigError} for an invalid configuration
 */
export async function healthcheckCommand(
  command: Extract<Command, { name: "healthcheck" }>,
  io: CommandIo,
): Promise<number> {
  let base = command.url;
  if (base === undefined) {
    base = await configuredUrl(command.configFile, io.env);
  }
  const url = `${base.replace(/\/+$/, "")}/${command.ready ? "readyz" : "livez"}`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    const body = (await response.text()).trim().slice(0, 200);
    const healthy = response.status === 200;
    const line = `${healthy ? "healthy" : "unhealthy"}: GET ${url}: ${response.status} ${body}\n`;
    await io.write(line);
    return healthy ? EXIT.ok : EXIT.failed;
  } catch (e) {
    const why = e instanceof DOMException && e.name === "TimeoutError"
      ? `no answer within ${TIMEOUT_MS / 1000} s`
      : (e as Error).message;
    await io.write(`unreachable: GET ${url}: ${why}\n`);
    return EXIT.failed;
  }
}
