/**
 * Runs the real `promtool check metrics` on an exposition, for tests of `/metrics` output.
 *
 * @module
 */

/** How to get promtool, for the error when it is missing. */
export const PROMTOOL_HINT =
  "promtool is not installed: install it with `apt-get install -y --no-install-recommends " +
  "prometheus` (Debian ships /usr/bin/promtool in the prometheus package)";

/**
 * Pipes `exposition` into `promtool check metrics` and returns what it reports: an empty string
 * when the text parses and passes every lint check.
 *
 * @throws {Error} when promtool is not installed, with {@linkcode PROMTOOL_HINT}
 * @throws {Error} when promtool cannot parse the text
 */
export async function promtoolCheckMetrics(exposition: string): Promise<string> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("promtool", {
      args: ["check", "metrics"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new Error(PROMTOOL_HINT, { cause: error });
    throw error;
  }
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(exposition));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  const report = (new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr)).trim();
  // promtool exits 3 for lint problems (reported as text) and 1 when it cannot parse the input.
  if (code !== 0 && code !== 3) {
    throw new Error(`promtool check metrics failed (${code}): ${report}`);
  }
  return report;
}
