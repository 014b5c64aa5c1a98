import assert from "node:assert/strict";
import { getLogger } from "@logtape/logtape";
import { closeLogging, configureLogging, type LogFormat } from "../../src/runtime/log.ts";

/** Text that would forge a log line, recolour the terminal, and break lines in other ways. */
const FORGED = "maintenance\n2030-01-01 00:00:00.000 +00:00 [INF] arsenal·api: forged" +
  "\r\x1b[2J\x1b[31mred\x00\x07\t\x7f\x85\x9b\u2028\u2029end";

/** Logs one record whose interpolated value is `FORGED`, and returns what was written. */
async function logForged(format: LogFormat): Promise<string[]> {
  const lines: string[] = [];
  await configureLogging({ level: "info", format, write: (line) => lines.push(line) });
  try {
    getLogger(["arsenal", "test"]).info("Runtime setting paused changed (reason: {reason})", {
      reason: FORGED,
    });
  } finally {
    await closeLogging();
  }
  return lines;
}

/** Every raw control character or line break a log line must not carry. */
// deno-lint-ignore no-control-regex -- matching control characters is the point
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

Deno.test("configureLogging() text lines escape control characters in values", async () => {
  const lines = await logForged("text");
  assert.equal(lines.length, 1);
  const line = lines[0];
  assert.ok(line.endsWith("end)\n"), JSON.stringify(line));
  assert.doesNotMatch(line.slice(0, -1), RAW_CONTROL, JSON.stringify(line));
  assert.ok(
    line.includes(
      String.raw`maintenance\n2030-01-01 00:00:00.000 +00:00 [INF] arsenal·api: forged\r\x1b[2J` +
        String.raw`\x1b[31mred\x00\x07\t\x7f\x85\x9b\u2028\u2029end`,
    ),
    JSON.stringify(line),
  );
});

Deno.test("configureLogging() JSON lines keep the value and carry no raw control character", async () => {
  const lines = await logForged("json");
  assert.equal(lines.length, 1);
  const line = lines[0];
  assert.ok(line.endsWith("\n"));
  assert.doesNotMatch(line.slice(0, -1), RAW_CONTROL, JSON.stringify(line));
  assert.equal(JSON.parse(line).properties.reason, FORGED);
});
