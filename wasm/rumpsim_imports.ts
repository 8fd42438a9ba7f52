/**
 * rumpsim_imports.ts — the `rumpsim` import module: the socket calls WASI preview 1 lacks,
 * and uname and getpid, for programs built with the C overlay (wasm/libc/).
 *
 * The ABI (every call returns WASI's errno, 0 on success; results go through pointers;
 * `sa` is a `struct sockaddr_in` as wasi-libc lays it out: u16 family (AF_INET = 1) at 0,
 * u16 port in network order at 2, 4 address bytes at 4, 16 bytes in all):
 *
 *   socket(domain, type, protocol, *fd)            type may carry SOCK_NONBLOCK/CLOEXEC
 *   bind(fd, sa, salen)          connect(fd, sa, salen)          listen(fd, backlog)
 *   accept4(fd, sa|0, *salen|0, flags, *fd)
 *   getsockname(fd, sa, *salen)  getpeername(fd, sa, *salen)
 *   getsockopt(fd, level, name, val, *len)         setsockopt(fd, level, name, val, len)
 *   sendto(fd, buf, len, flags, sa|0, salen, *n)   recvfrom(fd, buf, len, flags, sa|0, *salen, *n)
 *   chmod(path, pathlen, mode)   fchmod(fd, mode)  (fchmod: a descriptor opened by path)
 *   dup(fd, *fd)      dup2(from, to)      pipe2(*fds, flags)   (flags: O_NONBLOCK = 4)
 *   dupfd(fd, min, *fd)   fcntl's F_DUPFD: the lowest free descriptor ≥ min
 *   uname(buf)        six NUL-terminated fields of 65 bytes (struct utsname)
 *   getpid()          the pid itself (never fails)
 *   kill(pid, sig)    sig in wasi-libc's (Linux's) numbers: USR1 10, USR2 12 become 30, 31
 *   gethostbyname(name, namelen, addrs, maxaddrs, *naddrs, canon, canonlen, *herr)
 *                     the libc's resolver (kernel/syscall/resolv.ts: /etc/hosts, then the
 *                     DNS of /etc/resolv.conf): up to maxaddrs 4-byte addresses at addrs,
 *                     the canonical name NUL-terminated at canon (cut to canonlen); *herr is
 *                     0 or the h_errno of a failed lookup (HOST_NOT_FOUND 1, TRY_AGAIN 2,
 *                     NO_RECOVERY 3, NO_DATA 4), the return value still 0
 *   gethostbyaddr(addr, name, namelen, *herr)   the name of a 4-byte address, as above
 *   setjmp(env, sp)   keeps the stack for jmp_buf env (sp: the shadow-stack pointer);
 *                     returns 0, and again val (1 for 0) after longjmp(env, val, sp)
 *   longjmp(env, val, sp)   goes back to env's setjmp (wasm/asyncify.ts); never returns
 *
 * Rules: the numbers a program passes are the overlay's (wasi-libc's where it has them:
 * AF_INET 1, SOCK_DGRAM 5, SOCK_STREAM 6, SOL_SOCKET 0x7fffffff, MSG_PEEK 1; Linux's for
 * the rest: see wasm/libc/include/sys/socket.h) and are translated to NetBSD's here, the
 * one boundary. Values that come back are translated too: SO_ERROR's errno, SO_TYPE's
 * type. A number with no translation is EINVAL (ENOPROTOOPT for an option). connect,
 * accept4, sendto, recvfrom, chmod, fchmod, dup2 and the two resolver calls may wait,
 * and setjmp and longjmp unwind the stack (RUMPSIM_BLOCKING: all are Asyncify imports). A
 * duplicated descriptor keeps the path its original was opened by (for *at calls).
 * chmod's path is absolute (the C side joins wasi-libc's cwd); fchmod names the file by
 * the path its descriptor was opened by, as WASI descriptors carry no other name
 * (ENOTSUP otherwise).
 */
import {
  AF_INET,
  Errno,
  errno as E,
  F_DUPFD,
  F_GETFL,
  F_SETFD,
  F_SETFL,
  FD_CLOEXEC,
  gethostbyaddr,
  gethostbyname,
  HostError,
  IP_TTL,
  IPPROTO_IP,
  IPPROTO_TCP,
  LINGER_OFF,
  MSG_DONTWAIT,
  MSG_NOSIGNAL,
  MSG_PEEK,
  O_NONBLOCK,
  SIGALRM,
  SIGHUP,
  SIGINT,
  SIGKILL,
  SIGPIPE,
  SIGQUIT,
  SIGSTOP,
  SIGTERM,
  SIGUSR1,
  SIGUSR2,
  SO_ACCEPTCONN,
  SO_BROADCAST,
  SO_ERROR,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SO_SNDBUF,
  SO_TYPE,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
  type SockAddrIn,
  SOL_SOCKET,
  TCP_MAXSEG,
  TCP_NODELAY,
} from "../kernel/syscall/api.ts";
import type { Guest } from "./guest.ts";
import { toWasiErrno, WASI } from "./wasi_errno.ts";

export const RUMPSIM_MODULE = "rumpsim";
export const RUMPSIM_BLOCKING = [
  "connect",
  "accept4",
  "sendto",
  "recvfrom",
  "chmod",
  "fchmod",
  "dup2",
  "gethostbyname",
  "gethostbyaddr",
  "setjmp",
  "longjmp",
];

/** The overlay's numbers (wasm/libc/include/sys/socket.h), the program's side. */
export const C = {
  AF_INET: 1,
  SOCK_RAW: 3,
  SOCK_DGRAM: 5,
  SOCK_STREAM: 6,
  SOCK_NONBLOCK: 0x4000,
  SOCK_CLOEXEC: 0x2000,
  SOL_SOCKET: 0x7fffffff,
  MSG_PEEK: 0x1,
  MSG_DONTWAIT: 0x40,
  MSG_NOSIGNAL: 0x4000,
  SO_REUSEADDR: 2,
  SO_TYPE: 3,
  SO_ERROR: 4,
  SO_BROADCAST: 6,
  SO_SNDBUF: 7,
  SO_RCVBUF: 8,
  SO_KEEPALIVE: 9,
  SO_LINGER: 13,
  SO_REUSEPORT: 15,
  SO_ACCEPTCONN: 30,
  IP_TTL: 2,
  O_NONBLOCK: 4,
} as const;

const SOCKTYPE: Record<number, number> = {
  [C.SOCK_STREAM]: SOCK_STREAM,
  [C.SOCK_DGRAM]: SOCK_DGRAM,
  [C.SOCK_RAW]: SOCK_RAW,
};
const SO: Record<number, number> = {
  [C.SO_REUSEADDR]: SO_REUSEADDR,
  [C.SO_TYPE]: SO_TYPE,
  [C.SO_ERROR]: SO_ERROR,
  [C.SO_BROADCAST]: SO_BROADCAST,
  [C.SO_SNDBUF]: SO_SNDBUF,
  [C.SO_RCVBUF]: SO_RCVBUF,
  [C.SO_KEEPALIVE]: SO_KEEPALIVE,
  [C.SO_LINGER]: SO_LINGER,
  [C.SO_REUSEPORT]: SO_REUSEPORT,
  [C.SO_ACCEPTCONN]: SO_ACCEPTCONN,
};

/** (level, name) of the program → NetBSD's, or null when there is none. */
export function sockoptToNetbsd(level: number, name: number): [number, number] | null {
  if (level === C.SOL_SOCKET) return name in SO ? [SOL_SOCKET, SO[name]] : null;
  if (level === IPPROTO_TCP) {
    return name === TCP_NODELAY || name === TCP_MAXSEG ? [IPPROTO_TCP, name] : null;
  }
  if (level === IPPROTO_IP) return name === C.IP_TTL ? [IPPROTO_IP, IP_TTL] : null;
  return null;
}

/**
 * A signal number of the program (Linux's, as wasi-libc's signal.h has them) as NetBSD's,
 * or null for one the kernel does not know.
 */
export function signalToNetbsd(sig: number): number | null {
  const same = [0, SIGHUP, SIGINT, SIGQUIT, SIGKILL, SIGPIPE, SIGALRM, SIGTERM];
  if (same.includes(sig)) return sig;
  return ({ 10: SIGUSR1, 12: SIGUSR2, 19: SIGSTOP } as Record<number, number>)[sig] ?? null;
}

/** The program's MSG_* flags as NetBSD's. */
export function msgFlagsToNetbsd(flags: number): number {
  let f = 0;
  if (flags & C.MSG_PEEK) f |= MSG_PEEK;
  if (flags & C.MSG_DONTWAIT) f |= MSG_DONTWAIT;
  if (flags & C.MSG_NOSIGNAL) f |= MSG_NOSIGNAL;
  if (flags & ~(C.MSG_PEEK | C.MSG_DONTWAIT | C.MSG_NOSIGNAL)) throw new Errno(E.EINVAL);
  return f;
}

export function rumpsimImports(g: Guest): Record<string, (...a: any[]) => number> {
  const sys = g.sys;
  const readSa = (sa: number, len: number): SockAddrIn => {
    if (len < 8) throw new Errno(E.EINVAL);
    const dv = g.dv;
    if (dv.getUint16(sa, true) !== C.AF_INET) throw new Errno(E.EAFNOSUPPORT);
    const b = g.bytes(sa + 4, 4);
    return { addr: `${b[0]}.${b[1]}.${b[2]}.${b[3]}`, port: dv.getUint16(sa + 2, false) };
  };
  const writeSa = (sa: number, lenPtr: number, a: SockAddrIn): void => {
    if (!sa || !lenPtr) return;
    const room = g.u32(lenPtr);
    const rec = new Uint8Array(16);
    const dv = new DataView(rec.buffer);
    dv.setUint16(0, C.AF_INET, true);
    dv.setUint16(2, a.port, false);
    rec.set(a.addr.split(".").map(Number), 4);
    g.bytes(sa, Math.min(room, 16)).set(rec.subarray(0, Math.min(room, 16)));
    g.setU32(lenPtr, 16);
  };
  /** `s` NUL-terminated in `len` bytes at `ptr`, cut to fit. */
  const putName = (ptr: number, len: number, s: string): void => {
    if (len <= 0) return;
    const b = new TextEncoder().encode(s).subarray(0, len - 1);
    const out = g.bytes(ptr, b.length + 1);
    out.set(b);
    out[b.length] = 0;
  };
  const setNonblock = (fd: number) => sys.fcntl(fd, F_SETFL, sys.fcntl(fd, F_GETFL) | O_NONBLOCK);

  return {
    socket: g.direct((domain: number, type: number, proto: number, out: number) => {
      if (domain !== C.AF_INET) return WASI.EAFNOSUPPORT;
      const t = SOCKTYPE[type & ~(C.SOCK_NONBLOCK | C.SOCK_CLOEXEC)];
      if (t === undefined) return WASI.EPROTONOSUPPORT;
      const fd = sys.socket(AF_INET, t, proto);
      if (type & C.SOCK_NONBLOCK) setNonblock(fd);
      if (type & C.SOCK_CLOEXEC) sys.fcntl(fd, F_SETFD, FD_CLOEXEC);
      g.setU32(out, fd);
      return 0;
    }),
    bind: g.direct((fd: number, sa: number, len: number) => {
      sys.bind(fd, readSa(sa, len));
      return 0;
    }),
    listen: g.direct((fd: number, backlog: number) => {
      sys.listen(fd, backlog);
      return 0;
    }),
    connect: g.blocking(function* (fd: number, sa: number, len: number) {
      yield* sys.connect(fd, readSa(sa, len));
      return 0;
    }),
    accept4: g.blocking(
      function* (fd: number, sa: number, lenPtr: number, flags: number, out: number) {
        if (flags & ~(C.SOCK_NONBLOCK | C.SOCK_CLOEXEC)) return WASI.EINVAL;
        const r = yield* sys.accept(fd);
        if (flags & C.SOCK_NONBLOCK) setNonblock(r.fd);
        if (flags & C.SOCK_CLOEXEC) sys.fcntl(r.fd, F_SETFD, FD_CLOEXEC);
        writeSa(sa, lenPtr, r.addr);
        g.setU32(out, r.fd);
        return 0;
      },
    ),
    getsockname: g.direct((fd: number, sa: number, lenPtr: number) => {
      writeSa(sa, lenPtr, sys.getsockname(fd));
      return 0;
    }),
    getpeername: g.direct((fd: number, sa: number, lenPtr: number) => {
      writeSa(sa, lenPtr, sys.getpeername(fd));
      return 0;
    }),
    getsockopt: g.direct((fd: number, level: number, name: number, val: number, lp: number) => {
      const o = sockoptToNetbsd(level, name);
      if (!o) {
        sys.fcntl(fd, F_GETFL); // EBADF first
        return WASI.ENOPROTOOPT;
      }
      let v = sys.getsockopt(fd, o[0], o[1]);
      const room = g.u32(lp);
      if (o[0] === SOL_SOCKET && o[1] === SO_LINGER) {
        if (room < 8) return WASI.EINVAL;
        g.setU32(val, v === LINGER_OFF ? 0 : 1);
        g.setU32(val + 4, v === LINGER_OFF ? 0 : v);
        g.setU32(lp, 8);
        return 0;
      }
      if (o[0] === SOL_SOCKET && o[1] === SO_ERROR && v) v = toWasiErrno(v);
      if (o[0] === SOL_SOCKET && o[1] === SO_TYPE) {
        v = v === SOCK_DGRAM ? C.SOCK_DGRAM : v === SOCK_RAW ? C.SOCK_RAW : C.SOCK_STREAM;
      }
      if (room < 4) return WASI.EINVAL;
      g.setU32(val, v);
      g.setU32(lp, 4);
      return 0;
    }),
    setsockopt: g.direct((fd: number, level: number, name: number, val: number, len: number) => {
      const o = sockoptToNetbsd(level, name);
      if (!o) {
        sys.fcntl(fd, F_GETFL);
        return WASI.ENOPROTOOPT;
      }
      if (o[0] === SOL_SOCKET && o[1] === SO_LINGER) {
        if (len < 8) return WASI.EINVAL;
        sys.setsockopt(fd, o[0], o[1], g.u32(val) ? g.dv.getInt32(val + 4, true) : LINGER_OFF);
        return 0;
      }
      if (len < 4) return WASI.EINVAL;
      sys.setsockopt(fd, o[0], o[1], g.dv.getInt32(val, true));
      return 0;
    }),
    sendto: g.blocking(function* (
      fd: number,
      buf: number,
      len: number,
      flags: number,
      sa: number,
      salen: number,
      out: number,
    ) {
      const data = g.bytes(buf, len).slice();
      const f = msgFlagsToNetbsd(flags);
      const n = sa
        ? yield* sys.sendto(fd, data, f, readSa(sa, salen))
        : yield* sys.send(fd, data, f);
      g.setU32(out, n);
      return 0;
    }),
    recvfrom: g.blocking(function* (
      fd: number,
      buf: number,
      len: number,
      flags: number,
      sa: number,
      lenPtr: number,
      out: number,
    ) {
      const f = msgFlagsToNetbsd(flags);
      const tmp = new Uint8Array(len);
      let n: number;
      if (sa) {
        const r = yield* sys.recvfrom(fd, tmp, f);
        n = r.n;
        writeSa(sa, lenPtr, r.from);
      } else {
        n = yield* sys.recv(fd, tmp, f);
      }
      g.bytes(buf, n).set(tmp.subarray(0, n));
      g.setU32(out, n);
      return 0;
    }),
    chmod: g.blocking(function* (path: number, len: number, mode: number) {
      yield* sys.chmod(g.str(path, len), mode & 0o7777);
      return 0;
    }),
    fchmod: g.blocking(function* (fd: number, mode: number) {
      const path = g.paths.get(fd);
      yield* sys.fstat(fd); // EBADF first
      if (path === undefined) return WASI.ENOTSUP;
      yield* sys.chmod(path, mode & 0o7777);
      return 0;
    }),
    dup: g.direct((fd: number, out: number) => {
      const nfd = sys.dup(fd);
      const p = g.paths.get(fd);
      if (p !== undefined) g.paths.set(nfd, p);
      g.setU32(out, nfd);
      return 0;
    }),
    dupfd: g.direct((fd: number, min: number, out: number) => {
      const nfd = sys.fcntl(fd, F_DUPFD, min);
      const p = g.paths.get(fd);
      if (p !== undefined) g.paths.set(nfd, p);
      g.setU32(out, nfd);
      return 0;
    }),
    dup2: g.blocking(function* (from: number, to: number) {
      const nfd = yield* sys.dup2(from, to);
      const p = g.paths.get(from);
      if (nfd !== from) {
        if (p !== undefined) g.paths.set(nfd, p);
        else g.paths.delete(nfd);
      }
      return 0;
    }),
    pipe2: g.direct((out: number, flags: number) => {
      if (flags & ~C.O_NONBLOCK) return WASI.EINVAL;
      const [r, w] = sys.pipe2(flags & C.O_NONBLOCK ? O_NONBLOCK : 0);
      g.setU32(out, r);
      g.setU32(out + 4, w);
      return 0;
    }),
    uname: g.direct((buf: number) => {
      const u = sys.uname();
      const enc = new TextEncoder();
      const fields = [u.sysname, u.nodename, u.release, u.version, u.machine, ""];
      const out = g.bytes(buf, 65 * 6);
      out.fill(0);
      fields.forEach((f, i) => out.set(enc.encode(f).subarray(0, 64), 65 * i));
      return 0;
    }),
    gethostbyname: g.blocking(function* (
      name: number,
      namelen: number,
      addrs: number,
      max: number,
      nOut: number,
      canon: number,
      canonlen: number,
      herr: number,
    ) {
      const host = g.str(name, namelen);
      let h;
      try {
        h = yield* gethostbyname(sys, host);
      } catch (e) {
        if (!(e instanceof HostError)) throw e;
        g.setU32(herr, e.h_errno);
        return 0;
      }
      const n = Math.min(max, h.addrs.length);
      for (let i = 0; i < n; i++) g.bytes(addrs + 4 * i, 4).set(h.addrs[i].split(".").map(Number));
      g.setU32(nOut, n);
      putName(canon, canonlen, h.name);
      g.setU32(herr, 0);
      return 0;
    }),
    gethostbyaddr: g.blocking(
      function* (addr: number, name: number, namelen: number, herr: number) {
        const a = Array.from(g.bytes(addr, 4)).join(".");
        try {
          putName(name, namelen, (yield* gethostbyaddr(sys, a)).name);
        } catch (e) {
          if (!(e instanceof HostError)) throw e;
          g.setU32(herr, e.h_errno);
          return 0;
        }
        g.setU32(herr, 0);
        return 0;
      },
    ),
    setjmp: (env: number, sp: number) => g.asyncify.setjmp(env, sp),
    longjmp: (env: number, val: number, sp: number) => {
      g.asyncify.longjmp(env, val, sp);
      return 0;
    },
    getpid: () => sys.getpid(),
    kill: g.direct((pid: number, sig: number) => {
      const n = signalToNetbsd(sig);
      if (n === null) return WASI.EINVAL;
      sys.kill(pid, n);
      return 0;
    }),
  };
}
