/**
 * ip_output.ts — IPv4 output (RFC 791 §3.2, RFC 1122 §3.3; NetBSD's ip_output): route,
 * choose a source address, build the header, fragment to the interface MTU, hand to the
 * interface.
 *
 * Rules: returns 0 or an errno, never throws for a network condition: no route is
 * ENETUNREACH (counted noroute), a broadcast destination without SO_BROADCAST is EACCES,
 * a datagram over 65535 bytes is EMSGSIZE (toolong), one over the MTU with DF set is
 * EMSGSIZE (cantfrag; ip_forward answers that with ICMP "fragmentation needed"), an
 * interface that is down is ENETDOWN. Datagrams to one of our own
 * addresses go through lo0. Every datagram built here has MAX_LINKHDR bytes of headroom,
 * so the link layer frames it in place.
 */
import { EACCES, EADDRNOTAVAIL, EMSGSIZE, ENETUNREACH, ENOBUFS } from "../kernel/kern/errno.ts";
import type { Ifnet } from "./if.ts";
import { MAX_LINKHDR } from "./if_ether.ts";
import { ipFragment } from "./ip_frag.ts";
import type {} from "./ip_var.ts"; // NetStack.ip
import type { NetStack } from "./netstack.ts";
import { RouteTable } from "./route.ts";
import {
  INADDR_BROADCAST,
  IP_DF,
  IP_HDR_LEN,
  IP_MAXPACKET,
  type Ipv4Addr,
  Ipv4Repr,
  isLoopback,
} from "./wire/mod.ts";

export interface IpOutArgs {
  /** Source address; 0 lets the route choose (the outgoing interface's address). */
  src: Ipv4Addr;
  dst: Ipv4Addr;
  protocol: number;
  ttl?: number;
  /** DSCP << 2 | ECN, the old TOS byte. */
  tos?: number;
  /** Don't fragment. */
  df?: boolean;
  /** SO_BROADCAST. */
  allowBroadcast?: boolean;
}

/** Where a datagram to `dst` goes: interface, next hop and the source address to use. */
export interface IpRoute {
  ifp: Ifnet;
  nexthop: Ipv4Addr;
  src: Ipv4Addr;
}

/** Routes `dst` (rtalloc + in_selectsrc): an IpRoute, or an errno. */
export function ipRoute(stack: NetStack, dst: Ipv4Addr, src = 0): IpRoute | number {
  if (stack.isLocalAddr(dst)) {
    return { ifp: stack.lo0, nexthop: dst, src: src || (isLoopback(dst) ? 0x7f000001 : dst) };
  }
  if (dst === INADDR_BROADCAST) {
    const ifp = (src ? stack.ifWithAddr(src) : null) ??
      stack.ifnets.find((i) => i !== stack.lo0 && i.isUp() && i.addrs.length > 0);
    if (!ifp) return ENETUNREACH;
    return { ifp, nexthop: dst, src: src || ifp.addrs[0].addr };
  }
  const rt = stack.routes.lookup(dst);
  if (!rt) {
    stack.ip.stat.noroute++;
    return ENETUNREACH;
  }
  const ifp = rt.ifp;
  let s = src;
  if (!s) {
    // The interface address on the destination's (or gateway's) subnet, else its first.
    const nh = RouteTable.nexthop(rt, dst);
    const ia = ifp.addrs.find((a) => ((a.addr ^ nh) & a.netmask) === 0) ?? ifp.addrs[0];
    if (!ia) return EADDRNOTAVAIL;
    s = ia.addr;
  }
  return { ifp, nexthop: RouteTable.nexthop(rt, dst), src: s };
}

/** ip_output: sends `payload` as one IPv4 datagram (fragmented if it must); 0 or an errno. */
export function ipOutput(stack: NetStack, a: IpOutArgs, payload: Uint8Array): number {
  const st = stack.ip.stat;
  if (IP_HDR_LEN + payload.length > IP_MAXPACKET) {
    st.toolong++;
    return EMSGSIZE;
  }
  const r = ipRoute(stack, a.dst, a.src);
  if (typeof r === "number") return r;
  if (stack.isBroadcastAddr(a.dst, r.ifp) && !a.allowBroadcast) return EACCES;
  const buf = new Uint8Array(IP_HEADROOM + payload.length);
  buf.set(payload, IP_HEADROOM);
  return ipOutputFinish(stack, a, r, buf.subarray(MAX_LINKHDR));
}

/**
 * Room a transport leaves in front of a payload it builds for `ipOutputInPlace`: the
 * link header's headroom and the IPv4 header.
 */
export const IP_HEADROOM = MAX_LINKHDR + IP_HDR_LEN;

/**
 * ip_output for a payload its transport built at `IP_HEADROOM` in a buffer of its own
 * (`buf` is that whole buffer and belongs to IP from now on): the header is written in
 * front of it in place, so the datagram is never copied. Same checks and result as
 * `ipOutput`.
 */
export function ipOutputInPlace(stack: NetStack, a: IpOutArgs, buf: Uint8Array): number {
  const st = stack.ip.stat;
  if (buf.length > MAX_LINKHDR + IP_MAXPACKET) {
    st.toolong++;
    return EMSGSIZE;
  }
  const r = ipRoute(stack, a.dst, a.src);
  if (typeof r === "number") return r;
  if (stack.isBroadcastAddr(a.dst, r.ifp) && !a.allowBroadcast) return EACCES;
  return ipOutputFinish(stack, a, r, buf.subarray(MAX_LINKHDR));
}

/** Writes the header in front of the payload already at IP_HDR_LEN in `pkt`, then sends. */
function ipOutputFinish(stack: NetStack, a: IpOutArgs, r: IpRoute, pkt: Uint8Array): number {
  const st = stack.ip.stat;
  const payloadLen = pkt.length - IP_HDR_LEN;
  Ipv4Repr.emit({
    src: r.src,
    dst: a.dst,
    protocol: a.protocol,
    ttl: a.ttl ?? stack.ip.defttl,
    dscp: (a.tos ?? 0) >>> 2,
    ecn: (a.tos ?? 0) & 3,
    ident: stack.ip.nextId(),
    dontFrag: a.df ?? false,
    moreFrags: false,
    fragOffset: 0,
    payloadLen,
  }, pkt);
  st.localout++;
  return ipOutputRouted(stack, pkt, IP_HDR_LEN, r.ifp, r.nexthop);
}

/**
 * The lower half of ip_output, shared with forwarding: a finished datagram (header
 * checksum done, headroom in front) to `nexthop` on `ifp`, fragmented to the MTU.
 * Too big with DF set is EMSGSIZE before anything is sent (`ipNeedsFrag` tells).
 */
export function ipOutputRouted(
  stack: NetStack,
  pkt: Uint8Array,
  hlen: number,
  ifp: Ifnet,
  nexthop: Ipv4Addr,
): number {
  const st = stack.ip.stat;
  if (pkt.length <= ifp.mtu) return count(stack, ifp.output(pkt, nexthop));
  if (ipNeedsFrag(pkt, ifp)) {
    st.cantfrag++;
    return EMSGSIZE;
  }
  const frags = ipFragment(pkt, hlen, ifp.mtu);
  if (frags === null) {
    st.cantfrag++;
    return EMSGSIZE;
  }
  st.fragmented++;
  let err = 0;
  for (const f of frags) {
    st.ofragments++;
    const e = count(stack, ifp.output(f, nexthop));
    if (e && !err) err = e;
  }
  return err;
}

/** True when `pkt` is over `ifp`'s MTU with DF set: ipOutputRouted refuses it whole. */
export function ipNeedsFrag(pkt: Uint8Array, ifp: Ifnet): boolean {
  return pkt.length > ifp.mtu && (((pkt[6] << 8) | pkt[7]) & IP_DF) !== 0;
}

function count(stack: NetStack, err: number): number {
  if (err === ENOBUFS) stack.ip.stat.odropped++;
  return err;
}
