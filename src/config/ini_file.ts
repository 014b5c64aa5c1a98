/**
 * Reads `arsenal.conf` text into sections of raw string options, remembering where each came from.
 *
 * The original Arsenal read its file with oslo.config, whose dialect differs from the npm `ini`
 * package in ways that would silently change an existing file's meaning:
 *
 * - oslo keeps `#` and `;` inside values (`os_password = s3cr#t`); `ini` cuts the value there.
 * - oslo strips one pair of matching quotes and keeps the rest verbatim; `ini` JSON-decodes.
 * - oslo accepts `option: value`, and lines indented under an option continue its value.
 * - oslo lower-cases section names (except `DEFAULT`); `ini` nests sections named `a.b`.
 *
 * So each line is first classified the way oslo does, and `ini` then decodes a normalised text in
 * which every value is a JSON string; `ini` owns the decoding, this file owns the dialect.
 *
 * @module
 */
// @ts-types="@types/ini"
import ini from "ini";
import type { ConfigProblem } from "../runtime/errors.ts";

/** An option's value as written, and where it was written (`file:line` or an env variable). */
export interface RawOption {
  readonly value: string;
  readonly where: string;
}

/** Options by section and name. Section names are lower-case except `DEFAULT`. */
export type RawSections = Map<string, Map<string, RawOption>>;

/** oslo.config's rule: `DEFAULT` stays, every other section name is case-insensitive. */
export function normalizeSection(name: string): string {
  return name === "DEFAULT" ? name : name.toLowerCase();
}

function escapeSection(name: string): string {
  return name.replace(/[\\;#]/g, "\\$&").replace(/\./g, "\\.");
}

/** oslo's split: at the first `=` or `:`, whichever comes first; one pair of quotes stripped. */
function splitAssignment(line: string): [string, string] | undefined {
  const equal = line.indexOf("=");
  const colon = line.indexOf(":");
  if (equal < 0 && colon < 0) return undefined;
  const at = colon < 0 || (equal >= 0 && equal < colon) ? equal : colon;
  let value = line.slice(at + 1).trim();
  if (quotedByOslo(value)) value = value.slice(1, -1);
  return [line.slice(0, at).trim(), value];
}

/**
 * Parses INI text in oslo.config's dialect.
 *
 * @param text the file's contents
 * @param file the file name used in `where` and in problems
 * @returns the sections, and every syntax problem found (the rest of the file is still read)
 */
export function parseIniText(
  text: string,
  file: string,
): { sections: RawSections; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const lines: string[] = [];
  const lineOf = new Map<string, number>();
  let section: string | undefined;
  let open: { key: string; values: string[]; line: number } | undefined;

  const flush = () => {
    if (open === undefined || section === undefined) return;
    // Keys and values go to `ini` as JSON strings: it decodes those exactly, quotes and all.
    lines.push(`${JSON.stringify(open.key)} = ${JSON.stringify(open.values.join("\n"))}`);
    lineOf.set(`${section}\0${open.key}`, open.line);
    open = undefined;
  };

  text.split(/\r?\n/).forEach((rawLine, index) => {
    const lineNo = index + 1;
    const line = rawLine.trimEnd();
    // A line that could not be read may hold a secret: quote only its first word.
    const firstWord = line.trim().split(/[\s=:]/)[0];
    const problem = (expected: string, value: string | undefined) =>
      problems.push({ where: `${file}:${lineNo}`, value, expected });
    if (line === "") return flush();
    if (line[0] === " " || line[0] === "\t") {
      if (open) open.values.push(line.trimStart());
      else if (!/^\s*[#;]/.test(line)) problem("indented line continues no option", undefined);
      return;
    }
    flush();
    if (line[0] === "#" || line[0] === ";") return;
    if (line[0] === "[") {
      const name = line.endsWith("]") ? line.slice(1, -1).trim() : "";
      if (!line.endsWith("]") || name === "" || name.includes("]")) {
        return problem("expected a section header like [director]", line);
      }
      section = normalizeSection(name);
      lines.push(`[${escapeSection(section)}]`);
      return;
    }
    const assignment = splitAssignment(line);
    if (assignment === undefined || assignment[0] === "") {
      return problem("expected option = value", firstWord);
    }
    if (section === undefined) {
      return problem("option outside any section; add a [section] above it", assignment[0]);
    }
    open = { key: assignment[0], values: [assignment[1]], line: lineNo };
  });
  flush();

  const sections: RawSections = new Map();
  for (const [name, options] of Object.entries(ini.parse(lines.join("\n")))) {
    const target = new Map<string, RawOption>();
    sections.set(name, target);
    for (const [key, value] of Object.entries(options as Record<string, unknown>)) {
      if (Array.isArray(value)) {
        const line = lineOf.get(`${name}\0${key}[]`);
        problems.push({
          where: `${file}:${line}`,
          section: name,
          option: `${key}[]`,
          expected: "list syntax is not supported; give the option once",
        });
        continue;
      }
      const line = lineOf.get(`${name}\0${key}`);
      // `ini` turns the strings true, false and null into literals even when quoted.
      target.set(key, { value: String(value), where: `${file}:${line}` });
    }
  }
  return { sections, problems };
}

/** Whether oslo would strip a pair of quotes from `line` (a lone quote counts as a pair). */
function quotedByOslo(line: string): boolean {
  return line.length > 0 && (line[0] === '"' || line[0] === "'") && line.at(-1) === line[0];
}

function formatValue(value: string): string {
  const [first, ...rest] = value.split("\n");
  const head = first !== first.trim() || quotedByOslo(first) ? `"${first}"` : first;
  // Continuation lines lose their surrounding spaces, and a blank line would end the value.
  const tail = rest.map((line) => line.trim()).filter((line) => line !== "");
  return [head, ...tail].join("\n    ");
}

/**
 * Writes sections in the dialect {@linkcode parseIniText} reads, so that the output reads back
 * to the same values. Values spanning lines keep what the dialect can carry: no blank lines, and
 * no spaces around continuation lines.
 *
 * @param header comment lines written at the top, without their `#`
 */
export function formatIniText(
  sections: Iterable<readonly [string, Iterable<readonly [string, string]>]>,
  header: readonly string[] = [],
): string {
  const blocks = [...sections].map(([name, options]) =>
    [`[${name}]`, ...[...options].map(([key, value]) => `${key} = ${formatValue(value)}`)].join(
      "\n",
    )
  );
  const comment = header.map((line) => `# ${line}`).join("\n");
  return [...(comment ? [comment] : []), ...blocks].join("\n\n") + "\n";
}
