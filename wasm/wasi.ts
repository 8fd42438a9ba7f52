/**
 * wasi.ts — WASI preview 1 (`wasi_snapshot_preview1`) over the syscall API: what a
 * program built against wasi-libc calls, done by the kernel of the process it runs in.
 *
 * Rules:
 * - A WASI descriptor is the process's own descriptor: 0, 1 and 2 are its stdio, `/` is
 *   opened at start and preopened (normally fd 3). Calls on a path relative to a
 *   directory descriptor join the path that descriptor was opened by (`Guest.paths`); a
 *   descriptor not opened by path (a socket, stdio) is ENOTDIR as a base.
 * - Flags are translated here: oflags/fdflags/lookupflags to NetBSD's open(2) flags, the
 *   read/write rights to the access mode, stat modes and dirent types to WASI's filetype,
 *   NetBSD errno to WASI's (wasi_errno.ts). Rights are not a security boundary here: every
 *   descriptor reports all the rights its type has (a character device has no seek/tell,
 *   which is how wasi-libc's isatty tells a terminal).
 * - Clocks: REALTIME and MONOTONIC are the kernel's; the process and thread CPU-time
 *   clocks are MONOTONIC (there is no CPU accounting per process). random_get is the
 *   kernel's seeded cprng (getrandom), so the same seed gives the same bytes.
 * - poll_oneoff: clock subscriptions alone are a nanosleep to the earliest deadline; with
 *   descriptors it is the kernel's poll with that deadline as its timeout (rounded up to a
 *   millisecond); fd events report nbytes 0 (the amount is not known) and HANGUP.
 * - fd_readdir's cookie is the index of the next entry in the directory as getdents
 *   listed it when the program read it from cookie 0 (the list is kept per descriptor).
 * - Every call that may wait is `blocking` (Asyncify); WASI_BLOCKING lists them for cc.
 */
import {
  CLOCK_MONOTONIC,
  CLOCK_REALTIME,
  type Dirent,
  Errno,
  errno as E,
  F_GETFL,
  F_SETFL,
  MSG_PEEK,
  O_APPEND,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_NOFOLLOW,
  O_NONBLOCK,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  POLLERR,
  type PollFd,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  POLLOUT,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_IFSOCK,
  SEEK_CUR,
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  SO_TYPE,
  SOCK_DGRAM,
  SOL_SOCKET,
  type Stat,
  type Timespec,
  type Wait,
} from "../kernel/syscall/api.ts";
import { type Guest, GuestExit } from "./guest.ts";
import { WASI } from "./wasi_errno.ts";

export const WASI_MODULE = "wasi_snapshot_preview1";

// --- WASI's enumerations and flags (wasi_snapshot_preview1) ---
export const FILETYPE = {
  UNKNOWN: 0,
  BLOCK_DEVICE: 1,
  CHARACTER_DEVICE: 2,
  DIRECTORY: 3,
  REGULAR_FILE: 4,
  SOCKET_DGRAM: 5,
  SOCKET_STREAM: 6,
  SYMBOLIC_LINK: 7,
} as const;
export const OFLAGS = { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 } as const;
export const FDFLAGS = { APPEND: 1, DSYNC: 2, NONBLOCK: 4, RSYNC: 8, SYNC: 16 } as const;
export const LOOKUP_SYMLINK_FOLLOW = 1;
const FST_ATIM = 1, FST_ATIM_NOW = 2, FST_MTIM = 4, FST_MTIM_NOW = 8;
const RIGHT_FD_READ = 1n << 1n;
const RIGHT_FD_SEEK = 1n << 2n;
const RIGHT_FD_TELL = 1n << 5n;
const RIGHT_FD_WRITE = 1n << 6n;
const RIGHT_FD_READDIR = 1n << 14n;
/** Every right preview 1 defines (bits 0..29). */
const ALL_RIGHTS = (1n << 30n) - 1n;
const EVENTTYPE_CLOCK = 0, EVENTTYPE_FD_READ = 1, EVENTTYPE_FD_WRITE = 2;
const SUBCLOCK_ABSTIME = 1;
const EVENT_FD_READWRITE_HANGUP = 1;
const RIFLAGS_RECV_PEEK = 1;
const SDFLAGS_RD = 1, SDFLAGS_WR = 2;
const PREOPENTYPE_DIR = 0;

/** The calls of this module that may wait (the asyncify-imports list, with WASI_MODULE). */
export const WASI_BLOCKING = [
  "fd_advise",
  "fd_allocate",
  "fd_close",
  "fd_datasync",
  "fd_fdstat_get",
  "fd_filestat_get",
  "fd_filestat_set_size",
  "fd_filestat_set_times",
  "fd_pread",
  "fd_pwrite",
  "fd_read",
  "fd_readdir",
  "fd_renumber",
  "fd_seek",
  "fd_sync",
  "fd_tell",
  "fd_write",
  "path_create_directory",
  "path_filestat_get",
  "path_filestat_set_times",
  "path_link",
  "path_open",
  "path_readlink",
  "path_remove_directory",
  "path_rename",
  "path_symlink",
  "path_unlink_file",
  "poll_oneoff",
  "sched_yield",
  "sock_accept",
  "sock_recv",
  "sock_send",
  "sock_shutdown",
];

/** A stat mode's WASI filetype (sockets need SO_TYPE: see fileTypeOf). */
export function filetypeOfMode(mode: number): number {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return FILETYPE.REGULAR_FILE;
    case S_IFDIR:
      return FILETYPE.DIRECTORY;
    case S_IFCHR:
      return FILETYPE.CHARACTER_DEVICE;
    case S_IFBLK:
      return FILETYPE.BLOCK_DEVICE;
    case S_IFLNK:
      return FILETYPE.SYMBOLIC_LINK;
    case S_IFSOCK:
      return FILETYPE.SOCKET_STREAM;
    default:
      return FILETYPE.UNKNOWN; // a FIFO: WASI has no type for it
  }
}

/** A dirent's DT_* type as WASI's filetype. */
export function filetypeOfDirent(t: number): number {
  return ({ 2: 2, 4: 3, 6: 1, 8: 4, 10: 7, 12: 6 } as Record<number, number>)[t] ?? 0;
}

/** path_open's oflags, fdflags, lookupflags and rights as NetBSD's open(2) flags. */
export function openFlags(
  oflags: number,
  fdflags: number,
  lookup: number,
  rights: bigint,
): number {
  const rd = (rights & (RIGHT_FD_READ | RIGHT_FD_READDIR)) !== 0n;
  const wr = (rights & RIGHT_FD_WRITE) !== 0n;
  let f = rd && wr ? O_RDWR : wr ? O_WRONLY : O_RDONLY;
  if (oflags & OFLAGS.CREAT) f |= O_CREAT;
  if (oflags & OFLAGS.DIRECTORY) f |= O_DIRECTORY;
  if (oflags & OFLAGS.EXCL) f |= O_EXCL;
  if (oflags & OFLAGS.TRUNC) f |= O_TRUNC;
  if (fdflags & FDFLAGS.APPEND) f |= O_APPEND;
  if (fdflags & FDFLAGS.NONBLOCK) f |= O_NONBLOCK;
  if (!(lookup & LOOKUP_SYMLINK_FOLLOW)) f |= O_NOFOLLOW;
  return f;
}

const ns = (t: Timespec) => BigInt(t.sec) * 1_000_000_000n + BigInt(t.nsec);
const ts = (n: bigint): Timespec => ({
  sec: Number(n / 1_000_000_000n),
  nsec: Number(n % 1_000_000_000n),
});

/** Builds the wasi_snapshot_preview1 import object for `g`. */
export function wasiImports(g: Guest): Record<string, (...a: any[]) => number | void> {
  const sys = g.sys;
  /** Kept directory listings for fd_readdir, by descriptor. */
  const dirs = new Map<number, Dirent[]>();

  const base = (fd: number): string => {
    const p = g.paths.get(fd);
    if (p === undefined) {
      sys.fcntl(fd, F_GETFL); // EBADF for a closed descriptor
      throw new Errno(E.ENOTDIR);
    }
    return p;
  };
  const resolve = (fd: number, ptr: number, len: number): string => {
    const rel = g.str(ptr, len);
    if (rel.startsWith("/")) return rel;
    const b = base(fd);
    if (rel === "" || rel === ".") return b;
    return b.endsWith("/") ? b + rel : b + "/" + rel;
  };
  const clockNow = (id: number): bigint =>
    ns(sys.clock_gettime(id === 0 ? CLOCK_REALTIME : CLOCK_MONOTONIC));

  function* fileType(fd: number, st: Stat): Wait<number> {
    if ((st.mode & S_IFMT) !== S_IFSOCK) return filetypeOfMode(st.mode);
    const t = sys.getsockopt(fd, SOL_SOCKET, SO_TYPE);
    return t === SOCK_DGRAM ? FILETYPE.SOCKET_DGRAM : FILETYPE.SOCKET_STREAM;
  }
  function putFilestat(ptr: number, st: Stat, type: number): void {
    const dv = g.dv;
    dv.setBigUint64(ptr, BigInt(st.dev), true);
    dv.setBigUint64(ptr + 8, BigInt(st.ino), true);
    dv.setUint8(ptr + 16, type);
    dv.setBigUint64(ptr + 24, BigInt(st.nlink), true);
    dv.setBigUint64(ptr + 32, BigInt(st.size), true);
    dv.setBigUint64(ptr + 40, ns(st.atime), true);
    dv.setBigUint64(ptr + 48, ns(st.mtime), true);
    dv.setBigUint64(ptr + 56, ns(st.ctime), true);
  }
  function* setTimes(
    path: string,
    st: Stat,
    atim: bigint,
    mtim: bigint,
    fst: number,
  ): Wait<number> {
    if ((fst & FST_ATIM && fst & FST_ATIM_NOW) || (fst & FST_MTIM && fst & FST_MTIM_NOW)) {
      return WASI.EINVAL;
    }
    const now = sys.clock_gettime(CLOCK_REALTIME);
    const a = fst & FST_ATIM_NOW ? now : fst & FST_ATIM ? ts(atim) : st.atime;
    const m = fst & FST_MTIM_NOW ? now : fst & FST_MTIM ? ts(mtim) : st.mtime;
    yield* sys.utimes(path, a, m);
    return 0;
  }
  const sizes = (list: string[], countPtr: number, sizePtr: number): number => {
    const enc = new TextEncoder();
    g.setU32(countPtr, list.length);
    g.setU32(sizePtr, list.reduce((s, a) => s + enc.encode(a).length + 1, 0));
    return 0;
  };
  const strings = (list: string[], ptrs: number, buf: number): number => {
    let p = buf;
    list.forEach((a, i) => {
      g.setU32(ptrs + 4 * i, p);
      p += g.putCString(p, a);
    });
    return 0;
  };
  const envList = () => Object.entries(g.env).map(([k, v]) => `${k}=${v}`);

  return {
    args_sizes_get: g.direct((c: number, s: number) => sizes(g.argv, c, s)),
    args_get: g.direct((p: number, b: number) => strings(g.argv, p, b)),
    environ_sizes_get: g.direct((c: number, s: number) => sizes(envList(), c, s)),
    environ_get: g.direct((p: number, b: number) => strings(envList(), p, b)),

    clock_res_get: g.direct((id: number, out: number) => {
      if (id > 3) return WASI.EINVAL;
      g.setU64(out, 1n);
      return 0;
    }),
    clock_time_get: g.direct((id: number, _precision: bigint, out: number) => {
      if (id > 3) return WASI.EINVAL;
      g.setU64(out, clockNow(id));
      return 0;
    }),
    random_get: g.direct((ptr: number, len: number) => {
      sys.getrandom(g.bytes(ptr, len));
      return 0;
    }),
    sched_yield: g.blocking(function* () {
      yield* sys.nanosleep({ sec: 0, nsec: 0 });
      return 0;
    }),
    proc_exit: (code: number): void => {
      throw new GuestExit(code & 0xff);
    },
    proc_raise: (sig: number): number => {
      if (sig <= 0 || sig >= 64) return WASI.EINVAL;
      throw new GuestExit(128 + sig);
    },

    // --- descriptors ---
    fd_read: g.blocking(function* (fd: number, iovs: number, n: number, out: number) {
      const v = g.iovs(iovs, n);
      let got: number;
      if (v.length === 1) {
        got = yield* sys.read(fd, g.bytes(v[0][0], v[0][1]));
      } else {
        const tmp = new Uint8Array(v.reduce((s, [, l]) => s + l, 0));
        got = yield* sys.read(fd, tmp);
        g.scatter(iovs, n, tmp.subarray(0, got));
      }
      g.setU32(out, got);
      return 0;
    }),
    fd_write: g.blocking(function* (fd: number, iovs: number, n: number, out: number) {
      const data = g.gather(iovs, n);
      const put = data.length ? yield* sys.write(fd, data) : 0;
      g.setU32(out, put);
      return 0;
    }),
    fd_pread: g.blocking(
      function* (fd: number, iovs: number, n: number, off: bigint, out: number) {
        const v = g.iovs(iovs, n);
        const tmp = new Uint8Array(v.reduce((s, [, l]) => s + l, 0));
        const got = yield* sys.pread(fd, tmp, Number(off));
        g.scatter(iovs, n, tmp.subarray(0, got));
        g.setU32(out, got);
        return 0;
      },
    ),
    fd_pwrite: g.blocking(
      function* (fd: number, iovs: number, n: number, off: bigint, out: number) {
        const put = yield* sys.pwrite(fd, g.gather(iovs, n), Number(off));
        g.setU32(out, put);
        return 0;
      },
    ),
    fd_seek: g.blocking(function* (fd: number, off: bigint, whence: number, out: number) {
      if (whence > 2) return WASI.EINVAL;
      const pos = yield* sys.lseek(fd, Number(off), whence);
      g.setU64(out, pos);
      return 0;
    }),
    fd_tell: g.blocking(function* (fd: number, out: number) {
      g.setU64(out, yield* sys.lseek(fd, 0, SEEK_CUR));
      return 0;
    }),
    fd_close: g.blocking(function* (fd: number) {
      yield* sys.close(fd);
      g.paths.delete(fd);
      dirs.delete(fd);
      return 0;
    }),
    fd_sync: g.blocking(function* (fd: number) {
      yield* sys.fsync(fd);
      return 0;
    }),
    fd_datasync: g.blocking(function* (fd: number) {
      yield* sys.fsync(fd);
      return 0;
    }),
    fd_advise: g.blocking(function* (fd: number, _o: bigint, _l: bigint, advice: number) {
      if (advice > 5) return WASI.EINVAL;
      yield* sys.fstat(fd); // EBADF; the advice itself changes nothing here
      return 0;
    }),
    fd_allocate: g.blocking(function* (fd: number, off: bigint, len: bigint) {
      const st = yield* sys.fstat(fd);
      if ((st.mode & S_IFMT) !== S_IFREG) return WASI.ENODEV;
      const end = Number(off + len);
      if (end > st.size) yield* sys.ftruncate(fd, end);
      return 0;
    }),
    fd_fdstat_get: g.blocking(function* (fd: number, out: number) {
      const st = yield* sys.fstat(fd);
      const type = yield* fileType(fd, st);
      const fl = sys.fcntl(fd, F_GETFL);
      let flags = 0;
      if (fl & O_APPEND) flags |= FDFLAGS.APPEND;
      if (fl & O_NONBLOCK) flags |= FDFLAGS.NONBLOCK;
      let rights = ALL_RIGHTS;
      if (type !== FILETYPE.REGULAR_FILE && type !== FILETYPE.DIRECTORY) {
        rights &= ~(RIGHT_FD_SEEK | RIGHT_FD_TELL);
      }
      const dv = g.dv;
      dv.setUint8(out, type);
      dv.setUint16(out + 2, flags, true);
      dv.setBigUint64(out + 8, rights, true);
      dv.setBigUint64(out + 16, rights, true);
      return 0;
    }),
    fd_fdstat_set_flags: g.direct((fd: number, flags: number) => {
      const fl = sys.fcntl(fd, F_GETFL);
      let nfl = fl & ~(O_APPEND | O_NONBLOCK);
      if (flags & FDFLAGS.APPEND) nfl |= O_APPEND;
      if (flags & FDFLAGS.NONBLOCK) nfl |= O_NONBLOCK;
      sys.fcntl(fd, F_SETFL, nfl);
      return 0;
    }),
    fd_fdstat_set_rights: g.direct((fd: number) => {
      sys.fcntl(fd, F_GETFL); // EBADF; rights are not enforced (see the rules)
      return 0;
    }),
    fd_filestat_get: g.blocking(function* (fd: number, out: number) {
      const st = yield* sys.fstat(fd);
      putFilestat(out, st, yield* fileType(fd, st));
      return 0;
    }),
    fd_filestat_set_size: g.blocking(function* (fd: number, size: bigint) {
      yield* sys.ftruncate(fd, Number(size));
      return 0;
    }),
    fd_filestat_set_times: g.blocking(
      function* (fd: number, atim: bigint, mtim: bigint, fst: number) {
        const path = g.paths.get(fd);
        if (path === undefined) {
          yield* sys.fstat(fd); // EBADF first
          return WASI.ENOTSUP; // only a descriptor opened by path has a name to utimes
        }
        return yield* setTimes(path, yield* sys.fstat(fd), atim, mtim, fst);
      },
    ),
    fd_prestat_get: g.direct((fd: number, out: number) => {
      const p = g.paths.get(fd);
      if (fd !== g.preopen || p === undefined) return WASI.EBADF;
      g.dv.setUint8(out, PREOPENTYPE_DIR);
      g.setU32(out + 4, new TextEncoder().encode(p).length);
      return 0;
    }),
    fd_prestat_dir_name: g.direct((fd: number, ptr: number, len: number) => {
      const p = g.paths.get(fd);
      if (fd !== g.preopen || p === undefined) return WASI.EBADF;
      const b = new TextEncoder().encode(p);
      if (len < b.length) return WASI.ENAMETOOLONG;
      g.bytes(ptr, b.length).set(b);
      return 0;
    }),
    fd_readdir: g.blocking(
      function* (fd: number, buf: number, len: number, cookie: bigint, used: number) {
        let list = dirs.get(fd);
        if (cookie === 0n || !list) {
          yield* sys.lseek(fd, 0, 0);
          list = [];
          for (;;) {
            const got = yield* sys.getdents(fd);
            if (got.length === 0) break;
            list.push(...got);
          }
          dirs.set(fd, list);
        }
        const enc = new TextEncoder();
        const out = new Uint8Array(len);
        let off = 0;
        for (let i = Number(cookie); i < list.length && off < len; i++) {
          const name = enc.encode(list[i].name);
          const rec = new Uint8Array(24 + name.length);
          const dv = new DataView(rec.buffer);
          dv.setBigUint64(0, BigInt(i + 1), true);
          dv.setBigUint64(8, BigInt(list[i].ino), true);
          dv.setUint32(16, name.length, true);
          dv.setUint8(20, filetypeOfDirent(list[i].type));
          rec.set(name, 24);
          const k = Math.min(rec.length, len - off);
          out.set(rec.subarray(0, k), off);
          off += k;
        }
        g.bytes(buf, off).set(out.subarray(0, off));
        g.setU32(used, off);
        return 0;
      },
    ),
    fd_renumber: g.blocking(function* (from: number, to: number) {
      if (from === to) {
        sys.fcntl(from, F_GETFL);
        return 0;
      }
      yield* sys.dup2(from, to);
      yield* sys.close(from);
      const p = g.paths.get(from);
      g.paths.delete(from);
      dirs.delete(from);
      dirs.delete(to);
      if (p !== undefined) g.paths.set(to, p);
      else g.paths.delete(to);
      return 0;
    }),

    // --- paths ---
    path_open: g.blocking(function* (
      dirfd: number,
      lookup: number,
      ptr: number,
      len: number,
      oflags: number,
      rights: bigint,
      _inheriting: bigint,
      fdflags: number,
      out: number,
    ) {
      const path = resolve(dirfd, ptr, len);
      const fd = yield* sys.open(path, openFlags(oflags, fdflags, lookup, rights), 0o666);
      g.paths.set(fd, path);
      dirs.delete(fd);
      g.setU32(out, fd);
      return 0;
    }),
    path_create_directory: g.blocking(function* (fd: number, ptr: number, len: number) {
      yield* sys.mkdir(resolve(fd, ptr, len), 0o777);
      return 0;
    }),
    path_remove_directory: g.blocking(function* (fd: number, ptr: number, len: number) {
      yield* sys.rmdir(resolve(fd, ptr, len));
      return 0;
    }),
    path_unlink_file: g.blocking(function* (fd: number, ptr: number, len: number) {
      yield* sys.unlink(resolve(fd, ptr, len));
      return 0;
    }),
    path_filestat_get: g.blocking(
      function* (fd: number, lookup: number, ptr: number, len: number, out: number) {
        const path = resolve(fd, ptr, len);
        const st = lookup & LOOKUP_SYMLINK_FOLLOW ? yield* sys.stat(path) : yield* sys.lstat(path);
        putFilestat(out, st, filetypeOfMode(st.mode));
        return 0;
      },
    ),
    path_filestat_set_times: g.blocking(function* (
      fd: number,
      _lookup: number,
      ptr: number,
      len: number,
      atim: bigint,
      mtim: bigint,
      fst: number,
    ) {
      const path = resolve(fd, ptr, len);
      return yield* setTimes(path, yield* sys.stat(path), atim, mtim, fst);
    }),
    path_rename: g.blocking(function* (
      fd: number,
      op: number,
      ol: number,
      nfd: number,
      np: number,
      nl: number,
    ) {
      yield* sys.rename(resolve(fd, op, ol), resolve(nfd, np, nl));
      return 0;
    }),
    path_link: g.blocking(function* (
      fd: number,
      _lookup: number,
      op: number,
      ol: number,
      nfd: number,
      np: number,
      nl: number,
    ) {
      yield* sys.link(resolve(fd, op, ol), resolve(nfd, np, nl));
      return 0;
    }),
    path_symlink: g.blocking(
      function* (op: number, ol: number, fd: number, np: number, nl: number) {
        yield* sys.symlink(g.str(op, ol), resolve(fd, np, nl));
        return 0;
      },
    ),
    path_readlink: g.blocking(function* (
      fd: number,
      ptr: number,
      len: number,
      buf: number,
      blen: number,
      used: number,
    ) {
      const target = new TextEncoder().encode(yield* sys.readlink(resolve(fd, ptr, len)));
      const k = Math.min(target.length, blen);
      g.bytes(buf, k).set(target.subarray(0, k));
      g.setU32(used, k);
      return 0;
    }),

    // --- poll ---
    poll_oneoff: g.blocking(function* (inp: number, out: number, nsubs: number, nev: number) {
      if (nsubs === 0) return WASI.EINVAL;
      const dv = g.dv;
      type Sub = { userdata: bigint; tag: number; fd: number; deadline: bigint };
      const subs: Sub[] = [];
      for (let i = 0; i < nsubs; i++) {
        const p = inp + 48 * i;
        const userdata = dv.getBigUint64(p, true);
        const tag = dv.getUint8(p + 8);
        if (tag === EVENTTYPE_CLOCK) {
          const id = dv.getUint32(p + 16, true);
          if (id > 3) return WASI.EINVAL;
          const timeout = dv.getBigUint64(p + 24, true);
          const flags = dv.getUint16(p + 40, true);
          const now = clockNow(id);
          // Deadlines are kept on the monotonic clock, which poll and nanosleep wait on.
          const rel = flags & SUBCLOCK_ABSTIME ? (timeout > now ? timeout - now : 0n) : timeout;
          subs.push({ userdata, tag, fd: -1, deadline: clockNow(1) + rel });
        } else if (tag === EVENTTYPE_FD_READ || tag === EVENTTYPE_FD_WRITE) {
          subs.push({ userdata, tag, fd: dv.getUint32(p + 16, true), deadline: 0n });
        } else {
          return WASI.EINVAL;
        }
      }
      const clocks = subs.filter((s) => s.tag === EVENTTYPE_CLOCK);
      const fdsubs = subs.filter((s) => s.tag !== EVENTTYPE_CLOCK);
      const earliest = clocks.length
        ? clocks.reduce((m, s) => s.deadline < m ? s.deadline : m, clocks[0].deadline)
        : -1n;
      const events: Array<{ s: Sub; error: number; hup: boolean }> = [];
      if (fdsubs.length === 0) {
        const rel = earliest - clockNow(1);
        if (rel > 0n) yield* sys.nanosleep(ts(rel));
      } else {
        const pfds: PollFd[] = fdsubs.map((s) => ({
          fd: s.fd,
          events: s.tag === EVENTTYPE_FD_READ ? POLLIN : POLLOUT,
          revents: 0,
        }));
        let ms = -1;
        if (earliest >= 0n) {
          const rel = earliest - clockNow(1);
          ms = rel <= 0n ? 0 : Number((rel + 999_999n) / 1_000_000n);
        }
        yield* sys.poll(pfds, ms);
        pfds.forEach((pf, i) => {
          if (!pf.revents) return;
          const error = pf.revents & POLLNVAL ? WASI.EBADF : 0;
          const hup = (pf.revents & (POLLHUP | POLLERR)) !== 0;
          events.push({ s: fdsubs[i], error, hup });
        });
      }
      if (events.length === 0 || clocks.length) {
        const now = clockNow(1);
        for (const s of clocks) {
          if (s.deadline <= now || (events.length === 0 && s.deadline === earliest)) {
            events.push({ s, error: 0, hup: false });
          }
        }
      }
      const o = g.dv;
      events.forEach((e, i) => {
        const p = out + 32 * i;
        o.setBigUint64(p, e.s.userdata, true);
        o.setUint16(p + 8, e.error, true);
        o.setUint8(p + 10, e.s.tag);
        o.setBigUint64(p + 16, 0n, true);
        o.setUint16(p + 24, e.hup ? EVENT_FD_READWRITE_HANGUP : 0, true);
      });
      g.setU32(nev, events.length);
      return 0;
    }),

    // --- sockets (preview 1's four calls) ---
    sock_accept: g.blocking(function* (fd: number, flags: number, out: number) {
      if (flags & ~FDFLAGS.NONBLOCK) return WASI.EINVAL;
      const { fd: nfd } = yield* sys.accept(fd);
      if (flags & FDFLAGS.NONBLOCK) sys.fcntl(nfd, F_SETFL, sys.fcntl(nfd, F_GETFL) | O_NONBLOCK);
      g.setU32(out, nfd);
      return 0;
    }),
    sock_recv: g.blocking(function* (
      fd: number,
      iovs: number,
      n: number,
      riflags: number,
      outLen: number,
      outFlags: number,
    ) {
      const v = g.iovs(iovs, n);
      const tmp = new Uint8Array(v.reduce((s, [, l]) => s + l, 0));
      const got = yield* sys.recv(fd, tmp, riflags & RIFLAGS_RECV_PEEK ? MSG_PEEK : 0);
      g.scatter(iovs, n, tmp.subarray(0, got));
      g.setU32(outLen, got);
      g.dv.setUint16(outFlags, 0, true);
      return 0;
    }),
    sock_send: g.blocking(
      function* (fd: number, iovs: number, n: number, _flags: number, out: number) {
        const data = g.gather(iovs, n);
        g.setU32(out, data.length ? yield* sys.send(fd, data) : 0);
        return 0;
      },
    ),
    sock_shutdown: g.blocking(function* (fd: number, how: number) {
      const h = how === (SDFLAGS_RD | SDFLAGS_WR)
        ? SHUT_RDWR
        : how === SDFLAGS_RD
        ? SHUT_RD
        : how === SDFLAGS_WR
        ? SHUT_WR
        : -1;
      if (h < 0) return WASI.EINVAL;
      yield* sys.shutdown(fd, h);
      return 0;
    }),
  };
}
