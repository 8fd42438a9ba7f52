/**
 * Corrupt images: a mount or an operation fails with EIO and a message naming what is
 * wrong, other files stay readable, and nothing ever escapes as a raw exception.
 */
import assert from "node:assert/strict";
import { MemBlockDevice } from "../../../fs/bdev_mem.ts";
import { Ext2Volume } from "../../../fs/ext2/volume.ts";
import { Errno } from "../../../kernel/kern/errno.ts";
import {
  debugfs,
  debugfsWrite,
  errOf,
  HAVE_E2FSPROGS,
  makeImage,
  now,
  pattern,
  run,
} from "./e2fs_tools.ts";
import { populateTree } from "./tree_fixture.ts";

const te = new TextEncoder();

function mountError(bytes: Uint8Array): Errno {
  try {
    run(Ext2Volume.mount(new MemBlockDevice(bytes), { now }));
  } catch (e) {
    assert.ok(e instanceof Errno, `not an Errno: ${e}`);
    return e;
  }
  throw new Error("mount succeeded");
}

function errorOf(g: Generator<unknown, unknown, unknown>): Errno {
  try {
    run(g);
  } catch (e) {
    assert.ok(e instanceof Errno, `not an Errno: ${e}`);
    return e;
  }
  throw new Error("the operation succeeded");
}

let imageCache: Uint8Array | null = null;
async function image(): Promise<Uint8Array> {
  if (!imageCache) {
    imageCache = (await makeImage(populateTree, { blockSize: 1024, inodeSize: 128, blocks: 4096 }))
      .bytes;
  }
  return imageCache.slice();
}

function le32(b: Uint8Array, off: number, v: number): void {
  new DataView(b.buffer, b.byteOffset).setUint32(off, v, true);
}

Deno.test("ext2: a device without an ext2 superblock fails the mount with EIO", () => {
  const e = mountError(new Uint8Array(64 * 1024));
  assert.equal(e.code, "EIO");
  assert.match(e.message, /magic is 0x0, not 0xef53/);
  assert.match(mountError(new Uint8Array(1024)).message, /too small to hold a superblock/);
});

Deno.test({
  name: "ext2: a bad magic number fails the mount with EIO",
  ignore: !HAVE_E2FSPROGS,
  async fn() {
    const b = await image();
    b[1024 + 56] = 0x54;
    const e = mountError(b);
    assert.equal(e.code, "EIO");
    assert.match(e.message, /bad superblock: magic is 0xef54/);
  },
});

Deno.test({
  name: "ext2: a truncated device fails the mount with EIO",
  ignore: !HAVE_E2FSPROGS,
  async fn() {
    const b = await image();
    const e = mountError(b.slice(0, b.length / 2));
    assert.equal(e.code, "EIO");
    assert.match(e.message, /device is truncated: it holds 2097152 bytes/);
  },
});

Deno.test({
  name:
    "ext2: unknown incompatible features refuse the mount, unknown ro-compat ones force read-only",
  ignore: !HAVE_E2FSPROGS,
  async fn() {
    const b = await image();
    const incompat = new DataView(b.buffer).getUint32(1024 + 96, true);
    le32(b, 1024 + 96, incompat | 0x40);
    const e = mountError(b);
    assert.equal(e.code, "EIO");
    assert.match(e.message, /unsupported incompatible features: extent/);
    le32(b, 1024 + 96, incompat | 0x4);
    assert.match(mountError(b).message, /needs_recovery/);

    const c = await image();
    const ro = new DataView(c.buffer).getUint32(1024 + 100, true);
    le32(c, 1024 + 100, ro | 0x20);
    const vol = run(Ext2Volume.mount(new MemBlockDevice(c), { now }));
    assert.equal(vol.readOnly, true);
    assert.match(vol.warnings.join("\n"), /dir_nlink/);
    assert.equal(errOf(vol.create(vol.root, "x", 0o644)), "EROFS");
    assert.equal(run(vol.readlink(run(vol.lookup(vol.root, "link")))), "small.txt");
  },
});

Deno.test({
  name: "ext2: a group descriptor pointing past the volume fails the mount with EIO",
  ignore: !HAVE_E2FSPROGS,
  async fn() {
    const b = await image();
    le32(b, 2 * 1024 + 8, 0xfffff0); // group 0's inode table, in the table at block 2
    const e = mountError(b);
    assert.equal(e.code, "EIO");
    assert.match(e.message, /group 0 descriptor is corrupt: inode table at 16777200/);
  },
});

Deno.test({
  name: "ext2: a block pointer past the end of the device fails only that file with EIO",
  ignore: !HAVE_E2FSPROGS,
  async fn() {
    let b = await image();
    b = await debugfsWrite(b, "sif /mid.bin block[2] 999999");
    b = await debugfsWrite(b, "sif /big.bin block[DIND] 50000");
    const vol = run(Ext2Volume.mount(new MemBlockDevice(b), { now }));
    const mid = run(vol.lookup(vol.root, "mid.bin"));
    const big = run(vol.lookup(vol.root, "big.bin"));
    const buf = new Uint8Array(4096);
    // mid.bin: its first two blocks are fine, the third is not.
    assert.equal(run(vol.read(mid, 0, buf.subarray(0, 2048))), 2048);
    assert.deepEqual(buf.subarray(0, 2048), pattern(20000, 9).subarray(0, 2048));
    const e = errorOf(vol.read(mid, 0, buf));
    assert.equal(e.code, "EIO");
    assert.match(
      e.message,
      new RegExp(`inode ${mid}: block pointer 999999 for logical block 2 is past the end`),
    );
    assert.equal(errorOf(vol.write(mid, 2100, te.encode("x"))).code, "EIO");
    // big.bin: the double indirect tree is unreachable, the rest reads.
    assert.equal(run(vol.read(big, 0, buf)), 4096);
    const e2 = errorOf(vol.read(big, 280 * 1024, buf));
    assert.match(e2.message, new RegExp(`inode ${big}: indirect block pointer 50000`));
    // Others are untouched.
    const small = run(vol.lookup(vol.root, "small.txt"));
    assert.equal(run(vol.read(small, 0, buf)), 12);
    assert.equal(errorOf(vol.unlink(vol.root, "mid.bin")).code, "EIO");
    const f = run(vol.create(vol.root, "still-works", 0o644));
    assert.equal(run(vol.write(f, 0, te.encode("yes"))), 3);
  },
});

const dirCorruptions: { name: string; off: number; bytes: number[]; message: RegExp }[] = [
  { name: "a rec_len of 0", off: 4, bytes: [0, 0], message: /rec_len 0 is less than 8/ },
  {
    name: "a rec_len not a multiple of 4",
    off: 4,
    bytes: [13, 0],
    message: /rec_len 13 is not a multiple of 4/,
  },
  {
    name: "a rec_len past the block",
    off: 4,
    bytes: [0xd0, 0x07],
    message: /rec_len 2000 runs past the end/,
  },
  {
    name: "a name_len bigger than rec_len",
    off: 6,
    bytes: [200],
    message: /name_len 200 does not fit rec_len 12/,
  },
];

for (const c of dirCorruptions) {
  Deno.test({
    name: `ext2: a directory entry with ${c.name} fails that directory with EIO`,
    ignore: !HAVE_E2FSPROGS,
    async fn() {
      const b = await image();
      const blk = parseInt((await debugfs(b, "blocks /a")).trim().split(/\s+/)[0]);
      assert.ok(blk > 0);
      for (let i = 0; i < c.bytes.length; i++) b[blk * 1024 + c.off + i] = c.bytes[i];
      const vol = run(Ext2Volume.mount(new MemBlockDevice(b), { now }));
      const a = run(vol.lookup(vol.root, "a"));
      for (const op of [vol.lookup(a, "one.txt"), vol.readdir(a), vol.create(a, "n", 0o644)]) {
        const e = errorOf(op);
        assert.equal(e.code, "EIO");
        assert.match(
          e.message,
          new RegExp(`directory inode ${a}, block ${blk} \\(logical 0\\): bad entry at offset 0`),
        );
        assert.match(e.message, c.message);
      }
      assert.equal(errorOf(vol.rmdir(vol.root, "a")).code, "EIO");
      // The rest of the tree still works.
      const deep = run(
        vol.lookup(run(vol.lookup(run(vol.lookup(vol.root, "many")), "..")), "mid.bin"),
      );
      assert.equal(run(vol.getInode(deep)).size, 20000);
      assert.ok(run(vol.readdir(vol.root)).length > 5);
      run(vol.unmount());
    },
  });
}

Deno.test({
  name: "ext2: random damage to metadata gives Errno failures, never a raw exception",
  ignore: !HAVE_E2FSPROGS,
  async fn() {
    const base = await image();
    let x = 12345;
    const rnd = (n: number) => {
      x = (x * 1103515245 + 12345) >>> 0;
      return x % n;
    };
    let mounted = 0, failures = 0;
    for (let trial = 0; trial < 40; trial++) {
      const b = base.slice();
      for (let k = 0; k < 40; k++) b[1024 + rnd(400 * 1024)] = rnd(256);
      const dev = new MemBlockDevice(b);
      const attempt = (g: Generator<unknown, unknown, unknown>): unknown => {
        try {
          return run(g);
        } catch (e) {
          if (!(e instanceof Errno)) throw new Error(`trial ${trial}: raw exception: ${e}`);
          failures++;
          return null;
        }
      };
      const vol = attempt(Ext2Volume.mount(dev, { now })) as Ext2Volume | null;
      if (!vol) continue;
      mounted++;
      const walk = (ino: number, depth: number) => {
        const entries = attempt(vol.readdir(ino)) as { name: string; ino: number; kind: string }[];
        if (!entries || depth > 6) return;
        for (const e of entries) {
          if (e.name === "." || e.name === "..") continue;
          attempt(vol.getInode(e.ino));
          if (e.kind === "dir") walk(e.ino, depth + 1);
          else if (e.kind === "symlink") attempt(vol.readlink(e.ino));
          else attempt(vol.read(e.ino, 0, new Uint8Array(65536)));
        }
      };
      walk(vol.root, 0);
      attempt(vol.create(vol.root, "new", 0o644));
      attempt(vol.mkdir(vol.root, "newdir", 0o755));
      attempt(vol.unlink(vol.root, "mid.bin"));
      attempt(vol.truncate(attempt(vol.lookup(vol.root, "big.bin")) as number ?? 0, 10));
      attempt(vol.rename(vol.root, "a", vol.root, "a2"));
      attempt(vol.unmount());
    }
    assert.ok(mounted > 10 && failures > 0, `mounted ${mounted}, failures ${failures}`);
  },
});
