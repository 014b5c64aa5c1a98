import assert from "node:assert/strict";
import { readConfig } from "../../../src/config/load.ts";
import { tempDir } from "../../_helpers.ts";

async function resolve(text: string) {
  await using dir = await tempDir();
  const file = await dir.write("arsenal.conf", text);
  const { config, problems } = readConfig(file);
  return { settings: config?.openstack, problems, file };
}

const KEYSTONE = "[client_wrapper]\nos_api_url = http://keystone:5000\nos_username = arsenal\n" +
  "os_password = pw\nos_tenant_name = service\nregion_name = RegionOne\n";

Deno.test("services use [client_wrapper] credentials unless their section overrides them", async () => {
  const { settings, problems } = await resolve(
    "[director]\nscout = openstack\n" + KEYSTONE +
      "[ironic]\nadmin_username = ironic\nadmin_password = ironic-pw\nregion_name = RegionTwo\n" +
      "[glance]\nadmin_auth_token = tok\n",
  );
  assert.deepEqual(problems, []);
  assert.ok(settings);
  assert.deepEqual(settings.nova?.auth, {
    type: "keystone",
    authUrl: "http://keystone:5000/v3",
    credentials: {
      method: "password",
      username: "arsenal",
      password: "pw",
      userDomainName: "Default",
      projectName: "service",
      projectId: undefined,
      projectDomainName: "Default",
    },
  });
  assert.equal(settings.nova?.region, "RegionOne");
  const ironic = settings.ironic.auth;
  assert.ok(ironic.type === "keystone" && ironic.credentials.method === "password");
  assert.equal(ironic.credentials.username, "ironic");
  assert.equal(ironic.credentials.password, "ironic-pw");
  assert.equal(settings.ironic.region, "RegionTwo");
  assert.deepEqual(settings.glance?.auth, {
    type: "keystone",
    authUrl: "http://keystone:5000/v3",
    credentials: { method: "token", token: "tok" },
  });
});

Deno.test("auth_type is inferred, and what it needs is asked for by name", async () => {
  const noauth = await resolve("[director]\nscout = openstack\n");
  assert.deepEqual(noauth.problems.map((p) => p.expected), [
    "auth_type noauth needs the service URL: there is no catalog without Keystone " +
    "([ironic] api_endpoint; auth_type was inferred from what is set)",
    "auth_type noauth needs the service URL: there is no catalog without Keystone " +
    "([nova] api_endpoint; auth_type was inferred from what is set)",
    "auth_type noauth needs the service URL: there is no catalog without Keystone " +
    "([glance] api_endpoint; auth_type was inferred from what is set)",
  ]);
  const appCred = await resolve(
    "[director]\nscout = openstack\n[client_wrapper]\nos_api_url = http://k/v3\n" +
      "os_application_credential_id = id1\nos_application_credential_secret = s1\n",
  );
  assert.deepEqual(appCred.problems, []);
  assert.deepEqual(appCred.settings?.ironic.auth, {
    type: "keystone",
    authUrl: "http://k/v3",
    credentials: { method: "v3applicationcredential", id: "id1", secret: "s1" },
  });
  const basic = await resolve(
    "[director]\nscout = standalone\n[ironic]\nauth_type = http_basic\n" +
      "api_endpoint = http://ironic:6385\n[standalone]\nimages = a u1 http://x/a sum\n",
  );
  assert.deepEqual(basic.problems.map((p) => [p.section, p.option, p.expected]), [[
    "ironic",
    "auth_type",
    "auth_type http_basic needs a user and a password (os_username and os_password, or " +
    "admin_username and admin_password)",
  ]]);
});

Deno.test("the original scouts' presets fill the filters they hard-coded; options override", async () => {
  const endpoints = "[client_wrapper]\nauth_type = noauth\n[ironic]\napi_endpoint = http://i\n" +
    "[nova]\napi_endpoint = http://n\n[glance]\napi_endpoint = http://g\n";
  const onmetal = await resolve(
    "[director]\nscout = onmetal_scout.OnMetalScout\n" + endpoints,
  );
  assert.deepEqual(onmetal.problems, []);
  const s = onmetal.settings!;
  assert.equal(s.preset, "onmetal");
  assert.equal(String(s.nova?.flavorPattern), "/^onmetal-/");
  assert.deepEqual(s.glance?.visibility, ["public"]);
  assert.deepEqual(s.glance?.propertyRules.map((r) => r.key), ["flavor_classes", "vm_mode"]);
  assert.deepEqual(s.ironic.flavorRules.map((r) => r.flavor), [
    "onmetal-compute1",
    "onmetal-io1",
    "onmetal-memory1",
  ]);
  const devstack = await resolve(
    "[director]\nscout = devstack_scout.DevstackScout\n" + endpoints +
      "image_name_pattern = ^ubuntu-\n",
  );
  assert.equal(String(devstack.settings?.nova?.flavorPattern), "/^baremetal$/");
  assert.equal(String(devstack.settings?.glance?.namePattern), "/^ubuntu-/");
  const plain = await resolve("[director]\nscout = openstack_scout.OpenstackScout\n" + endpoints);
  assert.equal(plain.settings?.preset, undefined);
  assert.equal(plain.settings?.nova?.flavorPattern, undefined);
});

Deno.test("standalone needs its image catalog, and rule mistakes point at their file line", async () => {
  const none = await resolve(
    "[director]\nscout = standalone\n[ironic]\napi_endpoint = http://i:6385\n",
  );
  assert.deepEqual(none.problems.map((p) => [p.section, p.option]), [["standalone", "images"]]);
  const bad = await resolve(
    "[director]\nscout = standalone\n[ironic]\napi_endpoint = http://i:6385\n" +
      "[standalone]\nimages =\n  ok u1 http://x/ok sum\n  broken\n",
  );
  assert.deepEqual(bad.problems.map((p) => [p.where, p.value]), [[`${bad.file}:8`, "broken"]]);
  const ok = await resolve(
    "[director]\nscout = standalone\n[ironic]\napi_endpoint = http://i:6385/v1\n" +
      "conductor_group = rack1\n[standalone]\nimages = ok u1 http://x/ok sum\n",
  );
  assert.deepEqual(ok.problems, []);
  assert.equal(ok.settings?.mode, "standalone");
  assert.deepEqual(ok.settings?.ironic.filters, { conductor_group: "rack1" });
  assert.equal(ok.settings?.nova, undefined);
});

Deno.test("the simulator resolves no OpenStack settings and needs no credentials", async () => {
  const { settings, problems } = await resolve("[director]\nscout = simulator\n");
  assert.deepEqual(problems, []);
  assert.equal(settings, undefined);
});
