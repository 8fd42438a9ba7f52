/**
 * addr.ts — link and network addresses: IPv4 addresses as numbers, MAC addresses as a class.
 *
 * Rules: an `Ipv4Addr` is an unsigned 32-bit number in host arithmetic (10.0.0.1 is
 * 0x0A000001), read from and written to the wire big-endian; every helper returns it
 * unsigned (`>>> 0`). Text forms are strict: dotted quads of 1–3 decimal digits each,
 * no leading zeros (as inet_pton(3)); MACs as six colon-separated hex pairs. Bad text
 * throws WireError "malformed". A MacAddr owns a private copy of its six octets.
 */
import { WireError } from "./error.ts";

/** An IPv4 address as an unsigned 32-bit number. */
export type Ipv4Addr = number;

/** 0.0.0.0 (INADDR_ANY). */
export const INADDR_ANY: Ipv4Addr = 0;
/** 255.255.255.255, the limited broadcast (INADDR_BROADCAST). */
export const INADDR_BROADCAST: Ipv4Addr = 0xffffffff;
/** 127.0.0.1 (INADDR_LOOPBACK). */
export const INADDR_LOOPBACK: Ipv4Addr = 0x7f000001;

const QUAD = /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$/;

/** Parses "10.0.0.1" into an Ipv4Addr; throws WireError "malformed" on anything else. */
export function parseIpv4(s: string): Ipv4Addr {
  const m = QUAD.exec(s);
  if (m === null) throw new WireError("malformed", `bad IPv4 address ${JSON.stringify(s)}`);
  let a = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) throw new WireError("malformed", `bad IPv4 address ${JSON.stringify(s)}`);
    a = a * 256 + o;
  }
  return a;
}

/** Formats an Ipv4Addr as a dotted quad. */
export function formatIpv4(a: Ipv4Addr): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

export function readIpv4(b: Uint8Array, off: number): Ipv4Addr {
  return ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
}

export function writeIpv4(b: Uint8Array, off: number, a: Ipv4Addr): void {
  b[off] = a >>> 24;
  b[off + 1] = a >>> 16;
  b[off + 2] = a >>> 8;
  b[off + 3] = a;
}

/** The netmask of a prefix length 0..32 (24 → 255.255.255.0). */
export function prefixToNetmask(prefixLen: number): Ipv4Addr {
  if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > 32) {
    throw new WireError("malformed", `bad IPv4 prefix length ${prefixLen}`);
  }
  return prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
}

/** The prefix length of a contiguous netmask; throws WireError "malformed" otherwise. */
export function netmaskToPrefix(mask: Ipv4Addr): number {
  const inv = ~mask >>> 0; // the host bits: must be 2^k − 1
  if ((inv & (inv + 1)) !== 0) {
    throw new WireError("malformed", `non-contiguous netmask ${formatIpv4(mask)}`);
  }
  return Math.clz32(inv);
}

/** The network address of `addr` under a prefix length (10.0.2.15/24 → 10.0.2.0). */
export function networkOf(addr: Ipv4Addr, prefixLen: number): Ipv4Addr {
  return (addr & prefixToNetmask(prefixLen)) >>> 0;
}

/** True if `addr` lies in the subnet `net`/`prefixLen`. */
export function inSubnet(addr: Ipv4Addr, net: Ipv4Addr, prefixLen: number): boolean {
  const mask = prefixToNetmask(prefixLen);
  return ((addr & mask) >>> 0) === ((net & mask) >>> 0);
}

/** The directed broadcast address of the subnet `net`/`prefixLen` (10.0.2.0/24 → .255). */
export function subnetBroadcast(net: Ipv4Addr, prefixLen: number): Ipv4Addr {
  return (net | ~prefixToNetmask(prefixLen)) >>> 0;
}

/**
 * True for the limited broadcast 255.255.255.255, and, given a subnet, for its directed
 * broadcast (RFC 1122 §3.2.1.3; /31 and /32 have none, RFC 3021).
 */
export function isBroadcast(addr: Ipv4Addr, net?: Ipv4Addr, prefixLen?: number): boolean {
  if (addr >>> 0 === INADDR_BROADCAST) return true;
  if (net === undefined || prefixLen === undefined || prefixLen >= 31) return false;
  return inSubnet(addr, net, prefixLen) && addr >>> 0 === subnetBroadcast(net, prefixLen);
}

/** True for class D, 224.0.0.0/4 (RFC 1112). */
export function isMulticast(addr: Ipv4Addr): boolean {
  return addr >>> 28 === 0xe;
}

/** True for 127.0.0.0/8. */
export function isLoopback(addr: Ipv4Addr): boolean {
  return addr >>> 24 === 127;
}

/** True for 0.0.0.0. */
export function isUnspecified(addr: Ipv4Addr): boolean {
  return addr >>> 0 === 0;
}

/** Parses "10.0.2.0/24" (a bare address means /32). */
export function parseCidr(s: string): { addr: Ipv4Addr; prefixLen: number } {
  const slash = s.indexOf("/");
  if (slash < 0) return { addr: parseIpv4(s), prefixLen: 32 };
  const len = s.slice(slash + 1);
  if (!/^(0|[1-9][0-9]?)$/.test(len) || Number(len) > 32) {
    throw new WireError("malformed", `bad IPv4 prefix ${JSON.stringify(s)}`);
  }
  return { addr: parseIpv4(s.slice(0, slash)), prefixLen: Number(len) };
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/** A 48-bit IEEE 802 MAC address. */
export class MacAddr {
  /** The six octets, in wire order (a private copy). */
  readonly octets: Uint8Array;

  constructor(octets: ArrayLike<number>) {
    if (octets.length !== 6) {
      throw new WireError("malformed", `a MAC address has 6 octets, not ${octets.length}`);
    }
    this.octets = Uint8Array.from(octets);
  }

  /** ff:ff:ff:ff:ff:ff. */
  static readonly BROADCAST: MacAddr = new MacAddr([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  /** 00:00:00:00:00:00 (an ARP request's unknown target). */
  static readonly ZERO: MacAddr = new MacAddr([0, 0, 0, 0, 0, 0]);

  /** Parses "52:54:00:12:34:56"; throws WireError "malformed" on anything else. */
  static parse(s: string): MacAddr {
    if (!MAC.test(s)) throw new WireError("malformed", `bad MAC address ${JSON.stringify(s)}`);
    return new MacAddr(s.split(":").map((h) => parseInt(h, 16)));
  }

  /** Reads six octets at `off` (the caller has checked the length). */
  static read(b: Uint8Array, off: number): MacAddr {
    return new MacAddr(b.subarray(off, off + 6));
  }

  /** Writes the six octets at `off`. */
  write(b: Uint8Array, off: number): void {
    b.set(this.octets, off);
  }

  /** ff:ff:ff:ff:ff:ff. */
  isBroadcast(): boolean {
    return this.octets.every((o) => o === 0xff);
  }

  /** The I/G bit (bit 0 of the first octet): group address; broadcast is one too. */
  isMulticast(): boolean {
    return (this.octets[0] & 1) !== 0;
  }

  /** Not a group address. */
  isUnicast(): boolean {
    return (this.octets[0] & 1) === 0;
  }

  /** The U/L bit (bit 1 of the first octet): locally administered. */
  isLocal(): boolean {
    return (this.octets[0] & 2) !== 0;
  }

  equals(o: MacAddr): boolean {
    for (let i = 0; i < 6; i++) if (this.octets[i] !== o.octets[i]) return false;
    return true;
  }

  /** The address as one 48-bit number, for Map keys (a learning switch's table). */
  toKey(): number {
    let k = 0;
    for (let i = 0; i < 6; i++) k = k * 256 + this.octets[i];
    return k;
  }

  /** "52:54:00:12:34:56". */
  toString(): string {
    return Array.from(this.octets, (o) => o.toString(16).padStart(2, "0")).join(":");
  }
}
