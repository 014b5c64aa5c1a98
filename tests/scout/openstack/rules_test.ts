import assert from "node:assert/strict";
import {
  customResourceName,
  flavorByRules,
  imageMatches,
  parseFlavorRules,
  parseImageRules,
  parseStaticImages,
} from "../../../src/scout/openstack/rules.ts";
import { upstreamReason } from "../../../src/scout/openstack/errors.ts";

Deno.test("flavor rules match node properties, numbers and strings alike, first rule wins", () => {
  const { rules, problems } = parseFlavorRules(
    "\n  bm.small: memory_mb=32768, cpus=8\n  # a comment\n  bm.any: cpu_arch=x86_64\n",
  );
  assert.deepEqual(problems, []);
  assert.equal(
    flavorByRules(rules, { memory_mb: 32768, cpus: "8", cpu_arch: "x86_64" }),
    "bm.small",
  );
  assert.equal(flavorByRules(rules, { memory_mb: 65536, cpus: 8, cpu_arch: "x86_64" }), "bm.any");
  assert.equal(flavorByRules(rules, { memory_mb: 32768 }), undefined);
  assert.equal(flavorByRules(rules, null), undefined);
});

Deno.test("a malformed flavor rule is a problem naming its line", () => {
  const { rules, problems } = parseFlavorRules("a: x=1\nno colon here\nb:\nc: =3\n");
  assert.equal(rules.length, 1);
  assert.deepEqual(problems.map((p) => [p.line, p.text]), [[2, "no colon here"], [3, "b:"], [
    4,
    "c: =3",
  ]]);
});

Deno.test("image rules: = compares, contains looks in lists and comma-separated strings", () => {
  const { rules, problems } = parseImageRules("flavor_classes contains onmetal\nvm_mode = metal\n");
  assert.deepEqual(problems, []);
  assert.ok(imageMatches(rules, { flavor_classes: "onmetal, !performance", vm_mode: "metal" }));
  assert.ok(imageMatches(rules, { flavor_classes: ["onmetal"], vm_mode: "metal" }));
  assert.ok(!imageMatches(rules, { flavor_classes: "onmetal2", vm_mode: "metal" }));
  assert.ok(!imageMatches(rules, { flavor_classes: "onmetal", vm_mode: "hvm" }));
  assert.ok(!imageMatches(rules, { vm_mode: "metal" }));
  assert.deepEqual(parseImageRules("just words").problems.map((p) => p.line), [1]);
});

const MD5 = "5d41402abc4b2a76b9719d911017c592";
const SHA256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
const SHA512 = "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca7" +
  "2323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043";

Deno.test("parseStaticImages() needs four fields, an http(s) URL and unique ids", () => {
  const { rules, problems } = parseStaticImages(
    `ubuntu u.img http://img/u.img ${MD5}\nbad x ftp://img/x ${MD5}\nshort u-3\n` +
      `dup u.img https://x/u.img ${MD5}\n`,
  );
  assert.deepEqual(rules, [{
    name: "ubuntu",
    uuid: "u.img",
    url: "http://img/u.img",
    checksum: MD5,
    hashAlgo: "md5",
  }]);
  assert.deepEqual(problems.map((p) => p.line), [2, 3, 4]);
  assert.match(problems[0].expected, /http\(s\) URL/);
  assert.match(problems[2].expected, /listed twice/);
});

Deno.test("parseStaticImages() reads a checksum's algorithm from its length", () => {
  const { rules, problems } = parseStaticImages(
    `a a.img http://img/a.img ${MD5}\nb b.qcow2 http://img/b.qcow2 ${SHA256}\n` +
      `c c.raw https://img/v2/c.raw ${SHA512}\n`,
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(rules.map((r) => r.hashAlgo), ["md5", "sha256", "sha512"]);
});

Deno.test("parseStaticImages() refuses a checksum that is not 32, 64 or 128 lowercase hex digits", () => {
  const { rules, problems } = parseStaticImages(
    "a a.img http://img/a.img sum\n" +
      `b b.img http://img/b.img ${MD5.slice(1)}\n` +
      `c c.img http://img/c.img ${MD5.toUpperCase()}\n` +
      `d d.img http://img/d.img ${SHA256.slice(0, 40)}\n`,
  );
  assert.deepEqual(rules, []);
  assert.deepEqual(problems.map((p) => [p.line, p.text]), [
    [1, "a a.img http://img/a.img sum"],
    [2, `b b.img http://img/b.img ${MD5.slice(1)}`],
    [3, `c c.img http://img/c.img ${MD5.toUpperCase()}`],
    [4, `d d.img http://img/d.img ${SHA256.slice(0, 40)}`],
  ]);
  assert.equal(
    problems[0].expected,
    "a checksum of 32 (MD5), 64 (SHA-256) or 128 (SHA-512) lowercase hex digits as the fourth " +
      "field, not sum",
  );
  assert.match(problems[1].expected, /not [0-9a-f]{31} \(31 characters\)$/);
});

Deno.test("parseStaticImages() refuses an id other than the URL's last path segment", () => {
  const { rules, problems } = parseStaticImages(
    `ubuntu 0b6f3c1e-0000-4000-8000-000000000001 http://img/ubuntu.img ${MD5}\n` +
      `dir d http://img/d/ ${MD5}\n` +
      `query u.img?v=2 http://img/u.img?v=2 ${MD5}\n`,
  );
  assert.deepEqual(problems.map((p) => [p.line, p.expected]), [
    [
      1,
      "the URL's last path segment as the id, ubuntu.img (what Ironic sends the agent at deploy " +
      "time), not 0b6f3c1e-0000-4000-8000-000000000001",
    ],
    [2, "a URL that ends in a file name (the id is its last path segment), not http://img/d/"],
  ]);
  assert.deepEqual(rules.map((r) => r.uuid), ["u.img?v=2"], "split on / as Ironic does");
});

Deno.test("resource classes become Placement's CUSTOM_ names", () => {
  assert.equal(customResourceName("baremetal.small"), "CUSTOM_BAREMETAL_SMALL");
  assert.equal(customResourceName("Gold-1"), "CUSTOM_GOLD_1");
});

Deno.test("upstreamReason() decodes every service's error shape into one line", () => {
  const ironic = JSON.stringify({
    error_message: JSON.stringify({
      faultcode: "Client",
      faultstring: "No handler for method cache_image",
      debuginfo: null,
    }),
  });
  assert.equal(upstreamReason(ironic), "No handler for method cache_image");
  assert.equal(
    upstreamReason('{"itemNotFound": {"code": 404, "message": "Flavor x could not be found."}}'),
    "Flavor x could not be found.",
  );
  assert.equal(
    upstreamReason(
      '{"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}}',
    ),
    "The request you have made requires authentication.",
  );
  assert.equal(
    upstreamReason(
      '{"message": "No image found with ID x<br /><br />\\n\\n\\n", "code": "404 Not Found"}',
    ),
    "No image found with ID x",
  );
  assert.equal(
    upstreamReason(
      "<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1>\nNo image found</body></html>",
    ),
    "404 Not Found 404 Not Found No image found",
  );
  assert.equal(upstreamReason("", "Bad Gateway"), "Bad Gateway");
  assert.equal(upstreamReason("x".repeat(1000)).length, 300);
});

Deno.test("parseStaticImages() needs a disk format in the file name only when the agent is told it", () => {
  const text = `a a.img http://img/a.img ${MD5}\nb b.qcow2 http://img/b.qcow2 ${MD5}\n`;
  assert.deepEqual(parseStaticImages(text).problems, []);
  const { rules, problems } = parseStaticImages(text, { diskFormatNeeded: true });
  assert.deepEqual(rules.map((r) => r.uuid), ["b.qcow2"]);
  assert.deepEqual(problems.map((p) => [p.line, p.expected]), [[
    1,
    "a URL whose file name ends in its disk format (.raw, .qcow2, .vmdk, .vdi, .vhd, .vhdx or " +
    ".iso): cache_method = arsenal tells the agent the image's disk format, not http://img/a.img",
  ]]);
});
