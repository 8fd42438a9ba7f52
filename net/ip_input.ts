/**
 * ip_input.ts — IPv4 input (RFC 791 §3.2, RFC 1122 §3.2.1; NetBSD's ip_input): validate
 * the header, keep what is for this host, reassemble fragments, hand the datagram to its
 * protocol; forward the rest only when forwarding is on.
 *
 * Rules:
 *   - Each bad header is dropped and counted once, checked in this order: fewer than 20
 *     bytes (toosmall), version ≠ 4 (badvers), IHL < 5 or beyond the bytes (badhlen),
 *     header checksum (badsum), total length < header (badlen), total length > bytes
 *     (tooshort). Bytes past the total length (link padding) are trimmed.
 *   - A broadcast or multicast source, a loopback address arriving on a real interface,
 *     or a unicast datagram that came in a link-layer broadcast (RFC 1122 §3.3.6) is
 *     dropped as badaddr. The TTL of a datagram for us is not checked (RFC 1122 §3.2.1.7).
 *   - Ours: any address of any interface (the weak host model, RFC 1122 §3.3.4.2), a
 *     broadcast, or the all-hosts group 224.0.0.1. Not ours and forwarding off:
 *     cantforward. Forwarding decrements the TTL and answers TTL expiry with ICMP time
 *     exceeded (RFC 1812 §5.3.1).
 *   - A datagram for us passes the pfil input hook, if one is set, after reassembly; a
 *     datagram the hook takes is not counted as delivered.
 *   - A datagram for us goes to its protocol's pr_input through ip_protox (protosw.ts);
 *     a protocol not attached there goes to raw sockets. One nobody takes is counted
 *     (noproto) and answered with ICMP protocol unreachable (RFC 1122 §3.2.2.1), never
 *     for a broadcast.
 */
import { EMSGSIZE } from "../kernel/kern/errno.ts";
import type {} from "./icmp.ts"; // NetStack.icmp
import type { Ifnet } from "./if.ts";
import { MAX_LINKHDR } from "./if_ether.ts";
import { ipNeedsFrag, ipOutputRouted } from "./ip_output.ts";
import type {} from "./ip_reass.ts"; // IpState.reass
import type {} from "./ip_var.ts"; // NetStack.ip
import type { NetStack } from "./netstack.ts";
import type {} from "./raw.ts"; // NetStack.raw
// The transports ip_protox delivers to, for their NetStack fields (`stack.udp`,
// `stack.tcp`) where a caller reaches the stack through this file (slirp's NAT).
import type {} from "./tcp_usrreq.ts";
import type {} from "./udp.ts";
import { RouteTable } from "./route.ts";
import {
  checksum,
  ICMP_TIMXCEED,
  ICMP_TIMXCEED_INTRANS,
  ICMP_UNREACH,
  ICMP_UNREACH_HOST,
  ICMP_UNREACH_NEEDFRAG,
  ICMP_UNREACH_PROTOCOL,
  IP_MF,
  IP_OFFMASK,
  isLoopback,
  isMulticast,
  readIpv4,
  verifyChecksum,
} from "./wire/mod.ts";

/** The all-hosts group (RFC 1112 §4). */
const INADDR_ALLHOSTS_GROUP = 0xe0000001;

/**
 * ipintr for one datagram received on `ifp`; `linkBcast` when the frame was sent to a
 * link-layer broadcast or group address.
 */
export function ipInput(stack: NetStack, ifp: Ifnet, pkt: Uint8Array, linkBcast: boolean): void {
  const st = stack.ip.stat;
  st.total++;
  if (pkt.length < 20) {
    st.toosmall++;
    return;
  }
  if (pkt[0] >>> 4 !== 4) {
    st.badvers++;
    return;
  }
  const hlen = (pkt[0] & 0xf) * 4;
  if (hlen < 20 || hlen > pkt.length) {
    st.badhlen++;
    return;
  }
  if (!verifyChecksum(pkt, 0, hlen)) {
    st.badsum++;
    return;
  }
  const total = (pkt[2] << 8) | pkt[3];
  if (total < hlen) {
    st.badlen++;
    return;
  }
  if (total > pkt.length) {
    st.tooshort++;
    return;
  }
  if (pkt.length > total) pkt = pkt.subarray(0, total);

  const src = readIpv4(pkt, 12);
  const dst = readIpv4(pkt, 16);
  const loop = ifp === stack.lo0;
  if (
    isMulticast(src) || stack.isBroadcastAddr(src) ||
    (!loop && (isLoopback(src) || isLoopback(dst)))
  ) {
    st.badaddr++;
    return;
  }
  const bcast = stack.isBroadcastAddr(dst) || isMulticast(dst);
  if (linkBcast && !bcast) {
    st.badaddr++;
    return;
  }
  const ours = bcast
    ? (!isMulticast(dst) || dst === INADDR_ALLHOSTS_GROUP)
    : stack.isLocalAddr(dst);
  if (!ours) {
    if (stack.ip.forwarding && !bcast) ipForward(stack, pkt, hlen);
    else st.cantforward++;
    return;
  }

  // Fragments go to reassembly (RFC 791 §3.2 "Fragmentation and Reassembly").
  const offField = (pkt[6] << 8) | pkt[7];
  if (offField & (IP_MF | IP_OFFMASK)) {
    st.fragments++;
    const whole = stack.ip.reass.input(pkt, hlen);
    if (!whole) return;
    pkt = whole;
  }
  // pfil_run_hooks(PFIL_IN): a filter or NAT may take the datagram here.
  const pfil = stack.ip.pfilIn;
  if (pfil !== null && pfil(ifp, pkt, (pkt[0] & 0xf) * 4)) return;
  ipDeliver(stack, ifp, pkt, (pkt[0] & 0xf) * 4, bcast);
}

/** Hands a whole datagram for this host to its protocol (pr_input). */
export function ipDeliver(
  stack: NetStack,
  ifp: Ifnet,
  pkt: Uint8Array,
  hlen: number,
  bcast: boolean,
): void {
  const st = stack.ip.stat;
  const pr = stack.ip.protox.get(pkt[9]);
  if (pr !== undefined) {
    st.delivered++;
    pr.input(stack, ifp, pkt, hlen, bcast);
    return;
  }
  if (stack.raw.input(pkt, hlen)) {
    st.delivered++;
    return;
  }
  st.noproto++;
  if (!bcast) stack.icmp.error(pkt, ICMP_UNREACH, ICMP_UNREACH_PROTOCOL, 0, false);
}

/** ip_forward (RFC 1812 §5.2): only when net.inet.ip.forwarding is on. */
function ipForward(stack: NetStack, pkt: Uint8Array, hlen: number): void {
  const st = stack.ip.stat;
  const dst = readIpv4(pkt, 16);
  if (pkt[8] <= 1) {
    st.timxceed++;
    stack.icmp.error(pkt, ICMP_TIMXCEED, ICMP_TIMXCEED_INTRANS, 0, false);
    return;
  }
  const rt = stack.routes.lookup(dst);
  if (!rt) {
    st.noroute++;
    st.cantforward++;
    stack.icmp.error(pkt, ICMP_UNREACH, ICMP_UNREACH_HOST, 0, false);
    return;
  }
  // A private copy with link headroom; TTL − 1 and a fresh header checksum.
  const buf = new Uint8Array(MAX_LINKHDR + pkt.length);
  const out = buf.subarray(MAX_LINKHDR);
  out.set(pkt);
  out[8]--;
  out[10] = out[11] = 0;
  const c = checksum(out, 0, hlen);
  out[10] = c >>> 8;
  out[11] = c & 0xff;
  st.forward++;
  const err = ipOutputRouted(stack, out, hlen, rt.ifp, RouteTable.nexthop(rt, dst));
  // Too big for the next hop with DF set: "fragmentation needed" with its MTU (RFC 1191 §4).
  if (err === EMSGSIZE && ipNeedsFrag(out, rt.ifp)) {
    stack.icmp.error(pkt, ICMP_UNREACH, ICMP_UNREACH_NEEDFRAG, rt.ifp.mtu, false);
  }
}
