/** config/lab.conf (Arsenal against the lab) stays valid and lists what the lab's image server serves. */
import assert from "node:assert/strict";
import { runMain } from "../_run_main.ts";
import { ROOT } from "../_helpers.ts";
import { catalogLines, DEFAULT_IMAGES, startImageServer } from "./image_server.ts";

const CONFIG = `${ROOT}config/lab.conf`;

Deno.test("config/lab.conf passes check-config with no warning: the standalone scout on the lab", async () => {
  const run = await runMain(["check-config", "--config-file", CONFIG]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, "");
  const lines = run.stdout.split("\n");
  for (
    const line of [
      "scout = standalone",
      "api_endpoint = http://127.0.0.1:6385",
      "auth_type = noauth",
    ]
  ) {
    assert.ok(lines.includes(line), `${line} not in force:\n${run.stdout}`);
  }
});

Deno.test("config/lab.conf lists the images the lab's image server serves on port 8080", async () => {
  const text = await Deno.readTextFile(CONFIG);
  await using server = startImageServer();
  const served = DEFAULT_IMAGES.map(({ name, mib }) => server.add(name, { size: mib * 2 ** 20 }));
  const expected = catalogLines(served).map((line) =>
    line.replace(server.base, "http://127.0.0.1:8080")
  );
  for (const line of expected) assert.ok(text.includes(`    ${line}\n`), `missing: ${line}`);
});

Deno.test("catalogLines() names each image by its URL's last segment, with its SHA-256", async () => {
  await using server = startImageServer();
  const image = server.add("x.img", { size: 4096 });
  assert.deepEqual(catalogLines([image]), [`x.img x.img ${server.base}/x.img ${image.sha256}`]);
});
