/**
 * Signs of life of the loop and of the work it waits on, for `/livez`. The loop beats at every
 * step; the OpenStack clients beat at every HTTP attempt and announce the waits they make by
 * design (an attempt's timeout, the pause before a retry), so that waiting on a live upstream
 * counts as progress and only a loop with nothing going on looks wedged.
 *
 * @module
 */
import type { Clock } from "./clock.ts";

/** When the last sign of life came, and until when quiet is expected after it. */
export class Heartbeat {
  readonly #clock: Clock;
  #last: number;
  #quietUntil: number;

  constructor(clock: Clock) {
    this.#clock = clock;
    this.#last = this.#quietUntil = clock.now();
  }

  /**
   * A sign of life now.
   *
   * @param quietMs a wait that starts now, during which no further sign is due
   */
  beat(quietMs = 0): void {
    const now = this.#clock.now();
    this.#last = now;
    // Calls overlap (polls, directives in flight): the wait that ends last decides.
    this.#quietUntil = Math.max(this.#quietUntil, now + quietMs);
  }

  /** Epoch ms of the last sign of life. */
  get last(): number {
    return this.#last;
  }

  /** Epoch ms until which quiet is expected: the last beat, or the end of an announced wait. */
  get quietUntil(): number {
    return Math.max(this.#last, this.#quietUntil);
  }
}
