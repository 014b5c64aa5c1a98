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
// confbox bundles the `ini` package as an ES module: the CommonJS one costs every start that
// reads a configuration about 40 ms of CPU to set up Node's module system.
import { parseINI } from "confbox/ini";
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
function splitAssignment(
  line: string,
): { key: string; value: string; quoted: boolean } | undefined {
  const equal = line.indexOf("=");
  const colon = line.indexOf(":");
  if (equal < 0 && colon < 0) return undefined;
  const at = colon < 0 || (equal >= 0 && equal < colon) ? equal : colon;
  const value = line.slice(at + 1).trim();
  const quoted = quotedByOslo(value);
  return { key: line.slice(0, at).trim(), value: quoted ? value.slice(1, -1) : value, quoted };
}

/** ` ;` or ` #` inside a value: in oslo's dialect, as here, not a comment but part of the value. */
const INLINE_COMMENT = /[ \t]([;#])/;

function inlineCommentWarning(where: string, section: string, key: string, mark: string): string {
  return `${where}: [${section}] ${key}: the value contains " ${mark}", which starts a comment ` +
    "only at the start of a line: here it is part of the value (put the comment on a line of " +
    "its own)";
}

/** An option being read: its value may continue on indented lines. */
interface OpenOption {
  readonly key: string;
  readonly values: string[];
  readonly line: number;
  /** The first line whose value looks like it holds a comment, and the comment's mark. */
  comment?: { line: number; mark: string };
}

/**
 * Parses INI text in oslo.config's dialect.
 *
 * @param text the file's contents
 * @param file the file name used in `where` and in problems
 * @returns the sections, every syntax problem found (the rest of the file is still read), and
 *   warnings for what is likely a mistake (a repeated option or section, an inline comment); a
 *   warning never quotes a value, which may be a secret
 */
export function parseIniText(
  text: string,
  file: string,
): { sections: RawSections; problems: ConfigProblem[]; warnings: string[] } {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const lines: string[] = [];
  // The line of each option by section, and of each section's first header.
  const lineOf = new Map<string, Map<string, number>>();
  const sectionLine = new Map<string, number>();
  let section: string | undefined;
  let open: OpenOption | undefined;

  const flush = () => {
    if (open === undefined || section === undefined) return;
    // Keys and values go to `ini` as JSON strings: it decodes those exactly, quotes and all.
    lines.push(`${JSON.stringify(open.key)} = ${JSON.stringify(open.values.join("\n"))}`);
    const options = lineOf.get(section)!;
    const first = options.get(open.key);
    if (first !== undefined) {
      warnings.push(
        `${file}:${open.line}: [${section}] ${open.key} is set again (first at ${file}:${first}); ` +
          "the last value is used",
      );
    }
    options.set(open.key, open.line);
    if (open.comment) {
      const { line, mark } = open.comment;
      warnings.push(inlineCommentWarning(`${file}:${line}`, section, open.key, mark));
    }
    open = undefined;
  };

  text.split(/\r?\n/).forEach((rawLine, index) => {
    const lineNo = index + 1;
    const line = rawLine.trimEnd();
    const problem = (expected: string, value: string | undefined) =>
      problems.push({ where: `${file}:${lineNo}`, value, expected });
    if (line === "") return flush();
    if (line[0] === " " || line[0] === "\t") {
      if (open) {
        const value = line.trimStart();
        open.values.push(value);
        const mark = INLINE_COMMENT.exec(value)?.[1];
        if (mark) open.comment ??= { line: lineNo, mark };
      } else if (!/^\s*[#;]/.test(line)) problem("indented line continues no option", undefined);
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
      const first = sectionLine.get(section);
      if (first === undefined) {
        sectionLine.set(section, lineNo);
        lineOf.set(section, new Map());
      } else {
        warnings.push(
          `${file}:${lineNo}: section [${section}] appears again (first at ${file}:${first}); ` +
            "its options are read as one section",
        );
      }
      lines.push(`[${escapeSection(section)}]`);
      return;
    }
    const assignment = splitAssignment(line);
    if (assignment === undefined || assignment.key === "") {
      // A line that could not be read may hold a secret: quote only its first word.
      return problem("expected option = value", line.trim().split(/[\s=:]/)[0]);
    }
    if (section === undefined) {
      return problem("option outside any section; add a [section] above it", assignment.key);
    }
    const mark = assignment.quoted ? undefined : INLINE_COMMENT.exec(assignment.value)?.[1];
    open = {
      key: assignment.key,
      values: [assignment.value],
      line: lineNo,
      comment: mark ? { line: lineNo, mark } : undefined,
    };
  });
  flush();
  return {
    sections: collect(parseINI<Record<string, unknown>>(lines.join("\n")), lineOf, file, problems),
    problems,
    warnings,
  };
}

/** `ini`'s result as raw options, each with its `file:line`; list syntax is a problem. */
function collect(
  parsed: Record<string, unknown>,
  lineOf: ReadonlyMap<string, ReadonlyMap<string, number>>,
  file: string,
  problems: ConfigProblem[],
): RawSections {
  const sections: RawSections = new Map();
  for (const [name, options] of Object.entries(parsed)) {
    const target = new Map<string, RawOption>();
    const lines = lineOf.get(name);
    sections.set(name, target);
    for (const [key, value] of Object.entries(options as Record<string, unknown>)) {
      if (Array.isArray(value)) {
        problems.push({
          where: `${file}:${lines?.get(`${key}[]`)}`,
          section: name,
          option: `${key}[]`,
          expected: "list syntax is not supported; give the option once",
        });
        continue;
      }
      // `ini` turns the strings true, false and null into literals even when quoted.
      target.set(key, { value: String(value), where: `${file}:${lines?.get(key)}` });
    }
  }
  return sections;
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
