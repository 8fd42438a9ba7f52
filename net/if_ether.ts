/**
 * if_ether.ts — what the Ethernet link layer shares with the layers that build frames
 * (NetBSD's net/if_ether.h and max_linkhdr): the link headroom every datagram is built
 * with, the IPv4 group-to-MAC mapping, and framing a payload for the driver.
 *
 * Rules: a leaf of net/ — it imports only if.ts's type and the wire formats, so ARP, IP
 * output, fragmentation and forwarding use it without importing ether.ts (which imports
 * them). Nothing here keeps state.
 */
import type { Ifnet } from "./if.ts";
import { ETHER_HDR_LEN, type Ipv4Addr, MacAddr } from "./wire/mod.ts";

/** Room left in front of every datagram the stack builds, for the link header. */
export const MAX_LINKHDR = 16;

/** Frames `payload` for `dst` and hands it to the driver. */
export function etherSend(ifp: Ifnet, dst: MacAddr, type: number, payload: Uint8Array): number {
  const frame = prepend(payload, ETHER_HDR_LEN);
  dst.write(frame, 0);
  ifp.mac!.write(frame, 6);
  frame[12] = type >>> 8;
  frame[13] = type & 0xff;
  return ifp.sendFrame(frame);
}

/**
 * A view `n` bytes longer at the front: in place when the stack left headroom before
 * `pkt` in its buffer (every datagram the stack builds has MAX_LINKHDR), else a copy.
 */
export function prepend(pkt: Uint8Array, n: number): Uint8Array {
  if (pkt.byteOffset >= n) return new Uint8Array(pkt.buffer, pkt.byteOffset - n, pkt.length + n);
  const b = new Uint8Array(pkt.length + n);
  b.set(pkt, n);
  return b;
}

/** 01:00:5e + the low 23 bits of the group (RFC 1112 §6.4, ETHER_MAP_IP_MULTICAST). */
export function multicastMac(group: Ipv4Addr): MacAddr {
  return new MacAddr([0x01, 0x00, 0x5e, (group >>> 16) & 0x7f, (group >>> 8) & 0xff, group & 0xff]);
}
