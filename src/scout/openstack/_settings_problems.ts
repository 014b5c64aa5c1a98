/**
 * The problems found while resolving the OpenStack settings, each pointing at the option (and the
 * line) it is about.
 *
 * @module
 */
import type { RawSections } from "../../config/ini_file.ts";
import type { ConfigProblem } from "../../runtime/errors.ts";
import type { RuleProblem } from "./rules.ts";

/** Collects problems against the options as given in `raw`, read from `file`. */
export class SettingsProblems {
  readonly #raw: RawSections;
  readonly #file: string;
  readonly #problems: ConfigProblem[] = [];

  constructor(raw: RawSections, file: string) {
    this.#raw = raw;
    this.#file = file;
  }

  /** Where `[section] option` was set: its file line or variable, else the file. */
  where(section: string, option: string): string {
    return this.#raw.get(section)?.get(option)?.where ?? this.#file;
  }

  /** Reports that `[section] option` (as `value`) is not what was `expected`. */
  add(section: string, option: string, value: string | undefined, expected: string): void {
    this.#problems.push({ where: this.where(section, option), section, option, value, expected });
  }

  /** Reports the rules of a multi-line `[section] option` that could not be read. */
  addRules(section: string, option: string, found: readonly RuleProblem[]): void {
    const at = this.where(section, option);
    const line = /:(\d+)$/.exec(at);
    for (const p of found) {
      this.#problems.push({
        // A multi-line value starts on its option's line: point at the rule's own line.
        where: line ? `${at.slice(0, line.index)}:${Number(line[1]) + p.line - 1}` : at,
        section,
        option,
        value: p.text,
        expected: line
          ? `expected ${p.expected}`
          : `line ${p.line} of the value: expected ${p.expected}`,
      });
    }
  }

  /** The problems in the order found, each once. */
  list(): ConfigProblem[] {
    // A [client_wrapper] value the three services share is reported once, not three times.
    return [...new Map(this.#problems.map((p) => [JSON.stringify(p), p])).values()];
  }
}
