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

Deno.test("the standalone catalog needs four fields, an http(s) URL and unique uuids", () => {
  const { rules, problems } = parseStaticImages(
    "ubuntu u-1 http://img/u.img abc\nbad u-2 ftp://img/x abc\nshort u-3\ndup u-1 https://x/y z\n",
  );
  assert.deepEqual(rules, [{
    name: "ubuntu",
    uuid: "u-1",
    url: "http://img/u.img",
    checksum: "abc",
  }]);
  assert.deepEqual(problems.map((p) => p.line), [2, 3, 4]);
  assert.match(problems[0].expected, /http\(s\) URL/);
  assert.match(problems[2].expected, /listed twice/);
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
