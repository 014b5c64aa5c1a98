import assert from "node:assert/strict";
import { readWholeText } from "../../src/runtime/read_text.ts";

Deno.test("readWholeText() reads a file whole, as UTF-8, like Deno.readTextFile", async () => {
  const path = await Deno.makeTempFile();
  try {
    const text = `{"name":"bärë-métal ☃"}\n`.repeat(10_000);
    await Deno.writeTextFile(path, text);
    assert.equal(readWholeText(path), text);
    await Deno.writeFile(path, new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0xff, 0x7d]));
    assert.equal(readWholeText(path), await Deno.readTextFile(path));
    assert.equal(readWholeText(path), "\ufeff{\ufffd}");
    await Deno.writeTextFile(path, "");
    assert.equal(readWholeText(path), "");
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("readWholeText() reads past the size the file had when opened", () => {
  // Files under /proc say they are empty, and have content: the buffer grows as it reads.
  const text = readWholeText("/proc/self/status");
  assert.match(text, /^Name:/);
  assert.match(text, /\nPid:\s+\d+\n/);
});

Deno.test("readWholeText() throws Deno's own error for a missing file", () => {
  assert.throws(() => readWholeText("/nonexistent/snapshot.json"), Deno.errors.NotFound);
});
