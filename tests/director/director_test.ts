/** Director.apply(): rate limits, dry run, bounded concurrency, failures, shutdown. */
import assert from "node:assert/strict";
import { Director, SHUTTING_DOWN, type StopSignals } from "../../src/director/director.ts";
import { cache, type Directive, eject } from "../../src/domain/directive.ts";
import { ManualClock } from "../../src/runtime/clock.ts";
import { deferred, FakeScout } from "../_fakes/scout.ts";
import { tunables } from "../_helpers.ts";

const image = { uuid: "i1", checksum: "sum" };
const caches = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => cache(`c${from + i}`, image));
const ejects = (n: number) => Array.from({ length: n }, (_, i) => eject(`e${i}`));

function signals(): StopSignals & { stopNow(): void; abortNow(): void } {
  const stop = new AbortController();
  const abort = new AbortController();
  return {
    stop: stop.signal,
    abort: abort.signal,
    stopNow: () => stop.abort(),
    abortNow: () => abort.abort(new Error("aborted")),
  };
}

function setup(settings = tunables(), concurrency = 8) {
  const clock = new ManualClock(1_700_000_000_000);
  const scout = new FakeScout();
  return { clock, scout, director: new Director(scout, clock, settings, concurrency) };
}

const outcomes = (records: { outcome: string; nodeUuid: string }[]) =>
  records.map((r) => `${r.nodeUuid}:${r.outcome}`);

Deno.test("Director.apply() issues every directive and records them in plan order", async () => {
  const { scout, director } = setup();
  const plan: Directive[] = [...ejects(2), ...caches(3)];
  const records = await director.apply(plan, tunables(), signals());
  assert.deepEqual(outcomes(records), ["e0", "e1", "c0", "c1", "c2"].map((n) => `${n}:issued`));
  assert.deepEqual(scout.issued.map((d) => d.nodeUuid).sort(), ["c0", "c1", "c2", "e0", "e1"]);
  assert.deepEqual(records[2], { ...plan[2], outcome: "issued" });
});

Deno.test("Director.apply() skips all in dry-run mode", async () => {
  const { scout, director } = setup();
  const records = await director.apply(
    [...ejects(1), ...caches(2)],
    tunables({ dry_run: true }),
    signals(),
  );
  assert.deepEqual(records.map((r) => r.outcome), ["dry_run", "dry_run", "dry_run"]);
  assert.deepEqual(scout.calls, []);
});

Deno.test("Director.apply() drops directives over each kind's rate limit", async () => {
  const settings = tunables({ cache_directive_rate_limit: 2, eject_directive_rate_limit: 1 });
  const { clock, scout, director } = setup(settings);
  const first = await director.apply([...ejects(2), ...caches(3)], settings, signals());
  assert.deepEqual(first.map((r) => r.outcome), [
    "issued",
    "rate_limited",
    "issued",
    "issued",
    "rate_limited",
  ]);
  const second = await director.apply(caches(2, 10), settings, signals());
  assert.deepEqual(second.map((r) => r.outcome), ["rate_limited", "rate_limited"]);
  await clock.advance(300_000);
  const third = await director.apply(caches(3, 20), settings, signals());
  assert.deepEqual(third.map((r) => r.outcome), ["issued", "issued", "rate_limited"]);
  assert.equal(scout.issued.length, 5);
});

Deno.test("Director.apply() in dry run shows the rate limit without using it up", async () => {
  const settings = tunables({ cache_directive_rate_limit: 2 });
  const { director } = setup(settings);
  const dry = await director.apply(caches(3), { ...settings, dry_run: true }, signals());
  assert.deepEqual(dry.map((r) => r.outcome), ["dry_run", "dry_run", "rate_limited"]);
  const live = await director.apply(caches(3), settings, signals());
  assert.deepEqual(live.map((r) => r.outcome), ["issued", "issued", "rate_limited"]);
});

Deno.test("Director.apply() takes new limits from each cycle's settings", async () => {
  const { director } = setup();
  const limited = tunables({ cache_directive_rate_limit: 1 });
  assert.deepEqual((await director.apply(caches(2), limited, signals())).map((r) => r.outcome), [
    "issued",
    "rate_limited",
  ]);
  assert.deepEqual((await director.apply(caches(2), tunables(), signals())).map((r) => r.outcome), [
    "issued",
    "issued",
  ]);
});

Deno.test("Director.apply() records a failure with its reason and goes on", async () => {
  const { scout, director } = setup();
  scout.rejecting.set("c1", "node c1 is locked");
  const records = await director.apply(caches(3), tunables(), signals());
  assert.deepEqual(outcomes(records), ["c0:issued", "c1:failed", "c2:issued"]);
  assert.equal(records[1].reason, "node c1 is locked");
});

Deno.test("Director.apply() keeps at most `concurrency` directives in flight", async () => {
  const { scout, director } = setup(tunables(), 3);
  const gate = deferred();
  scout.gate = gate.promise;
  let settled = 0;
  const applying = director.apply(caches(10), tunables(), signals(), () => settled++);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(scout.inFlight, 3);
  gate.resolve();
  const records = await applying;
  assert.equal(scout.maxInFlight, 3);
  assert.equal(settled, 10);
  assert.ok(records.every((r) => r.outcome === "issued"));
});

Deno.test("Director.apply() lets in-flight directives finish on stop, and starts no more", async () => {
  const { scout, director } = setup(tunables(), 2);
  const gate = deferred();
  scout.gate = gate.promise;
  const s = signals();
  const applying = director.apply(caches(5), tunables(), s);
  await new Promise((resolve) => setTimeout(resolve, 0));
  s.stopNow();
  gate.resolve();
  const records = await applying;
  assert.deepEqual(records.map((r) => r.outcome), [
    "issued",
    "issued",
    "not_issued",
    "not_issued",
    "not_issued",
  ]);
  assert.equal(records[4].reason, SHUTTING_DOWN);
});

Deno.test("Director.apply() records a directive the scout skipped as skipped, with the reason", async () => {
  const { scout, director } = setup();
  scout.skipping.set("e1", "nothing to eject: the node is no longer available and cached");
  const records = await director.apply([...ejects(2), ...caches(1)], tunables(), signals());
  assert.deepEqual(outcomes(records), ["e0:issued", "e1:skipped", "c0:issued"]);
  assert.deepEqual(records[1], {
    ...eject("e1"),
    outcome: "skipped",
    reason: "nothing to eject: the node is no longer available and cached",
  });
});

Deno.test("Director.apply() records in-flight directives cut by abort as failed", async () => {
  const { scout, director } = setup(tunables(), 2);
  scout.gate = new Promise(() => {});
  const s = signals();
  const applying = director.apply(caches(2), tunables(), s);
  await new Promise((resolve) => setTimeout(resolve, 0));
  s.stopNow();
  s.abortNow();
  const records = await applying;
  assert.deepEqual(records.map((r) => [r.outcome, r.reason]), [
    ["failed", "aborted"],
    ["failed", "aborted"],
  ]);
});

Deno.test("Director.reconfigure() keeps the rate-limit periods and their counts", async () => {
  const settings = tunables({
    cache_directive_rate_limit: 1,
    cache_directive_limiting_period: 3600,
  });
  const { clock, director } = setup(settings);
  const first = await director.apply(caches(1), settings, signals());
  assert.deepEqual(first.map((r) => r.outcome), ["issued"]);
  const other = new FakeScout();
  director.reconfigure({ scout: other, concurrency: 2 });
  await clock.advance(60_000);
  const again = await director.apply(caches(1, 1), settings, signals());
  assert.deepEqual(again.map((r) => r.outcome), ["rate_limited"], "no new period on reconfigure");
  await clock.advance(3600_000);
  const later = await director.apply(caches(1, 2), settings, signals());
  assert.deepEqual(later.map((r) => r.outcome), ["issued"]);
  assert.deepEqual(other.issued.map((d) => d.nodeUuid), ["c2"], "issued through the new scout");
});

Deno.test("Director.reconfigure() changes how many directives are in flight", async () => {
  const { scout, director } = setup(tunables(), 3);
  director.reconfigure({ concurrency: 1 });
  const gate = deferred();
  scout.gate = gate.promise;
  const applying = director.apply(caches(4), tunables(), signals());
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(scout.inFlight, 1);
  gate.resolve();
  await applying;
  assert.equal(scout.maxInFlight, 1);
});
