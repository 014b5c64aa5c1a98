/**
 * A value that is loaded later, and the calls made on it meanwhile: they wait and run in the order
 * they were made once it is loaded, so that nothing done before is lost.
 *
 * @module
 */

/**
 * Calls on a value loaded later (the metrics wait for prom-client this way).
 *
 * @example
 * ```ts
 * const counts = new Deferred(() => Promise.resolve(new Map<string, number>()));
 * counts.run((map) => map.set("early", 1)); // waits
 * const map = await counts.load(); // runs it: map.get("early") === 1
 * counts.run((map) => map.set("late", 2)); // runs at once
 * ```
 */
export class Deferred<T> {
  readonly #load: () => Promise<T>;
  #value?: { readonly current: T };
  #loading?: Promise<T>;
  #waiting: ((value: T) => void)[] = [];

  /** `load` gives the value; {@linkcode Deferred.load} calls it until it has succeeded once. */
  constructor(load: () => Promise<T>) {
    this.#load = load;
  }

  /** Runs `call` on the value now when it is loaded, else once it is. */
  run(call: (value: T) => void): void {
    if (this.#value) call(this.#value.current);
    else this.#waiting.push(call);
  }

  /**
   * Loads the value (once) and runs the calls that waited, in order. A failed load keeps them:
   * the next call loads again.
   */
  load(): Promise<T> {
    this.#loading ??= this.#load().then((value) => {
      this.#value = { current: value };
      const waiting = this.#waiting;
      this.#waiting = [];
      for (const call of waiting) call(value);
      return value;
    }, (error) => {
      this.#loading = undefined;
      throw error;
    });
    return this.#loading;
  }
}
