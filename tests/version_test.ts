import assert from "node:assert/strict";
import { gitCommit } from "../src/version.ts";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";

/** Writes `files` (path -> text) under a new temporary directory and returns its file URL. */
async function tree(files: Record<string, string>): Promise<URL> {
  const root = await Deno.makeTempDir();
  for (const [path, text] of Object.entries(files)) {
    const file = `${root}/${path}`;
    await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(file, text);
  }
  return new URL(`file://${root}/checkout/`);
}

Deno.test("gitCommit() reads a branch ref from a plain checkout", async () => {
  const root = await tree({
    "checkout/.git/HEAD": "ref: refs/heads/main\n",
    "checkout/.git/refs/heads/main": `${COMMIT}\n`,
  });
  assert.equal(gitCommit(root), COMMIT);
});

Deno.test("gitCommit() reads a packed ref", async () => {
  const root = await tree({
    "checkout/.git/HEAD": "ref: refs/heads/main\n",
    "checkout/.git/packed-refs": `# pack-refs with: peeled\n${COMMIT} refs/heads/main\n`,
  });
  assert.equal(gitCommit(root), COMMIT);
});

Deno.test("gitCommit() follows a linked worktree to the common directory's refs", async () => {
  const root = await tree({
    "checkout/.git": "gitdir: ../main/.git/worktrees/checkout\n",
    "main/.git/worktrees/checkout/HEAD": "ref: refs/heads/topic\n",
    "main/.git/worktrees/checkout/commondir": "../..\n",
    "main/.git/refs/heads/topic": `${COMMIT}\n`,
  });
  assert.equal(gitCommit(root), COMMIT);
});

Deno.test("gitCommit() finds a worktree's branch in the common packed-refs", async () => {
  const root = await tree({
    "checkout/.git": "gitdir: ../main/.git/worktrees/checkout\n",
    "main/.git/worktrees/checkout/HEAD": "ref: refs/heads/topic\n",
    "main/.git/worktrees/checkout/commondir": "../..\n",
    "main/.git/packed-refs": `${COMMIT} refs/heads/topic\n`,
  });
  assert.equal(gitCommit(root), COMMIT);
});
