/**
 * ether.ts — the Ethernet link layer (NetBSD's net/if_ethersubr.c): ether_input demuxes
 * received frames by EtherType, ether_output resolves the next hop and frames a datagram.
 *
 * Rules: input accepts frames addressed to the interface's MAC, to broadcast or to a
 * group address, and drops its own frames coming back; a frame too short for a header is
 * an input error, an unknown EtherType is counted in `noproto`. Output maps broadcast and
 * multicast destinations to their group MACs (RFC 1112 §6.4) and asks ARP for the rest;
 * a datagram waiting for ARP is not an error (0 is returned, as NetBSD does). What ARP
 * and IP share with this layer (headroom, framing) is in if_ether.ts, so that neither
 * imports this file; the stack reaches it only through `etherIfattach`.
 */
import { EHOSTUNREACH } from "../kernel/kern/errno.ts";
import type {} from "./arp.ts"; // NetStack.arp
import type { Ifnet } from "./if.ts";
import { etherSend, multicastMac } from "./if_ether.ts";
import { ipInput } from "./ip_input.ts";
import type { NetStack } from "./netstack.ts";
import {
  ETHER_HDR_LEN,
  ETHERTYPE_ARP,
  ETHERTYPE_IP,
  type Ipv4Addr,
  isMulticast,
  MacAddr,
} from "./wire/mod.ts";

/** ether_ifattach: an Ethernet interface's input, output and address announcements. */
export function etherIfattach(stack: NetStack, ifp: Ifnet): void {
  ifp.linkInput = (i, f) => etherInput(stack, i, f);
  ifp.linkOutput = (i, p, nh) => etherOutput(stack, i, p, nh);
  ifp.onConfigure = (i) => stack.arp.announce(i);
}

/** ether_input: one received frame (already a private copy). */
export function etherInput(stack: NetStack, ifp: Ifnet, frame: Uint8Array): void {
  if (frame.length < ETHER_HDR_LEN) {
    ifp.data.ierrors++;
    return;
  }
  const dstGroup = (frame[0] & 1) !== 0;
  if (!dstGroup && !sameMac(frame, 0, ifp.mac!)) return; // not for us (not promiscuous)
  if (sameMac(frame, 6, ifp.mac!)) return; // our own frame, looped back by the medium
  const type = (frame[12] << 8) | frame[13];
  const payload = frame.subarray(ETHER_HDR_LEN);
  switch (type) {
    case ETHERTYPE_IP:
      ipInput(stack, ifp, payload, dstGroup);
      return;
    case ETHERTYPE_ARP:
      stack.arp.input(ifp, payload);
      return;
    default:
      ifp.data.noproto++;
  }
}

/** ether_output: sends IP datagram `pkt` to `nexthop` on `ifp`; 0 or an errno. */
export function etherOutput(
  stack: NetStack,
  ifp: Ifnet,
  pkt: Uint8Array,
  nexthop: Ipv4Addr,
): number {
  let dst: MacAddr;
  if (stack.isBroadcastAddr(nexthop, ifp)) {
    dst = MacAddr.BROADCAST;
  } else if (isMulticast(nexthop)) {
    dst = multicastMac(nexthop);
  } else {
    const r = stack.arp.resolve(ifp, nexthop, pkt);
    if (r === "held") return 0;
    if (r === "unreachable") return EHOSTUNREACH;
    dst = r;
  }
  return etherSend(ifp, dst, ETHERTYPE_IP, pkt);
}

function sameMac(b: Uint8Array, off: number, m: MacAddr): boolean {
  const o = m.octets;
  return b[off] === o[0] && b[off + 1] === o[1] && b[off + 2] === o[2] &&
    b[off + 3] === o[3] && b[off + 4] === o[4] && b[off + 5] === o[5];
}
