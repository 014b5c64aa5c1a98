/**
 * The image-weights file, `[strategy] image_weights_filename`: a JSON object of image name ->
 * non-negative integer weight, which every strategy receives.
 *
 * @module
 */
import { absolutePath } from "../runtime/absolute_path.ts";
import { z } from "zod";
import type { ImageWeights } from "../domain/image_weights.ts";
import type { ConfigProblem } from "../runtime/errors.ts";

const weightSchema = z.number().int().min(0);

/** A weight as given: `JSON.stringify` would call 1e400 (parsed as Infinity) `null`. */
function describeWeight(weight: unknown): string {
  if (typeof weight === "number" && !Number.isFinite(weight)) {
    return `a number too large to represent (${weight})`;
  }
  const json = JSON.stringify(weight);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

/** Reads the image-weights file: a JSON object of image name -> non-negative integer. */
export function readImageWeights(
  path: string | undefined,
  defaultWeight: number,
  where: string,
  problems: ConfigProblem[],
): ImageWeights {
  const none: ImageWeights = { byName: new Map(), defaultWeight };
  if (path === undefined) return none;
  const option = { section: "strategy", option: "image_weights_filename", value: path };
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    const resolved = path.startsWith("/")
      ? ""
      : ` (resolved to ${absolutePath(path)}: relative paths start at the working directory)`;
    problems.push({
      where,
      ...option,
      expected: `cannot read the file: ${(e as Error).message}${resolved}`,
    });
    return none;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const hint = /^\s*#/m.test(text) ? "; JSON allows no comments" : "";
    problems.push({ where, ...option, expected: `not valid JSON: ${(e as Error).message}${hint}` });
    return none;
  }
  const file = `${absolutePath(path)} ([strategy] image_weights_filename, ${where})`;
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    const got = JSON.stringify(json).slice(0, 60);
    problems.push({
      where: file,
      expected: `expected a JSON object of image name -> weight, got ${got}`,
    });
    return none;
  }
  // Object.entries keeps a "__proto__" name as the plain key JSON.parse made it.
  const entries = Object.entries(json);
  const bad = entries.filter(([, weight]) => !weightSchema.safeParse(weight).success);
  for (const [name, weight] of bad) {
    problems.push({
      where: file,
      option: JSON.stringify(name),
      expected: `expected a non-negative integer weight, got ${describeWeight(weight)}`,
    });
  }
  return bad.length === 0
    ? { byName: new Map(entries as [string, number][]), defaultWeight }
    : none;
}
