import assert from "node:assert/strict";
import { rumpblkAttach } from "../../dev/rumpblk.ts";
import { lookupBlockDevice } from "../../kernel/kern/bdevsw.ts";
import { EIO, EROFS, Errno } from "../../kernel/kern/errno.ts";
import { O_CREAT, O_RDONLY, O_WRONLY } from "../../kernel/syscall/api.ts";
import { ext2Type } from "../../fs/ext2/vnops.ts";
import { mountAt, registerFsType, vfsInit, vfsOf } from "../../fs/vfs_init.ts";
import { runInKernel } from "../support/kernel.ts";
import { debugfs, e2fsck, HAVE_E2FSPROGS, makeImage } from "../fs/ext2/e2fs_tools.ts";

function withFile(bytes: Uint8Array, fn: (path: string) => Promise<void> | void) {
  return async () => {
    const path = await Deno.makeTempFile({ prefix: "rumpblk" });
    try {
      await Deno.writeFile(path, bytes);
      await fn(path);
    } finally {
      await Deno.remove(path);
    }
  };
}

Deno.test(
  "rumpblk: a host file is a block device whose reads and writes reach the file",
  withFile(Uint8Array.from({ length: 300 * 1024 + 100 }, (_, i) => i % 251), (path) => {
    const r = runInKernel(function* (k) {
      const dev = rumpblkAttach(k, path);
      assert.equal(dev.name, "rumpblk0");
      assert.equal(lookupBlockDevice(k, "rumpblk0"), dev);
      assert.equal(dev.sectors, 600, "a trailing partial sector is not addressable");
      const buf = new Uint8Array(200 * 1024); // more than one transfer
      yield* dev.read(3, buf);
      assert.ok(buf.every((b, i) => b === (1536 + i) % 251));
      yield* dev.write(599, new Uint8Array(512).fill(0xaa));
      yield* dev.flush();
      try {
        yield* dev.read(599, new Uint8Array(1024));
        assert.fail("read past the end");
      } catch (e) {
        assert.ok(e instanceof Errno && e.errno === EIO);
      }
      return dev.stats;
    });
    assert.equal(r.value!.flushes, 1);
    const img = Deno.readFileSync(path);
    assert.equal(img[599 * 512], 0xaa);
    assert.equal(img[600 * 512], (600 * 512) % 251, "the partial sector is untouched");
  }),
);

Deno.test(
  "rumpblk: opened read-only on request, a write is EROFS",
  withFile(new Uint8Array(4096), (path) => {
    runInKernel(function* (k) {
      const dev = rumpblkAttach(k, path, { readOnly: true, name: "disk" });
      assert.equal(lookupBlockDevice(k, "disk"), dev);
      try {
        yield* dev.write(0, new Uint8Array(512));
        assert.fail("write succeeded");
      } catch (e) {
        assert.ok(e instanceof Errno && e.errno === EROFS);
      }
    });
  }),
);

Deno.test("rumpblk: a missing file is a clear Errno", () => {
  runInKernel(function* (k) {
    assert.throws(() => rumpblkAttach(k, "/nonexistent/disk.img"), /cannot look it up \(ENOENT\)/);
  });
});

Deno.test({
  name: "rumpblk: ext2 mounted by device name on the hosted platform changes the image cleanly",
  ignore: !HAVE_E2FSPROGS,
  async fn() {
    const img = await makeImage(async (d) => {
      await Deno.writeTextFile(`${d}/readme`, "from mke2fs\n");
    }, { blockSize: 1024, blocks: 2048 });
    await withFile(img.bytes, async (path) => {
      const r = runInKernel(function* (k) {
        yield* vfsInit(k);
        registerFsType(k, ext2Type);
        rumpblkAttach(k, path);
        yield* mountAt(k, "ext2", "/mnt", 0, { source: "rumpblk0" });
        const { syscalls: s, kproc } = vfsOf(k);
        const rd = yield* s.open(kproc, "/mnt/readme", O_RDONLY, 0);
        const buf = new Uint8Array(64);
        const n = yield* rd.ops.read(rd, buf);
        yield* rd.ops.close(rd);
        const wr = yield* s.open(kproc, "/mnt/out.txt", O_WRONLY | O_CREAT, 0o644);
        yield* wr.ops.write(wr, new TextEncoder().encode("from the rump kernel\n"));
        yield* wr.ops.close(wr);
        yield* s.rename(kproc, "/mnt/readme", "/mnt/README");
        yield* s.unmount(kproc, "/mnt", 0);
        return new TextDecoder().decode(buf.subarray(0, n));
      });
      assert.equal(r.value, "from mke2fs\n");
      const bytes = await Deno.readFile(path);
      const fsck = await e2fsck(bytes);
      assert.equal(fsck.code, 0, fsck.out);
      assert.equal(await debugfs(bytes, "cat /out.txt"), "from the rump kernel\n");
      assert.match(await debugfs(bytes, "ls /"), /README/);
    })();
  },
});
