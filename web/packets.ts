/**
 * packets.ts — the page's packet list: reads the libpcap stream a NIC chain's capture
 * writes (arch/netdev/pcap.ts) and turns each record into a row — time, source,
 * destination, protocol, info — decoded with net/wire's formats (the info column is
 * net/wire/pretty.ts's tcpdump-style line without its address prefix).
 *
 * Rules: the capture's bytes are kept unchanged (they are the downloadable pcap); the
 * parser takes chunks as they come (a record may span chunks) and never throws for any
 * frame bytes: what does not parse is shown as such.
 */
import {
  describeFrame,
  ETHER_HDR_LEN,
  EthernetFrame,
  EthernetRepr,
  ETHERTYPE_ARP,
  ETHERTYPE_IP,
  formatIpv4,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  Ipv4Packet,
  Ipv4Repr,
  TcpPacket,
  UdpPacket,
} from "../net/wire/mod.ts";
import { PCAP_GLOBAL_HEADER_LEN, PCAP_RECORD_HEADER_LEN } from "../arch/netdev/pcap.ts";

/** One row of the packet list. */
export interface PacketRow {
  /** 1, 2, ... in capture order. */
  no: number;
  /** Seconds since the first frame, as the capture stamped it. */
  time: number;
  src: string;
  dst: string;
  protocol: string;
  info: string;
  length: number;
}

/** Source, destination and protocol of an Ethernet frame, and the info line. */
export function decodeFrame(frame: Uint8Array): Omit<PacketRow, "no" | "time" | "length"> {
  const line = describeFrame(frame);
  let src = "", dst = "", protocol = "?";
  try {
    const eth = EthernetRepr.parse(new EthernetFrame(frame));
    src = String(eth.src);
    dst = String(eth.dst);
    const payload = frame.subarray(ETHER_HDR_LEN);
    if (eth.ethertype === ETHERTYPE_ARP) protocol = "ARP";
    else if (eth.ethertype === ETHERTYPE_IP) {
      const p = new Ipv4Packet(payload);
      const ip = Ipv4Repr.parse(p);
      src = formatIpv4(ip.src);
      dst = formatIpv4(ip.dst);
      protocol = `IPv4 ${ip.protocol}`;
      const fragment = ip.moreFrags || ip.fragOffset !== 0;
      if (ip.protocol === IPPROTO_ICMP) protocol = "ICMP";
      else if (ip.protocol === IPPROTO_TCP) {
        protocol = "TCP";
        if (!fragment) {
          const t = new TcpPacket(p.payload);
          src += `:${t.srcPort}`;
          dst += `:${t.dstPort}`;
        }
      } else if (ip.protocol === IPPROTO_UDP) {
        protocol = "UDP";
        if (!fragment) {
          const u = new UdpPacket(p.payload);
          src += `:${u.srcPort}`;
          dst += `:${u.dstPort}`;
        }
      }
    } else protocol = `0x${eth.ethertype.toString(16).padStart(4, "0")}`;
  } catch {
    // describeFrame already names what failed to parse in `line`.
  }
  // "a.b.c.d.p > e.f.g.h.q: rest" → "rest" (the addresses have their own columns).
  const m = /^[^ ]+ > [^ ]+: (.*)$/s.exec(line);
  return { src, dst, protocol, info: m ? m[1] : line };
}

/** Parses a libpcap byte stream chunk by chunk into rows. */
export class PcapRows {
  /** Frames seen so far (rows are made for the first `maxRows` only). */
  count = 0;
  #buf = new Uint8Array(0);
  #headerSeen = false;
  #t0: number | null = null;

  constructor(readonly maxRows = Infinity) {}

  /** Takes the next chunk of the stream; returns the rows it completed. */
  push(chunk: Uint8Array): PacketRow[] {
    const joined = new Uint8Array(this.#buf.length + chunk.length);
    joined.set(this.#buf);
    joined.set(chunk, this.#buf.length);
    let off = 0;
    const rows: PacketRow[] = [];
    if (!this.#headerSeen) {
      if (joined.length < PCAP_GLOBAL_HEADER_LEN) {
        this.#buf = joined;
        return rows;
      }
      this.#headerSeen = true;
      off = PCAP_GLOBAL_HEADER_LEN;
    }
    const v = new DataView(joined.buffer);
    while (joined.length - off >= PCAP_RECORD_HEADER_LEN) {
      const incl = v.getUint32(off + 8, true);
      if (joined.length - off - PCAP_RECORD_HEADER_LEN < incl) break;
      const ts = v.getUint32(off, true) + v.getUint32(off + 4, true) / 1e9;
      const length = v.getUint32(off + 12, true);
      const frame = joined.subarray(
        off + PCAP_RECORD_HEADER_LEN,
        off + PCAP_RECORD_HEADER_LEN + incl,
      );
      this.#t0 ??= ts;
      off += PCAP_RECORD_HEADER_LEN + incl;
      if (++this.count > this.maxRows) continue;
      rows.push({
        no: this.count,
        time: ts - this.#t0,
        length,
        ...decodeFrame(frame),
      });
    }
    this.#buf = joined.slice(off);
    return rows;
  }
}
