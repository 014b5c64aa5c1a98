/**
 * Runtime settings: the toggles an operator may change while Arsenal runs (`PATCH /v1/runtime`).
 *
 * They start from the configuration; overrides live in memory only, so the configuration file
 * stays the source at restart. A change takes effect at the next cycle, which reads
 * {@linkcode RuntimeSettings.current} when it starts (the loop also reschedules that cycle when
 * `directive_spacing` changes).
 *
 * @module
 */
import { z } from "zod";
import { describeShape, expectation, type SectionShape } from "./option_shape.ts";

/**
 * The schema of each setting but the strategy's options, with its bounds, in `arsenal.conf`'s
 * spelling: the `[director]` section builds its options from these (adding defaults and help),
 * and patches are validated with them.
 */
export const tunableFields = {
  dry_run: z.boolean(),
  /** No scheduled cycles while paused (polling goes on; `POST /v1/cycle` still works). */
  paused: z.boolean(),
  cache_directive_rate_limit: z.number().int().min(0),
  cache_directive_limiting_period: z.number().int().min(1),
  eject_directive_rate_limit: z.number().int().min(0),
  eject_directive_limiting_period: z.number().int().min(1),
  directive_spacing: z.number().int().min(1),
};

const core = z.object(tunableFields);

type CoreKey = keyof typeof tunableFields;

/** The settings, in `arsenal.conf`'s spelling. */
export interface Tunables extends Readonly<z.output<typeof core>> {
  /** The strategy's own options (its section). */
  readonly strategy: Readonly<Record<string, unknown>>;
}

/** One setting that changed. */
export interface Change {
  /** `dry_run`, or `strategy.<option>` for a strategy option. */
  readonly setting: string;
  readonly from: unknown;
  readonly to: unknown;
  readonly reason?: string;
}

/** One thing wrong with a patch. */
export interface SettingProblem {
  /** The setting: `dry_run`, `strategy.<option>`. */
  readonly path: string;
  /** What is wrong with it. */
  readonly message: string;
  /** The offending value, when there is one. */
  readonly value?: unknown;
}

/** Why a patch was refused; nothing changed. */
export type PatchRejection =
  /** The patch is not an object of settings. */
  | { readonly kind: "malformed" }
  /** The caller expected other settings than those in force (`etag`). */
  | { readonly kind: "stale"; readonly etag: string }
  /** The patch names unknown settings or gives values out of bounds. */
  | { readonly kind: "invalid"; readonly problems: readonly SettingProblem[] };

/** What became of a patch: the changes it made, or why it was refused. */
export type PatchResult =
  | { readonly ok: true; readonly changes: Change[] }
  | { readonly ok: false } & PatchRejection;

/** Described when a patch is refused: describing takes a while, and a start needs none. */
const coreShape = (): SectionShape => describeShape(core);

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The runtime settings, their version (for ETags), and who hears of changes. */
export class RuntimeSettings {
  #configured: Tunables;
  #strategySchema: z.ZodType;
  readonly #listeners: ((change: Change) => void)[] = [];
  #current: Tunables;
  #version = 1;

  /**
   * @param configured the values from the configuration
   * @param strategySchema the strategy's options schema, to validate its options
   */
  constructor(configured: Tunables, strategySchema: z.ZodType) {
    this.#configured = Object.freeze({ ...configured, strategy: { ...configured.strategy } });
    this.#current = this.#configured;
    this.#strategySchema = strategySchema;
  }

  /** The strategy's options, described when a patch or a reload needs them (not at start). */
  get #strategyShape(): SectionShape {
    return describeShape(this.#strategySchema);
  }

  /** The settings in force. */
  get current(): Tunables {
    return this.#current;
  }

  /** A strong ETag that changes with every change: `"3"`. */
  get etag(): string {
    return `"${this.#version}"`;
  }

  /** Calls `listener` with every change, after it is made. */
  onChange(listener: (change: Change) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Takes new configured values (a reloaded configuration, perhaps with another strategy). The
   * file is the source again, as at a restart: runtime changes are dropped, except `paused`.
   * Listeners hear of every setting that changed.
   */
  reconfigure(configured: Tunables, strategySchema: z.ZodType, reason: string): Change[] {
    const previousShape = this.#strategyShape;
    this.#configured = Object.freeze({ ...configured, strategy: { ...configured.strategy } });
    this.#strategySchema = strategySchema;
    const next = { ...this.#configured, paused: this.#current.paused };
    const changes = this.#diff(next, reason, Object.keys(previousShape));
    this.#current = Object.freeze(next);
    this.#version++;
    for (const change of changes) for (const listener of this.#listeners) listener(change);
    return changes;
  }

  /**
   * Applies a JSON merge patch (RFC 7386). `null` resets a setting to its configured value.
   * Nothing changes unless the whole patch is valid.
   *
   * @param options.ifMatch ETags one of which must be {@linkcode etag}, else the patch is stale;
   *   absent: any
   * @param options.reason why, passed on to listeners with each change
   */
  patch(
    body: unknown,
    options: { ifMatch?: readonly string[]; reason?: string } = {},
  ): PatchResult {
    const { ifMatch, reason } = options;
    if (ifMatch && !ifMatch.includes(this.etag)) {
      return { ok: false, kind: "stale", etag: this.etag };
    }
    if (!isObject(body)) return { ok: false, kind: "malformed" };
    const problems: SettingProblem[] = [];
    const next: Record<string, unknown> = {
      ...this.#current,
      strategy: { ...this.#current.strategy },
    };
    for (const [key, value] of Object.entries(body)) {
      if (key === "strategy") {
        if (!isObject(value)) {
          problems.push({ path: key, message: "expected an object of strategy options", value });
          continue;
        }
        const strategy = next.strategy as Record<string, unknown>;
        for (const [option, optionValue] of Object.entries(value)) {
          if (!Object.hasOwn(this.#strategyShape, option)) {
            problems.push({ path: `strategy.${option}`, message: "unknown strategy option" });
          } else {
            strategy[option] = optionValue === null
              ? this.#configured.strategy[option]
              : optionValue;
          }
        }
      } else if (!Object.hasOwn(tunableFields, key)) {
        problems.push({ path: key, message: "unknown setting" });
      } else {
        next[key] = value === null ? this.#configured[key as keyof Tunables] : value;
      }
    }
    problems.push(...this.#validate(next));
    if (problems.length > 0) return { ok: false, kind: "invalid", problems };
    const changes = this.#diff(next as unknown as Tunables, reason);
    if (changes.length > 0) {
      this.#current = Object.freeze(next as unknown as Tunables);
      this.#version++;
      for (const change of changes) for (const listener of this.#listeners) listener(change);
    }
    return { ok: true, changes };
  }

  #validate(next: Record<string, unknown>): SettingProblem[] {
    const problems: SettingProblem[] = [];
    for (const [key, schema] of Object.entries(tunableFields)) {
      if (!schema.safeParse(next[key]).success) {
        problems.push({
          path: key,
          message: `expected ${expectation(coreShape()[key])}`,
          value: next[key],
        });
      }
    }
    const strategy = this.#strategySchema.safeParse(next.strategy);
    if (!strategy.success) {
      for (const issue of strategy.error.issues) {
        const option = String(issue.path[0] ?? "");
        const prop = this.#strategyShape[option];
        problems.push({
          path: `strategy.${option}`,
          message: prop ? `expected ${expectation(prop)}` : issue.message,
          value: (next.strategy as Record<string, unknown>)[option],
        });
      }
    }
    return problems;
  }

  #diff(next: Tunables, reason: string | undefined, alsoOptions: string[] = []): Change[] {
    const changes: Change[] = [];
    const was = this.#current;
    for (const key of Object.keys(tunableFields) as CoreKey[]) {
      if (was[key] !== next[key]) {
        changes.push({ setting: key, from: was[key], to: next[key], reason });
      }
    }
    for (const option of new Set([...Object.keys(this.#strategyShape), ...alsoOptions])) {
      if (was.strategy[option] !== next.strategy[option]) {
        changes.push({
          setting: `strategy.${option}`,
          from: was.strategy[option],
          to: next.strategy[option],
          reason,
        });
      }
    }
    return changes;
  }
}
