/**
 * file_conformance.ts — the file group of the hypercall contract (open, close,
 * getfileinfo, bio, iovread, iovwrite, syncfd), as one suite every platform with host
 * files runs (DESIGN.md: interchangeable parts share one suite).
 */
import assert from "node:assert/strict";
import {
  RUMPUSER_BIO_READ,
  RUMPUSER_BIO_SYNC,
  RUMPUSER_BIO_WRITE,
  RUMPUSER_FT_DIR,
  RUMPUSER_FT_REG,
  RUMPUSER_IOV_NOSEEK,
  RUMPUSER_OPEN_BIO,
  RUMPUSER_OPEN_CREATE,
  RUMPUSER_OPEN_EXCL,
  RUMPUSER_OPEN_RDONLY,
  RUMPUSER_OPEN_RDWR,
  RUMPUSER_OPEN_WRONLY,
  RUMPUSER_SYNCFD_WRITE,
} from "../../kernel/hypercall/rumpuser.ts";
import type { RunBody } from "./conformance.ts";

const ENOENT = 2, EBADF = 9, EEXIST = 17;

export function fileConformance(platform: string, run: RunBody): void {
  const t = (name: string, fn: (dir: string) => void) =>
    Deno.test(`rumpuser(${platform}) files: ${name}`, () => {
      const dir = Deno.makeTempDirSync({ prefix: "rumpuser" });
      try {
        fn(dir);
      } finally {
        Deno.removeSync(dir, { recursive: true });
      }
    });

  t("getfileinfo tells files from directories and a missing path is ENOENT", (dir) => {
    Deno.writeFileSync(`${dir}/f`, new Uint8Array(1234));
    run(function* (k) {
      assert.deepEqual(k.hyp.getfileinfo(`${dir}/f`), { size: 1234, type: RUMPUSER_FT_REG });
      assert.equal((k.hyp.getfileinfo(dir) as { type: number }).type, RUMPUSER_FT_DIR);
      assert.equal(k.hyp.getfileinfo(`${dir}/nope`), ENOENT);
    });
  });

  t("open honours the access mode, CREATE and EXCL; close frees the descriptor", (dir) => {
    Deno.writeTextFileSync(`${dir}/f`, "x");
    run(function* (k) {
      const h = k.hyp;
      assert.equal(h.open(`${dir}/missing`, RUMPUSER_OPEN_RDONLY), -ENOENT);
      const fd = h.open(`${dir}/new`, RUMPUSER_OPEN_WRONLY | RUMPUSER_OPEN_CREATE);
      assert.ok(fd >= 0);
      assert.equal(
        h.open(`${dir}/f`, RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_CREATE | RUMPUSER_OPEN_EXCL),
        -EEXIST,
      );
      assert.equal(h.close(fd), 0);
      assert.equal(h.close(fd), EBADF);
      const ro = h.open(`${dir}/f`, RUMPUSER_OPEN_RDONLY);
      assert.equal(ro, fd, "the lowest free descriptor is reused");
      const mem = h.memory(), a = h.malloc(4096, 512);
      mem.fill(1, a, a + 10);
      assert.ok((yield* h.iovwrite(ro, [{ addr: a, len: 10 }], 0)) < 0, "read-only refuses writes");
      h.close(ro);
      h.free(a, 4096);
    });
    assert.ok(Deno.statSync(`${dir}/new`).isFile);
  });

  t("iovwrite and iovread move scatter/gather lists at an offset", (dir) => {
    const got = run(function* (k) {
      const h = k.hyp, mem = h.memory();
      const a = h.malloc(8192, 512);
      const fd = h.open(`${dir}/img`, RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_CREATE);
      mem.set(new TextEncoder().encode("hello "), a);
      mem.set(new TextEncoder().encode("world"), a + 4096);
      const n = yield* h.iovwrite(fd, [{ addr: a, len: 6 }, { addr: a + 4096, len: 5 }], 100);
      assert.equal(n, 11);
      mem.fill(0, a, a + 8192);
      assert.equal(yield* h.iovread(fd, [{ addr: a, len: 3 }, { addr: a + 10, len: 8 }], 100), 11);
      assert.equal(yield* h.iovread(fd, [{ addr: a + 100, len: 50 }], 105), 6, "short at EOF");
      assert.equal(yield* h.iovread(99, [{ addr: a, len: 1 }], 0), -EBADF);
      assert.equal(yield* h.iovread(fd, [{ addr: a, len: 4 }], RUMPUSER_IOV_NOSEEK), 0);
      h.close(fd);
      return new TextDecoder().decode(mem.slice(a, a + 3)) +
        new TextDecoder().decode(mem.slice(a + 10, a + 18));
    });
    assert.equal(got, "hello world");
    assert.equal(Deno.statSync(`${dir}/img`).size, 111);
  });

  t("bio completes from the platform's loop, never inside the call, and moves the bytes", (dir) => {
    Deno.writeFileSync(`${dir}/disk`, new Uint8Array(4096).fill(7));
    run(function* (k) {
      const h = k.hyp, mem = h.memory();
      const a = h.malloc(1024, 512);
      const fd = h.open(`${dir}/disk`, RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_BIO);
      const done: [number, number][] = [];
      mem.fill(0x42, a, a + 512);
      h.bio(fd, RUMPUSER_BIO_WRITE | RUMPUSER_BIO_SYNC, a, 512, 1024, (e, n) => done.push([e, n]));
      assert.equal(done.length, 0, "not completed inside bio");
      while (done.length < 1) yield* h.clock_sleep(0, 0, 1000);
      assert.deepEqual(done[0], [0, 512]);
      h.bio(fd, RUMPUSER_BIO_READ, a, 1024, 512, (e, n) => done.push([e, n]));
      while (done.length < 2) yield* h.clock_sleep(0, 0, 1000);
      assert.deepEqual(done[1], [0, 1024]);
      assert.equal(mem[a], 7);
      assert.equal(mem[a + 512], 0x42);
      h.bio(fd, RUMPUSER_BIO_READ, a, 1024, 4096 - 512, (e, n) => done.push([e, n]));
      h.bio(77, RUMPUSER_BIO_READ, a, 512, 0, (e, n) => done.push([e, n]));
      while (done.length < 4) yield* h.clock_sleep(0, 0, 1000);
      assert.deepEqual(done[2], [0, 512], "a read past the end is short");
      assert.deepEqual(done[3], [EBADF, 0]);
      assert.equal(yield* h.syncfd(fd, RUMPUSER_SYNCFD_WRITE, 0, 0), 0);
      assert.equal(yield* h.syncfd(77, RUMPUSER_SYNCFD_WRITE, 0, 0), EBADF);
      h.close(fd);
    });
    const img = Deno.readFileSync(`${dir}/disk`);
    assert.equal(img[1024], 0x42);
    assert.equal(img[1023], 7);
  });
}
