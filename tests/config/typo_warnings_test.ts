import assert from "node:assert/strict";
import { z } from "zod";
import { parseIniText } from "../../src/config/ini_file.ts";
import { typoWarnings } from "../../src/config/typo_warnings.ts";

const vault = z.object({
  key: z.string().optional().meta({ env: "ARSENAL_VAULT_KEY" }),
  tries: z.number().int().default(3),
});

Deno.test("typoWarnings() knows an option's own variable, and names it for a near miss", () => {
  const readers = { known: new Map([["vault", vault]]), secrets: {}, ignored: new Map() };
  const warnings = typoWarnings(new Map(), readers, {
    ARSENAL_VAULT_KEY: "k",
    ARSENAL_VAULT_KYE: "k",
  });
  assert.deepEqual(warnings, [
    "environment ARSENAL_VAULT_KYE is ignored: options are set by ARSENAL_<SECTION>__<OPTION>; " +
    "did you mean ARSENAL_VAULT_KEY?",
  ]);
});

Deno.test("typoWarnings() says why an ignored section is ignored, and names near sections", () => {
  const { sections } = parseIniText("[spare]\nx = 1\n[vaul]\ntries = 2\n", "a.conf");
  const readers = {
    known: new Map([["vault", vault]]),
    secrets: {},
    ignored: new Map([["spare", "it is read only on Sundays"]]),
  };
  assert.deepEqual(typoWarnings(sections, readers), [
    "a.conf:2: section [spare] is ignored: it is read only on Sundays",
    "a.conf:4: unknown section [vaul] is ignored; did you mean [vault]?",
  ]);
});

Deno.test("typoWarnings() passes over unread sections in silence, and still names them for a near miss", () => {
  const text = "[spare]\nx = 1\n[vault]\ntires = 2\n[spar]\ny = 3\n";
  const { sections } = parseIniText(text, "a.conf");
  const readers = {
    known: new Map([["vault", vault]]),
    secrets: {},
    ignored: new Map(),
    unread: new Set(["spare"]),
  };
  assert.deepEqual(typoWarnings(sections, readers), [
    "a.conf:4: unknown option [vault] tires is ignored; did you mean tries?",
    "a.conf:6: unknown section [spar] is ignored; did you mean [spare]?",
  ]);
});
