/**
 * uipc_syscalls.ts — the socket system calls as the syscall layer takes them (NetBSD's
 * uipc_syscalls.c): socket, bind, listen, accept, connect, send/recv, sendto/recvfrom,
 * shutdown, getsockname/getpeername and setsockopt/getsockopt, each turned from a
 * descriptor into its file and handed to the NET faction's half of the same calls
 * (net/uipc_syscalls.ts) through `sysent(k).net`.
 *
 * Rules: without the NET faction linked, socket() is EAFNOSUPPORT; a descriptor that is
 * not a socket (or any descriptor without the faction) is ENOTSOCK, after EBADF for one
 * that names nothing. A call that may wait holds a reference on the socket's file until
 * it returns. socket() and accept() check that a descriptor is free before any work and
 * release the new file if the table filled meanwhile. send and recv are sendto and
 * recvfrom without an address.
 */
import { EAFNOSUPPORT, ENOTSOCK, Errno } from "../kern/errno.ts";
import type { Kernel } from "../kern/kernel.ts";
import type { SockAddrIn, Sys } from "./api.ts";
import { fileRelease } from "./fdtable.ts";
import type { KFile } from "./file.ts";
import type { Proc } from "./proc.ts";
import { type SocketSyscalls, sysent } from "./systab.ts";

type SocketCalls =
  | "socket"
  | "bind"
  | "listen"
  | "accept"
  | "connect"
  | "send"
  | "recv"
  | "sendto"
  | "recvfrom"
  | "shutdown"
  | "getsockname"
  | "getpeername"
  | "setsockopt"
  | "getsockopt";

/** The socket calls of `proc` on kernel `k`. */
export function uipcSyscalls(k: Kernel, proc: Proc): Pick<Sys, SocketCalls> {
  const fdt = proc.fd;
  const sock = (fd: number, call: string): [SocketSyscalls, KFile] => {
    const fp = fdt.get(fd, call);
    const n = sysent(k).net;
    if (fp.ops.kind !== "socket" || !n) throw new Errno(ENOTSOCK, call);
    return [n, fp];
  };
  return {
    socket(domain, type, protocol) {
      const n = sysent(k).net;
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
  };
}
