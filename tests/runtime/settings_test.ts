import assert from "node:assert/strict";
import { z } from "zod";
import simpleProportional from "../../plugins/simple_proportional.ts";
import { type Change, RuntimeSettings } from "../../src/runtime/settings.ts";
import { tunables } from "../_helpers.ts";

/** The built-in strategy's options, which {@linkcode tunables} configures. */
const SHARE = simpleProportional.options;

Deno.test("RuntimeSettings.reconfigure() takes the file again, keeping only paused", () => {
  const settings = new RuntimeSettings(tunables(), SHARE);
  const heard: Change[] = [];
  settings.onChange((c) => heard.push(c));
  settings.patch({ paused: true, cache_directive_rate_limit: 5 });
  const etag = settings.etag;
  heard.length = 0;

  const other = z.object({ share: z.number().default(0.5) });
  const changes = settings.reconfigure(
    tunables({ dry_run: true, strategy: { share: 0.5 } }),
    other,
    "reload",
  );
  assert.equal(settings.current.paused, true, "an operator's pause survives a reload");
  assert.equal(settings.current.dry_run, true);
  assert.equal(settings.current.cache_directive_rate_limit, 0, "the file is the source again");
  assert.deepEqual(settings.current.strategy, { share: 0.5 });
  assert.notEqual(settings.etag, etag);
  assert.deepEqual(changes.map((c) => [c.setting, c.from, c.to, c.reason]), [
    ["dry_run", false, true, "reload"],
    ["cache_directive_rate_limit", 5, 0, "reload"],
    ["strategy.share", undefined, 0.5, "reload"],
    ["strategy.percentage_to_cache", 0.125, undefined, "reload"],
  ]);
  assert.deepEqual(heard, changes);
  // The new strategy's schema now validates patches.
  const refused = settings.patch({ strategy: { percentage_to_cache: 0.2 } });
  assert.equal(refused.ok, false);
});

Deno.test("RuntimeSettings.patch() refuses a body that is not an object as malformed", () => {
  const settings = new RuntimeSettings(tunables(), SHARE);
  for (const body of [null, [{ dry_run: true }], "dry_run", 1]) {
    assert.deepEqual(settings.patch(body), { ok: false, kind: "malformed" }, String(body));
  }
  assert.equal(settings.etag, '"1"');
});

Deno.test("RuntimeSettings.patch() refuses as stale when no ETag it is given is current", () => {
  const settings = new RuntimeSettings(tunables(), SHARE);
  assert.ok(settings.patch({ paused: true }, { ifMatch: ['"1"'] }).ok);
  assert.deepEqual(settings.patch({ dry_run: true }, { ifMatch: ['"1"', '"7"'] }), {
    ok: false,
    kind: "stale",
    etag: '"2"',
  });
  assert.equal(settings.current.dry_run, false);
  assert.ok(settings.patch({ dry_run: true }, { ifMatch: ['"1"', '"2"'] }).ok);
  assert.equal(settings.current.dry_run, true);
});

Deno.test("RuntimeSettings.patch() refuses as invalid with every problem, changing nothing", () => {
  const settings = new RuntimeSettings(tunables(), SHARE);
  const result = settings.patch({
    dryrun: true,
    directive_spacing: 0,
    strategy: { percentage_to_cache: 2, share: 1 },
  });
  assert.deepEqual(result, {
    ok: false,
    kind: "invalid",
    problems: [
      { path: "dryrun", message: "unknown setting" },
      { path: "strategy.share", message: "unknown strategy option" },
      { path: "directive_spacing", message: "expected an integer >= 1", value: 0 },
      { path: "strategy.percentage_to_cache", message: "expected a number from 0 to 1", value: 2 },
    ],
  });
  assert.deepEqual(settings.current, tunables());
  assert.equal(settings.etag, '"1"');
});
