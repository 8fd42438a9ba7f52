/**
 * pretty.ts — one line describing a frame or an IPv4 packet, in the manner of tcpdump(8),
 * for traces and test failure messages:
 *   10.0.0.2.49152 > 10.0.0.1.80: Flags [S], seq 1, win 65535, options [mss 1460], length 0
 *
 * Rules: never throws for any input bytes — a layer that fails to parse is described as
 * `[<kind>: <message>]` in its place; a transport checksum that does not verify is noted
 * as `[bad cksum]`. Sequence numbers are absolute (there is no state to make them
 * relative). Fragments are described as fragments, their transport header not parsed.
 */
import { formatIpv4 } from "./addr.ts";
import { ARPOP_REQUEST, ArpPacket, ArpRepr } from "./arp.ts";
import { WireError } from "./error.ts";
import {
  ETHER_HDR_LEN,
  EthernetFrame,
  EthernetRepr,
  ETHERTYPE_ARP,
  ETHERTYPE_IP,
  ETHERTYPE_IPV6,
} from "./ethernet.ts";
import {
  ICMP_UNREACH_HOST,
  ICMP_UNREACH_NEEDFRAG,
  ICMP_UNREACH_NET,
  ICMP_UNREACH_PORT,
  ICMP_UNREACH_PROTOCOL,
  IcmpPacket,
  IcmpRepr,
  parseInvoking,
} from "./icmp.ts";
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, Ipv4Packet, Ipv4Repr } from "./ipv4.ts";
import {
  TcpPacket,
  TcpRepr,
  TH_ACK,
  TH_CWR,
  TH_ECE,
  TH_FIN,
  TH_PUSH,
  TH_RST,
  TH_SYN,
  TH_URG,
} from "./tcp.ts";
import { parseTcpOptionList, type TcpOption } from "./tcp_options.ts";
import { UdpPacket, UdpRepr } from "./udp.ts";

/** Runs `f`; a WireError becomes "[kind: message]". */
function guard(f: () => string): string {
  try {
    return f();
  } catch (e) {
    if (e instanceof WireError) return `[${e.kind}: ${e.message}]`;
    throw e;
  }
}

const ETHERTYPE_NAMES: Record<number, string> = {
  [ETHERTYPE_IP]: "IPv4",
  [ETHERTYPE_ARP]: "ARP",
  [ETHERTYPE_IPV6]: "IPv6",
};

export interface DescribeOptions {
  /** Prefix the link header, as `tcpdump -e` does. */
  link?: boolean;
}

/** Describes an Ethernet II frame. */
export function describeFrame(frame: Uint8Array, opts: DescribeOptions = {}): string {
  return guard(() => {
    const eth = EthernetRepr.parse(new EthernetFrame(frame));
    const type = eth.ethertype;
    const name = ETHERTYPE_NAMES[type] ?? "Unknown";
    const link = opts.link
      ? `${eth.src} > ${eth.dst}, ethertype ${name} (0x${hex4(type)}), length ${frame.length}: `
      : "";
    const payload = frame.subarray(ETHER_HDR_LEN);
    switch (type) {
      case ETHERTYPE_IP:
        return link + describeIpv4(payload);
      case ETHERTYPE_ARP:
        return link + describeArp(payload);
      default:
        return link + `ethertype ${name} (0x${hex4(type)}), length ${payload.length}`;
    }
  });
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, "0");
}

/** Describes an ARP packet. */
export function describeArp(bytes: Uint8Array): string {
  return "ARP, " + guard(() => {
    const a = ArpRepr.parse(new ArpPacket(bytes));
    const len = 8 + 2 * (6 + 4);
    return a.op === ARPOP_REQUEST
      ? `Request who-has ${formatIpv4(a.tpa)} tell ${formatIpv4(a.spa)}, length ${len}`
      : `Reply ${formatIpv4(a.spa)} is-at ${a.sha}, length ${len}`;
  });
}

/** Describes an IPv4 packet (header onwards). */
export function describeIpv4(bytes: Uint8Array): string {
  return guard(() => {
    const p = new Ipv4Packet(bytes);
    const ip = Ipv4Repr.parse(p);
    const s = formatIpv4(ip.src), d = formatIpv4(ip.dst);
    if (ip.moreFrags || ip.fragOffset !== 0) {
      return `${s} > ${d}: ip-proto-${ip.protocol}, frag ${ip.ident}:${ip.payloadLen}@` +
        `${ip.fragOffset}${ip.moreFrags ? "+" : ""}`;
    }
    const payload = p.payload;
    switch (ip.protocol) {
      case IPPROTO_TCP:
        return describeTcp(payload, ip.src, ip.dst);
      case IPPROTO_UDP:
        return describeUdp(payload, ip.src, ip.dst);
      case IPPROTO_ICMP:
        return `${s} > ${d}: ` + describeIcmp(payload);
      default:
        return `${s} > ${d}: ip-proto-${ip.protocol} ${payload.length}`;
    }
  });
}

const FLAG_LETTERS: [number, string][] = [
  [TH_FIN, "F"],
  [TH_SYN, "S"],
  [TH_RST, "R"],
  [TH_PUSH, "P"],
  [TH_ACK, "."],
  [TH_URG, "U"],
  [TH_ECE, "E"],
  [TH_CWR, "W"],
];

/** tcpdump's flag letters: S F R P . U E W, "none" for none. */
export function describeTcpFlags(flags: number): string {
  const s = FLAG_LETTERS.filter(([bit]) => flags & bit).map(([, l]) => l).join("");
  return s === "" ? "none" : s;
}

function describeOption(o: TcpOption): string {
  switch (o.kind) {
    case "eol":
      return "eol";
    case "nop":
      return "nop";
    case "mss":
      return `mss ${o.mss}`;
    case "windowScale":
      return `wscale ${o.shift}`;
    case "sackPermitted":
      return "sackOK";
    case "sack":
      return `sack ${o.blocks.length} ` + o.blocks.map((b) => `{${b.left}:${b.right}}`).join("");
    case "timestamp":
      return `TS val ${o.tsval} ecr ${o.tsecr}`;
    case "unknown":
      return `opt-${o.type}:${Array.from(o.data, (x) => x.toString(16).padStart(2, "0")).join("")}`;
  }
}

function ends(src: number, sport: number, dst: number, dport: number): string {
  return `${formatIpv4(src)}.${sport} > ${formatIpv4(dst)}.${dport}`;
}

/** Describes a TCP segment sent from `src` to `dst`. */
export function describeTcp(bytes: Uint8Array, src: number, dst: number): string {
  return guard(() => {
    const p = new TcpPacket(bytes);
    const t = TcpRepr.parse(p, src, dst, false);
    const parts = [`Flags [${describeTcpFlags(t.flags)}]`];
    const n = t.payload.length;
    parts.push(n > 0 ? `seq ${t.seq}:${(t.seq + n) >>> 0}` : `seq ${t.seq}`);
    if (t.flags & TH_ACK) parts.push(`ack ${t.ack}`);
    parts.push(`win ${t.window}`);
    if (t.flags & TH_URG) parts.push(`urg ${t.urgent}`);
    if (p.options.length > 0) {
      parts.push(`options [${parseTcpOptionList(p.options).map(describeOption).join(",")}]`);
    }
    parts.push(`length ${n}`);
    const bad = p.verifyChecksum(src, dst) ? "" : " [bad cksum]";
    return `${ends(src, t.srcPort, dst, t.dstPort)}: ${parts.join(", ")}${bad}`;
  });
}

/** Describes a UDP datagram sent from `src` to `dst`. */
export function describeUdp(bytes: Uint8Array, src: number, dst: number): string {
  return guard(() => {
    const p = new UdpPacket(bytes);
    const u = UdpRepr.parse(p, src, dst, false);
    const bad = p.verifyChecksum(src, dst) ? "" : " [bad cksum]";
    return `${ends(src, u.srcPort, dst, u.dstPort)}: UDP, length ${u.payload.length}${bad}`;
  });
}

const UNREACH_TEXT: Record<number, string> = {
  [ICMP_UNREACH_NET]: "net unreachable",
  [ICMP_UNREACH_HOST]: "host unreachable",
};

/** Describes an ICMP message (without the addresses). */
export function describeIcmp(bytes: Uint8Array): string {
  return "ICMP " + guard(() => {
    const p = new IcmpPacket(bytes);
    const m = IcmpRepr.parse(p);
    const len = `, length ${bytes.length}`;
    switch (m.type) {
      case "echoRequest":
      case "echoReply":
        return `echo ${m.type === "echoRequest" ? "request" : "reply"}, id ${m.ident}, ` +
          `seq ${m.seq}${len}`;
      case "timeExceeded":
        return `time exceeded ${m.code === 0 ? "in-transit" : "reassembly"}${len}`;
      case "dstUnreachable": {
        const inv = parseInvoking(m.invoking);
        const dst = formatIpv4(inv.dst);
        const port = inv.transport.length >= 4 ? (inv.transport[2] << 8) | inv.transport[3] : 0;
        const proto = inv.protocol === IPPROTO_TCP
          ? "tcp"
          : inv.protocol === IPPROTO_UDP
          ? "udp"
          : `proto ${inv.protocol}`;
        switch (m.code) {
          case ICMP_UNREACH_PORT:
            return `${dst} ${proto} port ${port} unreachable${len}`;
          case ICMP_UNREACH_PROTOCOL:
            return `${dst} protocol ${inv.protocol} unreachable${len}`;
          case ICMP_UNREACH_NEEDFRAG:
            return `${dst} unreachable - need to frag (mtu ${m.nextHopMtu})${len}`;
          default:
            return `${dst} ${UNREACH_TEXT[m.code] ?? `unreachable code ${m.code}`}${len}`;
        }
      }
    }
  });
}
