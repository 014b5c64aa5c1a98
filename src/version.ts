/**
 * Arsenal's version, and the git commit it was built from.
 *
 * A source checkout reads `.git` directly (no `git` process, no permission beyond reading); a
 * compiled binary, which carries no `.git`, reads `dist/build_info.json`, written by
 * `deno task compile` and embedded with `--include`.
 *
 * @module
 */

/** Arsenal's version, reported by `version` and with every plan. */
export const VERSION = "0.1.0";

/** What a build records about itself. */
export interface BuildInfo {
  readonly version: string;
  /** Full commit hash, or `unknown`. */
  readonly commit: string;
  /** ISO time of the build, or undefined for a source checkout. */
  readonly builtAt?: string;
}

const ROOT = new URL("../", import.meta.url);

/** The commit `.git` in `root` points at, or undefined when it cannot tell. */
export function gitCommit(root: URL = ROOT): string | undefined {
  const read = (url: URL) => Deno.readTextFileSync(url).trim();
  try {
    let git = new URL(".git/", root);
    const dotGit = Deno.statSync(new URL(".git", root));
    if (dotGit.isFile) {
      // A worktree or submodule: ".git" is a file saying "gitdir: <path>".
      const target = read(new URL(".git", root)).replace(/^gitdir:\s*/, "");
      git = new URL(target.endsWith("/") ? target : `${target}/`, root);
    }
    const head = read(new URL("HEAD", git));
    if (/^[0-9a-f]{40}$/.test(head)) return head;
    const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
    if (!ref) return undefined;
    // A linked worktree keeps its HEAD but shares refs with the main repository ("commondir").
    try {
      const common = read(new URL("commondir", git));
      git = new URL(common.endsWith("/") ? common : `${common}/`, git);
    } catch {
      // not a linked worktree
    }
    try {
      return read(new URL(ref, git));
    } catch {
      const packed = read(new URL("packed-refs", git));
      return packed.split("\n").find((l) => l.endsWith(` ${ref}`))?.split(" ")[0];
    }
  } catch {
    return undefined;
  }
}

/** This build's version and commit: from `.git` in a checkout, else from the build's stamp. */
export function buildInfo(): BuildInfo {
  const commit = gitCommit();
  if (commit) return { version: VERSION, commit };
  try {
    const stamped = JSON.parse(
      Deno.readTextFileSync(new URL("dist/build_info.json", ROOT)),
    ) as Partial<BuildInfo>;
    if (typeof stamped.commit === "string") {
      return { version: VERSION, commit: stamped.commit, builtAt: stamped.builtAt };
    }
  } catch {
    // neither a checkout nor a compiled build
  }
  return { version: VERSION, commit: "unknown" };
}
