/**
 * sys.ts — the system calls: `makeSys(k, proc)` builds the `Sys` an app's main gets
 * (api.ts), bound to its process.
 *
 * Rules: a syscall enters the kernel the rump way — on the caller's own thread, which
 * already holds a virtual CPU (an app's thread is made with `k.threadCreate`, which
 * schedules it before the app runs), so there is no trap and no hand-off: the call runs
 * on the app's fiber down to the driver, and only a blocking hypercall underneath lets
 * the CPU go while it waits. Calls on descriptors are done here through the fd table and
 * the file's ops, holding a reference across any wait; calls on paths go to the VFS
 * faction (`k.syscalls.vfs`, ENOSYS without one) and calls on sockets to the NET faction
 * (`k.syscalls.net`: socket() is EAFNOSUPPORT without one, and a descriptor that is not
 * a socket is ENOTSOCK). Mode bits are passed to the VFS as given: it applies the umask
 * (`proc.umask`), as NetBSD's vn_open does. Every failure throws Errno.
 */
import type { Blocking } from "../hypercall/rumpuser.ts";
import { RUMPUSER_CLOCK_RELWALL } from "../hypercall/rumpuser.ts";
import {
  EAFNOSUPPORT,
  EBADF,
  EINVAL,
  ENOENT,
  ENOSYS,
  ENOTDIR,
  ENOTSOCK,
  Errno,
  ESPIPE,
} from "../kern/errno.ts";
import { OSRELEASE, OSTYPE } from "../kern/init.ts";
import type { Kernel } from "../kern/kernel.ts";
import {
  CLOCK_MONOTONIC,
  CLOCK_REALTIME,
  type Dirent,
  F_DUPFD,
  F_GETFD,
  F_GETFL,
  F_SETFD,
  F_SETFL,
  FD_CLOEXEC,
  O_ACCMODE,
  O_APPEND,
  O_NONBLOCK,
  O_RDONLY,
  O_WRONLY,
  type PollFd,
  SEEK_END,
  SEEK_SET,
  type SockAddrIn,
  type Stat,
  type StatVfs,
  type Sys,
  type Timespec,
  type Utsname,
} from "./api.ts";
import { fileRelease } from "./fdtable.ts";
import type { KFile } from "./file.ts";
import { doPoll } from "./poll.ts";
import { ktraceSys } from "./ktrace.ts";
import { type Proc, ProcessExit } from "./proc.ts";
import type { SocketSyscalls, VfsSyscalls } from "./systab.ts";

/** What uname(2) reports. This simulates NetBSD 10.0 on amd64 (rumprun's hw target). */
export { OSRELEASE, OSTYPE };
export const OSVERSION = "NetBSD 10.0 (RUMPSIM) rumpsim";
export const MACHINE = "amd64";

/** Runs apps as children of a process (the app runner, exec.ts). */
export interface Spawner {
  spawn(parent: Proc, name: string, argv: string[], env: Record<string, string>): Blocking<number>;
  apps(): string[];
}

/** The status flags fcntl(F_SETFL) may change. */
const SETFL_MASK = O_NONBLOCK | O_APPEND;

/** Builds the system calls of `proc`; `spawner` gives it spawn() and apps(). */
export function makeSys(k: Kernel, proc: Proc, spawner: Spawner | null = null): Sys {
  const fdt = proc.fd;

  const vfs = (call: string): VfsSyscalls => {
    const v = k.syscalls.vfs;
    if (!v) throw new Errno(ENOSYS, call);
    return v;
  };
  const sock = (fd: number, call: string): [SocketSyscalls, KFile] => {
    const fp = fdt.get(fd, call);
    const n = k.syscalls.net;
    if (fp.ops.kind !== "socket" || !n) throw new Errno(ENOTSOCK, call);
    return [n, fp];
  };
  const readable = (fp: KFile, call: string) => {
    if ((fp.flags & O_ACCMODE) === O_WRONLY) throw new Errno(EBADF, call);
  };
  const writable = (fp: KFile, call: string) => {
    if ((fp.flags & O_ACCMODE) === O_RDONLY) throw new Errno(EBADF, call);
  };
  const validOffset = (off: number, call: string) => {
    if (!Number.isInteger(off) || off < 0) throw new Errno(EINVAL, call);
  };

  const sys: Sys = {
    // --- process ---
    getpid: () => proc.pid,
    exit(status: number): never {
      throw new ProcessExit(status);
    },
    *spawn(name, argv, env) {
      if (!spawner) throw new Errno(ENOENT, name);
      return yield* spawner.spawn(proc, name, argv, env ?? { ...proc.env });
    },
    apps: () => spawner?.apps() ?? [],

    // --- time ---
    clock_gettime(clockid: number): Timespec {
      if (clockid === CLOCK_REALTIME) return k.hyp.clock_gettime(RUMPUSER_CLOCK_RELWALL);
      if (clockid === CLOCK_MONOTONIC) {
        const ns = k.nanotime();
        const sec = Math.floor(ns / 1e9);
        return { sec, nsec: ns - sec * 1e9 };
      }
      throw new Errno(EINVAL, "clock_gettime");
    },
    *nanosleep(req) {
      if (
        !Number.isInteger(req.sec) || !Number.isInteger(req.nsec) || req.sec < 0 ||
        req.nsec < 0 || req.nsec >= 1e9
      ) throw new Errno(EINVAL, "nanosleep");
      yield* k.sleep(req.sec * 1e9 + req.nsec);
    },

    // --- any descriptor ---
    *read(fd, buf) {
      const fp = fdt.hold(fd, "read");
      try {
        readable(fp, "read");
        return yield* fp.ops.read(fp, buf);
      } finally {
        yield* fileRelease(fp);
      }
    },
    *write(fd, buf) {
      const fp = fdt.hold(fd, "write");
      try {
        writable(fp, "write");
        return yield* fp.ops.write(fp, buf);
      } finally {
        yield* fileRelease(fp);
      }
    },
    *pread(fd, buf, offset) {
      const fp = fdt.hold(fd, "pread");
      try {
        readable(fp, "pread");
        if (!fp.ops.seek) throw new Errno(ESPIPE, "pread");
        validOffset(offset, "pread");
        return yield* fp.ops.read(fp, buf, offset);
      } finally {
        yield* fileRelease(fp);
      }
    },
    *pwrite(fd, buf, offset) {
      const fp = fdt.hold(fd, "pwrite");
      try {
        writable(fp, "pwrite");
        if (!fp.ops.seek) throw new Errno(ESPIPE, "pwrite");
        validOffset(offset, "pwrite");
        return yield* fp.ops.write(fp, buf, offset);
      } finally {
        yield* fileRelease(fp);
      }
    },
    *lseek(fd, offset, whence) {
      const fp = fdt.hold(fd, "lseek");
      try {
        if (!fp.ops.seek) throw new Errno(ESPIPE, "lseek");
        if (whence < SEEK_SET || whence > SEEK_END || !Number.isInteger(offset)) {
          throw new Errno(EINVAL, "lseek");
        }
        const off = yield* fp.ops.seek(fp, offset, whence);
        fp.offset = off;
        return off;
      } finally {
        yield* fileRelease(fp);
      }
    },
    *close(fd) {
      yield* fdt.close(fd);
    },
    dup: (fd) => fdt.dup(fd),
    *dup2(from, to) {
      return yield* fdt.dup2(from, to);
    },
    fcntl(fd, cmd, arg = 0) {
      const fp = fdt.get(fd, "fcntl");
      switch (cmd) {
        case F_DUPFD:
          if (!Number.isInteger(arg) || arg < 0 || arg >= fdt.limit) {
            throw new Errno(EINVAL, "fcntl");
          }
          return fdt.dup(fd, arg);
        case F_GETFD:
          return fdt.getCloexec(fd) ? FD_CLOEXEC : 0;
        case F_SETFD:
          fdt.setCloexec(fd, (arg & FD_CLOEXEC) !== 0);
          return 0;
        case F_GETFL:
          return fp.flags;
        case F_SETFL:
          fp.flags = (fp.flags & ~SETFL_MASK) | (arg & SETFL_MASK);
          fp.ops.setflags?.(fp, fp.flags);
          return 0;
        default:
          throw new Errno(EINVAL, "fcntl");
      }
    },
    *poll(fds: PollFd[], timeoutMs: number) {
      return yield* doPoll(k, fdt, fds, timeoutMs);
    },
    *fstat(fd) {
      const fp = fdt.hold(fd, "fstat");
      try {
        return yield* fp.ops.stat(fp);
      } finally {
        yield* fileRelease(fp);
      }
    },
    *fsync(fd) {
      const fp = fdt.hold(fd, "fsync");
      try {
        // NetBSD: fsync of a descriptor that is not a vnode is EINVAL.
        if (!fp.ops.fsync) throw new Errno(EINVAL, "fsync");
        yield* fp.ops.fsync(fp);
      } finally {
        yield* fileRelease(fp);
      }
    },
    *ftruncate(fd, length) {
      const fp = fdt.hold(fd, "ftruncate");
      try {
        // NetBSD's sys_ftruncate: not a vnode, not open for writing, or negative: EINVAL.
        if (!fp.ops.truncate || (fp.flags & O_ACCMODE) === O_RDONLY) {
          throw new Errno(EINVAL, "ftruncate");
        }
        validOffset(length, "ftruncate");
        yield* fp.ops.truncate(fp, length);
      } finally {
        yield* fileRelease(fp);
      }
    },
    *getdents(fd): Blocking<Dirent[]> {
      const fp = fdt.hold(fd, "getdents");
      try {
        readable(fp, "getdents");
        if (!fp.ops.getdents) {
          throw new Errno(fp.ops.kind === "vnode" ? ENOTDIR : EINVAL, "getdents");
        }
        return yield* fp.ops.getdents(fp);
      } finally {
        yield* fileRelease(fp);
      }
    },

    // --- paths ---
    *open(path, flags, mode = 0o666) {
      const v = vfs("open");
      fdt.checkFree();
      const fp = yield* v.open(proc, path, flags, mode);
      try {
        return fdt.alloc(fp);
      } catch (e) {
        yield* fileRelease(fp); // another thread took the last descriptor meanwhile
        throw e;
      }
    },
    *stat(path): Blocking<Stat> {
      return yield* vfs("stat").stat(proc, path, true);
    },
    *lstat(path): Blocking<Stat> {
      return yield* vfs("lstat").stat(proc, path, false);
    },
    *mkdir(path, mode = 0o777) {
      yield* vfs("mkdir").mkdir(proc, path, mode);
    },
    *rmdir(path) {
      yield* vfs("rmdir").rmdir(proc, path);
    },
    *unlink(path) {
      yield* vfs("unlink").unlink(proc, path);
    },
    *rename(from, to) {
      yield* vfs("rename").rename(proc, from, to);
    },
    *link(existing, path) {
      yield* vfs("link").link(proc, existing, path);
    },
    *symlink(target, path) {
      yield* vfs("symlink").symlink(proc, target, path);
    },
    *readlink(path) {
      return yield* vfs("readlink").readlink(proc, path);
    },
    *truncate(path, length) {
      validOffset(length, "truncate");
      yield* vfs("truncate").truncate(proc, path, length);
    },
    *chmod(path, mode) {
      yield* vfs("chmod").chmod(proc, path, mode);
    },
    *utimes(path, atime, mtime) {
      yield* vfs("utimes").utimes(proc, path, atime, mtime);
    },
    *chdir(path) {
      yield* vfs("chdir").chdir(proc, path);
    },
    *getcwd() {
      return yield* vfs("getcwd").getcwd(proc);
    },
    *statvfs(path): Blocking<StatVfs> {
      return yield* vfs("statvfs").statvfs(proc, path);
    },
    *getmntinfo() {
      return yield* vfs("getmntinfo").getmntinfo(proc);
    },
    *mount(fstype, dir, flags, data) {
      yield* vfs("mount").mount(proc, fstype, dir, flags, data);
    },
    *unmount(dir, flags) {
      yield* vfs("unmount").unmount(proc, dir, flags);
    },

    // --- sockets ---
    socket(domain, type, protocol) {
      const n = k.syscalls.net;
      if (!n) throw new Errno(EAFNOSUPPORT, "socket");
      fdt.checkFree();
      return fdt.alloc(n.socket(proc, domain, type, protocol));
    },
    bind(fd, addr: SockAddrIn) {
      const [n, fp] = sock(fd, "bind");
      n.bind(fp, addr);
    },
    listen(fd, backlog) {
      const [n, fp] = sock(fd, "listen");
      n.listen(fp, backlog);
    },
    *accept(fd) {
      const [n, fp] = sock(fd, "accept");
      fdt.checkFree();
      fp.refs++;
      try {
        const { file, addr } = yield* n.accept(fp);
        try {
          return { fd: fdt.alloc(file), addr };
        } catch (e) {
          yield* fileRelease(file);
          throw e;
        }
      } finally {
        yield* fileRelease(fp);
      }
    },
    *connect(fd, addr) {
      const [n, fp] = sock(fd, "connect");
      fp.refs++;
      try {
        yield* n.connect(fp, addr);
      } finally {
        yield* fileRelease(fp);
      }
    },
    *send(fd, buf, flags = 0) {
      const [n, fp] = sock(fd, "send");
      fp.refs++;
      try {
        return yield* n.sendto(fp, buf, flags, null);
      } finally {
        yield* fileRelease(fp);
      }
    },
    *recv(fd, buf, flags = 0) {
      const [n, fp] = sock(fd, "recv");
      fp.refs++;
      try {
        return (yield* n.recvfrom(fp, buf, flags)).n;
      } finally {
        yield* fileRelease(fp);
      }
    },
    *sendto(fd, buf, flags, to) {
      const [n, fp] = sock(fd, "sendto");
      fp.refs++;
      try {
        return yield* n.sendto(fp, buf, flags, to);
      } finally {
        yield* fileRelease(fp);
      }
    },
    *recvfrom(fd, buf, flags) {
      const [n, fp] = sock(fd, "recvfrom");
      fp.refs++;
      try {
        return yield* n.recvfrom(fp, buf, flags);
      } finally {
        yield* fileRelease(fp);
      }
    },
    *shutdown(fd, how) {
      const [n, fp] = sock(fd, "shutdown");
      fp.refs++;
      try {
        yield* n.shutdown(fp, how);
      } finally {
        yield* fileRelease(fp);
      }
    },
    getsockname(fd) {
      const [n, fp] = sock(fd, "getsockname");
      return n.getsockname(fp);
    },
    getpeername(fd) {
      const [n, fp] = sock(fd, "getpeername");
      return n.getpeername(fp);
    },
    setsockopt(fd, level, name, value) {
      const [n, fp] = sock(fd, "setsockopt");
      n.setsockopt(fp, level, name, value);
    },
    getsockopt(fd, level, name) {
      const [n, fp] = sock(fd, "getsockopt");
      return n.getsockopt(fp, level, name);
    },

    // --- system information ---
    sysctl(name) {
      const v = k.sysctl.read(name);
      if (v === undefined) throw new Errno(ENOENT, `sysctl ${name}`);
      return v;
    },
    uname(): Utsname {
      return {
        sysname: OSTYPE,
        nodename: k.hostname,
        release: OSRELEASE,
        version: OSVERSION,
        machine: MACHINE,
      };
    },
  };
  // A traced run (--trace): every call reports its entry and return (ktrace.ts).
  return k.trace ? ktraceSys(sys, k.trace) : sys;
}
