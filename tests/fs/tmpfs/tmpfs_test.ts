/**
 * tmpfs_test.ts — tmpfs specifics: the size limit (ENOSPC), pages given back, node limits,
 * file data living in guest memory.
 */
import assert from "node:assert/strict";
import * as E from "../../../kernel/kern/errno.ts";
import { O_CREAT, O_RDWR, O_WRONLY } from "../../../kernel/syscall/api.ts";
import { fails, runWithVfs, writeFile } from "../support.ts";

Deno.test("tmpfs: writing past the size limit stops short, then fails with ENOSPC", () => {
  runWithVfs(function* ({ sys }) {
    yield* sys.mkdir("/t", 0o755);
    yield* sys.mount("tmpfs", "/t", 0, { size: 64 * 1024 });
    const fd = yield* sys.open("/t/big", O_CREAT | O_WRONLY, 0o644);
    const chunk = new Uint8Array(10000).fill(1);
    let total = 0;
    for (;;) {
      let n: number;
      try {
        n = yield* sys.write(fd, chunk);
      } catch (e) {
        assert.ok(E.isErrno(e, E.ENOSPC), String(e));
        break;
      }
      total += n;
    }
    assert.equal(total, 64 * 1024);
    yield* sys.close(fd);
    const sv = yield* sys.statvfs("/t");
    assert.equal(sv.bfree, 0);
    yield* fails(writeFile(sys, "/t/more", "x"), E.ENOSPC);
  });
});

Deno.test("tmpfs: removing a file gives its pages back, after its last close", () => {
  runWithVfs(function* ({ sys }) {
    yield* sys.mkdir("/t", 0o755);
    yield* sys.mount("tmpfs", "/t", 0, { size: "1M" });
    const free0 = (yield* sys.statvfs("/t")).bfree;
    yield* writeFile(sys, "/t/f", new Uint8Array(40960));
    assert.equal((yield* sys.statvfs("/t")).bfree, free0 - 10);
    const fd = yield* sys.open("/t/f", O_RDWR);
    yield* sys.unlink("/t/f");
    assert.equal((yield* sys.statvfs("/t")).bfree, free0 - 10);
    yield* sys.close(fd);
    assert.equal((yield* sys.statvfs("/t")).bfree, free0);
  });
});

Deno.test("tmpfs: truncating frees pages and a hole costs none", () => {
  runWithVfs(function* ({ sys }) {
    yield* sys.mkdir("/t", 0o755);
    yield* sys.mount("tmpfs", "/t", 0, { size: "1M" });
    const free0 = (yield* sys.statvfs("/t")).bfree;
    const fd = yield* sys.open("/t/f", O_CREAT | O_RDWR, 0o644);
    yield* sys.pwrite(fd, new Uint8Array([1]), 100 * 4096);
    assert.equal((yield* sys.statvfs("/t")).bfree, free0 - 1);
    assert.equal((yield* sys.fstat(fd)).blocks, 8);
    yield* sys.ftruncate(fd, 0);
    assert.equal((yield* sys.statvfs("/t")).bfree, free0);
    yield* sys.close(fd);
  });
});

Deno.test("tmpfs: the node limit gives ENOSPC for new names", () => {
  runWithVfs(function* ({ sys }) {
    yield* sys.mkdir("/t", 0o755);
    yield* sys.mount("tmpfs", "/t", 0, { size: "1M", nodes: 4 });
    for (let i = 0; i < 3; i++) yield* writeFile(sys, `/t/f${i}`, "");
    yield* fails(sys.mkdir("/t/d", 0o755), E.ENOSPC);
    yield* sys.unlink("/t/f0");
    yield* sys.mkdir("/t/d", 0o755);
    assert.equal((yield* sys.statvfs("/t")).ffree, 0);
  });
});

Deno.test("tmpfs: file data lives in guest memory pages from the kernel allocator", () => {
  runWithVfs(function* ({ k, sys }) {
    const before = k.kmem.pages.freePages;
    yield* writeFile(sys, "/f", "marker-bytes-in-guest-ram");
    assert.equal(k.kmem.pages.freePages, before - 1);
    const marker = new TextEncoder().encode("marker-bytes-in-guest-ram");
    let found = false;
    for (let a = 0; a + 4096 <= k.mem.length && !found; a += 4096) {
      found = marker.every((b, i) => k.mem[a + i] === b);
    }
    assert.ok(found, "the file's bytes are at the start of a guest page");
    yield* sys.unlink("/f");
    assert.equal(k.kmem.pages.freePages, before);
  });
});

Deno.test("tmpfs: unmounting frees every page", () => {
  runWithVfs(function* ({ k, sys }) {
    yield* sys.mkdir("/t", 0o755);
    const before = k.kmem.pages.freePages;
    yield* sys.mount("tmpfs", "/t", 0, { size: "1M" });
    yield* sys.mkdir("/t/d", 0o755);
    yield* writeFile(sys, "/t/d/a", new Uint8Array(9000));
    yield* writeFile(sys, "/t/b", new Uint8Array(5000));
    yield* sys.link("/t/b", "/t/d/b2");
    yield* sys.unmount("/t", 0);
    assert.equal(k.kmem.pages.freePages, before);
  });
});

Deno.test("tmpfs: bad mount options are EINVAL", () => {
  runWithVfs(function* ({ sys }) {
    yield* sys.mkdir("/t", 0o755);
    yield* fails(sys.mount("tmpfs", "/t", 0, { size: "lots" }), E.EINVAL);
    yield* fails(sys.mount("tmpfs", "/t", 0, { size: 10 }), E.EINVAL);
    yield* sys.mount("tmpfs", "/t", 0, { size: "2M", mode: 0o700 });
    assert.equal((yield* sys.stat("/t")).mode & 0o7777, 0o700);
    assert.equal((yield* sys.statvfs("/t")).blocks, 512);
  });
});

Deno.test("tmpfs: a linked file keeps its vnode after the last reference; unlink and unmount reclaim", () => {
  runWithVfs(function* ({ vfs, sys }) {
    yield* sys.mkdir("/t", 0o755);
    yield* sys.mount("tmpfs", "/t", 0, { size: "1M" });
    const mp = vfs.mounts.mounts.find((m) => m.onName === "/t")!;
    yield* writeFile(sys, "/t/f", "hello");
    const cached = mp.allVnodes().filter((v) => !v.isRoot);
    assert.equal(cached.length, 1, "the file's vnode stays cached after close");
    assert.equal(cached[0].usecount, 0);
    assert.equal(mp.activeVnodes().length, 1, "only the root has references");
    yield* sys.stat("/t/f");
    yield* sys.stat("/t/f");
    assert.deepEqual(mp.allVnodes().filter((v) => !v.isRoot), cached, "lookups reuse it");
    yield* sys.unlink("/t/f");
    assert.ok(cached[0].dead, "an unlinked node's vnode is reclaimed at its last release");
    assert.equal(mp.allVnodes().length, 1);
    yield* writeFile(sys, "/t/g", "x");
    const g = mp.allVnodes().find((v) => !v.isRoot)!;
    yield* sys.unmount("/t", 0);
    assert.ok(g.dead, "unmount reclaims the cached vnodes");
    assert.equal(mp.allVnodes().length, 0);
  });
});
