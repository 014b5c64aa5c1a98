/**
 * Absolute paths, from the operating system.
 *
 * @module
 */

/**
 * `path` made absolute by the operating system, which resolves `.`, `..` and symbolic links: the
 * file's real path when it exists, else its directory's real path and its name, else `path` as
 * given (from the working directory when relative). Arsenal runs on Linux: a path is absolute
 * when it starts with `/`.
 */
export function absolutePath(path: string): string {
  const slash = path.lastIndexOf("/");
  const [dir, name] = slash < 0
    ? [".", path]
    : [path.slice(0, slash) || "/", path.slice(slash + 1)];
  for (const real of [() => Deno.realPathSync(path), () => `${Deno.realPathSync(dir)}/${name}`]) {
    try {
      return real().replace(/^\/\//, "/");
    } catch {
      // not there: try the next
    }
  }
  return path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
}
