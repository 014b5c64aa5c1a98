/**
 * The small rule languages of `arsenal.conf`: flavor rules over node properties, image property
 * rules, and the standalone image catalog. Each parser returns problems (with the line) instead of
 * throwing, so every mistake in a file is reported at once.
 *
 * @module
 */
import { DISK_FORMATS, diskFormatOf } from "./image_source.ts";

/** `flavor: property=value, ...`: nodes whose properties all match belong to the flavor. */
export interface FlavorRule {
  readonly flavor: string;
  readonly properties: readonly (readonly [string, string])[];
}

/** `key = value` or `key contains value` over an image's properties. */
export interface ImageRule {
  readonly key: string;
  readonly op: "=" | "contains";
  readonly value: string;
}

/** The hash algorithms a standalone checksum may be, told apart by its length. */
export type HashAlgo = "md5" | "sha256" | "sha512";

/** An image of the standalone catalog. */
export interface StaticImage {
  readonly name: string;
  /** The URL's last path segment: the id Ironic sends the agent when it deploys the URL. */
  readonly uuid: string;
  readonly url: string;
  readonly checksum: string;
  readonly hashAlgo: HashAlgo;
}

/** Algorithm by the length of a lowercase hex digest. */
const HASH_BY_LENGTH: Readonly<Record<number, HashAlgo>> = {
  32: "md5",
  64: "sha256",
  128: "sha512",
};

/** A rule file line that could not be read: the 1-based line within the value, and why. */
export interface RuleProblem {
  readonly line: number;
  readonly text: string;
  readonly expected: string;
}

interface Parsed<T> {
  readonly rules: T[];
  readonly problems: RuleProblem[];
}

/** Non-empty, non-comment lines of a multi-line value, with their 1-based numbers. */
function lines(value: string | undefined): [number, string][] {
  if (!value) return [];
  return value.split(/\r?\n/).map((text, i) => [i + 1, text.trim()] as [number, string])
    .filter(([, text]) => text !== "" && !text.startsWith("#"));
}

/** Parses `[ironic] flavor_rules`. */
export function parseFlavorRules(value: string | undefined): Parsed<FlavorRule> {
  const rules: FlavorRule[] = [];
  const problems: RuleProblem[] = [];
  for (const [line, text] of lines(value)) {
    const colon = text.indexOf(":");
    const flavor = text.slice(0, colon).trim();
    const pairs = text.slice(colon + 1).split(",").map((p) => p.trim()).filter(Boolean);
    const properties = pairs.map((p) => p.split("=").map((s) => s.trim()));
    if (
      colon < 1 || !flavor || pairs.length === 0 || properties.some((p) => p.length !== 2 || !p[0])
    ) {
      problems.push({
        line,
        text,
        expected: "a rule like `bm.small: memory_mb=32768, cpus=8`",
      });
      continue;
    }
    rules.push({ flavor, properties: properties as [string, string][] });
  }
  return { rules, problems };
}

/** Parses `[glance] image_property_rules`. */
export function parseImageRules(value: string | undefined): Parsed<ImageRule> {
  const rules: ImageRule[] = [];
  const problems: RuleProblem[] = [];
  for (const [line, text] of lines(value)) {
    const match = /^([^\s=]+)\s*(=|\s+contains\s+)\s*(.+)$/.exec(text);
    if (!match) {
      problems.push({
        line,
        text,
        expected: "a rule like `vm_mode = metal` or `flavor_classes contains onmetal`",
      });
      continue;
    }
    rules.push({
      key: match[1],
      op: match[2].trim() === "=" ? "=" : "contains",
      value: match[3].trim(),
    });
  }
  return { rules, problems };
}

/**
 * Parses `[standalone] images`: `name id url checksum` per line. The id must be the URL's last
 * path segment, split on `/` as Ironic splits `image_source` when it deploys (`write_image`), so
 * that the agent's cached image id matches; the checksum's algorithm follows from its length.
 * When the agent is told the disk format (`diskFormatNeeded`), the file name must end in one.
 */
export function parseStaticImages(
  value: string | undefined,
  { diskFormatNeeded = false } = {},
): Parsed<StaticImage> {
  const rules: StaticImage[] = [];
  const problems: RuleProblem[] = [];
  const seen = new Set<string>();
  for (const [line, text] of lines(value)) {
    const parts = text.split(/\s+/);
    const [name, uuid, url, checksum] = parts;
    const hashAlgo = HASH_BY_LENGTH[/^[0-9a-f]+$/.test(checksum ?? "") ? checksum.length : 0];
    const segment = url?.split("/").at(-1) ?? "";
    let why = "";
    if (parts.length !== 4) why = "four fields: name id url checksum";
    else if (!/^https?:\/\/./.test(url)) why = `an http(s) URL as the third field, not ${url}`;
    else if (segment === "") {
      why = `a URL that ends in a file name (the id is its last path segment), not ${url}`;
    } else if (uuid !== segment) {
      why = `the URL's last path segment as the id, ${segment} (what Ironic sends the agent ` +
        `at deploy time), not ${uuid}`;
    } else if (!hashAlgo) {
      why = "a checksum of 32 (MD5), 64 (SHA-256) or 128 (SHA-512) lowercase hex digits as the " +
        `fourth field, not ${checksum}` +
        (/^[0-9a-f]+$/.test(checksum) ? ` (${checksum.length} characters)` : "");
    } else if (diskFormatNeeded && !diskFormatOf(url)) {
      why = `a URL whose file name ends in its disk format (${
        [...DISK_FORMATS].map((f) => `.${f}`).join(", ").replace(/, ([^,]+)$/, " or $1")
      }): cache_method = arsenal tells the agent the image's disk format, not ${url}`;
    } else if (seen.has(uuid)) {
      why = `an id not used by another image (${uuid} is listed twice)`;
    }
    if (why) {
      problems.push({ line, text, expected: why });
      continue;
    }
    seen.add(uuid);
    rules.push({ name, uuid, url, checksum, hashAlgo: hashAlgo! });
  }
  return { rules, problems };
}

function sameValue(actual: unknown, wanted: string): boolean {
  if (actual === null || actual === undefined) return false;
  if (typeof actual === "number") return actual === Number(wanted);
  if (typeof actual === "boolean") return String(actual) === wanted.toLowerCase();
  return String(actual) === wanted;
}

/** The flavor of the first rule all of whose properties match, or undefined. */
export function flavorByRules(
  rules: readonly FlavorRule[],
  properties: Readonly<Record<string, unknown>> | null | undefined,
): string | undefined {
  if (!properties) return undefined;
  return rules.find((r) => r.properties.every(([k, v]) => sameValue(properties[k], v)))?.flavor;
}

/**
 * Whether an image's properties satisfy every rule. `contains` looks in a list, or in a string
 * of comma-separated items (how Glance properties such as `flavor_classes` hold lists).
 */
export function imageMatches(
  rules: readonly ImageRule[],
  image: Readonly<Record<string, unknown>>,
): boolean {
  return rules.every((rule) => {
    const actual = image[rule.key];
    if (rule.op === "=") return sameValue(actual, rule.value);
    const items = Array.isArray(actual)
      ? actual
      : typeof actual === "string"
      ? actual.split(",").map((s) => s.trim())
      : [];
    return items.some((item) => sameValue(item, rule.value));
  });
}

/** The Placement resource name Nova flavors use for an Ironic resource class. */
export function customResourceName(resourceClass: string): string {
  return `CUSTOM_${resourceClass.toUpperCase().replace(/[^A-Z0-9_]/g, "_")}`;
}
