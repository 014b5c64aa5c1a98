/**
 * Time for `arsenal simulate`: a clock that moves only when the simulation moves it, and wakes
 * sleepers (a slow simulated API's `issue_seconds`) only when nothing else can run.
 *
 * @module
 */
import type { Clock } from "../runtime/clock.ts";

interface Timer {
  readonly at: number;
  readonly order: number;
  readonly wake: () => void;
}

/** Lets queued promise callbacks, and the tasks they start, run to completion. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A clock on simulated time, with {@linkcode VirtualClock.finish} to run work to its end. */
export class VirtualClock implements Clock {
  #now: number;
  #timers: Timer[] = [];
  #order = 0;
  /** Called when a sleeper arrives, so that {@linkcode finish} stops waiting on the work alone. */
  #onSleep: (() => void) | undefined;

  constructor(start: number) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Moves time to `at` (never back); sleepers due by then are not woken: see `finish`. */
  set(at: number): void {
    this.#now = Math.max(this.#now, at);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        reject(signal!.reason);
      };
      const timer: Timer = {
        at: this.#now + Math.max(0, ms),
        order: this.#order++,
        wake: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#timers.push(timer);
      this.#onSleep?.();
    });
  }

  /**
   * Waits for `work` to settle. While it waits on this clock's sleepers, runs everything else
   * that can run, then moves time to the earliest sleeper's deadline and wakes it, in order.
   */
  async finish<T>(work: Promise<T>): Promise<T> {
    let done = false;
    const settled = work.then(() => done = true, () => done = true);
    for (;;) {
      const slept = new Promise<void>((resolve) => this.#onSleep = resolve);
      if (this.#timers.length === 0) await Promise.race([settled, slept]);
      if (done) break;
      await settle();
      if (done) break;
      const next = this.#timers.reduce<Timer | undefined>(
        (a, t) => !a || t.at < a.at || (t.at === a.at && t.order < a.order) ? t : a,
        undefined,
      );
      if (!next) continue;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.set(next.at);
      next.wake();
    }
    this.#onSleep = undefined;
    return await work;
  }
}
