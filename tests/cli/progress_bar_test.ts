import assert from "node:assert/strict";
import { ProgressBar } from "../../src/cli/progress_bar.ts";

function output(isTerminal: boolean) {
  const out = {
    isTerminal,
    text: "",
    time: 0,
    write: (t: string) => void (out.text += t),
    now: () => out.time,
  };
  return out;
}

Deno.test("ProgressBar.update() draws on a terminal only after a second, then at most every 100 ms", () => {
  const out = output(true);
  const bar = new ProgressBar(out);
  bar.update(0.1);
  out.time = 999;
  bar.update(0.2);
  assert.equal(out.text, "", "nothing in the first second");
  out.time = 1000;
  bar.update(0.5);
  assert.equal(out.text, `\r[${"#".repeat(15)}${".".repeat(15)}]  50%`);
  out.time = 1050;
  bar.update(0.6);
  assert.equal(out.text.split("\r").length, 2, "no redraw within 100 ms");
  bar.clear();
  assert.ok(out.text.endsWith("\r"), "cleared");
});

Deno.test("ProgressBar.update() draws nothing when the output is not a terminal", () => {
  const out = output(false);
  const bar = new ProgressBar(out);
  out.time = 5000;
  bar.update(0.5);
  bar.clear();
  assert.equal(out.text, "");
});
