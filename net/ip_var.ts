/**
 * ip_var.ts — the IPv4 layer's state (NetBSD's netinet/ip_var.h): ipstat counters, the
 * datagram identification counter, the forwarding switch, ip_protox (the protocols IP
 * hands datagrams and error notifications to: pr_input, pr_ctlinput), and the input
 * packet-filter hook (pfil(9)'s PFIL_IN, where NetBSD's npf and ipnat sit).
 *
 * Rules: counters only grow; names are NetBSD's (netstat -s -p ip). Forwarding is off by
 * default (a host, RFC 1122). Identification starts at a random value and counts up
 * (RFC 6864 allows any scheme for atomic datagrams; a counter keeps fragments apart).
 * A leaf of the IP layer: it imports no protocol; protocols enter `protox` when they
 * attach (protosw.ts), and IP reaches them only through it.
 */
import { EHOSTUNREACH } from "../kernel/kern/errno.ts";
import type { Ifnet } from "./if.ts";
import type { NetStack } from "./netstack.ts";
import { type InvokingDatagram, parseInvoking, WireError } from "./wire/mod.ts";

declare module "./netstack.ts" {
  interface NetStack {
    /** The IPv4 layer's state (ip_var.ts; made by the inet domain's init). */
    ip: IpState;
  }
}

/** pr_input: a whole datagram for this host (`hlen` its header length). */
export type PrInput = (
  stack: NetStack,
  ifp: Ifnet,
  pkt: Uint8Array,
  hlen: number,
  bcast: boolean,
) => void;

/**
 * pr_ctlinput: an error about a datagram we sent (`inv`: its header and first 8
 * transport bytes), as an errno for the socket it came from; `nextHopMtu` with EMSGSIZE
 * from ICMP "fragmentation needed" (RFC 1191).
 */
export type PrCtlinput = (
  stack: NetStack,
  errno: number,
  inv: InvokingDatagram,
  nextHopMtu: number,
) => void;

/** What ip_protox maps an IP protocol number to. */
export interface IpProtoEntry {
  readonly input: PrInput;
  readonly ctlinput?: PrCtlinput;
}

/** IPv4 statistics (netinet/ip_var.h IP_STAT_*). */
export interface IpStat {
  /** Datagrams received. */
  total: number;
  badsum: number;
  /** Total length larger than what arrived. */
  tooshort: number;
  /** Fewer bytes than a header. */
  toosmall: number;
  /** IHL below 5 or beyond the data. */
  badhlen: number;
  /** Total length below the header length. */
  badlen: number;
  badvers: number;
  /** Broadcast or multicast source, or a bad destination. */
  badaddr: number;
  fragments: number;
  fragdropped: number;
  fragtimeout: number;
  reassembled: number;
  forward: number;
  cantforward: number;
  noproto: number;
  delivered: number;
  localout: number;
  odropped: number;
  noroute: number;
  fragmented: number;
  ofragments: number;
  cantfrag: number;
  rawout: number;
  /** Datagrams to send larger than IP_MAXPACKET. */
  toolong: number;
  /** TTL ran out while forwarding. */
  timxceed: number;
}

export function newIpStat(): IpStat {
  return {
    total: 0,
    badsum: 0,
    tooshort: 0,
    toosmall: 0,
    badhlen: 0,
    badlen: 0,
    badvers: 0,
    badaddr: 0,
    fragments: 0,
    fragdropped: 0,
    fragtimeout: 0,
    reassembled: 0,
    forward: 0,
    cantforward: 0,
    noproto: 0,
    delivered: 0,
    localout: 0,
    odropped: 0,
    noroute: 0,
    fragmented: 0,
    ofragments: 0,
    cantfrag: 0,
    rawout: 0,
    toolong: 0,
    timxceed: 0,
  };
}

/**
 * A pfil(9) input hook: sees each whole datagram for this host (after reassembly, before
 * its protocol) and returns true when it took the datagram, which then goes no further.
 * It runs in the input path, so it must not block; a datagram it keeps it copies.
 */
export type PfilInHook = (ifp: Ifnet, pkt: Uint8Array, hlen: number) => boolean;

/** Default TTL of datagrams we send (ip_defttl). */
export const IP_DEFTTL = 64;

export class IpState {
  readonly stat = newIpStat();
  /** net.inet.ip.forwarding. */
  forwarding = false;
  defttl = IP_DEFTTL;
  /** pfil_add_hook(PFIL_IN): at most one (a NAT on a gateway); null passes everything. */
  pfilIn: PfilInHook | null = null;
  /** ip_protox: the attached protocols by number; the rest go to raw sockets. */
  readonly protox = new Map<number, IpProtoEntry>();
  #ident: number;

  constructor(readonly stack: NetStack) {
    this.#ident = stack.k.cprng32() & 0xffff;
  }

  /** The next datagram identification. */
  nextId(): number {
    this.#ident = (this.#ident + 1) & 0xffff;
    return this.#ident;
  }

  /** Hands an error about a datagram we sent to its protocol's pr_ctlinput (if any). */
  ctlinput(errno: number, inv: InvokingDatagram, nextHopMtu = 0): void {
    this.protox.get(inv.protocol)?.ctlinput?.(this.stack, errno, inv, nextHopMtu);
  }

  /** A datagram we sent could not be delivered on the local link (ARP failure). */
  ctlinputLocal(pkt: Uint8Array, _why: "hostunreach"): void {
    let inv: InvokingDatagram;
    try {
      inv = parseInvoking(pkt);
    } catch (e) {
      if (e instanceof WireError) return;
      throw e;
    }
    this.ctlinput(EHOSTUNREACH, inv);
  }
}
