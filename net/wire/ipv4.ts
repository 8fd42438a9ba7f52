/**
 * ipv4.ts — the Internet Protocol version 4 header (RFC 791 §3.1).
 *
 * Rules: the view checks, in this order, that the buffer holds 20 bytes ("truncated"),
 * version 4 and IHL ≥ 5 ("malformed"), the IHL·4 header ("truncated"), total length ≥
 * IHL·4 ("malformed") and total length ≤ the buffer ("truncated"); after that every
 * accessor is in range. Bytes past the total length (Ethernet padding) are not part of the
 * packet: `payload` ends at the total length. Options are exposed as bytes and skipped;
 * nothing interprets them. The header checksum is verified by parse and filled by emit.
 * The fragment offset field counts 8-byte units; the view and repr speak bytes.
 */
import { type Ipv4Addr, readIpv4, writeIpv4 } from "./addr.ts";
import { getU16, setU16 } from "./bytes.ts";
import { checksum, verifyChecksum } from "./checksum.ts";
import { needLen, WireError } from "./error.ts";

/** Header bytes without options. */
export const IP_HDR_LEN = 20;
/** Largest header: IHL 15. */
export const IP_MAX_HDR_LEN = 60;
/** Largest packet: the 16-bit total length. */
export const IP_MAXPACKET = 65535;

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

/** Flag bits in the 16-bit flags/fragment-offset word (RFC 791 §3.1). */
export const IP_DF = 0x4000;
export const IP_MF = 0x2000;
/** The fragment offset bits of that word (in 8-byte units). */
export const IP_OFFMASK = 0x1fff;

/** A view over one IPv4 packet. */
export class Ipv4Packet {
  constructor(readonly buffer: Uint8Array, check = true) {
    if (check) Ipv4Packet.check(buffer);
  }

  /** Throws WireError unless the header and the total length fit the buffer. */
  static check(b: Uint8Array): void {
    needLen(b, IP_HDR_LEN, "ipv4 header");
    const version = b[0] >>> 4;
    if (version !== 4) throw new WireError("malformed", `ipv4: version ${version}`);
    const hlen = (b[0] & 0xf) * 4;
    if (hlen < IP_HDR_LEN) throw new WireError("malformed", `ipv4: IHL ${hlen / 4} < 5`);
    needLen(b, hlen, "ipv4 header with options");
    const total = getU16(b, 2);
    if (total < hlen) {
      throw new WireError("malformed", `ipv4: total length ${total} < header length ${hlen}`);
    }
    needLen(b, total, "ipv4 total length");
  }

  get version(): number {
    return this.buffer[0] >>> 4;
  }
  /** Header length in bytes (IHL · 4). */
  get headerLen(): number {
    return (this.buffer[0] & 0xf) * 4;
  }
  /** Sets version 4 and the IHL for a header of `len` bytes (a multiple of 4). */
  set headerLen(len: number) {
    this.buffer[0] = 0x40 | (len >>> 2);
  }
  /** Differentiated services code point (RFC 2474): the high 6 bits of the old TOS. */
  get dscp(): number {
    return this.buffer[1] >>> 2;
  }
  set dscp(v: number) {
    this.buffer[1] = (this.buffer[1] & 3) | (v << 2);
  }
  /** Explicit congestion notification (RFC 3168): the low 2 bits of the old TOS. */
  get ecn(): number {
    return this.buffer[1] & 3;
  }
  set ecn(v: number) {
    this.buffer[1] = (this.buffer[1] & 0xfc) | (v & 3);
  }
  get totalLen(): number {
    return getU16(this.buffer, 2);
  }
  set totalLen(v: number) {
    setU16(this.buffer, 2, v);
  }
  /** Identification (RFC 791; RFC 6864). */
  get ident(): number {
    return getU16(this.buffer, 4);
  }
  set ident(v: number) {
    setU16(this.buffer, 4, v);
  }
  get dontFrag(): boolean {
    return (getU16(this.buffer, 6) & IP_DF) !== 0;
  }
  set dontFrag(on: boolean) {
    const w = getU16(this.buffer, 6);
    setU16(this.buffer, 6, on ? w | IP_DF : w & ~IP_DF);
  }
  get moreFrags(): boolean {
    return (getU16(this.buffer, 6) & IP_MF) !== 0;
  }
  set moreFrags(on: boolean) {
    const w = getU16(this.buffer, 6);
    setU16(this.buffer, 6, on ? w | IP_MF : w & ~IP_MF);
  }
  /** Fragment offset in bytes (the field holds 8-byte units). */
  get fragOffset(): number {
    return (getU16(this.buffer, 6) & IP_OFFMASK) * 8;
  }
  set fragOffset(bytes: number) {
    const w = getU16(this.buffer, 6);
    setU16(this.buffer, 6, (w & ~IP_OFFMASK) | ((bytes >>> 3) & IP_OFFMASK));
  }
  get ttl(): number {
    return this.buffer[8];
  }
  set ttl(v: number) {
    this.buffer[8] = v;
  }
  get protocol(): number {
    return this.buffer[9];
  }
  set protocol(v: number) {
    this.buffer[9] = v;
  }
  get checksum(): number {
    return getU16(this.buffer, 10);
  }
  set checksum(v: number) {
    setU16(this.buffer, 10, v);
  }
  get src(): Ipv4Addr {
    return readIpv4(this.buffer, 12);
  }
  set src(a: Ipv4Addr) {
    writeIpv4(this.buffer, 12, a);
  }
  get dst(): Ipv4Addr {
    return readIpv4(this.buffer, 16);
  }
  set dst(a: Ipv4Addr) {
    writeIpv4(this.buffer, 16, a);
  }
  /** The option bytes between the fixed header and the payload (a view). */
  get options(): Uint8Array {
    return this.buffer.subarray(IP_HDR_LEN, this.headerLen);
  }
  /** The data after the header, up to the total length (a view). */
  get payload(): Uint8Array {
    return this.buffer.subarray(this.headerLen, this.totalLen);
  }

  /** True if the header checksum verifies. */
  verifyChecksum(): boolean {
    return verifyChecksum(this.buffer, 0, this.headerLen);
  }
  /** Computes and writes the header checksum. */
  fillChecksum(): void {
    this.checksum = 0;
    this.checksum = checksum(this.buffer, 0, this.headerLen);
  }
}

/** An IPv4 header as plain data. */
export interface Ipv4Repr {
  src: Ipv4Addr;
  dst: Ipv4Addr;
  /** IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, ... */
  protocol: number;
  ttl: number;
  dscp: number;
  ecn: number;
  ident: number;
  dontFrag: boolean;
  moreFrags: boolean;
  /** Offset of this fragment's data in the original datagram, in bytes (a multiple of 8). */
  fragOffset: number;
  /** Bytes of data after the header (total length − header length). */
  payloadLen: number;
  /** Option bytes, a multiple of 4, at most 40 (parse: a view into the packet). */
  options?: Uint8Array;
}

export const Ipv4Repr = {
  /** Reads the header; verifies its checksum unless `verify` is false. */
  parse(p: Ipv4Packet, verify = true): Ipv4Repr {
    if (verify && !p.verifyChecksum()) {
      throw new WireError("checksum", `ipv4: bad header checksum 0x${p.checksum.toString(16)}`);
    }
    return {
      src: p.src,
      dst: p.dst,
      protocol: p.protocol,
      ttl: p.ttl,
      dscp: p.dscp,
      ecn: p.ecn,
      ident: p.ident,
      dontFrag: p.dontFrag,
      moreFrags: p.moreFrags,
      fragOffset: p.fragOffset,
      payloadLen: p.totalLen - p.headerLen,
      options: p.options,
    };
  },

  /** Header length of this repr (20 + options). */
  headerLen(repr: Ipv4Repr): number {
    return IP_HDR_LEN + (repr.options?.length ?? 0);
  },

  /** Header plus payload. */
  bufferLen(repr: Ipv4Repr): number {
    return Ipv4Repr.headerLen(repr) + repr.payloadLen;
  },

  /**
   * Writes the header (with checksum) at the start of `buf`; the payload is the caller's.
   * Returns the header length.
   */
  emit(repr: Ipv4Repr, buf: Uint8Array): number {
    const optLen = repr.options?.length ?? 0;
    if (optLen % 4 !== 0 || optLen > IP_MAX_HDR_LEN - IP_HDR_LEN) {
      throw new WireError("malformed", `ipv4 emit: ${optLen} option bytes`);
    }
    const hlen = IP_HDR_LEN + optLen;
    if (hlen + repr.payloadLen > IP_MAXPACKET) {
      throw new WireError("malformed", `ipv4 emit: total length ${hlen + repr.payloadLen}`);
    }
    if (repr.fragOffset % 8 !== 0 || repr.fragOffset > IP_OFFMASK * 8) {
      throw new WireError("malformed", `ipv4 emit: fragment offset ${repr.fragOffset}`);
    }
    needLen(buf, hlen, "ipv4 emit buffer");
    const p = new Ipv4Packet(buf, false);
    p.headerLen = hlen;
    buf[1] = ((repr.dscp & 0x3f) << 2) | (repr.ecn & 3);
    p.totalLen = hlen + repr.payloadLen;
    p.ident = repr.ident;
    setU16(
      buf,
      6,
      (repr.dontFrag ? IP_DF : 0) | (repr.moreFrags ? IP_MF : 0) | (repr.fragOffset >>> 3),
    );
    p.ttl = repr.ttl;
    p.protocol = repr.protocol;
    p.src = repr.src;
    p.dst = repr.dst;
    if (optLen > 0) buf.set(repr.options!, IP_HDR_LEN);
    p.fillChecksum();
    return hlen;
  },
};
