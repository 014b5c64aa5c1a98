/** The example trace, as text and as what it reads as. */
import type { Trace } from "../../src/domain/trace.ts";

/** The example, one JSON line each. */
export const EXAMPLE_TRACE_TEXT = [
  '{"kind":"fleet","flavors":{"bm.small":120,"bm.large":40},"images":["Ubuntu 24.04","Debian 12"],"duration_minutes":10080}',
  '{"t":0.0,"kind":"deploy","id":"i-1","flavor":"bm.small","image":"Ubuntu 24.04"}',
  '{"t":95.5,"kind":"delete","id":"i-1"}',
  '{"t":300,"kind":"image_update","image":"Debian 12"}',
].join("\n") + "\n";

/** The example, read. */
export const EXAMPLE_TRACE: Trace = {
  fleet: {
    kind: "fleet",
    flavors: { "bm.small": 120, "bm.large": 40 },
    images: ["Ubuntu 24.04", "Debian 12"],
    duration_minutes: 10080,
  },
  events: [
    { t: 0, kind: "deploy", id: "i-1", flavor: "bm.small", image: "Ubuntu 24.04" },
    { t: 95.5, kind: "delete", id: "i-1" },
    { t: 300, kind: "image_update", image: "Debian 12" },
  ],
};
