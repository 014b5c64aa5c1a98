/**
 * Reading a deploy trace stays linear: 100,000 events (deploys, their deletes, image updates) of
 * a 2-flavor fleet, parsed and validated whole.
 */
import { parseTrace } from "../../src/domain/trace_reader.ts";

const EVENTS = 100_000;
const lines = [
  '{"kind":"fleet","flavors":{"bm.small":1500,"bm.large":500},"images":["Ubuntu 24.04","Debian 12"]}',
];
for (let i = 0; i < EVENTS; i++) {
  const t = i / 10;
  if (i % 100 === 99) lines.push(`{"t":${t},"kind":"image_update","image":"Debian 12"}`);
  else if (i % 2 === 0) {
    lines.push(
      `{"t":${t},"kind":"deploy","id":"i-${i}","flavor":"bm.small","image":"Ubuntu 24.04"}`,
    );
  } else lines.push(`{"t":${t},"kind":"delete","id":"i-${i - 1}"}`);
}
const text = lines.join("\n") + "\n";

Deno.bench({
  name: `parseTrace, ${EVENTS.toLocaleString("en")} events (${(text.length / 1e6).toFixed(1)} MB)`,
  n: 10,
  warmup: 2,
  fn: () => {
    const result = parseTrace(text);
    if (!result.ok || result.trace.events.length !== EVENTS) throw new Error("trace refused");
  },
});
