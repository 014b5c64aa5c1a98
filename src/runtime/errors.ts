/**
 * Errors someone catches. Each kind maps to one documented exit status in `main.ts`.
 *
 * @module
 */
import { withoutCredentials } from "./net.ts";

/** One problem in the configuration: where it is, what was given, what was expected. */
export interface ConfigProblem {
  /** File (with line when known), or the environment variable that set the value. */
  readonly where: string;
  readonly section?: string;
  readonly option?: string;
  /** The value as given, when there was one and it is not secret. */
  readonly value?: string;
  /** The option is secret: its value is left out, and the message says it is not shown. */
  readonly secret?: boolean;
  /** What was expected, or what is wrong. */
  readonly expected: string;
}

/** Renders a problem as one line an operator can act on. */
export function formatProblem(p: ConfigProblem): string {
  const subject = [
    p.section === undefined ? "" : `[${p.section}]`,
    p.option ?? "",
  ].filter(Boolean).join(" ");
  if (p.secret) return `${p.where}: ${subject} (secret, not shown): ${p.expected}`;
  const value = p.value === undefined ? "" : JSON.stringify(withoutCredentials(p.value));
  const said = subject && value ? `${subject} = ${value}` : subject || value;
  return said ? `${p.where}: ${said}: ${p.expected}` : `${p.where}: ${p.expected}`;
}

/** Problems a {@linkcode ConfigError}'s message lists; the rest are counted. */
export const MAX_LISTED_PROBLEMS = 20;

/**
 * The configuration is invalid; `problems` holds every problem found, not just the first, and the
 * message lists the first {@linkcode MAX_LISTED_PROBLEMS}.
 */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const n = problems.length;
    const listed = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => `  ${formatProblem(p)}`);
    if (n > MAX_LISTED_PROBLEMS) {
      listed.push(`  ... and ${(n - MAX_LISTED_PROBLEMS).toLocaleString("en")} more`);
    }
    super(`Invalid configuration (${n} problem${n === 1 ? "" : "s"}):\n${listed.join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** An input file (a fleet snapshot) is unreadable or malformed. */
export class InputError extends Error {
  readonly file: string;
  readonly problems: readonly string[];

  constructor(file: string, problems: readonly string[]) {
    super(`Invalid input ${file}:\n` + problems.map((p) => `  ${p}`).join("\n"));
    this.name = "InputError";
    this.file = file;
    this.problems = problems;
  }
}

/** The command line is wrong: unknown command, unknown flag, missing or malformed argument. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A strategy plugin misbehaved: it failed to load, threw, or returned an invalid plan. */
export class PluginError extends Error {
  /** The module as configured: a built-in name or a file path. */
  readonly module: string;
  /** What went wrong, without the module's name. */
  readonly reason: string;

  constructor(module: string, reason: string, options?: ErrorOptions) {
    super(`Strategy "${module}": ${reason}`, options);
    this.name = "PluginError";
    this.module = module;
    this.reason = reason;
  }
}

/** Why a plan failed: it ran over `plan_timeout`, plugin code threw, or the plan broke the rules. */
export type PlanFailure = "timeout" | "error" | "invalid";

/** A strategy's `plan()` failed; `failure` says how (for the log and the metrics). */
export class PlanError extends PluginError {
  readonly failure: PlanFailure;

  constructor(module: string, reason: string, failure: PlanFailure, options?: ErrorOptions) {
    super(module, reason, options);
    this.name = "PlanError";
    this.failure = failure;
  }
}
