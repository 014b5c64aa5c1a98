/**
 * A progress bar on standard error for long commands: drawn only on a terminal, and only once the
 * command has run a while, so that short runs and pipes see nothing.
 *
 * @module
 */

/** Where and when a {@linkcode ProgressBar} draws; the real terminal by default. */
export interface ProgressOutput {
  /** Whether the output is a terminal. */
  readonly isTerminal: boolean;
  /** Writes `text` as it is. */
  write(text: string): void;
  /** Milliseconds, from any origin. */
  now(): number;
}

/** Draws nothing before this many milliseconds have passed. */
const QUIET_MS = 1000;
/** Redraws at most this often. */
const REDRAW_MS = 100;
const WIDTH = 30;

function standardError(): ProgressOutput {
  const encoder = new TextEncoder();
  return {
    isTerminal: Deno.stderr.isTerminal(),
    write: (text) => void Deno.stderr.writeSync(encoder.encode(text)),
    now: () => performance.now(),
  };
}

/** A one-line bar, `[#####.....]  50%`, redrawn in place. */
export class ProgressBar {
  readonly #out: ProgressOutput;
  readonly #started: number;
  #drawnAt = -Infinity;
  #drawn = false;

  constructor(out: ProgressOutput = standardError()) {
    this.#out = out;
    this.#started = out.now();
  }

  /** Shows `done`, from 0 to 1, when it is time to. */
  update(done: number): void {
    if (!this.#out.isTerminal) return;
    const now = this.#out.now();
    if (now - this.#started < QUIET_MS || now - this.#drawnAt < REDRAW_MS) return;
    this.#drawnAt = now;
    this.#drawn = true;
    const filled = Math.round(Math.min(1, Math.max(0, done)) * WIDTH);
    const percent = `${Math.floor(done * 100)}`.padStart(3);
    this.#out.write(`\r[${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ${percent}%`);
  }

  /** Erases the bar, if it was drawn. */
  clear(): void {
    if (this.#drawn) this.#out.write(`\r${" ".repeat(WIDTH + 7)}\r`);
    this.#drawn = false;
  }
}
