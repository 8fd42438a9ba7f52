/**
 * raw.ts — raw IP sockets (NetBSD's netinet/raw_ip.c), what ping uses: SOCK_RAW with an
 * IP protocol (IPPROTO_ICMP), receiving copies of that protocol's input and sending
 * messages the application builds.
 *
 * Rules:
 *   - Input (rip_input): every raw socket whose protocol matches, whose bound address is
 *     unset or the destination, and whose connected address is unset or the source gets
 *     its own copy of the whole datagram, IP header included (as BSD raw sockets do; the
 *     header's fields are as received, total length included). `from` is the source with
 *     port 0. ICMP input hands every valid message here after handling it.
 *   - Output (rip_output): the application's bytes are the IP payload, sent as they are
 *     (an ICMP message must carry its own checksum); the kernel builds the IP header.
 *     No IP_HDRINCL.
 *   - `rawsw` serves SOCK_RAW of any protocol 1..255; IP hands raw sockets what no
 *     attached protocol takes (`stack.raw.input`), as ip_protox's default does.
 */
import { EADDRNOTAVAIL, EINVAL, EOPNOTSUPP, Errno } from "../kernel/kern/errno.ts";
import { SO_BROADCAST, SOCK_RAW } from "../kernel/syscall/api.ts";
import { type Inpcb, InpcbTable } from "./in_pcb.ts";
import { ipOutput } from "./ip_output.ts";
import type {} from "./ip_var.ts"; // NetStack.ip
import type { NetStack } from "./netstack.ts";
import type { Protosw } from "./protosw.ts";
import { type PrUsrreqs, type SockAddr, type Socket, SS_ISCONNECTED } from "./socket.ts";
import { readIpv4 } from "./wire/mod.ts";

declare module "./netstack.ts" {
  interface NetStack {
    /** Raw sockets' state (raw.ts; made by rawsw's init). */
    raw: Raw;
  }
}

/** Default buffer sizes (NetBSD rip_sendspace, rip_recvspace). */
export const RIP_SENDSPACE = 8192;
export const RIP_RECVSPACE = 8192;

export class Raw {
  readonly table: InpcbTable;
  /** Datagrams dropped because a raw socket's buffer was full. */
  fullsock = 0;
  readonly #usrreqs = new Map<number, PrUsrreqs>();

  constructor(readonly stack: NetStack) {
    this.table = new InpcbTable(stack, "raw");
  }

  /** The user requests of raw sockets of IP protocol `proto` (1..255). */
  usrreqs(proto: number): PrUsrreqs {
    let pr = this.#usrreqs.get(proto);
    if (!pr) {
      pr = rawUsrreqs(this, proto);
      this.#usrreqs.set(proto, pr);
    }
    return pr;
  }

  /** rip_input: true if some raw socket took a copy. */
  input(pkt: Uint8Array, _hlen: number): boolean {
    const proto = pkt[9];
    const src = readIpv4(pkt, 12), dst = readIpv4(pkt, 16);
    let n = 0;
    for (const p of this.table.pcbs) {
      if (!p.so || p.proto !== proto) continue;
      if (p.laddr !== 0 && p.laddr !== dst) continue;
      if (p.faddr !== 0 && p.faddr !== src) continue;
      n++;
      if (p.so.rcv.appendRecord(pkt.slice(), { addr: src, port: 0 })) p.so.wakeup();
      else this.fullsock++;
    }
    return n > 0;
  }

  /** rip_output. */
  output(so: Socket, p: Inpcb, data: Uint8Array, to: SockAddr | null): number {
    const dst = to ? to.addr : p.faddr;
    const err = ipOutput(this.stack, {
      src: p.laddr,
      dst,
      protocol: p.proto,
      ttl: so.ipttl || undefined,
      allowBroadcast: (so.options & SO_BROADCAST) !== 0,
    }, data);
    if (err) throw new Errno(err);
    this.stack.ip.stat.rawout++;
    return data.length;
  }
}

function pcbOf(so: Socket): Inpcb {
  return so.pcb as Inpcb;
}

/** Raw IP in the protocol switch: SOCK_RAW of any protocol 1..255. */
export const rawsw: Protosw = {
  name: "raw",
  type: SOCK_RAW,
  protocol: 0,
  init(stack) {
    stack.raw = new Raw(stack);
  },
  usrreqs: (stack, protocol) => protocol > 0 && protocol < 256 ? stack.raw.usrreqs(protocol) : null,
};

function rawUsrreqs(raw: Raw, proto: number): PrUsrreqs {
  return {
    name: "raw",
    type: SOCK_RAW,
    protocol: proto,
    sendspace: RIP_SENDSPACE,
    recvspace: RIP_RECVSPACE,
    attach(so) {
      const p = raw.table.alloc(so);
      p.proto = proto;
      so.pcb = p;
    },
    detach(so) {
      raw.table.free(pcbOf(so));
    },
    bind(so, a) {
      const p = pcbOf(so);
      if (a.addr !== 0 && !raw.stack.isLocalAddr(a.addr)) {
        throw new Errno(EADDRNOTAVAIL, "address is not on this host");
      }
      if (p.laddr !== 0) throw new Errno(EINVAL, "socket is already bound");
      p.laddr = a.addr;
    },
    connect(so, a) {
      pcbOf(so).faddr = a.addr;
      so.state |= SS_ISCONNECTED;
      so.wakeup();
    },
    listen() {
      throw new Errno(EOPNOTSUPP, "listen on a raw socket");
    },
    send(so, data, to) {
      return raw.output(so, pcbOf(so), data, to);
    },
    shutdownWrite() {},
    sockaddr(so) {
      return { addr: pcbOf(so).laddr, port: 0 };
    },
    peeraddr(so) {
      return so.isConnected() ? { addr: pcbOf(so).faddr, port: 0 } : null;
    },
    describe(so) {
      return { state: "", recvQ: so.rcv.cc, sendQ: 0 };
    },
  };
}
