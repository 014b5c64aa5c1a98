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
  // Whoever reads standard output may stop first (`arsenal plan | head`): what is left to write
  // has nobody to go to, which is the reader's choice, not an error of the command.
  let readerGone = false;
  return {
    env: Deno.env.toObject(),
    // Straight to the file, not through `Deno.stdout.writable`: setting up that stream costs a
    // first write (a plan's) about 4 ms.
    async write(text) {
      const bytes = new TextEncoder().encode(text);
      try {
        for (let done = 0; done < bytes.length && !readerGone;) {
          done += await Deno.stdout.write(bytes.subarray(done));
        }
      } catch (e) {
        if (!(e instanceof Deno.errors.BrokenPipe)) throw e;
        readerGone = true;
      }
    },
    readStdin: () => new Response(Deno.stdin.readable).text(),
  };
}
