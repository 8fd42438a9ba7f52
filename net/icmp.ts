/**
 * icmp.ts — the Internet Control Message Protocol (RFC 792, RFC 1122 §3.2.2; NetBSD's
 * netinet/ip_icmp.c): answers echo requests, turns received errors into socket errors
 * for the transport protocols, and sends the errors the stack raises.
 *
 * Rules:
 *   - Input: shorter than 8 bytes (tooshort) or a bad checksum (checksum) is dropped.
 *     Echo requests to a broadcast or multicast address are ignored (bmcastecho; NetBSD's
 *     icmpbmcastecho default); others are answered from the address they were sent to.
 *     Every ICMP message that passes the checks is also copied to raw sockets (ping).
 *   - Errors received (destination unreachable, time exceeded) go to the protocol of the
 *     datagram they quote, as NetBSD's inetctlerrmap maps them: net/host unreachable
 *     EHOSTUNREACH, protocol/port unreachable ECONNREFUSED, fragmentation needed
 *     EMSGSIZE; time exceeded is not an error for sockets.
 *   - Sending an error (RFC 1122 §3.2.2): never about an ICMP error, a fragment other
 *     than the first, a datagram sent to a broadcast or multicast address (or in a
 *     link-layer broadcast), or from an address that names no single host; at most
 *     `errppslim` per second (a token bucket, NetBSD's icmperrppslim 100), the excess
 *     counted as toofreq. The quote is the IP header and 8 bytes of data (RFC 792).
 *   - The stack reaches ICMP through `icmpsw` (its init makes `stack.icmp` and attaches
 *     it to ip_protox) and through `stack.icmp.error`; errors reach the transports
 *     through ip_protox's pr_ctlinput (`stack.ip.ctlinput`).
 */
import { ECONNREFUSED, EHOSTUNREACH, EMSGSIZE } from "../kernel/kern/errno.ts";
import { SOCK_RAW } from "../kernel/syscall/api.ts";
import type { Ifnet } from "./if.ts";
import { ipOutput } from "./ip_output.ts";
import type { IpProtoEntry } from "./ip_var.ts";
import type { NetStack } from "./netstack.ts";
import { ipProtoAttach, type Protosw } from "./protosw.ts";
import type {} from "./raw.ts"; // NetStack.raw
import {
  checksum,
  ICMP_ECHO,
  ICMP_ECHOREPLY,
  ICMP_TIMXCEED,
  ICMP_UNREACH,
  ICMP_UNREACH_NEEDFRAG,
  ICMP_UNREACH_PORT,
  ICMP_UNREACH_PROTOCOL,
  IcmpRepr,
  invokingOf,
  IPPROTO_ICMP,
  isLoopback,
  isMulticast,
  parseInvoking,
  readIpv4,
  verifyChecksum,
  WireError,
} from "./wire/mod.ts";

declare module "./netstack.ts" {
  interface NetStack {
    /** ICMP's state (icmp.ts; made by icmpsw's init). */
    icmp: Icmp;
  }
}

/** Highest type counted in the histograms (ICMP_MAXTYPE). */
export const ICMP_MAXTYPE = 40;

/** ICMP statistics (netinet/icmp_var.h ICMP_STAT_*). */
export interface IcmpStat {
  /** Calls to send an error. */
  error: number;
  /** Not sent: the datagram was itself an ICMP error. */
  oldicmp: number;
  /** Not sent: the datagram was too short to quote. */
  oldshort: number;
  /** Not sent: about a broadcast, a non-first fragment or a bad source. */
  noerror: number;
  /** Not sent: over the rate limit. */
  toofreq: number;
  badcode: number;
  tooshort: number;
  checksum: number;
  badlen: number;
  /** Echo replies sent. */
  reflect: number;
  /** Echo requests to a broadcast ignored. */
  bmcastecho: number;
  /** Sent, by type. */
  outhist: number[];
  /** Received, by type. */
  inhist: number[];
}

/** Errors allowed per second (net.inet.icmp.errppslimit). */
export const ICMP_ERRPPSLIMIT = 100;

export class Icmp {
  readonly stat: IcmpStat = {
    error: 0,
    oldicmp: 0,
    oldshort: 0,
    noerror: 0,
    toofreq: 0,
    badcode: 0,
    tooshort: 0,
    checksum: 0,
    badlen: 0,
    reflect: 0,
    bmcastecho: 0,
    outhist: new Array(ICMP_MAXTYPE + 1).fill(0),
    inhist: new Array(ICMP_MAXTYPE + 1).fill(0),
  };
  errppslim = ICMP_ERRPPSLIMIT;
  #tokens = ICMP_ERRPPSLIMIT;
  #refilled = 0;

  constructor(readonly stack: NetStack) {
    this.#refilled = stack.k.nanotime();
  }

  /** icmp_input: `pkt` is the whole datagram, `hlen` its header length. */
  input(_ifp: Ifnet, pkt: Uint8Array, hlen: number, bcast: boolean): void {
    const st = this.stat;
    const msg = pkt.subarray(hlen);
    if (msg.length < 8) {
      st.tooshort++;
      return;
    }
    if (!verifyChecksum(msg)) {
      st.checksum++;
      return;
    }
    const type = msg[0], code = msg[1];
    if (type <= ICMP_MAXTYPE) st.inhist[type]++;
    switch (type) {
      case ICMP_ECHO:
        if (code !== 0) {
          st.badcode++;
          break;
        }
        if (bcast) {
          st.bmcastecho++;
          break;
        }
        this.#reflect(pkt, hlen, msg);
        break;
      case ICMP_UNREACH:
      case ICMP_TIMXCEED:
        this.#notify(msg, type, code);
        break;
    }
    this.stack.raw.input(pkt, hlen);
  }

  /**
   * icmp_error: sends an ICMP error of `type`/`code` about `orig` (a datagram we received
   * or built, whole from its IP header). `mtu` is the next-hop MTU for "fragmentation
   * needed"; `linkBcast` says the datagram came in a link-layer broadcast.
   */
  error(orig: Uint8Array, type: number, code: number, mtu: number, linkBcast: boolean): void {
    const st = this.stat;
    st.error++;
    if (orig.length < 20) {
      st.oldshort++;
      return;
    }
    const hlen = (orig[0] & 0xf) * 4;
    const src = readIpv4(orig, 12), dst = readIpv4(orig, 16);
    const offField = (orig[6] << 8) | orig[7];
    if (
      linkBcast || (offField & 0x1fff) !== 0 || this.stack.isBroadcastAddr(dst) ||
      isMulticast(dst) || src === 0 || isMulticast(src) || this.stack.isBroadcastAddr(src)
    ) {
      st.noerror++;
      return;
    }
    if (orig[9] === IPPROTO_ICMP && orig.length > hlen && !isInfoType(orig[hlen])) {
      st.oldicmp++;
      return;
    }
    if (!this.#take()) {
      st.toofreq++;
      return;
    }
    const invoking = invokingOf(orig);
    const repr: IcmpRepr = type === ICMP_UNREACH
      ? { type: "dstUnreachable", code, nextHopMtu: mtu, invoking }
      : { type: "timeExceeded", code, invoking };
    const buf = new Uint8Array(IcmpRepr.bufferLen(repr));
    IcmpRepr.emit(repr, buf);
    // From the address the datagram was sent to when it is ours (RFC 1122 §3.2.2).
    const from = this.stack.isLocalAddr(dst) && !isLoopback(dst) ? dst : 0;
    if (type <= ICMP_MAXTYPE) st.outhist[type]++;
    ipOutput(this.stack, { src: from, dst: src, protocol: IPPROTO_ICMP }, buf);
  }

  /** Echo reply: the request's data back, from the address it was sent to (RFC 792). */
  #reflect(pkt: Uint8Array, _hlen: number, msg: Uint8Array): void {
    const reply = msg.slice();
    reply[0] = ICMP_ECHOREPLY;
    reply[2] = reply[3] = 0;
    const c = checksum(reply);
    reply[2] = c >>> 8;
    reply[3] = c & 0xff;
    const src = readIpv4(pkt, 16), dst = readIpv4(pkt, 12);
    this.stat.reflect++;
    this.stat.outhist[ICMP_ECHOREPLY]++;
    ipOutput(this.stack, { src, dst, protocol: IPPROTO_ICMP, tos: pkt[1] }, reply);
  }

  /** A received error: tell the protocol of the datagram it quotes. */
  #notify(msg: Uint8Array, type: number, code: number): void {
    if (msg.length < 8 + 20 + 8) {
      this.stat.badlen++;
      return;
    }
    let inv;
    try {
      inv = parseInvoking(msg.subarray(8));
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      this.stat.badlen++;
      return;
    }
    if (type === ICMP_TIMXCEED) {
      if (code > 1) this.stat.badcode++;
      return; // not a socket error (inetctlerrmap gives 0)
    }
    if (code > 15) {
      this.stat.badcode++;
      return;
    }
    let errno = EHOSTUNREACH;
    if (code === ICMP_UNREACH_PORT || code === ICMP_UNREACH_PROTOCOL) errno = ECONNREFUSED;
    else if (code === ICMP_UNREACH_NEEDFRAG) errno = EMSGSIZE;
    const mtu = code === ICMP_UNREACH_NEEDFRAG ? (msg[6] << 8) | msg[7] : 0;
    this.stack.ip.ctlinput(errno, inv, mtu);
  }

  /** Token bucket: refills errppslim tokens per second, holds at most errppslim. */
  #take(): boolean {
    const now = this.stack.k.nanotime();
    const elapsed = now - this.#refilled;
    this.#refilled = now;
    this.#tokens = Math.min(this.errppslim, this.#tokens + (elapsed / 1e9) * this.errppslim);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** ICMP in the protocol switch (its raw sockets are raw.ts's). */
export const icmpsw: Protosw & IpProtoEntry = {
  name: "icmp",
  type: SOCK_RAW,
  protocol: IPPROTO_ICMP,
  init(stack) {
    stack.icmp = new Icmp(stack);
    ipProtoAttach(stack, icmpsw);
  },
  input: (stack, ifp, pkt, hlen, bcast) => stack.icmp.input(ifp, pkt, hlen, bcast),
};

/** Query/informational types, about which errors may be sent (RFC 1122 §3.2.2). */
function isInfoType(t: number): boolean {
  return t === ICMP_ECHO || t === ICMP_ECHOREPLY || t === 13 || t === 14 || t === 15 ||
    t === 16 || t === 17 || t === 18 || t === 9 || t === 10;
}
