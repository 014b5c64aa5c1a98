import assert from "node:assert/strict";
import { readConfig } from "../../../src/setup.ts";
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
      "api_endpoint = http://ironic:6385\n[standalone]\nimages = a u1 http://x/u1 5d41402abc4b2a76b9719d911017c592\n",
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
      "[standalone]\nimages =\n  ok u1 http://x/u1 5d41402abc4b2a76b9719d911017c592\n  broken\n",
  );
  assert.deepEqual(bad.problems.map((p) => [p.where, p.value]), [[`${bad.file}:8`, "broken"]]);
  const ok = await resolve(
    "[director]\nscout = standalone\n[ironic]\napi_endpoint = http://i:6385/v1\n" +
      "conductor_group = rack1\n[standalone]\nimages = ok u1 http://x/u1 5d41402abc4b2a76b9719d911017c592\n",
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

/** Every problem of `text` (with `env`), as [where, section, option, value, expected]. */
async function problemsOf(text: string, env: Record<string, string> = {}) {
  await using dir = await tempDir();
  const file = await dir.write("arsenal.conf", text);
  return readConfig(file, env).problems.map((p) => [
    p.where.replace(file, "FILE"),
    p.section,
    p.option,
    p.value,
    p.expected,
  ]);
}

const INFERRED = "; auth_type was inferred from what is set";
const V2_ADVICE = (v3: string) =>
  `Keystone's v2.0 API was removed (OpenStack Queens); use the v3 URL, ${v3}, and set ` +
  "os_user_domain_name / os_project_domain_name if your user and project are not in the " +
  "Default domain";
const NEEDS_USER = "a user and a password (os_username and os_password, or admin_username and " +
  "admin_password)";
const NO_CATALOG = "the service URL: there is no catalog without Keystone";
/** http_basic's problem: what it needs, and the service's endpoint option when that is it. */
const basicNeeds = (section: string, what: string) =>
  `auth_type http_basic needs ${what}${section ? ` (${section} api_endpoint)` : ""}`;

Deno.test("resolveOpenStack() words each missing credential by auth_type, once per distinct problem", async (t) => {
  const cases: [string, string, unknown[][]][] = [
    ["a token with no Keystone URL", "[client_wrapper]\nos_auth_token = t\n", [
      ...["[ironic] admin_url", "[nova] admin_url", "[glance] auth_endpoint"].map((option) => [
        "FILE",
        "client_wrapper",
        "auth_type",
        "token",
        `auth_type token needs a Keystone URL ([client_wrapper] os_api_url or ${option}${INFERRED})`,
      ]),
    ]],
    [
      "a chosen token auth with no token and a v2.0 URL",
      "[client_wrapper]\nauth_type = token\nos_api_url = http://k:5000/v2.0\n",
      [
        [
          "FILE:5",
          "client_wrapper",
          "os_api_url",
          "http://k:5000/v2.0",
          V2_ADVICE("http://k:5000/v3"),
        ],
        [
          "FILE:4",
          "client_wrapper",
          "auth_type",
          "token",
          "auth_type token needs a token (os_auth_token or admin_auth_token)",
        ],
      ],
    ],
    [
      "half an application credential and a URL that is not http",
      "[client_wrapper]\nos_api_url = ftp://k\nos_application_credential_id = i\n",
      [
        [
          "FILE:4",
          "client_wrapper",
          "os_api_url",
          "ftp://k",
          "an http:// or https:// URL of Keystone, e.g. https://keystone.example:5000/v3",
        ],
        [
          "FILE",
          "client_wrapper",
          "auth_type",
          "v3applicationcredential",
          "auth_type v3applicationcredential needs an application credential " +
          `(os_application_credential_id and _secret${INFERRED})`,
        ],
      ],
    ],
    [
      "a password with no project",
      "[client_wrapper]\nos_api_url = http://k\nos_username = u\nos_password = p\n",
      [[
        "FILE",
        "client_wrapper",
        "auth_type",
        "password",
        `auth_type password needs a project, to get a catalog (os_tenant_name or os_tenant_id${INFERRED})`,
      ]],
    ],
    [
      "a chosen password auth with no user, and Glance's own v2.0 URL",
      "[client_wrapper]\nauth_type = password\nos_api_url = http://k\nos_tenant_name = x\n" +
      "[glance]\nauth_endpoint = http://g/v2.0\n",
      [
        [
          "FILE:4",
          "client_wrapper",
          "auth_type",
          "password",
          `auth_type password needs ${NEEDS_USER}`,
        ],
        ["FILE:8", "glance", "auth_endpoint", "http://g/v2.0", V2_ADVICE("http://g/v3")],
      ],
    ],
    [
      "http_basic with no endpoints and no password",
      "[client_wrapper]\nauth_type = http_basic\nos_username = u\n",
      [
        ["FILE:4", "client_wrapper", "auth_type", "http_basic", basicNeeds("[ironic]", NO_CATALOG)],
        ["FILE:4", "client_wrapper", "auth_type", "http_basic", basicNeeds("", NEEDS_USER)],
        ["FILE:4", "client_wrapper", "auth_type", "http_basic", basicNeeds("[nova]", NO_CATALOG)],
        ["FILE:4", "client_wrapper", "auth_type", "http_basic", basicNeeds("[glance]", NO_CATALOG)],
      ],
    ],
  ];
  for (const [name, text, expected] of cases) {
    await t.step(name, async () => {
      assert.deepEqual(await problemsOf(`[director]\nscout = openstack\n${text}`), expected);
    });
  }
});

Deno.test("resolveOpenStack() reports filter and rule mistakes where they are, in reading order", async () => {
  assert.deepEqual(
    await problemsOf(
      "[director]\nscout = openstack\n[client_wrapper]\nauth_type = noauth\n" +
        "[ironic]\napi_endpoint = ftp://x\nflavor_rules =\n  ok: memory_mb=1\n  broken\n" +
        "[nova]\napi_endpoint = http://n\nflavor_name_pattern = (\n" +
        "[glance]\napi_endpoint = http://g\nimage_visibility = public, secret\n" +
        "image_property_rules = nonsense\n",
    ),
    [
      [
        "FILE:9",
        "ironic",
        "flavor_rules",
        "broken",
        "expected a rule like `bm.small: memory_mb=32768, cpus=8`",
      ],
      ["FILE:6", "ironic", "api_endpoint", "ftp://x", "an http:// or https:// URL"],
      [
        "FILE:16",
        "glance",
        "image_property_rules",
        "nonsense",
        "expected a rule like `vm_mode = metal` or `flavor_classes contains onmetal`",
      ],
      [
        "FILE:15",
        "glance",
        "image_visibility",
        "secret",
        "one of public, community, shared, private",
      ],
      [
        "FILE:12",
        "nova",
        "flavor_name_pattern",
        "(",
        "a regular expression (Invalid regular expression: /(/: Unterminated group)",
      ],
    ],
  );
});

Deno.test("resolveOpenStack() numbers a rule's line within a value that has no file line", async () => {
  assert.deepEqual(
    await problemsOf("[director]\nscout = standalone\n[ironic]\napi_endpoint = http://i\n", {
      ARSENAL_STANDALONE__IMAGES: "ok u1 http://x/u1 5d41402abc4b2a76b9719d911017c592\nbroken",
      ARSENAL_IRONIC__FLAVOR_RULES: "x",
    }),
    [
      [
        "environment ARSENAL_IRONIC__FLAVOR_RULES",
        "ironic",
        "flavor_rules",
        "x",
        "line 1 of the value: expected a rule like `bm.small: memory_mb=32768, cpus=8`",
      ],
      [
        "environment ARSENAL_STANDALONE__IMAGES",
        "standalone",
        "images",
        "broken",
        "line 2 of the value: expected four fields: name id url checksum",
      ],
    ],
  );
});
