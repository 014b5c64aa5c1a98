/**
 * LogTape setup. Only the CLI calls {@linkcode configureLogging}, once per process
 * (`src/cli/start_logging.ts`); everything else asks for a logger by category
 * (`getLogger(["arsenal", "loop"])`) and logs a fixed message with properties.
 *
 * Logs go to standard error, so standard output stays clean for a command's JSON; with a log file
 * they go there too.
 *
 * @module
 */
import {
  configure,
  dispose,
  getJsonLinesFormatter,
  getTextFormatter,
  type LogLevel,
  type LogRecord,
  type Sink,
} from "@logtape/logtape";

/** Line formats: readable text, or one JSON object per line. */
export type LogFormat = "text" | "json";

/** How to log. */
export interface LogOptions {
  /** The lowest level written. */
  readonly level: LogLevel;
  readonly format?: LogFormat;
  /** Also append to this file. */
  readonly file?: string;
  /** Where formatted lines go; standard error by default. */
  readonly write?: (line: string) => void;
}

const encoder = new TextEncoder();

function writeStderr(line: string): void {
  const bytes = encoder.encode(line);
  for (let done = 0; done < bytes.length;) done += Deno.stderr.writeSync(bytes.subarray(done));
}

/** C0 controls, DEL, C1 controls, and Unicode's line and paragraph separators. */
// deno-lint-ignore no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * Escapes every control character and line break, so that a value can neither start a forged log
 * line nor send escape sequences to a terminal: `\n`, `\x1b`, `\u2028`.
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return NAMED[c] ??
      (code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16)}`);
  });
}

/**
 * Text lines; string values appear as written, not quoted. Values come from anywhere (a request's
 * `?reason=`, an upstream's error message), so they are escaped.
 */
const formatText = getTextFormatter({
  value: (value, inspect) => escapeControl(typeof value === "string" ? value : inspect(value)),
});

const jsonLines = getJsonLinesFormatter();

/** Characters JSON allows raw in strings but a terminal or a line reader may act on. */
const JSON_RAW = /[\u007f-\u009f\u2028\u2029]/g;

/** JSON lines, with the characters `JSON.stringify` leaves raw given as `\u` escapes. */
function formatJson(record: LogRecord): string {
  return jsonLines(record).replace(
    JSON_RAW,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Configures LogTape for the process (again, replacing the previous setup).
 *
 * @throws {Deno.errors.PermissionDenied} or another I/O error when the log file cannot be opened
 */
export async function configureLogging(options: LogOptions): Promise<void> {
  const write = options.write ?? writeStderr;
  const formatter = options.format === "json" ? formatJson : formatText;
  const sinks: Record<string, Sink> = { main: (record: LogRecord) => write(formatter(record)) };
  if (options.file) {
    // Opening the file now surfaces a bad path or a missing permission at startup.
    Deno.openSync(options.file, { append: true, create: true }).close();
    // Imported here: only a log file needs it, and it costs every command's start otherwise.
    const { getFileSink } = await import("@logtape/file");
    sinks.file = getFileSink(options.file, { formatter });
  }
  const names = Object.keys(sinks);
  await configure({
    reset: true,
    sinks,
    loggers: [
      { category: ["arsenal"], lowestLevel: options.level, sinks: names },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: names },
    ],
  });
}

/** Flushes and closes the sinks (the log file); call before exiting. */
export async function closeLogging(): Promise<void> {
  await dispose();
}
