/**
 * What a command may touch besides its arguments: the environment and standard output.
 *
 * @module
 */

/** A command's surroundings, injected so that tests can run commands in-process. */
export interface CommandIo {
  /** Environment variables (for `ARSENAL_<SECTION>__<OPTION>` overrides). */
  readonly env: Record<string, string>;
  /** Writes to standard output. */
  write(text: string): Promise<void>;
  /** Reads standard input to the end (for `--snapshot -`). */
  readStdin(): Promise<string>;
}

/** The real process's surroundings. */
export function processIo(): CommandIo {
  return {
    env: Deno.env.toObject(),
    // Straight to the file, not through `Deno.stdout.writable`: setting up that stream costs a
    // first write (a plan's) about 4 ms.
    async write(text) {
      const bytes = new TextEncoder().encode(text);
      for (let done = 0; done < bytes.length;) {
        done += await Deno.stdout.write(bytes.subarray(done));
      }
    },
    readStdin: () => new Response(Deno.stdin.readable).text(),
  };
}
