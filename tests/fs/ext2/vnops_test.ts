/**
 * ext2 under the VFS: mounted on a tmpfs directory through the mount table, driven by
 * vnode operations in a running kernel, unmounted clean.
 */
import assert from "node:assert/strict";
import { ext2Type } from "../../../fs/ext2/vnops.ts";
import { MountTable } from "../../../fs/vfs_mount.ts";
import { tmpfsType } from "../../../fs/tmpfs/tmpfs_vfsops.ts";
import { VDIR, VLNK, VREG, vrele } from "../../../fs/vnode.ts";
import { runInKernel } from "../../support/kernel.ts";
import { debugfs, devOf, e2fsck, HAVE_E2FSPROGS, makeImage, pattern } from "./e2fs_tools.ts";
import { populateTree } from "./tree_fixture.ts";

const te = new TextEncoder();
const td = new TextDecoder();

Deno.test({
  name: "ext2 vnops: files made through vnodes are on disk after unmount, and fsck is clean",
  ignore: !HAVE_E2FSPROGS,
  async fn() {
    const { bytes } = await makeImage(populateTree, { blockSize: 1024, blocks: 4096 });
    const dev = devOf(bytes);
    const va = { mode: 0o644, uid: 7, gid: 8 };
    const { value } = runInKernel(function* (k) {
      const mt = new MountTable(k);
      mt.registerType(tmpfsType);
      mt.registerType(ext2Type);
      yield* mt.mountRoot("tmpfs", 0, {});
      const root = mt.rootVnode;
      const mntDir = yield* root.ops.mkdir(root, "mnt", { mode: 0o755, uid: 0, gid: 0 });
      const mp = yield* mt.mount("ext2", mntDir, "/mnt", 0, { dev });
      const r = mp.rootVnode!;
      assert.equal(r.type, VDIR);
      // Same vnode for the same file while referenced.
      const a1 = yield* r.ops.lookup(r, "small.txt");
      const a2 = yield* r.ops.lookup(r, "small.txt");
      assert.equal(a1, a2);
      assert.equal(a1.type, VREG);
      const buf = new Uint8Array(64);
      const n = yield* a1.ops.read(a1, buf, 0);
      const small = td.decode(buf.subarray(0, n));
      yield* vrele(a1);
      yield* vrele(a2);
      // Make things.
      const f = yield* r.ops.create(r, "vfs.txt", va);
      assert.equal(yield* f.ops.write(f, te.encode("through the vfs"), 0), 15);
      const attr = yield* f.ops.getattr(f);
      assert.deepEqual([attr.size, attr.uid, attr.gid, attr.mode], [15, 7, 8, 0o644]);
      const d = yield* r.ops.mkdir(r, "sub", { ...va, mode: 0o755 });
      const s = yield* d.ops.symlink(d, "ln", va, "../vfs.txt");
      assert.equal(s.type, VLNK);
      assert.equal(yield* s.ops.readlink(s), "../vfs.txt");
      yield* r.ops.rename(r, "vfs.txt", f, d, "moved.txt", null);
      // An open file that is removed stays readable until its vnode goes.
      const mid = yield* r.ops.lookup(r, "mid.bin");
      yield* r.ops.remove(r, "mid.bin", mid);
      const got = new Uint8Array(20000);
      assert.equal(yield* mid.ops.read(mid, got, 0), 20000);
      assert.deepEqual(got, pattern(20000, 9));
      yield* vrele(mid);
      const batch = yield* d.ops.readdir(d, 0, 10);
      assert.deepEqual(batch.entries.map((e) => [e.name, e.type]), [
        [".", 4],
        ["..", 4],
        ["ln", 10],
        ["moved.txt", 8],
      ]);
      const st = yield* mp.ops!.statvfs(mp);
      assert.equal(st.bsize, 1024);
      for (const v of [f, d, s]) yield* vrele(v);
      yield* mt.unmount(mp, 0);
      return small;
    });
    assert.equal(value, "hello, ext2\n");
    const r = await e2fsck(dev.bytes);
    assert.equal(r.code, 0, r.out);
    assert.equal(await debugfs(dev.bytes, "cat /sub/moved.txt"), "through the vfs");
    assert.match(await debugfs(dev.bytes, "ls /"), /small\.txt/);
    assert.doesNotMatch(await debugfs(dev.bytes, "ls /"), /mid\.bin/);
  },
});
