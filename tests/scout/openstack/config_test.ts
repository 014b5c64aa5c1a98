import assert from "node:assert/strict";
import { SECRETS, SECTIONS } from "../../../src/sections.ts";
import { OPENSTACK_SECTIONS } from "../../../src/scout/openstack/config.ts";

Deno.test("OPENSTACK_SECTIONS are the schemas arsenal.conf is validated against", () => {
  for (const [name, schema] of Object.entries(OPENSTACK_SECTIONS)) {
    assert.equal(SECTIONS[name as keyof typeof SECTIONS], schema, `[${name}]`);
  }
  assert.deepEqual(Object.keys(OPENSTACK_SECTIONS), [
    "client_wrapper",
    "nova",
    "ironic",
    "glance",
    "standalone",
  ]);
});

Deno.test("OPENSTACK_SECTIONS keep every credential secret", () => {
  const credentials = ["admin_password", "admin_auth_token"];
  assert.deepEqual(
    Object.fromEntries(Object.keys(OPENSTACK_SECTIONS).map((name) => [name, SECRETS[name]])),
    {
      client_wrapper: ["os_password", "os_auth_token", "os_application_credential_secret"],
      nova: credentials,
      ironic: credentials,
      glance: credentials,
      standalone: undefined,
    },
  );
});
