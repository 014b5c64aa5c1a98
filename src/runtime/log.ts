/**
 * LogTape setup. Only `main.ts` calls {@linkcode configureLogging}; everything else asks for a
 * logger by category (`getLogger(["arsenal", "config"])`) and logs a fixed message with properties.
 *
 * Logs go to standard error, so standard output stays clean for a command's JSON.
 *
 * @module
 */
import { configure, getTextFormatter, type LogLevel, type LogRecord } from "@logtape/logtape";

/** How to log. */
export interface LogOptions {
  /** The lowest level written. */
  readonly level: LogLevel;
  /** Where formatted lines go; standard error by default. */
  readonly write?: (line: string) => void;
}

const encoder = new TextEncoder();

function writeStderr(line: string): void {
  const bytes = encoder.encode(line);
  for (let done = 0; done < bytes.length;) done += Deno.stderr.writeSync(bytes.subarray(done));
}

/** Text lines; string values appear as written, not quoted. */
const formatText = getTextFormatter({
  value: (value) => typeof value === "string" ? value : Deno.inspect(value),
});

/** Configures LogTape once for the process (again, replacing the previous setup). */
export async function configureLogging(options: LogOptions): Promise<void> {
  const write = options.write ?? writeStderr;
  await configure({
    reset: true,
    sinks: { main: (record: LogRecord) => write(formatText(record)) },
    loggers: [
      { category: ["arsenal"], lowestLevel: options.level, sinks: ["main"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["main"] },
    ],
  });
}
