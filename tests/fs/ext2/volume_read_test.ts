/**
 * Reading images made by mke2fs: every file, directory and symlink of the source tree
 * reads back exactly, for 1 KiB and 4 KiB blocks, 128- and 256-byte inodes, one group
 * and several.
 */
import assert from "node:assert/strict";
import { Ext2Volume } from "../../../fs/ext2/volume.ts";
import { devOf, HAVE_E2FSPROGS, makeImage, now, pattern, run } from "./e2fs_tools.ts";
import { compareTree, populateTree } from "./tree_fixture.ts";

const configs = [
  { name: "1 KiB blocks, 128-byte inodes", blockSize: 1024, inodeSize: 128, blocks: 4096 },
  { name: "1 KiB blocks, 256-byte inodes", blockSize: 1024, inodeSize: 256, blocks: 4096 },
  { name: "4 KiB blocks, 256-byte inodes", blockSize: 4096, inodeSize: 256, blocks: 1024 },
  { name: "4 KiB blocks, 128-byte inodes", blockSize: 4096, inodeSize: 128, blocks: 1024 },
  {
    name: "1 KiB blocks in 4 groups",
    blockSize: 1024,
    inodeSize: 128,
    blocks: 4096,
    extra: ["-g", "1024"],
  },
  { name: "revision 0", blockSize: 1024, blocks: 4096, extra: ["-r", "0"] },
  {
    name: "no filetype feature",
    blockSize: 1024,
    blocks: 4096,
    extra: ["-O", "^filetype,^dir_index"],
  },
];

for (const c of configs) {
  Deno.test({
    name: `ext2: every file of an mke2fs image (${c.name}) reads back byte-exact`,
    ignore: !HAVE_E2FSPROGS,
    async fn() {
      const { bytes, src, tmp } = await makeImage(populateTree, { ...c, keepSource: true });
      const vol = run(Ext2Volume.mount(devOf(bytes, true), { now }));
      assert.equal(vol.readOnly, true);
      assert.equal(vol.blockSize, c.blockSize);
      const n = compareTree(vol, vol.root, src);
      assert.ok(n > 90, `checked ${n} files`);
      // Reads at odd offsets and past the end.
      const big = run(vol.lookup(vol.root, "big.bin"));
      const want = pattern(300 * 1024 + 123, 7);
      const buf = new Uint8Array(5000);
      assert.equal(run(vol.read(big, 270 * 1024 - 7, buf)), 5000);
      assert.deepEqual(buf, want.subarray(270 * 1024 - 7, 270 * 1024 - 7 + 5000));
      assert.equal(run(vol.read(big, want.length - 3, buf)), 3);
      assert.equal(run(vol.read(big, want.length + 100, buf)), 0);
      // The hole in the sparse file reads as zeros.
      const sp = run(vol.lookup(vol.root, "sparse.bin"));
      assert.equal(run(vol.read(sp, 100 * 1024, buf)), 5000);
      assert.ok(buf.every((b) => b === 0));
      await Deno.remove(tmp, { recursive: true });
    },
  });
}

Deno.test({
  name: "ext2: lookup follows '.' and '..' and reports missing names as ENOENT",
  ignore: !HAVE_E2FSPROGS,
  async fn() {
    const { bytes } = await makeImage(populateTree, { blockSize: 1024, blocks: 4096 });
    const vol = run(Ext2Volume.mount(devOf(bytes), { now }));
    const a = run(vol.lookup(vol.root, "a"));
    const b = run(vol.lookup(a, "b"));
    assert.equal(run(vol.lookup(b, "..")), a);
    assert.equal(run(vol.lookup(b, ".")), b);
    assert.equal(run(vol.lookup(vol.root, "..")), vol.root);
    assert.throws(() => run(vol.lookup(a, "nope")), { code: "ENOENT" });
    const small = run(vol.lookup(vol.root, "small.txt"));
    assert.throws(() => run(vol.lookup(small, "x")), { code: "ENOTDIR" });
    assert.throws(() => run(vol.read(a, 0, new Uint8Array(1))), { code: "EISDIR" });
    assert.throws(() => run(vol.lookup(vol.root, "x".repeat(256))), { code: "ENAMETOOLONG" });
  },
});
