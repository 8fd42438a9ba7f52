/**
 * uipc_syscalls.ts — the socket system calls (NetBSD's kern/uipc_syscalls.c): the
 * `SocketSyscalls` the syscall layer calls with descriptors already turned into KFiles.
 *
 * Rules: every failure throws Errno with NetBSD's number: a domain other than AF_INET is
 * EAFNOSUPPORT, a type/protocol pair no protocol serves EPROTONOSUPPORT, a malformed
 * address or port EINVAL, a file that is not a socket ENOTSOCK; the rest come from the
 * socket layer and the protocols. SOCK_NONBLOCK in the type sets O_NONBLOCK.
 */
import type { Blocking } from "../kernel/hypercall/rumpuser.ts";
import { EAFNOSUPPORT, EINVAL, ENOTCONN, EPROTONOSUPPORT, Errno } from "../kernel/kern/errno.ts";
import { O_NONBLOCK, SOCK_STREAM, type SockAddrIn } from "../kernel/syscall/api.ts";
import type { KFile } from "../kernel/syscall/file.ts";
import type { ProcRef, SocketSyscalls } from "../kernel/syscall/systab.ts";
import { inetdomain } from "./in_proto.ts";
import type { NetStack } from "./netstack.ts";
import { type Domain, pffindproto } from "./protosw.ts";
import {
  type PrUsrreqs,
  soaccept,
  sobind,
  type SockAddr,
  soconnect,
  socreate,
  sogetopt,
  solisten,
  soreceive,
  sosend,
  sosetopt,
  soshutdown,
} from "./socket.ts";
import { nbio, socketFile, sockOf } from "./sys_socket.ts";
import { formatIpv4, parseIpv4, WireError } from "./wire/mod.ts";

/** socket(2) type flags (NetBSD sys/socket.h). */
export const SOCK_CLOEXEC = 0x10000000;
export const SOCK_NONBLOCK = 0x20000000;

/** Converts the API's address to the kernel's; EINVAL when malformed. */
export function sockaddrIn(a: SockAddrIn): SockAddr {
  if (!a || typeof a.addr !== "string") throw new Errno(EINVAL, "no address");
  let addr: number;
  try {
    addr = parseIpv4(a.addr);
  } catch (e) {
    if (e instanceof WireError) throw new Errno(EINVAL, `bad address ${JSON.stringify(a.addr)}`);
    throw e;
  }
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) {
    throw new Errno(EINVAL, `bad port ${a.port}`);
  }
  return { addr, port: a.port };
}

/** The kernel's address as the API gives it. */
export function sockaddrOut(a: SockAddr): SockAddrIn {
  return { addr: formatIpv4(a.addr), port: a.port };
}

export class InetSocketSyscalls implements SocketSyscalls {
  /** `domain`: the family's protocol switch. */
  constructor(readonly stack: NetStack, readonly domain: Domain = inetdomain) {}

  /** The user requests for a type and protocol (pffindproto), or EPROTONOSUPPORT. */
  usrreqs(type: number, protocol: number): PrUsrreqs {
    const pr = pffindproto(this.domain, this.stack, type, protocol);
    if (pr) return pr;
    throw new Errno(EPROTONOSUPPORT, `socket type ${type} protocol ${protocol}`);
  }

  socket(_p: ProcRef, domain: number, type: number, protocol: number): KFile {
    if (domain !== this.domain.family) throw new Errno(EAFNOSUPPORT, `address family ${domain}`);
    const flags = type & SOCK_NONBLOCK ? O_NONBLOCK : 0;
    const pr = this.usrreqs(type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC), protocol);
    return socketFile(socreate(this.stack, pr), flags);
  }

  bind(fp: KFile, addr: SockAddrIn): void {
    sobind(sockOf(fp), sockaddrIn(addr));
  }

  listen(fp: KFile, backlog: number): void {
    solisten(sockOf(fp), backlog);
  }

  *accept(fp: KFile): Blocking<{ file: KFile; addr: SockAddrIn }> {
    const so = sockOf(fp);
    const child = yield* soaccept(so, nbio(fp));
    const peer = child.pr.peeraddr(child) ?? { addr: 0, port: 0 };
    return { file: socketFile(child, 0), addr: sockaddrOut(peer) };
  }

  *connect(fp: KFile, addr: SockAddrIn): Blocking {
    yield* soconnect(sockOf(fp), sockaddrIn(addr), nbio(fp));
  }

  *sendto(
    fp: KFile,
    buf: Uint8Array,
    flags: number,
    to: SockAddrIn | null,
  ): Blocking<number> {
    const so = sockOf(fp);
    const dst = to && so.type !== SOCK_STREAM ? sockaddrIn(to) : null;
    return yield* sosend(so, buf, dst, flags, nbio(fp));
  }

  *recvfrom(
    fp: KFile,
    buf: Uint8Array,
    flags: number,
  ): Blocking<{ n: number; from: SockAddrIn }> {
    const r = yield* soreceive(sockOf(fp), buf, flags, nbio(fp));
    return { n: r.n, from: sockaddrOut(r.from) };
  }

  *shutdown(fp: KFile, how: number): Blocking {
    soshutdown(sockOf(fp), how);
  }

  getsockname(fp: KFile): SockAddrIn {
    const so = sockOf(fp);
    return sockaddrOut(so.pr.sockaddr(so));
  }

  getpeername(fp: KFile): SockAddrIn {
    const so = sockOf(fp);
    const a = so.pr.peeraddr(so);
    if (!a) throw new Errno(ENOTCONN);
    return sockaddrOut(a);
  }

  setsockopt(fp: KFile, level: number, name: number, value: number): void {
    sosetopt(sockOf(fp), level, name, value);
  }

  getsockopt(fp: KFile, level: number, name: number): number {
    return sogetopt(sockOf(fp), level, name);
  }
}
