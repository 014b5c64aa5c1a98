import assert from "node:assert/strict";
import { describeShape } from "../src/runtime/option_shape.ts";
import { SECRETS, SECTIONS } from "../src/sections.ts";
import { SECTION_NAMES } from "../src/section_names.ts";

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

Deno.test("SECTION_NAMES names Arsenal's sections, in the order SECTIONS has them", () => {
  assert.deepEqual(Object.keys(SECTIONS), [...SECTION_NAMES]);
});
