/**
 * tcp.ts — the Transmission Control Protocol header (RFC 9293 §3.1).
 *
 * Rules: the view is over the whole IP payload (the segment). It checks the 20-byte fixed
 * header ("truncated"), a data offset ≥ 5 ("malformed") and the data offset·4 header within
 * the buffer ("truncated"); the payload is everything after the header. The checksum
 * covers the IPv4 pseudo-header (with the segment length), the header and the data (RFC
 * 9293 §3.1 "Checksum"); parse verifies it, emit fills it. Flags are NetBSD's TH_* bits of
 * byte 13; the four reserved bits are ignored on parse and sent as zero. Options: see
 * tcp_options.ts. SEQ and ACK are kept raw, whether or not ACK is set.
 */
import type { Ipv4Addr } from "./addr.ts";
import { getU16, getU32, placeBytes, setU16, setU32 } from "./bytes.ts";
import { checksum, pseudoHeaderSum, verifyChecksum } from "./checksum.ts";
import { needLen, WireError } from "./error.ts";
import { IPPROTO_TCP } from "./ipv4.ts";
import { emitTcpOptions, parseTcpOptions, type TcpOptions, tcpOptionsLen } from "./tcp_options.ts";

export const TCP_HDR_LEN = 20;
export const TCP_MAX_HDR_LEN = 60;

/** Control bits (RFC 9293 §3.1; ECE and CWR: RFC 3168 §6.1). */
export const TH_FIN = 0x01;
export const TH_SYN = 0x02;
export const TH_RST = 0x04;
export const TH_PUSH = 0x08;
export const TH_ACK = 0x10;
export const TH_URG = 0x20;
export const TH_ECE = 0x40;
export const TH_CWR = 0x80;

/** A view over one TCP segment. */
export class TcpPacket {
  constructor(readonly buffer: Uint8Array, check = true) {
    if (check) TcpPacket.check(buffer);
  }

  static check(b: Uint8Array): void {
    needLen(b, TCP_HDR_LEN, "tcp header");
    const off = b[12] >>> 4;
    if (off < 5) throw new WireError("malformed", `tcp: data offset ${off} < 5`);
    needLen(b, off * 4, "tcp header with options");
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
  /** SEG.SEQ. */
  get seq(): number {
    return getU32(this.buffer, 4);
  }
  set seq(v: number) {
    setU32(this.buffer, 4, v);
  }
  /** SEG.ACK. */
  get ack(): number {
    return getU32(this.buffer, 8);
  }
  set ack(v: number) {
    setU32(this.buffer, 8, v);
  }
  /** Header length in bytes (data offset · 4). */
  get headerLen(): number {
    return (this.buffer[12] >>> 4) * 4;
  }
  /** Sets the data offset for a header of `len` bytes (reserved bits cleared). */
  set headerLen(len: number) {
    this.buffer[12] = (len >>> 2) << 4;
  }
  /** TH_* bits. */
  get flags(): number {
    return this.buffer[13];
  }
  set flags(v: number) {
    this.buffer[13] = v;
  }
  /** SEG.WND, unscaled. */
  get window(): number {
    return getU16(this.buffer, 14);
  }
  set window(v: number) {
    setU16(this.buffer, 14, v);
  }
  get checksum(): number {
    return getU16(this.buffer, 16);
  }
  set checksum(v: number) {
    setU16(this.buffer, 16, v);
  }
  /** SEG.UP. */
  get urgent(): number {
    return getU16(this.buffer, 18);
  }
  set urgent(v: number) {
    setU16(this.buffer, 18, v);
  }
  /** The option bytes (a view). */
  get options(): Uint8Array {
    return this.buffer.subarray(TCP_HDR_LEN, this.headerLen);
  }
  /** The data after the header (a view). */
  get payload(): Uint8Array {
    return this.buffer.subarray(this.headerLen);
  }

  verifyChecksum(src: Ipv4Addr, dst: Ipv4Addr): boolean {
    const len = this.buffer.length;
    return verifyChecksum(this.buffer, 0, len, pseudoHeaderSum(src, dst, IPPROTO_TCP, len));
  }
  fillChecksum(src: Ipv4Addr, dst: Ipv4Addr): void {
    const len = this.buffer.length;
    this.checksum = 0;
    this.checksum = checksum(this.buffer, 0, len, pseudoHeaderSum(src, dst, IPPROTO_TCP, len));
  }
}

/** A TCP segment as plain data. */
export interface TcpRepr {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** TH_* bits. */
  flags: number;
  /** The window field as sent (unscaled). */
  window: number;
  urgent: number;
  options: TcpOptions;
  /** The data (parse: a view into the segment). */
  payload: Uint8Array;
}

export const TcpRepr = {
  /** Reads the segment sent from `src` to `dst`; verifies the checksum unless told not to. */
  parse(p: TcpPacket, src: Ipv4Addr, dst: Ipv4Addr, verify = true): TcpRepr {
    if (verify && !p.verifyChecksum(src, dst)) {
      throw new WireError("checksum", `tcp: bad checksum 0x${p.checksum.toString(16)}`);
    }
    return {
      srcPort: p.srcPort,
      dstPort: p.dstPort,
      seq: p.seq,
      ack: p.ack,
      flags: p.flags,
      window: p.window,
      urgent: p.urgent,
      options: parseTcpOptions(p.options),
      payload: p.payload,
    };
  },

  headerLen(repr: TcpRepr): number {
    return TCP_HDR_LEN + tcpOptionsLen(repr.options);
  },

  /**
   * SEG.LEN: the sequence space the segment occupies — data, plus one each for SYN and FIN
   * (RFC 9293 §3.4).
   */
  segmentLen(repr: TcpRepr): number {
    return repr.payload.length + (repr.flags & TH_SYN ? 1 : 0) + (repr.flags & TH_FIN ? 1 : 0);
  },

  bufferLen(repr: TcpRepr): number {
    return TcpRepr.headerLen(repr) + repr.payload.length;
  },

  /**
   * Writes header, options, data and checksum at the start of `buf` for a segment from
   * `src` to `dst`; returns the segment length. The data is not copied if `repr.payload`
   * already lies in place.
   */
  emit(repr: TcpRepr, buf: Uint8Array, src: Ipv4Addr, dst: Ipv4Addr): number {
    const hlen = TcpRepr.headerLen(repr);
    const len = hlen + repr.payload.length;
    if (hlen > TCP_MAX_HDR_LEN) throw new WireError("malformed", `tcp emit: header ${hlen}`);
    needLen(buf, len, "tcp emit buffer");
    const seg = buf.subarray(0, len);
    const p = new TcpPacket(seg, false);
    p.srcPort = repr.srcPort;
    p.dstPort = repr.dstPort;
    p.seq = repr.seq;
    p.ack = repr.ack;
    p.headerLen = hlen;
    p.flags = repr.flags;
    p.window = repr.window;
    p.urgent = repr.urgent;
    emitTcpOptions(repr.options, seg, TCP_HDR_LEN);
    placeBytes(seg, hlen, repr.payload);
    p.fillChecksum(src, dst);
    return len;
  },
};
