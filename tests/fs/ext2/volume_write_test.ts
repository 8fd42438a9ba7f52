/**
 * Writing through Ext2Volume: every change survives unmount, reads back after a fresh
 * mount, shows up in debugfs, and leaves a file system e2fsck -fn finds clean.
 */
import assert from "node:assert/strict";
import type { MemBlockDevice } from "../../../fs/bdev_mem.ts";
import { Ext2Volume } from "../../../fs/ext2/volume.ts";
import { populateTree } from "./tree_fixture.ts";
import {
  debugfs,
  devOf,
  e2fsck,
  errOf,
  HAVE_E2FSPROGS,
  makeImage,
  now,
  pattern,
  run,
} from "./e2fs_tools.ts";

const te = new TextEncoder();
const td = new TextDecoder();

function readAll(vol: Ext2Volume, ino: number): Uint8Array {
  const st = run(vol.getInode(ino));
  const buf = new Uint8Array(st.size);
  assert.equal(run(vol.read(ino, 0, buf)), st.size);
  return buf;
}

function path(vol: Ext2Volume, p: string): number {
  let ino = vol.root;
  for (const c of p.split("/").filter((s) => s)) ino = run(vol.lookup(ino, c));
  return ino;
}

async function assertClean(dev: MemBlockDevice): Promise<void> {
  const r = await e2fsck(dev.bytes);
  assert.equal(r.code, 0, `e2fsck -fn found problems:\n${r.out}`);
}

const configs = [
  { name: "1 KiB blocks, 128-byte inodes", blockSize: 1024, inodeSize: 128, blocks: 4096 },
  { name: "4 KiB blocks, 256-byte inodes", blockSize: 4096, inodeSize: 256, blocks: 1024 },
  {
    name: "1 KiB blocks, 256-byte inodes, 4 groups",
    blockSize: 1024,
    inodeSize: 256,
    blocks: 4096,
    extra: ["-g", "1024"],
  },
  { name: "revision 0, 2 groups", blockSize: 1024, blocks: 4096, extra: ["-r", "0", "-g", "2048"] },
  {
    name: "no filetype feature",
    blockSize: 1024,
    blocks: 4096,
    extra: ["-O", "^filetype,^dir_index"],
  },
];

for (const c of configs) {
  Deno.test({
    name: `ext2: create, write, extend, truncate, rename, unlink, mkdir, rmdir and symlink ` +
      `leave a clean file system (${c.name})`,
    ignore: !HAVE_E2FSPROGS,
    async fn() {
      const { bytes } = await makeImage(populateTree, c);
      const dev = devOf(bytes);
      let vol = run(Ext2Volume.mount(dev, { now }));
      assert.equal(vol.readOnly, false);

      // create + write + extend
      const f = run(vol.create(vol.root, "new.txt", 0o644));
      assert.equal(run(vol.write(f, 0, te.encode("hello "))), 6);
      assert.equal(run(vol.write(f, 6, te.encode("world\n"))), 6);
      const big = pattern(400 * 1024 + 5, 3); // double indirect with 1 KiB blocks
      const g = run(vol.create(vol.root, "grown.bin", 0o600));
      run(vol.write(g, 0, big.subarray(0, 1000)));
      run(vol.write(g, 1000, big.subarray(1000)));
      // a hole, then data far out
      const h = run(vol.create(vol.root, "holey", 0o644));
      run(vol.write(h, 150 * 1024, te.encode("tail")));
      // truncate shrink and grow
      const bigIno = path(vol, "big.bin");
      run(vol.truncate(bigIno, 5000));
      run(vol.truncate(bigIno, 9000));
      const mid = path(vol, "mid.bin");
      run(vol.truncate(mid, 0));
      run(vol.write(mid, 0, te.encode("again")));
      // mkdir, nested, rename across dirs, directory rename fixes ".."
      const d1 = run(vol.mkdir(vol.root, "d1", 0o755));
      const d2 = run(vol.mkdir(d1, "d2", 0o700));
      run(vol.rename(vol.root, "new.txt", d2, "moved.txt"));
      const a = path(vol, "a");
      run(vol.rename(a, "b", d1, "b-moved"));
      assert.equal(run(vol.lookup(path(vol, "d1/b-moved"), "..")), d1);
      // rename replacing an existing file
      run(vol.rename(vol.root, "small.txt", path(vol, "a"), "one.txt"));
      // unlink, hard link
      run(vol.link(vol.root, "grown-link", g));
      assert.equal(run(vol.getInode(g)).links, 2);
      run(vol.unlink(vol.root, "empty"));
      // rmdir: a full one refuses, an empty one goes
      assert.equal(errOf(vol.rmdir(vol.root, "many")), "ENOTEMPTY");
      const emptyDir = run(vol.mkdir(vol.root, "gone", 0o755));
      assert.ok(emptyDir > 0);
      run(vol.rmdir(vol.root, "gone"));
      // symlinks, fast and slow
      run(vol.symlink(d1, "fast", "../a/one.txt"));
      const slowTarget = "/very/long/" + "y".repeat(200);
      run(vol.symlink(d1, "slow", slowTarget));
      // many entries then deleting all of them
      const many = path(vol, "many");
      for (let i = 0; i < 80; i++) run(vol.unlink(many, `file-with-a-longish-name-${i}`));
      for (let i = 0; i < 150; i++) run(vol.create(many, `f${i}`, 0o644));
      for (let i = 0; i < 150; i += 2) run(vol.unlink(many, `f${i}`));
      run(vol.setattr(h, { mode: 0o751, uid: 1000, gid: 100, mtime: 1234567890 }));

      run(vol.unmount());
      await assertClean(dev);

      // A fresh mount sees everything.
      vol = run(Ext2Volume.mount(dev, { now }));
      assert.equal(td.decode(readAll(vol, path(vol, "d1/d2/moved.txt"))), "hello world\n");
      assert.deepEqual(readAll(vol, path(vol, "grown.bin")), big);
      assert.deepEqual(readAll(vol, path(vol, "grown-link")), big);
      const holey = readAll(vol, h);
      assert.equal(holey.length, 150 * 1024 + 4);
      assert.ok(holey.subarray(0, 150 * 1024).every((b) => b === 0));
      assert.equal(td.decode(holey.subarray(150 * 1024)), "tail");
      const bigNow = readAll(vol, bigIno);
      assert.equal(bigNow.length, 9000);
      assert.deepEqual(bigNow.subarray(0, 5000), pattern(300 * 1024 + 123, 7).subarray(0, 5000));
      assert.ok(bigNow.subarray(5000).every((b) => b === 0), "a grown file reads zeros");
      assert.equal(td.decode(readAll(vol, mid)), "again");
      assert.equal(td.decode(readAll(vol, path(vol, "a/one.txt"))), "hello, ext2\n");
      assert.equal(errOf(vol.lookup(vol.root, "small.txt")), "ENOENT");
      assert.equal(errOf(vol.lookup(vol.root, "empty")), "ENOENT");
      assert.equal(errOf(vol.lookup(vol.root, "gone")), "ENOENT");
      assert.equal(run(vol.readlink(path(vol, "d1/fast"))), "../a/one.txt");
      assert.equal(run(vol.readlink(path(vol, "d1/slow"))), slowTarget);
      assert.equal(td.decode(readAll(vol, path(vol, "d1/b-moved/c/deep.txt"))), "deep\n");
      const names = run(vol.readdir(many)).map((e) => e.name).filter((n) => n[0] === "f");
      assert.equal(names.length, 75);
      const hs = run(vol.getInode(h));
      assert.deepEqual([hs.mode & 0o7777, hs.uid, hs.gid, hs.mtime], [
        0o751,
        1000,
        100,
        1234567890,
      ]);
      assert.equal(run(vol.getInode(d1)).links, 4, "d1 has '.', its entry and two subdirs");
      run(vol.unmount());

      const ls = await debugfs(dev.bytes, "ls -l /d1");
      for (const n of ["d2", "b-moved", "fast", "slow"]) assert.match(ls, new RegExp(` ${n}\\b`));
      assert.equal(await debugfs(dev.bytes, "cat /d1/d2/moved.txt"), "hello world\n");
      const stat = await debugfs(dev.bytes, "stat /d1/fast");
      assert.match(stat, /Fast link dest: "\.\.\/a\/one\.txt"/);
    },
  });
}

Deno.test({
  name: "ext2: deleting everything created gives back every block and inode",
  ignore: !HAVE_E2FSPROGS,
  async fn() {
    const { bytes } = await makeImage(populateTree, { blockSize: 1024, blocks: 4096 });
    const dev = devOf(bytes);
    const vol = run(Ext2Volume.mount(dev, { now }));
    const before = vol.statfs();
    const d = run(vol.mkdir(vol.root, "tmp", 0o755));
    const f = run(vol.create(d, "f", 0o644));
    run(vol.write(f, 0, pattern(350 * 1024, 1)));
    run(vol.symlink(d, "s", "z".repeat(300)));
    const sub = run(vol.mkdir(d, "sub", 0o755));
    for (let i = 0; i < 100; i++) run(vol.create(sub, `entry-${i}`, 0o644));
    assert.ok(vol.statfs().bfree < before.bfree - 350);
    for (let i = 0; i < 100; i++) run(vol.unlink(sub, `entry-${i}`));
    run(vol.rmdir(d, "sub"));
    run(vol.unlink(d, "f"));
    run(vol.unlink(d, "s"));
    run(vol.rmdir(vol.root, "tmp"));
    assert.equal(vol.statfs().bfree, before.bfree);
    assert.equal(vol.statfs().ffree, before.ffree);
    run(vol.unmount());
    await assertClean(dev);
  },
});

Deno.test({
  name: "ext2: writing until the disk is full fails with ENOSPC and stays consistent",
  ignore: !HAVE_E2FSPROGS,
  async fn() {
    const { bytes } = await makeImage(async () => {}, { blockSize: 1024, blocks: 1024 });
    const dev = devOf(bytes);
    const vol = run(Ext2Volume.mount(dev, { now }));
    const f = run(vol.create(vol.root, "fill", 0o644));
    const chunk = pattern(64 * 1024, 5);
    let off = 0;
    let err = "none";
    for (;;) {
      try {
        const n = run(vol.write(f, off, chunk));
        off += n;
        if (n < chunk.length) continue; // a short write; the next one fails
      } catch (e) {
        err = (e as { code: string }).code;
        break;
      }
    }
    assert.equal(err, "ENOSPC");
    assert.equal(vol.statfs().bfree, 0);
    assert.equal(run(vol.getInode(f)).size, off);
    assert.equal(errOf(vol.mkdir(vol.root, "nope", 0o755)), "ENOSPC");
    assert.equal(errOf(vol.lookup(vol.root, "nope")), "ENOENT");
    run(vol.truncate(f, 0));
    assert.ok(vol.statfs().bfree > 900);
    run(vol.unmount());
    await assertClean(dev);
  },
});

Deno.test({
  name: "ext2: rename replaces atomically, refuses moving a directory into itself",
  ignore: !HAVE_E2FSPROGS,
  async fn() {
    const { bytes } = await makeImage(populateTree, { blockSize: 1024, blocks: 4096 });
    const dev = devOf(bytes);
    const vol = run(Ext2Volume.mount(dev, { now }));
    const a = path(vol, "a");
    const abc = path(vol, "a/b/c");
    assert.equal(errOf(vol.rename(vol.root, "a", abc, "a2")), "EINVAL");
    assert.equal(errOf(vol.rename(vol.root, "a", a, "self")), "EINVAL");
    assert.equal(errOf(vol.rename(vol.root, "nope", a, "x")), "ENOENT");
    assert.equal(errOf(vol.rename(vol.root, "small.txt", vol.root, "many")), "EISDIR");
    assert.equal(errOf(vol.rename(vol.root, "a", vol.root, "small.txt")), "ENOTDIR");
    assert.equal(errOf(vol.rename(vol.root, "a", vol.root, "many")), "ENOTEMPTY");
    assert.equal(errOf(vol.rename(vol.root, ".", vol.root, "x")), "EINVAL");
    // a directory replaces an empty directory; the parent's link count follows
    const links = run(vol.getInode(vol.root)).links;
    run(vol.mkdir(vol.root, "empty-dir", 0o755));
    run(vol.rename(vol.root, "a", vol.root, "empty-dir"));
    assert.equal(run(vol.getInode(vol.root)).links, links);
    assert.equal(path(vol, "empty-dir/b/c"), abc);
    // same-directory rename of a file, and renaming a name onto a hard link of itself
    run(vol.rename(vol.root, "small.txt", vol.root, "renamed.txt"));
    run(vol.link(vol.root, "alias", path(vol, "renamed.txt")));
    run(vol.rename(vol.root, "alias", vol.root, "renamed.txt"));
    assert.equal(path(vol, "alias"), path(vol, "renamed.txt"));
    run(vol.unmount());
    await assertClean(dev);
  },
});

Deno.test({
  name: "ext2: namespace errors carry the right errno",
  ignore: !HAVE_E2FSPROGS,
  async fn() {
    const { bytes } = await makeImage(populateTree, { blockSize: 1024, blocks: 4096 });
    const vol = run(Ext2Volume.mount(devOf(bytes), { now }));
    const small = path(vol, "small.txt");
    const a = path(vol, "a");
    assert.equal(errOf(vol.create(vol.root, "small.txt", 0o644)), "EEXIST");
    assert.equal(errOf(vol.mkdir(vol.root, "a", 0o755)), "EEXIST");
    assert.equal(errOf(vol.create(vol.root, "..", 0o644)), "EEXIST");
    assert.equal(errOf(vol.create(small, "x", 0o644)), "ENOTDIR");
    assert.equal(errOf(vol.create(vol.root, "n".repeat(256), 0o644)), "ENAMETOOLONG");
    assert.equal(errOf(vol.create(vol.root, "a/b", 0o644)), "EINVAL");
    assert.equal(errOf(vol.unlink(vol.root, "a")), "EPERM");
    assert.equal(errOf(vol.rmdir(vol.root, "small.txt")), "ENOTDIR");
    assert.equal(errOf(vol.rmdir(a, ".")), "EINVAL");
    assert.equal(errOf(vol.link(vol.root, "a-link", a)), "EPERM");
    assert.equal(errOf(vol.write(a, 0, te.encode("x"))), "EISDIR");
    assert.equal(errOf(vol.truncate(a, 0)), "EISDIR");
    assert.equal(errOf(vol.readlink(small)), "EINVAL");
    assert.equal(errOf(vol.write(small, 2 ** 45, te.encode("x"))), "EFBIG");
    assert.equal(errOf(vol.symlink(vol.root, "s", "t".repeat(1024))), "ENAMETOOLONG");
    // a 255-byte name is fine
    const long = "L".repeat(255);
    const f = run(vol.create(vol.root, long, 0o644));
    assert.equal(run(vol.lookup(vol.root, long)), f);
  },
});

Deno.test({
  name: "ext2: a read-only mount refuses every change with EROFS and writes nothing",
  ignore: !HAVE_E2FSPROGS,
  async fn() {
    const { bytes } = await makeImage(populateTree, { blockSize: 1024, blocks: 4096 });
    const dev = devOf(bytes);
    const vol = run(Ext2Volume.mount(dev, { now, readOnly: true }));
    const small = path(vol, "small.txt");
    assert.equal(errOf(vol.write(small, 0, te.encode("x"))), "EROFS");
    assert.equal(errOf(vol.create(vol.root, "x", 0o644)), "EROFS");
    assert.equal(errOf(vol.unlink(vol.root, "small.txt")), "EROFS");
    assert.equal(errOf(vol.rename(vol.root, "small.txt", vol.root, "y")), "EROFS");
    assert.equal(errOf(vol.setattr(small, { mode: 0o600 })), "EROFS");
    run(vol.unmount());
    assert.equal(dev.stats.writes, 0);
    assert.deepEqual(dev.bytes, bytes);
  },
});

Deno.test({
  name: "ext2: an unlinked file that is still held keeps its data until released",
  ignore: !HAVE_E2FSPROGS,
  async fn() {
    const { bytes } = await makeImage(populateTree, { blockSize: 1024, blocks: 4096 });
    const dev = devOf(bytes);
    const vol = run(Ext2Volume.mount(dev, { now }));
    const before = vol.statfs();
    const mid = path(vol, "mid.bin");
    vol.hold(mid);
    run(vol.unlink(vol.root, "mid.bin"));
    assert.equal(errOf(vol.lookup(vol.root, "mid.bin")), "ENOENT");
    assert.deepEqual(readAll(vol, mid), pattern(20000, 9));
    assert.equal(vol.statfs().ffree, before.ffree);
    run(vol.release(mid));
    assert.equal(vol.statfs().ffree, before.ffree + 1);
    assert.equal(errOf(vol.getInode(mid)), "EIO");
    run(vol.unmount());
    await assertClean(dev);
  },
});

Deno.test({
  name: "ext2: a volume synced but not unmounted is reported as not clean at the next mount",
  ignore: !HAVE_E2FSPROGS,
  async fn() {
    const { bytes } = await makeImage(populateTree, { blockSize: 1024, blocks: 4096 });
    const dev = devOf(bytes);
    const vol = run(Ext2Volume.mount(dev, { now }));
    assert.deepEqual(vol.warnings, []);
    run(vol.create(vol.root, "x", 0o644));
    run(vol.sync());
    const again = run(Ext2Volume.mount(devOf(dev.bytes), { now, readOnly: true }));
    assert.match(again.warnings.join(), /not cleanly unmounted/);
    assert.ok(run(again.lookup(again.root, "x")) > 0);
    run(vol.unmount());
    const clean = run(Ext2Volume.mount(devOf(dev.bytes), { now, readOnly: true }));
    assert.deepEqual(clean.warnings, []);
    assert.equal(errOf(vol.lookup(vol.root, "x")), "EIO");
  },
});
