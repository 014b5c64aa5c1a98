/**
 * The command line: `arsenal [command] [options]`.
 *
 * @module
 */
import { parseArgs as tokenize } from "args-tokens";
import { UsageError } from "../runtime/errors.ts";
import type { LogFormat } from "../runtime/log.ts";
import { MAX_SEED } from "../domain/seed.ts";
import { withoutCredentials } from "../runtime/net.ts";

/** Options every command takes. */
interface Common {
  readonly configFile?: string;
  readonly debug: boolean;
  readonly logFormat: LogFormat;
  readonly logFile?: string;
}

/** A parsed command line. */
export type Command =
  | { readonly name: "help" }
  | { readonly name: "version" }
  | Common & { readonly name: "run"; readonly once: boolean }
  | Common & { readonly name: "check-config" }
  | Common & { readonly name: "healthcheck"; readonly url?: string; readonly ready: boolean }
  | Common & {
    readonly name: "plan";
    readonly snapshot: string;
    readonly seed: number;
    readonly timings: boolean;
  }
  | Common & {
    readonly name: "simulate";
    /** The trace to replay; undefined: the synthetic tenants of `[simulator]`. */
    readonly trace?: string;
    /** Simulated hours; undefined: the trace's length (24 without a trace). */
    readonly hours?: number;
    /** Hours left out of the figures at the start. */
    readonly warmupHours: number;
    /** Overrides `[simulator] seed`. */
    readonly seed?: number;
    readonly json: boolean;
  }
  | Common & {
    readonly name: "trace";
    readonly hours: number;
    /** Replaces `[simulator] seed` when given. */
    readonly seed?: number;
    /** Where to write; standard output when undefined. */
    readonly output?: string;
  };

/** Hours of events `trace` writes unless given `--hours`. */
export const DEFAULT_TRACE_HOURS = 24;

/** The longest trace `trace` writes: ten years. */
export const MAX_TRACE_HOURS = 87_600;

/** Exit statuses, as documented in the README and `--help`. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The text of `arsenal --help`. */
export const USAGE = `Usage: arsenal [command] [options]

Arsenal keeps a share of idle Ironic nodes pre-loaded with the images tenants are likely to deploy.

Commands:
  run            Run the director loop and the control API (the default command)
  plan           Plan once on a recorded fleet snapshot; print the directives as JSON
  simulate       Run the strategy and director on a simulated fleet, as fast as the CPU allows;
                 print a report of deploys and cache hits
  check-config   Validate the configuration; print it with defaults filled in, secrets redacted
  healthcheck    Ask a running Arsenal's /livez (or /readyz with --ready); exit 0 if healthy
  trace          Write a synthetic deploy trace (the [simulator] tenants) as JSON Lines
  version        Print the version

Options:
  --config-file FILE   arsenal.conf to read (default: built-in defaults, on the simulator)
  --once               run: one cycle (poll, plan, issue), print its record as JSON, and exit
  --snapshot FILE      plan: the fleet snapshot, JSON ("-" reads standard input)
  --seed N             plan: seed of the random node choice, 0..${MAX_SEED} (default 0);
                       simulate, trace: overrides [simulator] seed
  --timings            plan: add {"timings":{"parseMs","planMs"}} to the output
  --trace FILE         simulate: replay this deploy trace (JSON Lines) instead of [simulator]'s tenants
  --hours H            simulate: simulated hours (default: the trace's length, else 24);
                       trace: hours of events, at most ${MAX_TRACE_HOURS} (default ${DEFAULT_TRACE_HOURS})
  --warmup-hours W     simulate: leave the first W hours out of the figures (default 0)
  --json               simulate: print the report as one JSON object
  --url URL            healthcheck: the control API's URL (default: from [api] host and port)
  --ready              healthcheck: ask /readyz instead of /livez
  --output FILE        trace: write the trace to FILE instead of standard output
  --log-format FORMAT  text (default) or json (one object per line)
  --log-file FILE      also append the log to FILE
  --debug              log at debug level
  -h, --help           show this help
  --version            print the version

Environment: ARSENAL_<SECTION>__<OPTION>=value overrides an option, e.g. ARSENAL_DIRECTOR__DRY_RUN=true;
ARSENAL_API_TOKEN sets the control API's token.

Exit status: 0 success (run: stopped by SIGTERM or SIGINT; run --once: the cycle succeeded);
1 failure at run time (a cycle or directive failed with --once, a strategy failed in plan, the API
could not listen, healthcheck found Arsenal unhealthy or unreachable); 2 bad usage, invalid configuration or invalid input; 130 or 143 when a second
SIGINT or SIGTERM ends run at once.
`;

const OPTIONS = {
  "config-file": { type: "string" },
  once: { type: "boolean" },
  "log-format": { type: "string" },
  "log-file": { type: "string" },
  snapshot: { type: "string" },
  seed: { type: "string" },
  timings: { type: "boolean" },
  trace: { type: "string" },
  hours: { type: "string" },
  "warmup-hours": { type: "string" },
  json: { type: "boolean" },
  url: { type: "string" },
  ready: { type: "boolean" },
  debug: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
  output: { type: "string" },
} as const;

type Flag = keyof typeof OPTIONS;

const LOGGING: readonly Flag[] = ["config-file", "debug", "log-format", "log-file"];

const ALLOWED: Record<string, readonly Flag[]> = {
  run: [...LOGGING, "once"],
  plan: [...LOGGING, "snapshot", "seed", "timings"],
  simulate: [...LOGGING, "trace", "hours", "warmup-hours", "seed", "json"],
  "check-config": LOGGING,
  healthcheck: ["config-file", "url", "ready"],
  trace: [...LOGGING, "hours", "seed", "output"],
  version: [],
  help: [],
};

/** The options given, each as its type says: a string, or true for a boolean. */
type Values = {
  -readonly [F in Flag]?: (typeof OPTIONS)[F]["type"] extends "boolean" ? boolean : string;
};

/** Long names by short one (`-h`). */
const SHORT = new Map<string, Flag>(
  (Object.entries(OPTIONS) as [Flag, { short?: string }][]).flatMap(([flag, option]) =>
    option.short ? [[option.short, flag]] : []
  ),
);

/**
 * The options and positionals of `args`, read strictly: every option is known, a boolean takes no
 * value, and an option that takes one has it (`--flag value` or `--flag=value`) and is given
 * once. args-tokens splits the command line into tokens as `node:util`'s `parseArgs` does, and
 * loads none of Deno's Node layer (about 10 ms of every command's CPU).
 */
function readArgs(args: readonly string[]): { values: Values; positionals: string[] } {
  const tokens = tokenize([...args]);
  const values: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  const given = new Map<Flag, number>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token.kind === "positional") positionals.push(token.value ?? "");
    if (token.kind !== "option") continue;
    const raw = token.rawName ?? `--${token.name}`;
    const flag = raw.startsWith("--") ? token.name as Flag : SHORT.get(token.name ?? "");
    if (!flag || !Object.hasOwn(OPTIONS, flag)) throw new UsageError(`unknown option ${raw}`);
    const times = (given.get(flag) ?? 0) + 1;
    given.set(flag, times);
    if (OPTIONS[flag].type === "boolean") {
      if (token.inlineValue) throw new UsageError(`--${flag} takes no value, got "${token.value}"`);
      values[flag] = true;
      continue;
    }
    if (times > 1) {
      const count = times === 2 ? "twice" : `${times} times`;
      throw new UsageError(`--${flag} is given ${count}; give it once`);
    }
    if (token.inlineValue) {
      values[flag] = token.value ?? "";
    } else if (tokens[i + 1]?.kind === "positional") {
      values[flag] = tokens[++i].value ?? "";
    } else {
      const next = tokens[i + 1]?.rawName;
      const hint = next ? `; for a value that starts with "-", write --${flag}=${next}` : "";
      throw new UsageError(`--${flag} needs a value${hint}`);
    }
  }
  return { values: values as Values, positionals };
}

/** The control API's base URL for healthcheck: http or https, without credentials. */
function parseUrl(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // reported below
  }
  if (url?.protocol !== "http:" && url?.protocol !== "https:") {
    throw new UsageError(
      `--url: expected an http:// or https:// URL, got "${withoutCredentials(text)}"`,
    );
  }
  if (url.username || url.password) {
    throw new UsageError(
      `--url: credentials in the URL are not supported, got "${withoutCredentials(text)}"`,
    );
  }
  return text;
}

function parseSeed(text: string | undefined): number {
  if (text === undefined) return 0;
  const seed = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(seed <= MAX_SEED)) {
    throw new UsageError(`--seed: expected an integer from 0 to ${MAX_SEED}, got "${text}"`);
  }
  return seed;
}

/** A number of hours: positive, or at least 0 when `zero` is allowed. */
function parseHours(flag: string, text: string | undefined, zero: boolean): number | undefined {
  if (text === undefined) return undefined;
  const hours = /^\s*[+]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(text) ? Number(text) : NaN;
  if (!(Number.isFinite(hours) && (zero ? hours >= 0 : hours > 0))) {
    const expected = zero ? "a number of hours, at least 0" : "a positive number of hours";
    throw new UsageError(`--${flag}: expected ${expected}, got "${text}"`);
  }
  return hours;
}

/** `trace`'s `--hours`: positive, at most {@linkcode MAX_TRACE_HOURS}. */
function parseTraceHours(text: string | undefined): number {
  const hours = parseHours("hours", text, false) ?? DEFAULT_TRACE_HOURS;
  if (hours > MAX_TRACE_HOURS) {
    throw new UsageError(`--hours: expected at most ${MAX_TRACE_HOURS} hours, got "${text}"`);
  }
  return hours;
}

/**
 * Parses `args` (without the program name).
 *
 * @throws {UsageError} for an unknown command or option, a missing or malformed value
 */
export function parseCommandLine(args: readonly string[]): Command {
  let read;
  try {
    read = readArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    throw new UsageError(withoutCredentials(e.message));
  }
  const { values, positionals } = read;
  if (values.help) return { name: "help" };
  if (values.version) return { name: "version" };
  const [name = "run", ...extra] = positionals;
  const allowed = ALLOWED[name];
  if (!allowed) {
    throw new UsageError(
      `unknown command "${name}" (commands: ${Object.keys(ALLOWED).join(", ")})`,
    );
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  for (const flag of Object.keys(values) as Flag[]) {
    if (!allowed.includes(flag)) throw new UsageError(`${name} does not take --${flag}`);
  }
  const logFormat = values["log-format"] ?? "text";
  if (logFormat !== "text" && logFormat !== "json") {
    throw new UsageError(`--log-format: expected text or json, got "${logFormat}"`);
  }
  const common: Common = {
    configFile: values["config-file"],
    debug: values.debug ?? false,
    logFormat,
    logFile: values["log-file"],
  };
  switch (name) {
    case "run":
      return { name, ...common, once: values.once ?? false };
    case "plan":
      if (values.snapshot === undefined) throw new UsageError("plan needs --snapshot FILE");
      return {
        name,
        ...common,
        snapshot: values.snapshot,
        seed: parseSeed(values.seed),
        timings: values.timings ?? false,
      };
    case "simulate": {
      const hours = parseHours("hours", values.hours, false);
      const warmupHours = parseHours("warmup-hours", values["warmup-hours"], true) ?? 0;
      if (hours !== undefined && warmupHours >= hours) {
        throw new UsageError(
          `--warmup-hours: expected less than the ${hours} simulated hours, got ${warmupHours}`,
        );
      }
      return {
        name,
        ...common,
        trace: values.trace,
        hours,
        warmupHours,
        seed: values.seed === undefined ? undefined : parseSeed(values.seed),
        json: values.json ?? false,
      };
    }
    case "check-config":
      return { name, ...common };
    case "healthcheck":
      return { name, ...common, url: parseUrl(values.url), ready: values.ready ?? false };
    case "trace":
      return {
        name,
        ...common,
        hours: parseTraceHours(values.hours),
        seed: values.seed === undefined ? undefined : parseSeed(values.seed),
        output: values.output,
      };
    default:
      return { name: name as "help" | "version" };
  }
}
