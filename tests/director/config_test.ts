import assert from "node:assert/strict";
import { directorSection } from "../../src/director/config.ts";
import { tunableFields } from "../../src/runtime/settings.ts";

Deno.test("directorSection takes the bounds of the options runtime settings change from tunableFields", () => {
  const shape = directorSection.shape as Record<string, { unwrap(): unknown }>;
  const tunables = Object.keys(tunableFields).filter((key) => key !== "paused");
  assert.equal(tunables.length, 6);
  for (const key of tunables) {
    assert.equal(shape[key].unwrap(), tunableFields[key as keyof typeof tunableFields], key);
  }
});
