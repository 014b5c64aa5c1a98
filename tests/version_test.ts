import assert from "node:assert/strict";
import { tempDir } from "./_helpers.ts";
import { gitCommit } from "../src/version.ts";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";

/** Writes `files` (path -> text) under a temporary directory; returns the checkout's URL. */
async function tree(
  dir: { path: string; write(name: string, text: string): Promise<string> },
  files: Record<string, string>,
): Promise<URL> {
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(`${dir.path}/${path.slice(0, path.lastIndexOf("/"))}`, { recursive: true });
    await dir.write(path, text);
  }
  return new URL(`file://${dir.path}/checkout/`);
}

Deno.test("gitCommit() reads a branch ref from a plain checkout", async () => {
  await using dir = await tempDir();
  const root = await tree(dir, {
    "checkout/.git/HEAD": "ref: refs/heads/main\n",
    "checkout/.git/refs/heads/main": `${COMMIT}\n`,
  });
  assert.equal(gitCommit(root), COMMIT);
});

Deno.test("gitCommit() reads a packed ref", async () => {
  await using dir = await tempDir();
  const root = await tree(dir, {
    "checkout/.git/HEAD": "ref: refs/heads/main\n",
    "checkout/.git/packed-refs": `# pack-refs with: peeled\n${COMMIT} refs/heads/main\n`,
  });
  assert.equal(gitCommit(root), COMMIT);
});

Deno.test("gitCommit() follows a linked worktree to the common directory's refs", async () => {
  await using dir = await tempDir();
  const root = await tree(dir, {
    "checkout/.git": "gitdir: ../main/.git/worktrees/checkout\n",
    "main/.git/worktrees/checkout/HEAD": "ref: refs/heads/topic\n",
    "main/.git/worktrees/checkout/commondir": "../..\n",
    "main/.git/refs/heads/topic": `${COMMIT}\n`,
  });
  assert.equal(gitCommit(root), COMMIT);
});

Deno.test("gitCommit() finds a worktree's branch in the common packed-refs", async () => {
  await using dir = await tempDir();
  const root = await tree(dir, {
    "checkout/.git": "gitdir: ../main/.git/worktrees/checkout\n",
    "main/.git/worktrees/checkout/HEAD": "ref: refs/heads/topic\n",
    "main/.git/worktrees/checkout/commondir": "../..\n",
    "main/.git/packed-refs": `${COMMIT} refs/heads/topic\n`,
  });
  assert.equal(gitCommit(root), COMMIT);
});
