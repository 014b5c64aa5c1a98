import assert from "node:assert/strict";
import { absolutePath } from "../../src/runtime/absolute_path.ts";
import { tempDir } from "../_helpers.ts";

Deno.test("absolutePath() gives an existing file's real path, from the working directory", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(`${dir.path}/plugins`);
  const file = await dir.write("plugins/share.ts", "export default {};\n");
  const real = Deno.realPathSync(file);
  await Deno.symlink(`${dir.path}/plugins`, `${dir.path}/linked`);
  const cwd = Deno.cwd();
  Deno.chdir(`${dir.path}/plugins`);
  try {
    assert.equal(absolutePath("share.ts"), real);
    assert.equal(absolutePath("./../plugins/./share.ts"), real);
    assert.equal(absolutePath(`${dir.path}/linked/share.ts`), real);
    // A missing file in a directory that exists: the directory's real path.
    const here = Deno.realPathSync(".");
    assert.equal(absolutePath("missing.ts"), `${here}/missing.ts`);
    assert.equal(absolutePath("./../linked/missing.ts"), `${here}/missing.ts`);
    assert.equal(absolutePath("/missing.ts"), "/missing.ts");
    // Nothing of it exists: as given, from the working directory.
    assert.equal(absolutePath("/nonexistent/x.ts"), "/nonexistent/x.ts");
    assert.equal(absolutePath("nowhere/x.ts"), `${Deno.cwd()}/nowhere/x.ts`);
  } finally {
    Deno.chdir(cwd);
  }
});
