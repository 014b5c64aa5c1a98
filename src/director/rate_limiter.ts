/**
 * The original Arsenal's rate limiter: at most `limit` directives of a kind per period.
 *
 * Directives over the limit are dropped, not queued (the next cycle plans afresh). A period starts
 * when the limiter is made and restarts at the first use after it has elapsed, or after the clock
 * went backwards.
 *
 * @module
 */
import type { Clock } from "../runtime/clock.ts";

/** Counts directives against a limit per period. A limit of 0 means unlimited. */
export class RateLimiter {
  readonly #clock: Clock;
  #limit: number;
  #periodMs: number;
  #start: number;
  #count = 0;

  /**
   * @param limit directives allowed per period; 0 for unlimited
   * @param periodSeconds the period's length
   * @throws {RangeError} for a negative or fractional limit, or a period under 1 s
   */
  constructor(limit: number, periodSeconds: number, clock: Clock) {
    this.#clock = clock;
    this.#limit = 0;
    this.#periodMs = 0;
    this.configure(limit, periodSeconds);
    this.#start = clock.now();
  }

  /** Changes the limit or the period; the current period and its count go on. */
  configure(limit: number, periodSeconds: number): void {
    if (!Number.isInteger(limit) || limit < 0) {
      throw new RangeError(`Rate limit must be an integer >= 0, got ${limit}`);
    }
    if (!Number.isInteger(periodSeconds) || periodSeconds < 1) {
      throw new RangeError(`Limiting period must be an integer >= 1, got ${periodSeconds}`);
    }
    this.#limit = limit;
    this.#periodMs = periodSeconds * 1000;
  }

  /**
   * How many of `wanted` directives may go now.
   *
   * @param commit false to ask without counting them (dry run)
   */
  take(wanted: number, commit = true): number {
    if (this.#limit === 0) return wanted;
    const now = this.#clock.now();
    if (now < this.#start || now - this.#start >= this.#periodMs) {
      this.#start = now;
      this.#count = 0;
    }
    const allowed = Math.max(0, Math.min(wanted, this.#limit - this.#count));
    if (commit) this.#count += allowed;
    return allowed;
  }
}
