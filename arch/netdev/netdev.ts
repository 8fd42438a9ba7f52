/**
 * netdev.ts — what a NIC is plugged into (QEMU's -netdev): the far end of a network
 * interface. A NIC (or a filter) connects a port to it and sends frames into it; the
 * netdev delivers frames from the medium to the connected port.
 *
 * Rules:
 * - Frames are copied at the boundary: `send` may be given a view of guest RAM the NIC
 *   reuses at once, so a netdev that keeps a frame (a queue, a delayed delivery) copies
 *   it, and every frame delivered to a port is the port's own.
 * - Neither call blocks; delivery happens now or in a scheduled event, never by waiting.
 * - A netdev with nothing connected drops what it would deliver, and counts it.
 * - Filters (pcap, fault) are netdevs wrapping another netdev, so they stack: NIC ↔ pcap
 *   ↔ fault ↔ wire, in the order they are built.
 */

/** Where a netdev delivers frames coming off the medium (the NIC side). */
export interface NetPort {
  receive(frame: Uint8Array): void;
}

/** The far end of a NIC. */
export interface Netdev {
  /** Connects the port frames from the medium go to (replacing any previous one). */
  connect(port: NetPort): void;
  /** Puts one frame on the medium. */
  send(frame: Uint8Array): void;
}

/** The smallest frame a netdev forwards: destination, source and EtherType. */
export const ETHER_HDR_LEN = 14;

/** "52:54:00:12:34:56" → six octets; throws a clear Error on anything else. */
export function parseMac(s: string): Uint8Array {
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(s)) {
    throw new Error(
      `bad MAC address ${JSON.stringify(s)}: want six hex octets like 52:54:00:12:34:56`,
    );
  }
  return Uint8Array.from(s.split(":"), (h) => parseInt(h, 16));
}

/** Six octets → "52:54:00:12:34:56". */
export function formatMac(b: Uint8Array, off = 0): string {
  return Array.from(b.subarray(off, off + 6), (o) => o.toString(16).padStart(2, "0")).join(":");
}

/** The MAC address at `off` as one 48-bit number (for Map keys). */
export function macKey(b: Uint8Array, off: number): number {
  let k = 0;
  for (let i = 0; i < 6; i++) k = k * 256 + b[off + i];
  return k;
}
