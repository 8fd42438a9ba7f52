import assert from "node:assert/strict";
import { FD_LIMIT } from "../../../kernel/syscall/fdtable.ts";
import {
  EAFNOSUPPORT,
  EAGAIN,
  EBADF,
  EINVAL,
  ENOENT,
  ENOSYS,
  ENOTDIR,
  ENOTSOCK,
  ESPIPE,
  isErrno,
} from "../../../kernel/kern/errno.ts";
import {
  AF_INET,
  CLOCK_MONOTONIC,
  CLOCK_REALTIME,
  F_DUPFD,
  F_GETFL,
  F_SETFL,
  O_APPEND,
  O_CREAT,
  O_NONBLOCK,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  S_IFCHR,
  S_IFMT,
  SOCK_STREAM,
  type Sys,
} from "../../../kernel/syscall/api.ts";
import { KFile } from "../../../kernel/syscall/file.ts";
import { type SocketSyscalls, sysent } from "../../../kernel/syscall/systab.ts";
import { runSys } from "./harness.ts";
import { chanFile, memFile, MemObj } from "./test_files.ts";

const enc = new TextEncoder();

/** Runs `g` and returns the errno it failed with (or fails the test). */
function* errnoOf(g: Generator<unknown, unknown, unknown> | (() => unknown)) {
  try {
    if (typeof g === "function") g();
    else yield* g;
  } catch (e) {
    if (isErrno(e)) return e.errno;
    throw e;
  }
  assert.fail("expected an Errno");
}

Deno.test("sys: every call on a descriptor that names nothing is EBADF", () => {
  runSys(function* (sys) {
    const b = new Uint8Array(4);
    for (const fd of [7, -1, FD_LIMIT, 1.5]) {
      assert.equal(yield* errnoOf(sys.read(fd, b)), EBADF);
      assert.equal(yield* errnoOf(sys.write(fd, b)), EBADF);
      assert.equal(yield* errnoOf(sys.pread(fd, b, 0)), EBADF);
      assert.equal(yield* errnoOf(sys.pwrite(fd, b, 0)), EBADF);
      assert.equal(yield* errnoOf(sys.lseek(fd, 0, 0)), EBADF);
      assert.equal(yield* errnoOf(sys.close(fd)), EBADF);
      assert.equal(yield* errnoOf(() => sys.dup(fd)), EBADF);
      assert.equal(yield* errnoOf(sys.dup2(fd, 3)), EBADF);
      assert.equal(yield* errnoOf(() => sys.fcntl(fd, F_GETFL)), EBADF);
      assert.equal(yield* errnoOf(sys.fstat(fd)), EBADF);
      assert.equal(yield* errnoOf(sys.fsync(fd)), EBADF);
      assert.equal(yield* errnoOf(sys.ftruncate(fd, 0)), EBADF);
      assert.equal(yield* errnoOf(sys.getdents(fd)), EBADF);
      assert.equal(yield* errnoOf(() => sys.bind(fd, { addr: "0.0.0.0", port: 1 })), EBADF);
    }
    assert.equal(yield* errnoOf(sys.dup2(0, FD_LIMIT)), EBADF, "dup2 beyond the limit");
    assert.equal(yield* errnoOf(sys.dup2(0, -1)), EBADF);
  });
});

Deno.test("sys: reading a write-only file or writing a read-only one is EBADF", () => {
  runSys(function* (sys, p) {
    const wo = p.fd.alloc(memFile(O_WRONLY));
    const ro = p.fd.alloc(memFile(O_RDONLY));
    assert.equal(yield* errnoOf(sys.read(wo, new Uint8Array(1))), EBADF);
    assert.equal(yield* errnoOf(sys.write(ro, enc.encode("x"))), EBADF);
    assert.equal(yield* errnoOf(sys.pwrite(ro, enc.encode("x"), 0)), EBADF);
  });
});

Deno.test("sys: pread and pwrite use their own offset and leave the file's alone", () => {
  runSys(function* (sys, p) {
    const fd = p.fd.alloc(memFile());
    yield* sys.write(fd, enc.encode("abcdef"));
    assert.equal(yield* sys.pwrite(fd, enc.encode("XY"), 1), 2);
    const b = new Uint8Array(3);
    assert.equal(yield* sys.pread(fd, b, 2), 3);
    assert.equal(new TextDecoder().decode(b), "Yde");
    assert.equal(yield* sys.lseek(fd, 0, 1), 6);
    assert.equal(yield* errnoOf(sys.pread(fd, b, -1)), EINVAL);
    assert.equal(yield* errnoOf(sys.lseek(fd, 0, 3)), EINVAL, "bad whence");
  });
});

Deno.test("sys: seeking a file that cannot seek is ESPIPE", () => {
  runSys(function* (sys, p) {
    const ch = p.fd.alloc(chanFile());
    for (const fd of [0, ch]) {
      assert.equal(yield* errnoOf(sys.lseek(fd, 0, 0)), ESPIPE);
      assert.equal(yield* errnoOf(sys.pread(fd, new Uint8Array(1), 0)), ESPIPE);
      assert.equal(yield* errnoOf(sys.pwrite(fd, new Uint8Array(1), 0)), ESPIPE);
    }
  });
});

Deno.test("sys: fsync, ftruncate and getdents need a file that has them", () => {
  runSys(function* (sys, p) {
    const m = new MemObj();
    const fd = p.fd.alloc(memFile(O_RDWR, m));
    yield* sys.write(fd, enc.encode("0123456789"));
    yield* sys.ftruncate(fd, 4);
    assert.equal((yield* sys.fstat(fd)).size, 4);
    yield* sys.fsync(fd);
    assert.equal(m.syncs, 1);
    assert.equal(yield* errnoOf(sys.ftruncate(fd, -1)), EINVAL);
    assert.equal(yield* errnoOf(sys.getdents(fd)), ENOTDIR, "a vnode that is not a directory");
    assert.equal(yield* errnoOf(sys.fsync(0)), EINVAL, "the console is not a vnode");
    assert.equal(yield* errnoOf(sys.ftruncate(0, 0)), EINVAL);
    const ro = p.fd.alloc(memFile(O_RDONLY));
    assert.equal(yield* errnoOf(sys.ftruncate(ro, 0)), EINVAL, "not open for writing");
  });
});

Deno.test("sys: F_SETFL changes O_NONBLOCK and O_APPEND only, on every descriptor of the file", () => {
  runSys(function* (sys) {
    const d = sys.dup(0);
    assert.equal(sys.fcntl(0, F_GETFL), O_RDWR);
    sys.fcntl(0, F_SETFL, O_NONBLOCK | O_APPEND | O_CREAT | O_WRONLY);
    assert.equal(sys.fcntl(d, F_GETFL), O_RDWR | O_NONBLOCK | O_APPEND);
    assert.equal(yield* errnoOf(sys.read(d, new Uint8Array(8))), EAGAIN);
    sys.fcntl(d, F_SETFL, 0);
    assert.equal(sys.fcntl(0, F_GETFL), O_RDWR);
    assert.equal(yield* errnoOf(() => sys.fcntl(0, 99)), EINVAL);
  });
});

Deno.test("sys: F_DUPFD gives the lowest free descriptor at or above its argument", () => {
  runSys(function* (sys) {
    assert.equal(sys.fcntl(1, F_DUPFD, 10), 10);
    assert.equal(sys.fcntl(1, F_DUPFD, 10), 11);
    assert.equal(sys.fcntl(1, F_DUPFD, 0), 3);
    assert.equal(yield* errnoOf(() => sys.fcntl(1, F_DUPFD, FD_LIMIT)), EINVAL);
  });
});

Deno.test("sys: nanosleep advances virtual time by exactly the time asked", () => {
  const { value } = runSys(function* (sys) {
    const t0 = sys.clock_gettime(CLOCK_MONOTONIC);
    yield* sys.nanosleep({ sec: 2, nsec: 500_000_001 });
    const t1 = sys.clock_gettime(CLOCK_MONOTONIC);
    assert.equal(yield* errnoOf(sys.nanosleep({ sec: 0, nsec: 1e9 })), EINVAL);
    assert.equal(yield* errnoOf(sys.nanosleep({ sec: -1, nsec: 0 })), EINVAL);
    return (t1.sec - t0.sec) * 1e9 + (t1.nsec - t0.nsec);
  });
  assert.equal(value, 2_500_000_001);
});

Deno.test("sys: CLOCK_REALTIME is the platform's wall clock, other clocks are EINVAL", () => {
  runSys(function* (sys) {
    yield* sys.nanosleep({ sec: 3, nsec: 0 });
    // The hosted platform in virtual mode starts the wall clock at 2024-01-01T00:00Z.
    assert.deepEqual(sys.clock_gettime(CLOCK_REALTIME), { sec: 1704067200 + 3, nsec: 0 });
    assert.equal(yield* errnoOf(() => sys.clock_gettime(42)), EINVAL);
  });
});

Deno.test("sys: fstat of the console says character device", () => {
  runSys(function* (sys) {
    const st = yield* sys.fstat(1);
    assert.equal(st.mode & S_IFMT, S_IFCHR);
  });
});

Deno.test("sys: path calls without a VFS are ENOSYS", () => {
  runSys(function* (sys: Sys) {
    assert.equal(yield* errnoOf(sys.open("/etc/motd", O_RDONLY)), ENOSYS);
    assert.equal(yield* errnoOf(sys.stat("/")), ENOSYS);
    assert.equal(yield* errnoOf(sys.mkdir("/x")), ENOSYS);
    assert.equal(yield* errnoOf(sys.getcwd()), ENOSYS);
    assert.equal(yield* errnoOf(sys.mount("tmpfs", "/tmp", 0)), ENOSYS);
  });
});

Deno.test("sys: socket() without a NET faction is EAFNOSUPPORT, and a non-socket is ENOTSOCK", () => {
  runSys(function* (sys) {
    assert.equal(yield* errnoOf(() => sys.socket(AF_INET, SOCK_STREAM, 0)), EAFNOSUPPORT);
    assert.equal(yield* errnoOf(() => sys.listen(1, 5)), ENOTSOCK);
    assert.equal(yield* errnoOf(sys.send(1, new Uint8Array(1))), ENOTSOCK);
  });
});

Deno.test("sys: socket calls go to the NET faction with the socket's file", () => {
  const calls: string[] = [];
  const sockOps = { ...chanFile().ops, kind: "socket" };
  const net = {
    socket: (_p, d, t) => (calls.push(`socket ${d} ${t}`), new KFile(sockOps, O_RDWR, "s")),
    bind: (fp, a) => void calls.push(`bind ${fp.data} ${a.addr}:${a.port}`),
    listen: (fp, n) => void calls.push(`listen ${fp.data} ${n}`),
    *sendto(fp, buf, _f, to) {
      calls.push(`sendto ${fp.data} ${buf.length} ${to === null}`);
      return buf.length;
    },
    getsockopt: () => 1,
  } as Partial<SocketSyscalls> as SocketSyscalls;
  runSys(function* (sys) {
    const s = sys.socket(AF_INET, SOCK_STREAM, 0);
    assert.equal(s, 3);
    sys.bind(s, { addr: "10.0.2.15", port: 80 });
    sys.listen(s, 8);
    assert.equal(yield* sys.send(s, new Uint8Array(5)), 5);
    assert.equal(yield* errnoOf(() => sys.getsockopt(0, 0, 0)), ENOTSOCK);
  }, { setup: (k) => (sysent(k).net = net) });
  assert.deepEqual(calls, [
    "socket 2 1",
    "bind s 10.0.2.15:80",
    "listen s 8",
    "sendto s 5 true",
  ]);
});

Deno.test("sys: uname says NetBSD 10.0 on amd64, and sysctl reads the kernel's nodes", () => {
  runSys(function* (sys) {
    const u = sys.uname();
    assert.equal(u.sysname, "NetBSD");
    assert.equal(u.release, "10.0");
    assert.equal(u.machine, "amd64");
    assert.match(u.version, /rumpsim/);
    assert.equal(u.nodename, sys.sysctl("kern.hostname"));
    assert.equal(sys.sysctl("kern.ostype"), "NetBSD");
    assert.equal(sys.sysctl("hw.pagesize"), 4096);
    assert.equal(sys.sysctl("hw.ncpu"), 2);
    const ps = sys.sysctl("kern.proc") as { pid: number; name: string; state: string }[];
    assert.deepEqual(ps.map((p) => [p.pid, p.name, p.state]), [[sys.getpid(), "t", "run"]]);
    assert.equal(yield* errnoOf(() => sys.sysctl("kern.nosuch")), ENOENT);
  }, { ncpu: 2 });
});
