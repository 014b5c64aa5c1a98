/**
 * What the control API needs from the rest of Arsenal. The composition root builds the real ones
 * (`arsenal run`); tests pass fakes.
 *
 * @module
 */
import type { Controller } from "../loop.ts";
import type { RuntimeSettings } from "../runtime/settings.ts";

export type { Controller, Health } from "../loop.ts";

/** Prometheus exposition. */
export interface MetricsSource {
  readonly contentType: string;
  render(): Promise<string>;
}

/** Everything `createApi()` needs. */
export interface ApiDeps {
  readonly controller: Controller;
  readonly settings: RuntimeSettings;
  readonly metrics: MetricsSource;
  /** When set, mutating routes need `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** When true, mutating routes are refused (403). */
  readonly readOnly: boolean;
}
