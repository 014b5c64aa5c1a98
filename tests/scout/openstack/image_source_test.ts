import assert from "node:assert/strict";
import {
  arsenalImageInfo,
  glanceSource,
  staticSource,
} from "../../../src/scout/openstack/image_source.ts";

const MD5 = "5d41402abc4b2a76b9719d911017c592";
const SHA512 = "ab".repeat(64);

Deno.test("arsenalImageInfo() prefers os_hash to the checksum, as Ironic's write_image does", () => {
  const url = "http://glance/v2/images/i1/file";
  const image = { id: "i1", disk_format: "raw", checksum: MD5 };
  assert.deepEqual(
    arsenalImageInfo(
      "i1",
      glanceSource(url, { ...image, os_hash_algo: "sha512", os_hash_value: SHA512 }),
    ),
    { id: "i1", urls: [url], disk_format: "raw", os_hash_algo: "sha512", os_hash_value: SHA512 },
  );
  assert.deepEqual(
    arsenalImageInfo("i1", glanceSource(url, { ...image, os_hash_algo: "", os_hash_value: null })),
    { id: "i1", urls: [url], disk_format: "raw", checksum: MD5 },
  );
});

Deno.test("staticSource() takes the disk format from the file name, when it names one", () => {
  const source = (url: string) =>
    staticSource({ name: "n", uuid: url.split("/").at(-1)!, url, checksum: MD5, hashAlgo: "md5" });
  assert.equal(source("http://img/u.QCOW2").diskFormat, "qcow2");
  assert.equal(source("http://img/u.raw?sig=1").diskFormat, "raw");
  assert.equal(source("http://img/u.img").diskFormat, undefined, ".img says nothing");
  assert.equal(source("http://img/u").diskFormat, undefined);
  assert.deepEqual(
    staticSource({
      name: "n",
      uuid: "u.raw",
      url: "http://img/u.raw",
      checksum: SHA512,
      hashAlgo: "sha512",
    }),
    { url: "http://img/u.raw", diskFormat: "raw", osHashAlgo: "sha512", osHashValue: SHA512 },
  );
});
