import assert from "node:assert/strict";
import { withoutCredentials } from "../../src/runtime/net.ts";

Deno.test("withoutCredentials() hides the user and password of every URL in a text", () => {
  const cases: [string, string][] = [
    ["http://user:pw@127.0.0.1:9835/livez", "http://<redacted>@127.0.0.1:9835/livez"],
    ["http://user:pw@[::1", "http://<redacted>@[::1"],
    ["HTTPS://:pw@h", "HTTPS://<redacted>@h"],
    [
      "a http://u@h and ftp://x:y@g/p?q=a@b",
      "a http://<redacted>@h and ftp://<redacted>@g/p?q=a@b",
    ],
    ["http://h/path@x", "http://h/path@x"],
    ["no url: user@example.com", "no url: user@example.com"],
  ];
  for (const [text, expected] of cases) assert.equal(withoutCredentials(text), expected, text);
});
