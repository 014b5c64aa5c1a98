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

Deno.test("readWholeText() reads past the size the file had when opened", async () => {
  // A named pipe says it is empty, and has content: the buffer grows as it reads.
  const dir = await Deno.makeTempDir();
  try {
    const fifo = `${dir}/snapshot.fifo`;
    assert.equal((await new Deno.Command("mkfifo", { args: [fifo] }).output()).code, 0);
    // More than a pipe holds at once (64 KiB): the reader takes it in several reads.
    const writer = new Deno.Command("sh", { args: ["-c", `seq 1 100000 > ${fifo}`] }).spawn();
    const text = Array.from({ length: 100_000 }, (_, i) => `${i + 1}\n`).join("");
    assert.equal(readWholeText(fifo), text);
    assert.equal((await writer.status).code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readWholeText() throws Deno's own error for a missing file", () => {
  assert.throws(() => readWholeText("/nonexistent/snapshot.json"), Deno.errors.NotFound);
});
