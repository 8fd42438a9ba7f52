/**
 * ethernet.ts — the Ethernet II frame (IEEE 802.3 with an EtherType): destination,
 * source, type, payload.
 *
 * Rules: a 14-byte header and no FCS (the simulated NICs, like virtio-net, neither pass nor
 * want one). The view checks only the header length; the payload is whatever follows,
 * including any padding up to the 60-byte minimum, which the layer above trims by its own
 * length field. Emit writes the header only; padding short frames is the driver's job.
 */
import { MacAddr } from "./addr.ts";
import { getU16, setU16 } from "./bytes.ts";
import { needLen, WireError } from "./error.ts";

/** Header bytes: destination 6, source 6, type 2. */
export const ETHER_HDR_LEN = 14;
/** The smallest frame on the wire without FCS (64 with it). */
export const ETHER_MIN_FRAME = 60;
/** The largest payload of a standard frame. */
export const ETHERMTU = 1500;

export const ETHERTYPE_IP = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;

/** A view over one Ethernet II frame. */
export class EthernetFrame {
  /** Checks the buffer (unless `check` is false, for emitting into a fresh buffer). */
  constructor(readonly buffer: Uint8Array, check = true) {
    if (check) EthernetFrame.check(buffer);
  }

  /** Throws WireError "truncated" if the buffer cannot hold the header. */
  static check(buffer: Uint8Array): void {
    needLen(buffer, ETHER_HDR_LEN, "ethernet header");
  }

  get dst(): MacAddr {
    return MacAddr.read(this.buffer, 0);
  }
  set dst(m: MacAddr) {
    m.write(this.buffer, 0);
  }

  get src(): MacAddr {
    return MacAddr.read(this.buffer, 6);
  }
  set src(m: MacAddr) {
    m.write(this.buffer, 6);
  }

  get ethertype(): number {
    return getU16(this.buffer, 12);
  }
  set ethertype(t: number) {
    setU16(this.buffer, 12, t);
  }

  /** Everything after the header (a view, not a copy). */
  get payload(): Uint8Array {
    return this.buffer.subarray(ETHER_HDR_LEN);
  }
}

/** The header of an Ethernet II frame as plain data. */
export interface EthernetRepr {
  dst: MacAddr;
  src: MacAddr;
  /** ETHERTYPE_IP, ETHERTYPE_ARP, ... ; any value ≥ 0x0600 (smaller ones are 802.3 lengths). */
  ethertype: number;
}

export const EthernetRepr = {
  /**
   * Reads the header. A type field below 0x0600 is an IEEE 802.3 length, not Ethernet II:
   * "unsupported".
   */
  parse(frame: EthernetFrame): EthernetRepr {
    const ethertype = frame.ethertype;
    if (ethertype < 0x0600) {
      throw new WireError("unsupported", `ethernet: 802.3 length field ${ethertype}, not a type`);
    }
    return { dst: frame.dst, src: frame.src, ethertype };
  },

  /** Writes the header at the start of `buf`; returns the header length. */
  emit(repr: EthernetRepr, buf: Uint8Array): number {
    needLen(buf, ETHER_HDR_LEN, "ethernet emit buffer");
    const f = new EthernetFrame(buf, false);
    f.dst = repr.dst;
    f.src = repr.src;
    f.ethertype = repr.ethertype;
    return ETHER_HDR_LEN;
  },

  /** Frame length for a payload of `payloadLen` bytes (before any minimum-size padding). */
  bufferLen(_repr: EthernetRepr, payloadLen: number): number {
    return ETHER_HDR_LEN + payloadLen;
  },
};
