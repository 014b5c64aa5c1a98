/**
 * Tests of `src/cli/args.ts`: the command line, `--help` text and exit statuses.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type Command, parseCommandLine, USAGE } from "../../src/cli/args.ts";
import { UsageError } from "../../src/runtime/errors.ts";
import { MAX_SEED } from "../../src/domain/seed.ts";

/** `command` without its undefined fields, so that absent and undefined compare alike. */
function defined(command: Command): Record<string, unknown> {
  return Object.fromEntries(Object.entries(command).filter(([, value]) => value !== undefined));
}

const LOG = { debug: false, logFormat: "text" } as const;
const PLAN = { name: "plan", ...LOG, seed: 0, timings: false } as const;
const RUN = { name: "run", ...LOG, once: false } as const;

const SIMULATE = { name: "simulate", ...LOG, warmupHours: 0, json: false } as const;

const VALID: [string[], Record<string, unknown>][] = [
  [["simulate"], SIMULATE],
  [
    ["simulate", "--trace", "t.jsonl", "--hours", "1.5", "--warmup-hours", "0.5", "--seed", "7"],
    { ...SIMULATE, trace: "t.jsonl", hours: 1.5, warmupHours: 0.5, seed: 7 },
  ],
  [["simulate", "--json", "--config-file", "a.conf"], {
    ...SIMULATE,
    json: true,
    configFile: "a.conf",
  }],
  [["plan", "--snapshot", "fleet.json"], { ...PLAN, snapshot: "fleet.json" }],
  [["plan", "--snapshot=fleet.json"], { ...PLAN, snapshot: "fleet.json" }],
  [["--snapshot", "fleet.json", "plan"], { ...PLAN, snapshot: "fleet.json" }],
  [["plan", "--snapshot", "-"], { ...PLAN, snapshot: "-" }],
  [
    ["plan", "--snapshot", "f.json", "--config-file", "a.conf"],
    { ...PLAN, snapshot: "f.json", configFile: "a.conf" },
  ],
  [["plan", "--snapshot", "f.json", "--seed", "42"], { ...PLAN, snapshot: "f.json", seed: 42 }],
  [["plan", "--snapshot", "f.json", "--seed=7"], { ...PLAN, snapshot: "f.json", seed: 7 }],
  [["plan", "--snapshot", "f.json", "--seed", "0"], { ...PLAN, snapshot: "f.json", seed: 0 }],
  [["plan", "--snapshot", "f.json", "--seed", "007"], { ...PLAN, snapshot: "f.json", seed: 7 }],
  [
    ["plan", "--snapshot", "f.json", "--seed", "4294967295"],
    { ...PLAN, snapshot: "f.json", seed: 4294967295 },
  ],
  [["plan", "--snapshot", "f.json", "--timings"], { ...PLAN, snapshot: "f.json", timings: true }],
  [["plan", "--snapshot", "f.json", "--debug"], { ...PLAN, snapshot: "f.json", debug: true }],
  [
    [
      "plan",
      "--debug",
      "--timings",
      "--seed",
      "9",
      "--config-file",
      "/etc/arsenal/arsenal.conf",
      "--snapshot",
      "/tmp/f.json",
    ],
    {
      name: "plan",
      debug: true,
      logFormat: "text",
      timings: true,
      seed: 9,
      configFile: "/etc/arsenal/arsenal.conf",
      snapshot: "/tmp/f.json",
    },
  ],
  [["check-config"], { name: "check-config", ...LOG }],
  [
    ["check-config", "--config-file", "a.conf"],
    { name: "check-config", ...LOG, configFile: "a.conf" },
  ],
  [["check-config", "--debug"], { name: "check-config", ...LOG, debug: true }],
  [[], RUN],
  [["run"], RUN],
  [["--config-file", "a.conf"], { ...RUN, configFile: "a.conf" }],
  [["run", "--once"], { ...RUN, once: true }],
  [["--log-format", "json"], { ...RUN, logFormat: "json" }],
  [["run", "--log-file", "/var/log/arsenal.log"], { ...RUN, logFile: "/var/log/arsenal.log" }],
  [
    ["plan", "--snapshot", "f.json", "--log-format=json"],
    { ...PLAN, snapshot: "f.json", logFormat: "json" },
  ],
  [["version"], { name: "version" }],
  [["--version"], { name: "version" }],
  [["plan", "--version"], { name: "version" }],
  [["help"], { name: "help" }],
  [["--help"], { name: "help" }],
  [["-h"], { name: "help" }],
  [["plan", "--help"], { name: "help" }],
  [["plan", "-h"], { name: "help" }],
  [["check-config", "--help"], { name: "help" }],
  [["plan", "--snapshot", "f.json", "--seed", "x", "--help"], { name: "help" }],
  [["bogus", "--help"], { name: "help" }],
];

Deno.test("parseCommandLine turns each valid command line into its command", () => {
  for (const [args, expected] of VALID) {
    assert.deepEqual(defined(parseCommandLine(args)), expected, `for ${args.join(" ")}`);
  }
});

Deno.test("parseCommandLine gives plan the default seed 0 and no config file", () => {
  const command = parseCommandLine(["plan", "--snapshot", "f.json"]);
  assert.equal(command.name, "plan");
  if (command.name !== "plan") return;
  assert.equal(command.seed, 0);
  assert.equal(command.configFile, undefined);
  assert.equal(command.timings, false);
  assert.equal(command.debug, false);
});

Deno.test("parseCommandLine does not change the array it is given", () => {
  const args = Object.freeze(["plan", "--snapshot", "f.json", "--seed", "3"]);
  parseCommandLine(args);
  assert.deepEqual(args, ["plan", "--snapshot", "f.json", "--seed", "3"]);
});

/** Command lines that are wrong, and a pattern of what the error must say. */
const INVALID: [string[], RegExp][] = [
  [["simulate", "--hours", "0"], /--hours: expected a positive number of hours, got "0"/],
  [["simulate", "--hours", "1h"], /--hours: expected a positive number of hours, got "1h"/],
  [["simulate", "--warmup-hours", "-"], /--warmup-hours: expected a number of hours, at least 0/],
  [["simulate", "--hours", "2", "--warmup-hours", "2"], /--warmup-hours: expected less than the 2/],
  [["simulate", "--seed", "1.5"], /--seed: expected an integer/],
  [["plan", "--snapshot", "f", "--trace", "t"], /plan does not take --trace/],
  [["run", "--snapshot", "f"], /run does not take --snapshot/],
  [["check-config", "--once"], /check-config does not take --once/],
  [["--log-format", "xml"], /--log-format: expected text or json, got "xml"/],
  [["bogus"], /unknown command "bogus"/],
  [["Plan", "--snapshot", "f"], /unknown command "Plan"/],
  [["plan", "--bogus"], /--bogus/],
  [["check-config", "--verbose"], /--verbose/],
  [["-x"], /-x/],
  [["-hx"], /unknown option -x/],
  [["run", "--no-once"], /unknown option --no-once/],
  [["plan", "--snapshot", "f.json", "--seed", "-1"], /--seed needs a value; .*--seed=-1/],
  [["plan", "--snapshot", "f.json", "--debug=yes"], /--debug takes no value, got "yes"/],
  [["check-config", "--snapshot", "x"], /check-config does not take --snapshot/],
  [["check-config", "--seed", "1"], /check-config does not take --seed/],
  [["check-config", "--timings"], /check-config does not take --timings/],
  [["version", "--debug"], /version does not take --debug/],
  [["version", "--config-file", "a.conf"], /version does not take --config-file/],
  [["help", "--debug"], /help does not take --debug/],
  [["plan"], /plan needs --snapshot/],
  [["plan", "--seed", "1", "--timings"], /plan needs --snapshot/],
  [["plan", "--snapshot"], /--snapshot/],
  [["plan", "--snapshot", "f.json", "extra"], /unexpected argument "extra"/],
  [["plan", "f.json", "--snapshot", "g.json"], /unexpected argument "f.json"/],
  [["check-config", "arsenal.conf"], /unexpected argument "arsenal.conf"/],
  [["version", "now"], /unexpected argument "now"/],
  [["plan", "--snapshot", "f.json", "--timings=yes"], /--timings/],
  [["plan", "--snapshot", "f.json", "--seed"], /--seed/],
  [["plan", "--snapshot", "f.json", "--seed", "abc"], /--seed: .*got "abc"/],
  [["plan", "--snapshot", "f.json", "--seed", ""], /--seed: .*got ""/],
  [["plan", "--snapshot", "f.json", "--seed", "1.5"], /--seed: .*got "1.5"/],
  [["plan", "--snapshot", "f.json", "--seed", "1e3"], /--seed: .*got "1e3"/],
  [["plan", "--snapshot", "f.json", "--seed", "0x10"], /--seed: .*got "0x10"/],
  [["plan", "--snapshot", "f.json", "--seed", " 5"], /--seed: .*got " 5"/],
  [["plan", "--snapshot", "f.json", "--seed", "+5"], /--seed: .*got "\+5"/],
  [["plan", "--snapshot", "f.json", "--seed=-1"], /--seed: .*got "-1"/],
  [["plan", "--snapshot", "f.json", "--seed", "-1"], /--seed/],
  [["plan", "--snapshot", "f.json", "--seed", "4294967296"], /--seed: .*got "4294967296"/],
  [
    ["plan", "--snapshot", "f.json", "--seed", "99999999999999999999999"],
    /--seed: .*got "99999999999999999999999"/,
  ],
  [["--help", "--bogus"], /--bogus/],
  [["--config-file", "a.conf", "--config-file", "b.conf"], /--config-file is given twice/],
  [["check-config", "--config-file=a.conf", "--config-file", "a.conf"], /--config-file is given/],
  [["plan", "--snapshot", "f", "--snapshot", "g"], /--snapshot is given twice/],
  [["plan", "--snapshot", "f", "--seed", "1", "--seed", "2"], /--seed is given twice/],
  [["--log-format", "json", "--log-format", "text"], /--log-format is given twice/],
  [["--log-file", "a", "--log-file", "b"], /--log-file is given twice/],
  [["healthcheck", "--url", "http://a", "--url", "http://b"], /--url is given twice/],
  [["healthcheck", "--url", "not a url"], /--url: expected an http:\/\/ or https:\/\/ URL/],
  [["healthcheck", "--url", "ftp://127.0.0.1/"], /--url: expected an http:\/\/ or https:\/\//],
  [
    ["healthcheck", "--url", "http://user:pw@[::1"],
    /--url: expected .*got "http:\/\/<redacted>@\[::1"/,
  ],
  [["healthcheck", "--url", "http://user:pw@127.0.0.1:9835"], /--url: .*credentials/],
];

Deno.test("parseCommandLine rejects each wrong command line with a UsageError saying why", () => {
  for (const [args, pattern] of INVALID) {
    assert.throws(
      () => parseCommandLine(args),
      (e: unknown) => {
        assert.ok(e instanceof UsageError, `for ${args.join(" ")}: ${e}`);
        assert.match(e.message, pattern, `for ${args.join(" ")}`);
        return true;
      },
      `for ${JSON.stringify(args)}`,
    );
  }
});

Deno.test("parseCommandLine never echoes credentials given in --url", () => {
  for (const url of ["http://user:pw@[::1", "http://user:pw@127.0.0.1:9835", "h://:pw@x y"]) {
    assert.throws(() => parseCommandLine(["healthcheck", "--url", url]), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.doesNotMatch(e.message, /pw/, e.message);
      return true;
    });
  }
});

Deno.test("parseCommandLine still takes a boolean flag given twice", () => {
  assert.equal(defined(parseCommandLine(["run", "--once", "--once"])).once, true);
});

Deno.test("parseCommandLine lists the commands when the command is unknown", () => {
  assert.throws(() => parseCommandLine(["deploy"]), (e: unknown) => {
    assert.ok(e instanceof UsageError);
    for (const name of ["run", "plan", "check-config", "version", "help"]) {
      assert.ok(e.message.includes(name), `${name} missing from: ${e.message}`);
    }
    return true;
  });
});

Deno.test("parseCommandLine states the seed range when --seed is out of range", () => {
  assert.throws(
    () => parseCommandLine(["plan", "--snapshot", "f", "--seed", String(MAX_SEED + 1)]),
    (e: unknown) => e instanceof UsageError && e.message.includes(`0 to ${MAX_SEED}`),
  );
});

Deno.test("parseCommandLine reads trace's --hours, --seed and --output, 24 hours by default", () => {
  assert.deepEqual(defined(parseCommandLine(["trace"])), { name: "trace", ...LOG, hours: 24 });
  const given = parseCommandLine(["trace", "--hours", "1.5", "--seed", "7", "--output", "t.jsonl"]);
  assert.deepEqual(
    [given.name, ...["hours", "seed", "output"].map((k) => (given as Record<string, unknown>)[k])],
    ["trace", 1.5, 7, "t.jsonl"],
  );
  for (const hours of ["0", "abc", "87601", "Infinity"]) {
    assert.throws(() => parseCommandLine(["trace", "--hours", hours]), UsageError, hours);
  }
  assert.throws(() => parseCommandLine(["plan", "--snapshot", "f", "--hours", "1"]), UsageError);
});

Deno.test("USAGE mentions every command and every option", () => {
  for (const word of ["run", "plan", "check-config", "version", "trace"]) {
    assert.match(USAGE, new RegExp(`^  ${word}\\s`, "m"), `command ${word}`);
  }
  for (
    const flag of [
      "--config-file",
      "--once",
      "--snapshot",
      "--seed",
      "--timings",
      "--hours",
      "--output",
      "--log-format",
      "--log-file",
      "--debug",
      "-h",
      "--help",
    ]
  ) {
    assert.ok(USAGE.includes(flag), `option ${flag}`);
  }
  assert.ok(USAGE.includes("--version"));
});

Deno.test("USAGE documents the exit statuses 0, 1 and 2", () => {
  assert.match(USAGE, /Exit status:/);
  assert.match(USAGE, /\b0 success/);
  assert.match(USAGE, /\b1 failure at run time/);
  assert.match(USAGE, /\b2 bad usage/);
});

Deno.test("USAGE states the default seed and its range", () => {
  assert.ok(USAGE.includes(`0..${MAX_SEED}`), USAGE);
  assert.match(USAGE, /--seed N .*default 0/);
});

Deno.test("USAGE starts with the usage line and ends with a newline", () => {
  assert.match(USAGE, /^Usage: arsenal \[command\] \[options\]\n/);
  assert.ok(USAGE.endsWith("\n"));
});
