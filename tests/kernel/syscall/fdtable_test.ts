import assert from "node:assert/strict";
import { EBADF, EINVAL, EMFILE, isErrno } from "../../../kernel/kern/errno.ts";
import { F_GETFD, F_SETFD, FD_CLOEXEC, SEEK_CUR } from "../../../kernel/syscall/api.ts";
import { FD_LIMIT, FdTable } from "../../../kernel/syscall/fdtable.ts";
import { runSys } from "./harness.ts";
import { memFile, MemObj } from "./test_files.ts";

const enc = new TextEncoder();

Deno.test("fdtable: a new descriptor is the lowest free one, after 0, 1 and 2", () => {
  runSys(function* (sys, p) {
    assert.deepEqual(p.fd.fds(), [0, 1, 2]);
    assert.equal(p.fd.alloc(memFile()), 3);
    assert.equal(p.fd.alloc(memFile()), 4);
    assert.equal(p.fd.alloc(memFile()), 5);
    yield* sys.close(4);
    yield* sys.close(1);
    assert.equal(p.fd.alloc(memFile()), 1);
    assert.equal(p.fd.alloc(memFile()), 4);
    assert.equal(sys.dup(0), 6);
  });
});

Deno.test("fdtable: at the descriptor limit a new one is EMFILE", () => {
  runSys(function* (sys, p) {
    for (let fd = 3; fd < p.fd.limit; fd++) assert.equal(p.fd.alloc(memFile()), fd);
    assert.throws(() => p.fd.alloc(memFile()), (e) => isErrno(e, EMFILE));
    assert.throws(() => sys.dup(0), (e) => isErrno(e, EMFILE));
    yield* sys.close(77);
    assert.equal(sys.dup(0), 77);
  });
  const t = new FdTable(2);
  t.alloc(memFile());
  t.alloc(memFile());
  assert.throws(() => t.checkFree(), (e) => isErrno(e, EMFILE));
});

Deno.test("fdtable: the limit can be lowered and raised up to FD_LIMIT, and a child inherits it", () => {
  const t = new FdTable();
  assert.equal(t.limit, FD_LIMIT);
  for (let i = 0; i < 3; i++) t.alloc(memFile());
  t.setLimit(3);
  assert.throws(() => t.alloc(memFile()), (e) => isErrno(e, EMFILE));
  for (const bad of [0, -1, 1.5, FD_LIMIT + 1]) {
    assert.throws(() => t.setLimit(bad), (e) => isErrno(e, EINVAL));
  }
  const child = new FdTable();
  child.inherit(t);
  assert.equal(child.limit, 3);
  assert.deepEqual(child.fds(), [0, 1, 2]);
  t.setLimit(FD_LIMIT);
  assert.equal(t.alloc(memFile()), 3);
});

Deno.test("fdtable: descriptors are the lowest free number after closes at any depth", () => {
  runSys(function* (sys, p) {
    const fds: number[] = [];
    for (let i = 0; i < 2000; i++) fds.push(p.fd.alloc(memFile()));
    assert.equal(fds[1999], 2002);
    yield* sys.close(1500);
    yield* sys.close(40);
    assert.equal(p.fd.alloc(memFile()), 40);
    assert.equal(p.fd.alloc(memFile()), 1500);
    assert.equal(p.fd.alloc(memFile()), 2003);
  });
});

Deno.test("fdtable: dup and dup2 share the file, its offset and its flags", () => {
  runSys(function* (sys, p) {
    const fd = p.fd.alloc(memFile());
    yield* sys.write(fd, enc.encode("hello, world"));
    const d = sys.dup(fd);
    assert.equal(yield* sys.lseek(d, 0, SEEK_CUR), 12);
    yield* sys.lseek(fd, 7, 0);
    const buf = new Uint8Array(5);
    assert.equal(yield* sys.read(d, buf), 5);
    assert.equal(new TextDecoder().decode(buf), "world");
    assert.equal(yield* sys.dup2(fd, 9), 9);
    assert.equal(yield* sys.lseek(9, 0, SEEK_CUR), 12);
    assert.equal(p.fd.get(fd).refs, 3);
    assert.equal(yield* sys.dup2(fd, fd), fd, "dup2 onto itself is a no-op");
    assert.equal(p.fd.get(fd).refs, 3);
  });
});

Deno.test("fdtable: dup2 onto an open descriptor closes what it named", () => {
  runSys(function* (sys, p) {
    const a = new MemObj(), b = new MemObj();
    const fa = p.fd.alloc(memFile(undefined, a));
    const fb = p.fd.alloc(memFile(undefined, b));
    yield* sys.dup2(fa, fb);
    assert.equal(b.closes, 1);
    assert.equal(a.closes, 0);
    yield* sys.write(fb, enc.encode("x"));
    assert.equal(a.bytes.length, 1);
  });
});

Deno.test("fdtable: close drops a reference and closes the object only on the last", () => {
  runSys(function* (sys, p) {
    const m = new MemObj();
    const fd = p.fd.alloc(memFile(undefined, m));
    const d1 = sys.dup(fd);
    const d2 = yield* sys.dup2(fd, 20);
    yield* sys.close(fd);
    yield* sys.close(d1);
    assert.equal(m.closes, 0);
    yield* sys.close(d2);
    assert.equal(m.closes, 1);
    yield* assertEbadf(sys.close(d2));
  });
});

Deno.test("fdtable: the descriptors of an exiting process are all closed", () => {
  const m = new MemObj();
  runSys(function* (_sys, p) {
    p.fd.alloc(memFile(undefined, m));
    p.fd.dup(3);
  });
  assert.equal(m.closes, 1);
});

Deno.test("fdtable: close-on-exec belongs to the descriptor and is cleared by dup", () => {
  runSys(function* (sys, p) {
    const fd = p.fd.alloc(memFile());
    assert.equal(sys.fcntl(fd, F_GETFD), 0);
    sys.fcntl(fd, F_SETFD, FD_CLOEXEC);
    assert.equal(sys.fcntl(fd, F_GETFD), FD_CLOEXEC);
    const d = sys.dup(fd);
    assert.equal(sys.fcntl(d, F_GETFD), 0);
    yield* p.fd.closeOnExec();
    assert.ok(!p.fd.isOpen(fd));
    assert.ok(p.fd.isOpen(d));
  });
});

function* assertEbadf(g: Generator<unknown, unknown, unknown>) {
  try {
    yield* g;
  } catch (e) {
    assert.ok(isErrno(e, EBADF), String(e));
    return;
  }
  assert.fail("expected EBADF");
}
