/**
 * udp.ts — the User Datagram Protocol (RFC 768, RFC 1122 §4.1; NetBSD's
 * netinet/udp_usrreq.c): input with length and checksum checks, demultiplexing to PCBs,
 * port unreachable for closed ports, output with checksum, and the datagram sockets'
 * protocol switch.
 *
 * Rules:
 *   - Input: shorter than the header (hdrops), a length field below 8 or beyond the IP
 *     payload (badlen), a checksum that does not verify (badsum) are dropped; a checksum
 *     of 0 means none was sent and is accepted (nosum, RFC 768). Bytes past the length
 *     field are trimmed.
 *   - A unicast datagram goes to the best-matching PCB; one for a port nobody has gets
 *     ICMP port unreachable (noport, RFC 1122 §4.1.3.1). A broadcast or multicast goes to
 *     every matching PCB and never causes an ICMP error (noportbcast).
 *   - A datagram that does not fit the receive buffer is dropped (fullsock).
 *   - ICMP errors (ctlinput) reach only connected sockets whose four-tuple matches
 *     (in_pcbnotify), as so_error: a connected socket learns ECONNREFUSED.
 *   - Output always sends a checksum (RFC 1122 §4.1.3.4); more than 65507 data bytes is
 *     EMSGSIZE. An unbound socket gets an ephemeral port on its first send.
 *   - The stack reaches UDP only through `udpsw` (in_proto.ts lists it): its init makes
 *     `stack.udp` and attaches it to ip_protox.
 */
import { EADDRNOTAVAIL, EMSGSIZE, EOPNOTSUPP, Errno } from "../kernel/kern/errno.ts";
import { IPPROTO_UDP, SO_BROADCAST, SOCK_DGRAM } from "../kernel/syscall/api.ts";
import type { Ifnet } from "./if.ts";
import { type Inpcb, InpcbTable } from "./in_pcb.ts";
import { ipOutput, ipRoute } from "./ip_output.ts";
import type {} from "./icmp.ts"; // NetStack.icmp
import type { IpProtoEntry } from "./ip_var.ts";
import type { NetStack } from "./netstack.ts";
import { ipProtoAttach, type Protosw } from "./protosw.ts";
import { type PrUsrreqs, type SockAddr, type Socket, SS_ISCONNECTED } from "./socket.ts";
import {
  ICMP_UNREACH,
  ICMP_UNREACH_PORT,
  type InvokingDatagram,
  IP_HDR_LEN,
  IP_MAXPACKET,
  pseudoHeaderSum,
  readIpv4,
  UDP_HDR_LEN,
  UdpRepr,
  verifyChecksum,
} from "./wire/mod.ts";

declare module "./netstack.ts" {
  interface NetStack {
    /** UDP's state (udp.ts; made by udpsw's init). */
    udp: Udp;
  }
}

/** Largest UDP payload: 65535 − 20 − 8. */
export const UDP_MAXDATA = IP_MAXPACKET - IP_HDR_LEN - UDP_HDR_LEN;
/** Default buffer sizes (NetBSD udp_sendspace, udp_recvspace). */
export const UDP_SENDSPACE = 9216;
export const UDP_RECVSPACE = 40 * (1024 + 16);

/** UDP statistics (netinet/udp_var.h UDP_STAT_*). */
export interface UdpStat {
  ipackets: number;
  hdrops: number;
  badsum: number;
  nosum: number;
  badlen: number;
  noport: number;
  noportbcast: number;
  fullsock: number;
  opackets: number;
}

export class Udp {
  readonly stat: UdpStat = {
    ipackets: 0,
    hdrops: 0,
    badsum: 0,
    nosum: 0,
    badlen: 0,
    noport: 0,
    noportbcast: 0,
    fullsock: 0,
    opackets: 0,
  };
  readonly table: InpcbTable;
  /** The datagram sockets' user requests. */
  readonly usrreqs: PrUsrreqs;

  constructor(readonly stack: NetStack) {
    this.table = new InpcbTable(stack, "udp");
    this.usrreqs = udpUsrreqs(this);
  }

  /** udp_input: `pkt` is the whole datagram. */
  input(_ifp: Ifnet, pkt: Uint8Array, hlen: number, bcast: boolean): void {
    const st = this.stat;
    st.ipackets++;
    const u = pkt.subarray(hlen);
    if (u.length < UDP_HDR_LEN) {
      st.hdrops++;
      return;
    }
    const ulen = (u[4] << 8) | u[5];
    if (ulen < UDP_HDR_LEN || ulen > u.length) {
      st.badlen++;
      return;
    }
    const src = readIpv4(pkt, 12), dst = readIpv4(pkt, 16);
    if (((u[6] << 8) | u[7]) === 0) st.nosum++;
    else if (!verifyChecksum(u, 0, ulen, pseudoHeaderSum(src, dst, IPPROTO_UDP, ulen))) {
      st.badsum++;
      return;
    }
    const sport = (u[0] << 8) | u[1], dport = (u[2] << 8) | u[3];
    const data = u.subarray(UDP_HDR_LEN, ulen);
    const from = { addr: src, port: sport };
    if (bcast) {
      let n = 0;
      for (const p of this.table.pcbs) {
        if (p.lport !== dport || !p.so) continue;
        if (p.laddr !== 0 && p.laddr !== dst) continue;
        if (p.faddr !== 0 && (p.faddr !== src || p.fport !== sport)) continue;
        this.#deliver(p.so, data.slice(), from);
        n++;
      }
      if (n === 0) st.noportbcast++;
      return;
    }
    const p = this.table.lookup(dst, dport, src, sport);
    if (!p || !p.so) {
      st.noport++;
      this.stack.icmp.error(pkt, ICMP_UNREACH, ICMP_UNREACH_PORT, 0, false);
      return;
    }
    this.#deliver(p.so, data, from);
  }

  #deliver(so: Socket, data: Uint8Array, from: SockAddr): void {
    if (!so.rcv.appendRecord(data, from)) {
      this.stat.fullsock++;
      return;
    }
    so.wakeup();
  }

  /** udp_ctlinput: an ICMP error about a datagram we sent. */
  ctlinput(errno: number, inv: InvokingDatagram): void {
    if (inv.transport.length < 4) return;
    const t = inv.transport;
    const sport = (t[0] << 8) | t[1], dport = (t[2] << 8) | t[3];
    for (const p of this.table.pcbs) {
      if (
        p.so && p.faddr === inv.dst && p.fport === dport && p.lport === sport &&
        (p.laddr === 0 || p.laddr === inv.src)
      ) {
        p.so.error = errno;
        p.so.wakeup();
      }
    }
  }

  /** udp_output: sends `data` from `so` to `to` (or its peer). */
  output(so: Socket, p: Inpcb, data: Uint8Array, to: SockAddr | null): number {
    if (data.length > UDP_MAXDATA) {
      throw new Errno(EMSGSIZE, `UDP datagram of ${data.length} bytes`);
    }
    const dst = to ? to.addr : p.faddr;
    const dport = to ? to.port : p.fport;
    if (dport === 0) throw new Errno(EADDRNOTAVAIL, "cannot send to port 0");
    if (p.lport === 0) this.table.bind(p, 0, 0);
    let src = p.laddr;
    if (src === 0 || this.stack.isBroadcastAddr(src)) {
      const r = ipRoute(this.stack, dst);
      if (typeof r === "number") throw new Errno(r);
      src = r.src;
    }
    const buf = new Uint8Array(UDP_HDR_LEN + data.length);
    UdpRepr.emit({ srcPort: p.lport, dstPort: dport, payload: data }, buf, src, dst);
    const err = ipOutput(this.stack, {
      src,
      dst,
      protocol: IPPROTO_UDP,
      ttl: so.ipttl || undefined,
      allowBroadcast: (so.options & SO_BROADCAST) !== 0,
    }, buf);
    if (err) throw new Errno(err);
    this.stat.opackets++;
    return data.length;
  }
}

function pcbOf(so: Socket): Inpcb {
  return so.pcb as Inpcb;
}

/** UDP in the protocol switch. */
export const udpsw: Protosw & IpProtoEntry = {
  name: "udp",
  type: SOCK_DGRAM,
  protocol: IPPROTO_UDP,
  init(stack) {
    stack.udp = new Udp(stack);
    ipProtoAttach(stack, udpsw);
  },
  input: (stack, ifp, pkt, hlen, bcast) => stack.udp.input(ifp, pkt, hlen, bcast),
  ctlinput: (stack, errno, inv) => stack.udp.ctlinput(errno, inv),
  usrreqs: (stack) => stack.udp.usrreqs,
};

function udpUsrreqs(udp: Udp): PrUsrreqs {
  return {
    name: "udp",
    type: SOCK_DGRAM,
    protocol: IPPROTO_UDP,
    sendspace: UDP_SENDSPACE,
    recvspace: UDP_RECVSPACE,
    attach(so) {
      so.pcb = udp.table.alloc(so);
    },
    detach(so) {
      udp.table.free(pcbOf(so));
    },
    bind(so, a) {
      udp.table.bind(pcbOf(so), a.addr, a.port);
    },
    connect(so, a) {
      const p = pcbOf(so);
      if (so.isConnected()) udp.table.disconnect(p);
      udp.table.connect(p, a.addr, a.port);
      so.state |= SS_ISCONNECTED;
      so.wakeup();
    },
    listen() {
      throw new Errno(EOPNOTSUPP, "listen on a UDP socket");
    },
    send(so, data, to) {
      return udp.output(so, pcbOf(so), data, to);
    },
    shutdownWrite() {},
    sockaddr(so) {
      const p = pcbOf(so);
      return { addr: p.laddr, port: p.lport };
    },
    peeraddr(so) {
      const p = pcbOf(so);
      return so.isConnected() ? { addr: p.faddr, port: p.fport } : null;
    },
    describe(so) {
      return { state: so.isConnected() ? "CONNECTED" : "", recvQ: so.rcv.cc, sendQ: 0 };
    },
  };
}
