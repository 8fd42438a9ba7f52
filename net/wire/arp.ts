/**
 * arp.ts — the Address Resolution Protocol packet (RFC 826) for Ethernet and IPv4.
 *
 * Rules: the view checks the fixed 8 bytes, then the address lengths it declares
 * (8 + 2·hlen + 2·plen), so its address accessors stay in range; the repr speaks only
 * Ethernet (hrd 1, hln 6) over IPv4 (pro 0x0800, pln 4) and requests/replies (op 1, 2):
 * anything else parses as "unsupported". Bytes past the packet (frame padding) are ignored.
 */
import { type Ipv4Addr, MacAddr, readIpv4, writeIpv4 } from "./addr.ts";
import { getU16, setU16 } from "./bytes.ts";
import { needLen, WireError } from "./error.ts";
import { ETHERTYPE_IP } from "./ethernet.ts";

/** ar_hrd for Ethernet. */
export const ARPHRD_ETHER = 1;
export const ARPOP_REQUEST = 1;
export const ARPOP_REPLY = 2;
/** Length of an Ethernet/IPv4 ARP packet. */
export const ARP_ETHER_IP_LEN = 28;

/** A view over one ARP packet (fields named as RFC 826 / NetBSD's struct arphdr). */
export class ArpPacket {
  constructor(readonly buffer: Uint8Array, check = true) {
    if (check) ArpPacket.check(buffer);
  }

  /** Throws "truncated" unless the fixed part and the declared addresses fit. */
  static check(buffer: Uint8Array): void {
    needLen(buffer, 8, "arp header");
    needLen(buffer, 8 + 2 * (buffer[4] + buffer[5]), "arp addresses");
  }

  /** ar_hrd: hardware type. */
  get hrd(): number {
    return getU16(this.buffer, 0);
  }
  set hrd(v: number) {
    setU16(this.buffer, 0, v);
  }
  /** ar_pro: protocol type (an EtherType). */
  get pro(): number {
    return getU16(this.buffer, 2);
  }
  set pro(v: number) {
    setU16(this.buffer, 2, v);
  }
  /** ar_hln: hardware address length. */
  get hln(): number {
    return this.buffer[4];
  }
  set hln(v: number) {
    this.buffer[4] = v;
  }
  /** ar_pln: protocol address length. */
  get pln(): number {
    return this.buffer[5];
  }
  set pln(v: number) {
    this.buffer[5] = v;
  }
  /** ar_op: operation. */
  get op(): number {
    return getU16(this.buffer, 6);
  }
  set op(v: number) {
    setU16(this.buffer, 6, v);
  }

  /** Sender hardware address bytes. */
  get sha(): Uint8Array {
    return this.buffer.subarray(8, 8 + this.hln);
  }
  /** Sender protocol address bytes. */
  get spa(): Uint8Array {
    const o = 8 + this.hln;
    return this.buffer.subarray(o, o + this.pln);
  }
  /** Target hardware address bytes. */
  get tha(): Uint8Array {
    const o = 8 + this.hln + this.pln;
    return this.buffer.subarray(o, o + this.hln);
  }
  /** Target protocol address bytes. */
  get tpa(): Uint8Array {
    const o = 8 + 2 * this.hln + this.pln;
    return this.buffer.subarray(o, o + this.pln);
  }
}

/** An Ethernet/IPv4 ARP request or reply. */
export interface ArpRepr {
  op: typeof ARPOP_REQUEST | typeof ARPOP_REPLY;
  sha: MacAddr;
  spa: Ipv4Addr;
  tha: MacAddr;
  tpa: Ipv4Addr;
}

export const ArpRepr = {
  parse(p: ArpPacket): ArpRepr {
    if (p.hrd !== ARPHRD_ETHER || p.hln !== 6) {
      throw new WireError("unsupported", `arp: hardware type ${p.hrd} length ${p.hln}`);
    }
    if (p.pro !== ETHERTYPE_IP || p.pln !== 4) {
      throw new WireError("unsupported", `arp: protocol type 0x${p.pro.toString(16)}`);
    }
    const op = p.op;
    if (op !== ARPOP_REQUEST && op !== ARPOP_REPLY) {
      throw new WireError("unsupported", `arp: operation ${op}`);
    }
    const b = p.buffer;
    return {
      op,
      sha: MacAddr.read(b, 8),
      spa: readIpv4(b, 14),
      tha: MacAddr.read(b, 18),
      tpa: readIpv4(b, 24),
    };
  },

  /** Writes the 28-byte packet at the start of `buf`; returns its length. */
  emit(repr: ArpRepr, buf: Uint8Array): number {
    needLen(buf, ARP_ETHER_IP_LEN, "arp emit buffer");
    const p = new ArpPacket(buf, false);
    p.hrd = ARPHRD_ETHER;
    p.pro = ETHERTYPE_IP;
    p.hln = 6;
    p.pln = 4;
    p.op = repr.op;
    repr.sha.write(buf, 8);
    writeIpv4(buf, 14, repr.spa);
    repr.tha.write(buf, 18);
    writeIpv4(buf, 24, repr.tpa);
    return ARP_ETHER_IP_LEN;
  },

  bufferLen(_repr: ArpRepr): number {
    return ARP_ETHER_IP_LEN;
  },
};
