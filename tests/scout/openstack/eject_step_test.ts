import assert from "node:assert/strict";
import type { IronicNode } from "../../../src/scout/openstack/ironic.ts";
import { type EjectStep, nextEjectStep } from "../../../src/scout/openstack/eject_step.ts";

const CACHED = { cache_image_id: "img", cache_status: "cached", ipmi_address: "10.0.0.1" };
const FAILED_CACHE = { cache_image_id: "img", cache_status: "failed" };
const UNCACHED = { ipmi_address: "10.0.0.1" };
const MARK = { arsenal_eject: "2026-01-01T00:00:00.000Z", flavor: "bm" };

/** One row: the node as read, and the step expected (write, or where it stops). */
type Row = [
  state: string | null,
  marked: boolean,
  driverInfo: Record<string, unknown>,
  maintenance: boolean,
  expected: Pick<EjectStep, "write" | "end">,
];

const TABLE: Row[] = [
  // Not marked: only an available, cached node is Arsenal's to move; the rest is never touched.
  ["available", false, CACHED, false, { write: "mark" }],
  [null, false, CACHED, false, { write: "mark" }],
  ["available", false, UNCACHED, false, { end: "skipped" }],
  ["available", false, FAILED_CACHE, false, { end: "skipped" }],
  ["available", false, CACHED, true, { end: "skipped" }],
  ["manageable", false, CACHED, false, { end: "skipped" }],
  ["manageable", false, UNCACHED, false, { end: "skipped" }],
  ["active", false, CACHED, false, { end: "skipped" }],
  ["cleaning", false, CACHED, false, { end: "skipped" }],
  ["clean failed", false, CACHED, false, { end: "skipped" }],
  // Marked: carry on from the state the node is really in.
  ["available", true, CACHED, false, { write: "manage" }],
  ["available", true, UNCACHED, false, { write: "unmark", end: "done" }],
  ["available", true, FAILED_CACHE, false, { write: "unmark", end: "done" }],
  ["manageable", true, CACHED, false, { write: "clear_cache" }],
  ["manageable", true, FAILED_CACHE, false, { write: "clear_cache" }],
  ["manageable", true, UNCACHED, false, { write: "provide" }],
  ["verifying", true, CACHED, false, { end: "in_progress" }],
  ["cleaning", true, UNCACHED, false, { end: "in_progress" }],
  ["clean wait", true, UNCACHED, false, { end: "in_progress" }],
  ["clean failed", true, UNCACHED, false, { write: "unmark", end: "failed" }],
  ["inspect failed", true, CACHED, false, { write: "unmark", end: "failed" }],
  ["deploy failed", true, UNCACHED, false, { write: "unmark", end: "failed" }],
  ["active", true, CACHED, false, { write: "unmark", end: "abandoned" }],
  ["enroll", true, CACHED, false, { write: "unmark", end: "abandoned" }],
  ["error", true, UNCACHED, false, { write: "unmark", end: "abandoned" }],
  ["deploying", true, CACHED, false, { end: "held" }],
  ["inspecting", true, CACHED, false, { end: "held" }],
  ["deleting", true, UNCACHED, false, { end: "held" }],
  ["some future state", true, CACHED, false, { end: "held" }],
  // Maintenance: never touched, marked or not; the mark stays.
  ["manageable", true, CACHED, true, { end: "held" }],
  ["available", true, UNCACHED, true, { end: "held" }],
  ["clean failed", true, UNCACHED, true, { end: "held" }],
];

Deno.test("nextEjectStep() decides from the node's real state", async (t) => {
  for (const [state, marked, driverInfo, maintenance, expected] of TABLE) {
    const name = `${state} ${marked ? "marked" : "unmarked"} ${JSON.stringify(driverInfo)}` +
      (maintenance ? " maintenance" : "");
    await t.step(name, () => {
      const node: IronicNode = {
        uuid: "n1",
        provision_state: state,
        maintenance,
        driver_info: structuredClone(driverInfo),
        extra: marked ? { ...MARK } : { flavor: "bm" },
      };
      const step = nextEjectStep(node);
      assert.deepEqual({ write: step.write, end: step.end }, {
        write: expected.write,
        end: expected.end,
      });
      assert.ok(step.why.length > 0);
      assert.doesNotMatch(step.why, /n1/, "the reason does not name the node");
    });
  }
});

/** A `driver_internal_info` with the plugin's record in `status` (or none). */
function internal(status?: string): Record<string, unknown> {
  const agent = { agent_url: "http://192.0.2.1:9999", agent_last_heartbeat: "2026-01-01T00:00:00" };
  return status === undefined ? agent : {
    ...agent,
    arsenal_cache: { image_id: "img", status, since: "2026-01-01T00:00:00" },
  };
}

/** With `cache_method = arsenal`: the node as read (state, marked, record status), the step. */
const ARSENAL: [
  string,
  boolean,
  string | undefined,
  Record<string, unknown>,
  Pick<EjectStep, "write" | "end">,
][] = [
  // Not marked: only a node cached (or caching) by its record is Arsenal's to move.
  ["available", false, "cached", {}, { write: "mark" }],
  ["available", false, "caching", {}, { write: "mark" }],
  ["available", false, "lost", {}, { end: "skipped" }],
  ["available", false, "failed", {}, { end: "skipped" }],
  ["available", false, undefined, CACHED, { end: "skipped" }],
  // Marked: manage first, then the plugin's eject (power off, record cleared), then provide.
  ["available", true, "cached", {}, { write: "manage" }],
  ["available", true, "lost", {}, { write: "manage" }],
  ["available", true, undefined, {}, { write: "unmark", end: "done" }],
  ["manageable", true, "cached", {}, { write: "vendor_eject" }],
  ["manageable", true, "lost", CACHED, { write: "vendor_eject" }],
  ["manageable", true, undefined, CACHED, { write: "clear_cache" }],
  ["manageable", true, undefined, {}, { write: "provide" }],
  ["cleaning", true, undefined, {}, { end: "in_progress" }],
  ["clean failed", true, "cached", {}, { write: "unmark", end: "failed" }],
];

Deno.test("nextEjectStep() with cache_method = arsenal ejects through the plugin after manage", async (t) => {
  for (const [state, marked, status, driverInfo, expected] of ARSENAL) {
    await t.step(`${state} ${marked ? "marked" : "unmarked"} ${status ?? "no record"}`, () => {
      const node: IronicNode = {
        uuid: "n1",
        provision_state: state,
        maintenance: false,
        driver_info: structuredClone(driverInfo),
        driver_internal_info: internal(status),
        extra: marked ? { ...MARK } : { flavor: "bm" },
      };
      const step = nextEjectStep(node, "arsenal");
      assert.deepEqual({ write: step.write, end: step.end }, {
        write: expected.write,
        end: expected.end,
      });
    });
  }
});
