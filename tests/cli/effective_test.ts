import assert from "node:assert/strict";
import { join } from "node:path";
import { REDACTED, renderEffectiveConfig } from "../../src/cli/effective.ts";
import { parseIniText } from "../../src/config/ini_file.ts";
import { setup } from "../../src/setup.ts";
import { ROOT, tempDir } from "../_helpers.ts";
import { ORIGINAL_STYLE } from "../_config.ts";

Deno.test("renderEffectiveConfig() shows values in force, secrets redacted", async () => {
  await using dir = await tempDir();
  const weights = await dir.write("weights.json", '{"Ubuntu": 5}');
  const token = await dir.write("token", "file-token-xyz\n");
  const file = await dir.write(
    "arsenal.conf",
    ORIGINAL_STYLE(weights) + `\n[nova]\nadmin_auth_token_file = ${token}\n`,
  );
  const text = renderEffectiveConfig(await setup(file));
  for (const secret of ["s3cr#t;pw", "quoted pw", "tok-123", "file-token-xyz"]) {
    assert.ok(!text.includes(secret), `${secret} is shown`);
  }
  const { sections, problems } = parseIniText(text, "effective");
  assert.deepEqual(problems, []);
  const value = (s: string, o: string) => sections.get(s)?.get(o)?.value;
  assert.equal(value("client_wrapper", "os_password"), REDACTED);
  assert.equal(value("nova", "admin_auth_token"), REDACTED);
  assert.equal(value("ironic", "admin_password"), REDACTED);
  assert.equal(value("glance", "admin_auth_token"), REDACTED);
  assert.equal(value("client_wrapper", "os_username"), "arsenal");
  assert.equal(value("nova", "admin_password"), undefined);
  assert.equal(value("strategy", "module"), "simple_proportional");
  assert.equal(value("strategy", "module_class"), undefined);
  assert.equal(value("strategy", "image_weights_filename"), weights);
  assert.equal(value("director", "poll_spacing"), "60");
  assert.equal(value("director", "dry_run"), "true");
  assert.equal(value("glance", "api_version"), "2");
  assert.equal(value("simple_proportional_strategy", "percentage_to_cache"), "0.125");
  assert.match(text, new RegExp(`^# Effective configuration of ${file}\n`));
  assert.match(text, /# Image weights: 1 image name\(s\) listed, others weigh 2/);
});

Deno.test("renderEffectiveConfig() shows a plugin file's path and its own section", async () => {
  await using dir = await tempDir();
  const plugin = join(ROOT, "tests/_fixtures/plugins/fixed_share.ts");
  const file = await dir.write("arsenal.conf", `[strategy]\nmodule = ${plugin}\n`);
  const { sections } = parseIniText(renderEffectiveConfig(await setup(file)), "effective");
  assert.equal(sections.get("strategy")?.get("module")?.value, plugin);
  assert.equal(sections.get("fixed_share")?.get("share")?.value, "0.5");
  assert.equal(sections.has("simple_proportional_strategy"), false);
  assert.equal(sections.get("director")?.get("poll_spacing")?.value, "10");
});
