/**
 * Proof, against the lab, that a deploy racing a slow cache waits for it (issue 11 §5, proof 4):
 * with the plugin's deploy interface `arsenal-direct`, a deploy that reaches `write_image` while
 * the agent still runs the caching `prepare_image` waits for it, then writes (or, for the image
 * just cached, skips the write), and ends `active` with the deployed image on disk. Upstream's
 * `direct` would stay in `wait call-back` until `[conductor] deploy_callback_timeout` instead
 * (tests/lab/README.md, "Known behaviour").
 *
 * Skipped unless ARSENAL_OPENSTACK_TESTS=1 (`deno task test:openstack`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { Ironic } from "../integration/harness/api.ts";
import { startLab } from "./lab.ts";
import { startImageServer } from "./image_server.ts";
import { cacheImage, cacheReaches, cacheStatus, deploy, ENABLED, MIB, settled } from "./_proof.ts";

/** The cache's pace: 64 MiB take about 8 s, long enough for a deploy to catch it. */
const SLOW = 8_000_000;

Deno.test({
  name: "a deploy racing a slow cache on a lab node waits for it and ends active (arsenal-direct)",
  ignore: !ENABLED,
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  await using lab = await startLab({ nodes: 2 });
  await using images = startImageServer();
  const ironic = new Ironic(lab.ironic);
  const slow = images.add("proof-slow.raw", { size: 64 * MIB, bytesPerSecond: SLOW });
  const other = images.add("proof-other.raw", { size: 32 * MIB });
  const [same, different] = lab.nodes;

  const race = async (uuid: string, deployed: typeof slow) => {
    await ironic.patch(uuid, [{ op: "add", path: "/deploy_interface", value: "arsenal-direct" }]);
    await cacheImage(ironic, uuid, slow);
    await cacheReaches(ironic, uuid, "caching", 10_000);
    await deploy(ironic, uuid, deployed);
    const active = await settled(ironic, uuid, "active");
    const log = await Deno.readTextFile(`${lab.stateDir}/logs/ironic.log`);
    assert.match(log, new RegExp(`Node ${uuid}: waiting up to .* prepare_image`), "it waited");
    assert.equal(active.last_error, null);
    assert.deepEqual(await lab.diskHead(uuid, deployed.size), deployed.bytes, "its disk");
    assert.equal((await cacheStatus(ironic, uuid)).status, "lost", "the deploy took the node");
  };

  await t.step(
    "4. the image being cached: the deploy waits and downloads nothing more",
    async () => {
      await race(same, slow);
      assert.equal(images.gets(slow.name), 1, "the cache's download only");
    },
  );

  await t.step("4. another image: the deploy waits, then writes its own", async () => {
    await race(different, other);
    assert.equal(images.gets(other.name), 1);
    assert.equal(images.gets(slow.name), 2, "the cache's download ran to its end");
  });
});
