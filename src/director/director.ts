/**
 * The director: rate-limits a plan's directives per kind, then issues them through the scout, a
 * bounded number at a time, or not at all in dry-run mode. One failing directive never stops the
 * others; each directive's outcome is recorded.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import pLimit from "p-limit";
import type { Directive } from "../domain/directive.ts";
import type { Clock } from "../runtime/clock.ts";
import type { Tunables } from "../runtime/settings.ts";
import type { Scout } from "../scout/scout.ts";
import { RateLimiter } from "./rate_limiter.ts";
import type { DirectiveOutcome, DirectiveRecord } from "./record.ts";

const log = getLogger(["arsenal", "director"]);

/** When to stop: `stop` ends the starting of directives, `abort` cuts those in flight. */
export interface StopSignals {
  readonly stop: AbortSignal;
  readonly abort: AbortSignal;
}

/** Reason recorded for directives not issued because Arsenal is shutting down. */
export const SHUTTING_DOWN = "not issued: Arsenal is shutting down";

/** Issues directives through a scout; its rate limiters' periods outlive cycles and reloads. */
export class Director {
  #scout: Scout;
  #concurrency: number;
  readonly #limiters: Record<Directive["kind"], RateLimiter>;

  /**
   * @param settings the initial rate limits (later cycles pass their own)
   * @param concurrency how many directives may be in flight at once
   */
  constructor(scout: Scout, clock: Clock, settings: Tunables, concurrency: number) {
    this.#scout = scout;
    this.#concurrency = concurrency;
    this.#limiters = {
      cache: new RateLimiter(
        settings.cache_directive_rate_limit,
        settings.cache_directive_limiting_period,
        clock,
      ),
      eject: new RateLimiter(
        settings.eject_directive_rate_limit,
        settings.eject_directive_limiting_period,
        clock,
      ),
    };
  }

  /**
   * Takes a new scout or concurrency (a configuration reload). The rate limiters stay as they are,
   * so a reload never starts their periods afresh. Call it between applies.
   */
  reconfigure(parts: { readonly scout?: Scout; readonly concurrency?: number }): void {
    this.#scout = parts.scout ?? this.#scout;
    this.#concurrency = parts.concurrency ?? this.#concurrency;
  }

  /**
   * Applies `directives` under `settings` and returns each one's outcome, in plan order.
   *
   * @param onSettled called as each issued directive settles (a sign of progress)
   */
  async apply(
    directives: readonly Directive[],
    settings: Tunables,
    signals: StopSignals,
    onSettled?: () => void,
  ): Promise<DirectiveRecord[]> {
    const { cache, eject } = this.#limiters;
    cache.configure(settings.cache_directive_rate_limit, settings.cache_directive_limiting_period);
    eject.configure(settings.eject_directive_rate_limit, settings.eject_directive_limiting_period);
    const wanted = { cache: 0, eject: 0 };
    for (const d of directives) wanted[d.kind]++;
    // A dry run asks the limiters without counting: nothing was issued.
    const allowed = {
      cache: cache.take(wanted.cache, !settings.dry_run),
      eject: eject.take(wanted.eject, !settings.dry_run),
    };
    const records: DirectiveRecord[] = new Array(directives.length);
    const toIssue: number[] = [];
    directives.forEach((d, i) => {
      if (allowed[d.kind] === 0) records[i] = { ...d, outcome: "rate_limited" };
      else {
        allowed[d.kind]--;
        if (settings.dry_run) records[i] = { ...d, outcome: "dry_run" };
        else toIssue.push(i);
      }
    });
    const limit = pLimit(this.#concurrency);
    await Promise.all(toIssue.map((i) =>
      limit(async () => {
        records[i] = await this.#issue(directives[i], signals);
        onSettled?.();
      })
    ));
    report(records, settings.dry_run);
    return records;
  }

  async #issue(directive: Directive, signals: StopSignals): Promise<DirectiveRecord> {
    if (signals.stop.aborted) {
      return { ...directive, outcome: "not_issued", reason: SHUTTING_DOWN };
    }
    try {
      const result = await this.#scout.issue(directive, signals.abort);
      if (result.outcome === "skipped") {
        return { ...directive, outcome: "skipped", reason: result.reason };
      }
      log.debug("Issued {kind} on node {node}", { kind: directive.kind, node: directive.nodeUuid });
      return { ...directive, outcome: "issued" };
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      return { ...directive, outcome: "failed", reason };
    }
  }
}

/** Logs a cycle's outcomes: one line of counts, and one line per distinct reason. */
function report(records: readonly DirectiveRecord[], dryRun: boolean): void {
  const counts: Record<DirectiveOutcome, number> = {
    issued: 0,
    failed: 0,
    skipped: 0,
    not_issued: 0,
    dry_run: 0,
    rate_limited: 0,
  };
  // Reasons repeat across nodes (they never name one): each distinct one is logged once.
  const reasons = new Map<
    string,
    { outcome: DirectiveOutcome; kind: string; reason?: string; count: number }
  >();
  for (const r of records) {
    counts[r.outcome]++;
    if (r.outcome === "failed" || r.outcome === "skipped") {
      const key = `${r.outcome}\0${r.kind}\0${r.reason}`;
      const seen = reasons.get(key);
      if (seen) seen.count++;
      else reasons.set(key, { outcome: r.outcome, kind: r.kind, reason: r.reason, count: 1 });
    }
    if (r.outcome === "dry_run") {
      log.debug("Dry run: would {kind} node {node}", { kind: r.kind, node: r.nodeUuid });
    }
  }
  for (const { outcome, kind, reason, count } of reasons.values()) {
    if (outcome === "failed") {
      log.warn("{count} {kind} directive(s) failed: {reason}", { count, kind, reason });
    } else log.info("{count} {kind} directive(s) skipped: {reason}", { count, kind, reason });
  }
  if (records.length === 0) return;
  if (dryRun) {
    log.info(
      "Dry run: {planned} directive(s) planned, none issued ({limited} over the rate limit)",
      {
        planned: counts.dry_run,
        limited: counts.rate_limited,
      },
    );
  } else {
    log.info(
      "Issued {issued} directive(s), {failed} failed, {skipped} skipped, {notIssued} not issued " +
        "(shutting down), {limited} over the rate limit",
      {
        issued: counts.issued,
        failed: counts.failed,
        skipped: counts.skipped,
        notIssued: counts.not_issued,
        limited: counts.rate_limited,
      },
    );
  }
}
