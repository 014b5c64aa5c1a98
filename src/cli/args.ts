/**
 * The command line: `arsenal [command] [options]`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { UsageError } from "../runtime/errors.ts";
import { MAX_SEED } from "../domain/random.ts";

/** A parsed command line. */
export type Command =
  | { readonly name: "help" }
  | { readonly name: "version" }
  | { readonly name: "check-config"; readonly configFile?: string; readonly debug: boolean }
  | {
    readonly name: "plan";
    readonly configFile?: string;
    readonly debug: boolean;
    readonly snapshot: string;
    readonly seed: number;
    readonly timings: boolean;
  };

/** Exit statuses, as documented in the README and `--help`. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The text of `arsenal --help`. */
export const USAGE = `Usage: arsenal <command> [options]

Arsenal keeps a share of idle Ironic nodes pre-loaded with the images tenants are likely to deploy.

Commands:
  plan           Plan once on a recorded fleet snapshot; print the directives as JSON
  check-config   Validate the configuration; print it with defaults filled in, secrets redacted
  version        Print the version

Options:
  --config-file FILE   arsenal.conf to read (default: built-in defaults)
  --snapshot FILE      plan: the fleet snapshot, JSON ("-" reads standard input)
  --seed N             plan: seed of the random node choice, 0..${MAX_SEED} (default 0)
  --timings            plan: add {"timings":{"parseMs","planMs"}} to the output
  --debug              log at debug level
  -h, --help           show this help
  --version            print the version

Environment: ARSENAL_<SECTION>__<OPTION>=value overrides an option, e.g. ARSENAL_DIRECTOR__DRY_RUN=true.

Exit status: 0 success; 1 failure at run time (e.g. a strategy plugin failed while planning);
2 bad usage, invalid configuration or invalid input.
`;

const OPTIONS = {
  "config-file": { type: "string" },
  snapshot: { type: "string" },
  seed: { type: "string" },
  timings: { type: "boolean" },
  debug: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;

type Flag = keyof typeof OPTIONS;

const ALLOWED: Record<string, readonly Flag[]> = {
  plan: ["config-file", "snapshot", "seed", "timings", "debug"],
  "check-config": ["config-file", "debug"],
  version: [],
  help: [],
};

function parseSeed(text: string | undefined): number {
  if (text === undefined) return 0;
  const seed = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(seed <= MAX_SEED)) {
    throw new UsageError(`--seed: expected an integer from 0 to ${MAX_SEED}, got "${text}"`);
  }
  return seed;
}

/**
 * Parses `args` (without the program name).
 *
 * @throws {UsageError} for an unknown command or option, a missing or malformed value
 */
export function parseCommandLine(args: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { name: "help" };
  if (values.version) return { name: "version" };
  const [name, ...extra] = positionals;
  if (name === undefined) throw new UsageError("a command is required");
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
  const common = { configFile: values["config-file"], debug: values.debug ?? false };
  switch (name) {
    case "plan":
      if (values.snapshot === undefined) throw new UsageError("plan needs --snapshot FILE");
      return {
        name,
        ...common,
        snapshot: values.snapshot,
        seed: parseSeed(values.seed),
        timings: values.timings ?? false,
      };
    case "check-config":
      return { name, ...common };
    default:
      return { name: name as "help" | "version" };
  }
}
