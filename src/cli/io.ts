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
    async write(text) {
      const writer = Deno.stdout.writable.getWriter();
      try {
        await writer.write(new TextEncoder().encode(text));
      } finally {
        writer.releaseLock();
      }
    },
    readStdin: () => new Response(Deno.stdin.readable).text(),
  };
}
