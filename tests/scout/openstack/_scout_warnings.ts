/** The OpenStack scout's log, captured for tests. */
import { configure, type LogRecord, reset } from "@logtape/logtape";

/** The scout's warnings and errors while `fn` runs, as rendered messages. */
export async function scoutWarnings(fn: () => Promise<void>): Promise<string[]> {
  const records: LogRecord[] = [];
  await configure({
    reset: true,
    sinks: { capture: (record: LogRecord) => records.push(record) },
    loggers: [
      { category: ["arsenal", "scout"], lowestLevel: "warning", sinks: ["capture"] },
      { category: ["logtape", "meta"], lowestLevel: "error", sinks: [] },
    ],
  });
  try {
    await fn();
  } finally {
    await reset();
  }
  return records.map((r) => `${r.level} ${r.message.map(String).join("")}`);
}
