import assert from "node:assert/strict";
import { PREVIEW_CHARS, previewValue } from "../../src/api/preview.ts";

Deno.test("previewValue() gives a short, shallow value back as it is", () => {
  for (const value of [true, 0, -1.5, "yes", null, [1, "a"], { a: [1, { b: null }] }]) {
    assert.equal(previewValue(value), value);
  }
});

Deno.test("previewValue() cuts a long value's JSON text short, ending in …", () => {
  const long = previewValue("x".repeat(60_000));
  assert.equal(long, `"${"x".repeat(PREVIEW_CHARS - 1)}…`);
  const many = previewValue(Array.from({ length: 10_000 }, (_, i) => i));
  assert.match(String(many), /^\[0,1,2,.*…$/);
  assert.equal(String(many).length, PREVIEW_CHARS + 1);
});

Deno.test("previewValue() cuts a deep value at 8 levels without overflowing the stack", () => {
  const deep = JSON.parse("[".repeat(20_000) + "]".repeat(20_000));
  assert.equal(previewValue(deep), "[[[[[[[[…");
});

Deno.test("previewValue() gives a number JSON cannot carry as text, not null", () => {
  assert.equal(previewValue(JSON.parse("1e400")), "Infinity");
  assert.equal(previewValue(JSON.parse("[-1e400]")), "[-Infinity]");
});
