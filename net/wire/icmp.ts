/**
 * icmp.ts — Internet Control Message Protocol messages for IPv4 (RFC 792).
 *
 * Rules: the view is over the IP payload and checks the 8-byte header; the checksum
 * covers the whole message (RFC 792, "Echo or Echo Reply Message"). The repr speaks echo
 * request/reply (identifier, sequence, data), destination unreachable (codes 0–15; code 4
 * "fragmentation needed" carries the next-hop MTU of RFC 1191 §4) and time exceeded
 * (codes 0–1); other types and codes parse as "unsupported". An error message carries the
 * invoking datagram's IP header and the first 8 bytes of its data as raw bytes (`invoking`)
 * — they are the original sender's, so they are neither checksum- nor length-checked here;
 * `parseInvoking` reads the addresses and protocol out of them for the transport layer.
 */
import { type Ipv4Addr, readIpv4 } from "./addr.ts";
import { getU16, placeBytes, setU16 } from "./bytes.ts";
import { checksum, verifyChecksum } from "./checksum.ts";
import { needLen, WireError } from "./error.ts";
import { IP_HDR_LEN } from "./ipv4.ts";

export const ICMP_HDR_LEN = 8;

/** Types (NetBSD netinet/ip_icmp.h names). */
export const ICMP_ECHOREPLY = 0;
export const ICMP_UNREACH = 3;
export const ICMP_ECHO = 8;
export const ICMP_TIMXCEED = 11;

/** Destination unreachable codes (RFC 792; 6–12 RFC 1122 §3.2.2.1; 13–15 RFC 1812 §5.2.7.1). */
export const ICMP_UNREACH_NET = 0;
export const ICMP_UNREACH_HOST = 1;
export const ICMP_UNREACH_PROTOCOL = 2;
export const ICMP_UNREACH_PORT = 3;
export const ICMP_UNREACH_NEEDFRAG = 4;
export const ICMP_UNREACH_SRCFAIL = 5;
export const ICMP_UNREACH_FILTER_PROHIB = 13;

/** Time exceeded codes. */
export const ICMP_TIMXCEED_INTRANS = 0;
export const ICMP_TIMXCEED_REASS = 1;

/** A view over one ICMP message. */
export class IcmpPacket {
  constructor(readonly buffer: Uint8Array, check = true) {
    if (check) IcmpPacket.check(buffer);
  }

  static check(b: Uint8Array): void {
    needLen(b, ICMP_HDR_LEN, "icmp header");
  }

  get msgType(): number {
    return this.buffer[0];
  }
  set msgType(v: number) {
    this.buffer[0] = v;
  }
  get code(): number {
    return this.buffer[1];
  }
  set code(v: number) {
    this.buffer[1] = v;
  }
  get checksum(): number {
    return getU16(this.buffer, 2);
  }
  set checksum(v: number) {
    setU16(this.buffer, 2, v);
  }
  /** Echo identifier (bytes 4–5). */
  get ident(): number {
    return getU16(this.buffer, 4);
  }
  set ident(v: number) {
    setU16(this.buffer, 4, v);
  }
  /** Echo sequence number (bytes 6–7). */
  get seq(): number {
    return getU16(this.buffer, 6);
  }
  set seq(v: number) {
    setU16(this.buffer, 6, v);
  }
  /** Next-hop MTU of "fragmentation needed" (bytes 6–7, RFC 1191 §4). */
  get nextHopMtu(): number {
    return getU16(this.buffer, 6);
  }
  set nextHopMtu(v: number) {
    setU16(this.buffer, 6, v);
  }
  /** Bytes 4–7 ("unused" in error messages), as one word. */
  get restOfHeader(): number {
    return ((getU16(this.buffer, 4) << 16) | getU16(this.buffer, 6)) >>> 0;
  }
  /** Everything after the 8-byte header: echo data or the invoking datagram. */
  get data(): Uint8Array {
    return this.buffer.subarray(ICMP_HDR_LEN);
  }

  verifyChecksum(): boolean {
    return verifyChecksum(this.buffer);
  }
  fillChecksum(): void {
    this.checksum = 0;
    this.checksum = checksum(this.buffer);
  }
}

/** An ICMP message as plain data. */
export type IcmpRepr =
  | { type: "echoRequest"; ident: number; seq: number; data: Uint8Array }
  | { type: "echoReply"; ident: number; seq: number; data: Uint8Array }
  | {
    type: "dstUnreachable";
    code: number;
    /** RFC 1191 next-hop MTU for code 4 (ICMP_UNREACH_NEEDFRAG); 0 otherwise. */
    nextHopMtu: number;
    /** The invoking datagram's IP header + first 8 data bytes. */
    invoking: Uint8Array;
  }
  | { type: "timeExceeded"; code: number; invoking: Uint8Array };

export const IcmpRepr = {
  /** Reads the message (a whole IP payload); verifies the checksum unless told not to. */
  parse(p: IcmpPacket, verify = true): IcmpRepr {
    if (verify && !p.verifyChecksum()) {
      throw new WireError("checksum", `icmp: bad checksum 0x${p.checksum.toString(16)}`);
    }
    const t = p.msgType, code = p.code;
    switch (t) {
      case ICMP_ECHO:
      case ICMP_ECHOREPLY:
        if (code !== 0) break;
        return {
          type: t === ICMP_ECHO ? "echoRequest" : "echoReply",
          ident: p.ident,
          seq: p.seq,
          data: p.data,
        };
      case ICMP_UNREACH:
        if (code > 15) break;
        return {
          type: "dstUnreachable",
          code,
          nextHopMtu: code === ICMP_UNREACH_NEEDFRAG ? p.nextHopMtu : 0,
          invoking: checkInvoking(p.data),
        };
      case ICMP_TIMXCEED:
        if (code > ICMP_TIMXCEED_REASS) break;
        return { type: "timeExceeded", code, invoking: checkInvoking(p.data) };
    }
    throw new WireError("unsupported", `icmp: type ${t} code ${code}`);
  },

  bufferLen(repr: IcmpRepr): number {
    return ICMP_HDR_LEN + ("data" in repr ? repr.data.length : repr.invoking.length);
  },

  /** Writes the message and its checksum at the start of `buf`; returns its length. */
  emit(repr: IcmpRepr, buf: Uint8Array): number {
    const len = IcmpRepr.bufferLen(repr);
    needLen(buf, len, "icmp emit buffer");
    const p = new IcmpPacket(buf, false);
    switch (repr.type) {
      case "echoRequest":
      case "echoReply":
        p.msgType = repr.type === "echoRequest" ? ICMP_ECHO : ICMP_ECHOREPLY;
        p.code = 0;
        p.ident = repr.ident;
        p.seq = repr.seq;
        placeBytes(buf, ICMP_HDR_LEN, repr.data);
        break;
      case "dstUnreachable":
        p.msgType = ICMP_UNREACH;
        p.code = repr.code;
        p.ident = 0;
        p.nextHopMtu = repr.code === ICMP_UNREACH_NEEDFRAG ? repr.nextHopMtu : 0;
        placeBytes(buf, ICMP_HDR_LEN, repr.invoking);
        break;
      case "timeExceeded":
        p.msgType = ICMP_TIMXCEED;
        p.code = repr.code;
        p.ident = 0;
        p.seq = 0;
        placeBytes(buf, ICMP_HDR_LEN, repr.invoking);
        break;
    }
    new IcmpPacket(buf.subarray(0, len), false).fillChecksum();
    return len;
  },
};

/** The invoking datagram must at least hold an IPv4 header whose IHL fits. */
function checkInvoking(data: Uint8Array): Uint8Array {
  parseInvoking(data);
  return data;
}

/** What the transport layer needs from an ICMP error's invoking datagram. */
export interface InvokingDatagram {
  src: Ipv4Addr;
  dst: Ipv4Addr;
  protocol: number;
  /** The first bytes of its transport header (8 per RFC 792; ports, and TCP's SEQ). */
  transport: Uint8Array;
}

/**
 * Reads the invoking datagram of an ICMP error: version 4, IHL ≥ 5 and within the bytes
 * ("malformed"/"truncated"); the original's total length and checksum are not checked.
 */
export function parseInvoking(invoking: Uint8Array): InvokingDatagram {
  needLen(invoking, IP_HDR_LEN, "icmp invoking header");
  if (invoking[0] >>> 4 !== 4) {
    throw new WireError("malformed", `icmp: invoking version ${invoking[0] >>> 4}`);
  }
  const hlen = (invoking[0] & 0xf) * 4;
  if (hlen < IP_HDR_LEN) throw new WireError("malformed", `icmp: invoking IHL ${hlen / 4}`);
  needLen(invoking, hlen, "icmp invoking header with options");
  return {
    src: readIpv4(invoking, 12),
    dst: readIpv4(invoking, 16),
    protocol: invoking[9],
    transport: invoking.subarray(hlen, hlen + 8),
  };
}

/**
 * The bytes an ICMP error quotes from the IP packet `packet`: its header and the first
 * 8 bytes of its data (RFC 792), a copy. The packet must have passed Ipv4Packet.check.
 */
export function invokingOf(packet: Uint8Array): Uint8Array {
  const hlen = (packet[0] & 0xf) * 4;
  const total = getU16(packet, 2);
  return packet.slice(0, Math.min(total, packet.length, hlen + 8));
}
