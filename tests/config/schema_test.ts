import assert from "node:assert/strict";
import { describeShape } from "../../src/runtime/option_shape.ts";
import { directorSection, SECRETS, SECTIONS } from "../../src/config/schema.ts";
import { tunableFields } from "../../src/runtime/settings.ts";

Deno.test("SECRETS lists exactly the options whose help calls them secret", () => {
  for (const [section, schema] of Object.entries(SECTIONS)) {
    const described = Object.entries(describeShape(schema))
      .filter(([, prop]) => /\(secret\b/.test(prop.description ?? ""))
      .map(([option]) => option);
    assert.deepEqual(SECRETS[section] ?? [], described, `[${section}]`);
  }
  assert.deepEqual(SECRETS.api, ["token"]);
  assert.ok(SECRETS.client_wrapper.includes("os_application_credential_secret"));
});

Deno.test("directorSection takes the bounds of the options runtime settings change from tunableFields", () => {
  const shape = directorSection.shape as Record<string, { unwrap(): unknown }>;
  const tunables = Object.keys(tunableFields).filter((key) => key !== "paused");
  assert.equal(tunables.length, 6);
  for (const key of tunables) {
    assert.equal(shape[key].unwrap(), tunableFields[key as keyof typeof tunableFields], key);
  }
});
