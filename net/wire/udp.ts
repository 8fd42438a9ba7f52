/**
 * udp.ts — the User Datagram Protocol header (RFC 768).
 *
 * Rules: the view is over the IP payload. It checks the 8-byte header ("truncated"), a
 * length field ≥ 8 ("malformed") and ≤ the buffer ("truncated"); the datagram ends at the
 * length field, whatever follows. The checksum covers the IPv4 pseudo-header, the header
 * and the data: on receive 0 means "none sent" and is accepted; on emit a computed 0 is
 * sent as 0xFFFF (RFC 768, "Fields"; RFC 1122 §4.1.3.4).
 */
import type { Ipv4Addr } from "./addr.ts";
import { getU16, placeBytes, setU16 } from "./bytes.ts";
import { checksum, pseudoHeaderSum, verifyChecksum } from "./checksum.ts";
import { needLen, WireError } from "./error.ts";
import { IPPROTO_UDP } from "./ipv4.ts";

export const UDP_HDR_LEN = 8;

/** A view over one UDP datagram. */
export class UdpPacket {
  constructor(readonly buffer: Uint8Array, check = true) {
    if (check) UdpPacket.check(buffer);
  }

  static check(b: Uint8Array): void {
    needLen(b, UDP_HDR_LEN, "udp header");
    const len = getU16(b, 4);
    if (len < UDP_HDR_LEN) throw new WireError("malformed", `udp: length ${len} < 8`);
    needLen(b, len, "udp length");
  }

  get srcPort(): number {
    return getU16(this.buffer, 0);
  }
  set srcPort(v: number) {
    setU16(this.buffer, 0, v);
  }
  get dstPort(): number {
    return getU16(this.buffer, 2);
  }
  set dstPort(v: number) {
    setU16(this.buffer, 2, v);
  }
  /** Header plus data, in bytes. */
  get length(): number {
    return getU16(this.buffer, 4);
  }
  set length(v: number) {
    setU16(this.buffer, 4, v);
  }
  get checksum(): number {
    return getU16(this.buffer, 6);
  }
  set checksum(v: number) {
    setU16(this.buffer, 6, v);
  }
  /** The data, up to the length field (a view). */
  get payload(): Uint8Array {
    return this.buffer.subarray(UDP_HDR_LEN, this.length);
  }

  /** True if no checksum was sent (0) or it verifies against the pseudo-header. */
  verifyChecksum(src: Ipv4Addr, dst: Ipv4Addr): boolean {
    if (this.checksum === 0) return true;
    const len = this.length;
    return verifyChecksum(this.buffer, 0, len, pseudoHeaderSum(src, dst, IPPROTO_UDP, len));
  }

  /** Computes and writes the checksum (0 becomes 0xFFFF). */
  fillChecksum(src: Ipv4Addr, dst: Ipv4Addr): void {
    const len = this.length;
    this.checksum = 0;
    const c = checksum(this.buffer, 0, len, pseudoHeaderSum(src, dst, IPPROTO_UDP, len));
    this.checksum = c === 0 ? 0xffff : c;
  }
}

/** A UDP datagram as plain data. */
export interface UdpRepr {
  srcPort: number;
  dstPort: number;
  /** The data (parse: a view into the packet). */
  payload: Uint8Array;
}

export const UdpRepr = {
  /** Reads the datagram sent from `src` to `dst`; verifies the checksum unless told not to. */
  parse(p: UdpPacket, src: Ipv4Addr, dst: Ipv4Addr, verify = true): UdpRepr {
    if (verify && !p.verifyChecksum(src, dst)) {
      throw new WireError("checksum", `udp: bad checksum 0x${p.checksum.toString(16)}`);
    }
    return { srcPort: p.srcPort, dstPort: p.dstPort, payload: p.payload };
  },

  bufferLen(repr: UdpRepr): number {
    return UDP_HDR_LEN + repr.payload.length;
  },

  /** Writes header, data and checksum at the start of `buf`; returns the datagram length. */
  emit(repr: UdpRepr, buf: Uint8Array, src: Ipv4Addr, dst: Ipv4Addr): number {
    const len = UdpRepr.bufferLen(repr);
    if (len > 0xffff) throw new WireError("malformed", `udp emit: length ${len}`);
    needLen(buf, len, "udp emit buffer");
    const p = new UdpPacket(buf, false);
    p.srcPort = repr.srcPort;
    p.dstPort = repr.dstPort;
    p.length = len;
    placeBytes(buf, UDP_HDR_LEN, repr.payload);
    p.fillChecksum(src, dst);
    return len;
  },
};
