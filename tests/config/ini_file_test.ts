import assert from "node:assert/strict";
import { formatIniText, normalizeSection, parseIniText } from "../../src/config/ini_file.ts";

/** Parses `text` as file "f.conf" into plain objects: section -> option -> value. */
function parse(text: string) {
  const { sections, problems } = parseIniText(text, "f.conf");
  const values: Record<string, Record<string, string>> = {};
  const where: Record<string, Record<string, string>> = {};
  for (const [name, options] of sections) {
    values[name] = {};
    where[name] = {};
    for (const [key, opt] of options) {
      values[name][key] = opt.value;
      where[name][key] = opt.where;
    }
  }
  return { values, where, problems };
}

/** The value of option `k` in section `[s]` whose line reads `k = <raw>`. */
function valueOf(raw: string): string | undefined {
  return parse(`[s]\nk = ${raw}\n`).values.s?.k;
}

Deno.test("parseIniText() keeps # and ; inside values, like oslo.config", () => {
  const { values, problems } = parse(
    "[client_wrapper]\nos_password = p#ss;w\nos_username = a ; b # c\n",
  );
  assert.deepEqual(problems, []);
  assert.equal(values.client_wrapper.os_password, "p#ss;w");
  assert.equal(values.client_wrapper.os_username, "a ; b # c");
});

Deno.test("parseIniText() strips one pair of matching quotes and keeps the rest verbatim", () => {
  const cases: [string, string][] = [
    ["'x'", "x"],
    ['"x"', "x"],
    [`"'x'"`, "'x'"],
    [`""x""`, '"x"'],
    [`"x'`, `"x'`],
    [`'x`, `'x`],
    ['"a\\nb"', "a\\nb"],
    ['"\\u0041\\t"', "\\u0041\\t"],
    ['" padded "', " padded "],
    ['""', ""],
    ['"p#ss;w"', "p#ss;w"],
    ["plain", "plain"],
  ];
  for (const [raw, expected] of cases) assert.equal(valueOf(raw), expected, raw);
});

Deno.test("parseIniText() keeps true, false, null and numbers as strings", () => {
  for (const raw of ["true", "false", "null", '"true"', "'null'", "True", "12", "0.5"]) {
    const value = valueOf(raw);
    assert.equal(typeof value, "string", raw);
    assert.equal(value, raw.replace(/^["']|["']$/g, ""), raw);
  }
});

Deno.test("parseIniText() splits at the first = or :, so `key: value` works", () => {
  const { values, problems } = parse(
    "[s]\na: b=c\nd = e: f\nurl = http://h:5000/v3\nempty =\nspaced   :   v  \n",
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(values.s, {
    a: "b=c",
    d: "e: f",
    url: "http://h:5000/v3",
    empty: "",
    spaced: "v",
  });
});

Deno.test("parseIniText() continues a value on indented lines until a blank line", async (t) => {
  await t.step("indented lines join with a newline, leading space removed", () => {
    const { values, problems } = parse("[s]\nk = a\n  b\n\tc\nnext = 1\n");
    assert.deepEqual(problems, []);
    assert.deepEqual(values.s, { k: "a\nb\nc", next: "1" });
  });
  await t.step("a blank line ends the value; an indented line after it is a problem", () => {
    const { values, problems } = parse("[s]\nk = a\n  b\n\n  c\n");
    assert.equal(values.s.k, "a\nb");
    assert.deepEqual(problems.map((p) => [p.where, p.expected]), [
      ["f.conf:5", "indented line continues no option"],
    ]);
  });
  await t.step("an indented comment right after an option is part of its value", () => {
    assert.equal(parse("[s]\nk = a\n  # not a comment\n").values.s.k, "a\n# not a comment");
  });
  await t.step("an indented comment with no open option is ignored", () => {
    const { values, problems } = parse("[s]\n  # note\n\t; other\nk = v\n");
    assert.deepEqual(problems, []);
    assert.deepEqual(values.s, { k: "v" });
  });
  await t.step("a comment at column 0 ends the value", () => {
    const { values, problems } = parse("[s]\nk = a\n# comment\n  b\n");
    assert.equal(values.s.k, "a");
    assert.equal(problems.length, 1);
    assert.equal(problems[0].where, "f.conf:4");
  });
});

Deno.test("parseIniText() reads section names the way oslo.config does", async (t) => {
  await t.step("lower-cased, except DEFAULT", () => {
    const { values } = parse("[Director]\na = 1\n[DEFAULT]\nb = 2\n[Default]\nc = 3\n");
    assert.deepEqual(values, { director: { a: "1" }, DEFAULT: { b: "2" }, default: { c: "3" } });
  });
  await t.step("dotted names are not nested", () => {
    const { values } = parse("[a.b]\nx = 1\n[a]\ny = 2\n");
    assert.deepEqual(values, { "a.b": { x: "1" }, a: { y: "2" } });
  });
  await t.step("names with ; # and backslashes survive", () => {
    assert.deepEqual(parse("[a;b#c\\d]\nx = 1\n").values, { "a;b#c\\d": { x: "1" } });
  });
  await t.step("a repeated section adds to the first; a repeated option's last value wins", () => {
    const { values, where } = parse("[s]\nk = 1\nj = a\n[t]\n[s]\nk = 2\n");
    assert.deepEqual(values, { s: { k: "2", j: "a" }, t: {} });
    assert.equal(where.s.k, "f.conf:6");
    assert.equal(where.s.j, "f.conf:3");
  });
  await t.step("option names keep ; # and backslashes", () => {
    assert.deepEqual(parse("[s]\na\\b = 1\nc#d = 2\n").values.s, { "a\\b": "1", "c#d": "2" });
  });
});

Deno.test("parseIniText() gives each option's where as file:line, with CRLF too", () => {
  const { where } = parse("# head\r\n\r\n[s]\r\na = 1\r\n\r\nb: 2\r\n  more\r\nc=3");
  assert.deepEqual(where.s, { a: "f.conf:4", b: "f.conf:6", c: "f.conf:8" });
});

Deno.test("parseIniText() keeps a quoted option name verbatim, with its line", () => {
  // oslo.config strips quotes from values only; the name stays `"q"`.
  const { values, where } = parse('[s]\n"q" = 1\n');
  assert.deepEqual(values.s, { '"q"': "1" });
  assert.equal(where.s['"q"'], "f.conf:2");
});

Deno.test("parseIniText() reports every syntax problem with file:line and reads the rest", () => {
  const { values, problems } = parse(
    [
      "early = 1", // 1: before any section
      "[director", // 2: no closing bracket
      "[]", // 3: empty name
      "[director]", // 4
      "dry_run = True", // 5
      "os_password s3cr#t", // 6: no separator
      "= value", // 7: empty key
      "[s]", // 8
      "  hunter2", // 9: continues nothing (a header is not an option)
      "list[] = a", // 10
      "poll_spacing = 60", // 11
    ].join("\n"),
  );
  assert.deepEqual(values.director, { dry_run: "True" });
  assert.deepEqual(values.s, { poll_spacing: "60" });
  const summary = problems.map((p) => [p.where, p.expected]);
  assert.deepEqual(summary, [
    ["f.conf:1", "option outside any section; add a [section] above it"],
    ["f.conf:2", "expected a section header like [director]"],
    ["f.conf:3", "expected a section header like [director]"],
    ["f.conf:6", "expected option = value"],
    ["f.conf:7", "expected option = value"],
    ["f.conf:9", "indented line continues no option"],
    ["f.conf:10", "list syntax is not supported; give the option once"],
  ]);
  assert.equal(problems[0].value, "early");
  assert.equal(problems[1].value, "[director");
  assert.equal(problems[3].value, "os_password");
  assert.equal(problems[6].section, "s");
  assert.equal(problems[6].option, "list[]");
  // A line that cannot be read may hold a secret: problems quote at most its first word.
  const shown = JSON.stringify(problems);
  assert.ok(!shown.includes("s3cr") && !shown.includes("hunter2"), shown);
});

Deno.test("normalizeSection() lower-cases every name but DEFAULT", () => {
  assert.equal(normalizeSection("DEFAULT"), "DEFAULT");
  assert.equal(normalizeSection("Default"), "default");
  assert.equal(normalizeSection("Client_Wrapper"), "client_wrapper");
  assert.equal(normalizeSection("ironic"), "ironic");
});

/** Formats one option and reads it back. */
function roundTrip(value: string): string | undefined {
  const text = formatIniText([["s", [["k", value]]]]);
  const { sections, problems } = parseIniText(text, "out");
  assert.deepEqual(problems, [], text);
  return sections.get("s")?.get("k")?.value;
}

Deno.test("formatIniText() output reads back to the same values", () => {
  const values = [
    "plain",
    "",
    " leading",
    "trailing ",
    "  both  ",
    '"quoted"',
    "'single'",
    `"mixed'`,
    "p#ss;w",
    "#starts with hash",
    "; starts with semicolon",
    "a = b",
    "a: b",
    "http://h:5000/v3",
    "a\\nb",
    "true",
    "line one\nline two\n# three",
  ];
  for (const value of values) assert.equal(roundTrip(value), value, JSON.stringify(value));
});

Deno.test("formatIniText() drops blank lines inside values spanning lines", () => {
  assert.equal(roundTrip("a\n\nb"), "a\nb");
});

Deno.test("formatIniText() writes sections in order, with header comments on top", () => {
  const text = formatIniText(
    [["director", [["dry_run", "true"], ["poll_spacing", "60"]]], ["DEFAULT", []]],
    ["Effective configuration", "second line"],
  );
  assert.equal(
    text,
    "# Effective configuration\n# second line\n\n[director]\ndry_run = true\npoll_spacing = 60" +
      "\n\n[DEFAULT]\n",
  );
  const { sections, problems } = parseIniText(text, "out");
  assert.deepEqual(problems, []);
  assert.deepEqual([...sections.keys()], ["director", "DEFAULT"]);
  assert.equal(formatIniText([]), "\n");
});

Deno.test("formatIniText() round-trips values whose quotes or line breaks need care", async (t) => {
  const cases: [string, string][] = [
    ["a lone double quote", '"'],
    ["a lone single quote", "'"],
    ["a multi-line value with a leading space", " a\nb"],
    ["a multi-line value whose first line is quoted", '"x"\nb'],
    ["a multi-line value whose last line is quoted", 'a\n"y"'],
  ];
  for (const [name, value] of cases) {
    await t.step(name, () => assert.equal(roundTrip(value), value));
  }
  await t.step("a trailing newline is dropped, not turned into literal quotes", () => {
    assert.equal(roundTrip("a\n"), "a");
  });
});

Deno.test("parseIniText() warns of a value holding ' ;' or ' #', without quoting it", () => {
  const { sections, warnings, problems } = parseIniText(
    [
      "[director]", // 1
      "dry_run = true   ; watch a few cycles", // 2
      "scout = openstack\t# the real thing", // 3
      "[client_wrapper]", // 4
      "os_password = s3cret ;x", // 5
      "os_username = a;b#c", // 6: no space before: an ordinary value
      'os_tenant_name = "quoted ; on purpose"', // 7: quoted, so meant
      "[glance]", // 8
      "image_property_rules =", // 9
      "    os_distro contains ubuntu  # only Ubuntu", // 10
      "    os_version = 24.04 ; and this", // 11: one warning per option
    ].join("\n"),
    "f.conf",
  );
  assert.deepEqual(problems, []);
  assert.equal(sections.get("director")?.get("dry_run")?.value, "true   ; watch a few cycles");
  const comment = (c: string) =>
    `the value contains " ${c}", which starts a comment only at the start of a line: ` +
    "here it is part of the value (put the comment on a line of its own)";
  assert.deepEqual(warnings, [
    `f.conf:2: [director] dry_run: ${comment(";")}`,
    `f.conf:3: [director] scout: ${comment("#")}`,
    `f.conf:5: [client_wrapper] os_password: ${comment(";")}`,
    `f.conf:10: [glance] image_property_rules: ${comment("#")}`,
  ]);
  assert.ok(!warnings.join("\n").includes("s3cret"));
});

Deno.test("parseIniText() warns of a repeated option or section, naming both lines", () => {
  const { sections, warnings } = parseIniText(
    [
      "[director]", // 1
      "dry_run = true", // 2
      "scout = openstack", // 3
      "[api]", // 4
      "token = first-s3cret", // 5
      "token = second-s3cret", // 6
      "[Director]", // 7
      "dry_run = false", // 8
    ].join("\n"),
    "f.conf",
  );
  assert.equal(sections.get("director")?.get("dry_run")?.value, "false");
  assert.equal(sections.get("director")?.get("dry_run")?.where, "f.conf:8");
  assert.equal(sections.get("director")?.get("scout")?.value, "openstack");
  assert.deepEqual(warnings, [
    "f.conf:6: [api] token is set again (first at f.conf:5); the last value is used",
    "f.conf:7: section [director] appears again (first at f.conf:1); its options are read " +
    "as one section",
    "f.conf:8: [director] dry_run is set again (first at f.conf:2); the last value is used",
  ]);
  assert.ok(!warnings.join("\n").includes("s3cret"));
});
Deno.test("parseIniText() drops __proto__ sections and options and reports list syntax once", () => {
  const { values, problems } = parse(
    "[__proto__]\nx = 1\n[s]\n__proto__ = 2\nk[] = a\nk = b\nk[] = c\nj = d\nj[] = e\n[]x = f\n",
  );
  assert.deepEqual(Object.keys(values), ["s"]);
  assert.deepEqual(values.s, {});
  assert.deepEqual(problems.map((p) => [p.where, p.option]), [
    ["f.conf:10", undefined],
    ["f.conf:7", "k[]"],
    ["f.conf:9", "j[]"],
  ]);
});

Deno.test("parseIniText() lists dotted section names after the others, as ini did", () => {
  const { sections } = parseIniText("[a.b]\nx = 1\n[c]\ny = 2\n", "f.conf");
  assert.deepEqual([...sections.keys()], ["c", "a.b"]);
});
