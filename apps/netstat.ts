/**
 * netstat.ts — netstat(1): sockets, protocol counters and routes, NetBSD's layouts, read
 * from the sysctl nodes net/ registers.
 *
 *   netstat [-an]              sockets (net.inet.pcblist); -a includes servers
 *   netstat -s [-p proto]      counters (net.inet.{ip,icmp,udp,tcp}.stats)
 *   netstat -r [-n]            the routing table (net.route)
 *
 * Rules: read-only and pure formatting; a counter absent from a node is left out (net/
 * may grow or shrink its stats without breaking this), every present one is printed,
 * zeros included (NetBSD's single -s). Addresses are printed numerically (there is no
 * resolver, so -n is accepted and changes nothing). Without -a, listening sockets and
 * unconnected datagram sockets are left out, as NetBSD does. Exit 1 when a node is
 * missing (an image without the network stack).
 */
import { type App, type RouteInfo, type Sys, type Wait } from "../kernel/syscall/api.ts";
import { getopt } from "./lib/getopt.ts";
import { eprint, EX_USAGE, fail, print } from "./lib/stdio.ts";

/** One socket as `net.inet.pcblist` lists it. */
export interface PcbInfo {
  proto: string;
  local: string;
  foreign: string;
  state: string;
  recvQ: number;
  sendQ: number;
}

type Stats = Record<string, unknown>;

const pad = (s: string, n: number) => s.length >= n ? s : s + " ".repeat(n - s.length);
const lpad = (s: string, n: number) => s.length >= n ? s : " ".repeat(n - s.length) + s;

/** The socket table (`netstat [-a]`). */
export function formatSockets(list: readonly PcbInfo[], all: boolean): string {
  const shown = list.filter((p) =>
    all || (p.state !== "LISTEN" && p.foreign !== "*.*" && !p.foreign.startsWith("*."))
  );
  let s = `Active Internet connections${all ? " (including servers)" : ""}\n`;
  s += `${pad("Proto", 6)}${pad("Recv-Q", 7)}${pad("Send-Q", 7)} ${pad("Local Address", 23)}` +
    `${pad("Foreign Address", 23)}State\n`;
  for (const p of shown) {
    s += `${pad(p.proto, 5)} ${lpad(String(p.recvQ), 6)} ${lpad(String(p.sendQ), 6)}  ` +
      `${pad(p.local, 22)} ${pad(p.foreign, 22)} ${p.state}`.trimEnd() + "\n";
  }
  return s;
}

/** The routing table (`netstat -r`). */
export function formatRoutes(list: readonly RouteInfo[]): string {
  let s = "Routing tables\n\nInternet:\n";
  s += `${pad("Destination", 19)}${pad("Gateway", 19)}${pad("Flags", 9)}${lpad("Refs", 4)} ` +
    `${lpad("Use", 8)} ${lpad("Mtu", 6)} Interface\n`;
  for (const r of list) {
    s += `${pad(r.destination, 18)} ${pad(r.gateway, 18)} ${pad(r.flags, 8)} ` +
      `${lpad(String(r.refs), 4)} ${lpad(String(r.use), 8)} ${lpad(String(r.mtu), 6)} ` +
      `${r.interface}\n`;
  }
  return s;
}

type Line = [field: string, text: string];

/** ip: NetBSD's inet.c ip_stats wording; "%d" is the field's value, "{x}" another field. */
const IP_LINES: Line[] = [
  ["total", "total packets received"],
  ["badsum", "bad header checksums"],
  ["toosmall", "with size smaller than minimum"],
  ["tooshort", "with data size < data length"],
  ["toolong", "with length > max ip packet size"],
  ["badhlen", "with header length < data size"],
  ["badlen", "with data length < header length"],
  ["badvers", "with incorrect version number"],
  ["fragments", "fragments received"],
  ["fragdropped", "fragments dropped (dup or out of space)"],
  ["fragtimeout", "fragments dropped after timeout"],
  ["reassembled", "packets reassembled ok"],
  ["delivered", "packets for this host"],
  ["noproto", "packets for unknown/unsupported protocol"],
  ["forward", "packets forwarded"],
  ["cantforward", "packets not forwardable"],
  ["timxceed", "packets whose TTL ran out in forwarding"],
  ["localout", "packets sent from this host"],
  ["rawout", "packets sent with fabricated ip header"],
  ["odropped", "output packets dropped due to no bufs, etc."],
  ["noroute", "output packets discarded due to no route"],
  ["fragmented", "output datagrams fragmented"],
  ["ofragments", "fragments created"],
  ["cantfrag", "datagrams that can't be fragmented"],
  ["badaddr", "datagrams with bad address in header"],
];

const ICMP_LINES: Line[] = [
  ["error", "calls to icmp_error"],
  ["oldicmp", "errors not generated because old message was icmp"],
  ["oldshort", "errors not generated because old ip message was too short"],
  ["noerror", "errors not generated for broadcasts or fragments"],
  ["toofreq", "errors not generated because of rate limitation"],
  ["badcode", "messages with bad code fields"],
  ["tooshort", "messages < minimum length"],
  ["checksum", "bad checksums"],
  ["badlen", "messages with bad length"],
  ["bmcastecho", "broadcast/multicast echo requests ignored"],
  ["reflect", "message responses generated"],
];

const UDP_LINES: Line[] = [
  ["ipackets", "datagrams received"],
  ["hdrops", "with incomplete header"],
  ["badlen", "with bad data length field"],
  ["badsum", "with bad checksum"],
  ["nosum", "with no checksum"],
  ["noport", "dropped due to no socket"],
  ["noportbcast", "broadcast/multicast datagrams dropped due to no socket"],
  ["fullsock", "dropped due to full socket buffers"],
  ["opackets", "datagrams output"],
];

/** tcp: "{x}" in the text is replaced by field x's value. */
const TCP_LINES: Line[] = [
  ["sndtotal", "packets sent"],
  ["sndpack", "data packets ({sndbyte} bytes)"],
  ["sndrexmitpack", "data packets ({sndrexmitbyte} bytes) retransmitted"],
  ["sndacks", "ack-only packets ({delack} delayed)"],
  ["sndprobe", "window probe packets"],
  ["sndwinup", "window update packets"],
  ["sndctrl", "control packets"],
  ["sndrst", "resets sent"],
  ["challengeack", "challenge ACKs sent ({challengeacklimit} rate-limited)"],
  ["rcvtotal", "packets received"],
  ["rcvackpack", "acks (for {rcvackbyte} bytes)"],
  ["rcvdupack", "duplicate acks"],
  ["rcvacktoomuch", "acks for unsent data"],
  ["rcvpack", "packets ({rcvbyte} bytes) received in-sequence"],
  ["rcvduppack", "completely duplicate packets ({rcvdupbyte} bytes)"],
  ["rcvpartduppack", "packets with some dup. data ({rcvpartdupbyte} bytes duped)"],
  ["rcvoopack", "out-of-order packets ({rcvoobyte} bytes)"],
  ["rcvpackafterwin", "packets ({rcvbyteafterwin} bytes) of data after window"],
  ["rcvwinprobe", "window probes"],
  ["rcvwinupd", "window update packets"],
  ["rcvafterclose", "packets received after close"],
  ["rcvbadsum", "discarded for bad checksums"],
  ["rcvbadoff", "discarded for bad header offset fields"],
  ["rcvshort", "discarded because packet too short"],
  ["rcvmemdrop", "discarded for lack of memory"],
  ["rcvrst", "resets received"],
  ["pawsdrop", "discarded by PAWS"],
  ["noport", "packets to closed ports"],
  ["connattempt", "connection requests"],
  ["accepts", "connection accepts"],
  ["listendrop", "SYNs dropped (listen queue overflow)"],
  ["badsyn", "bad connection attempts"],
  ["connects", "connections established (including accepts)"],
  ["closed", "connections closed (including {drops} drops)"],
  ["conndrops", "embryonic connections dropped"],
  ["rttupdated", "segments updated rtt (of {segstimed} attempts)"],
  ["rexmttimeo", "retransmit timeouts"],
  ["timeoutdrop", "connections dropped by rexmit timeout"],
  ["persisttimeo", "persist timeouts"],
  ["keeptimeo", "keepalive timeouts"],
  ["keepprobe", "keepalive probes sent"],
  ["keepdrops", "connections dropped by keepalive"],
  ["fastrexmit", "fast retransmits"],
  ["sackrexmit", "SACK hole retransmissions"],
  ["partialack", "NewReno partial acks"],
  ["oowacklimit", "out-of-window/PAWS acks not sent (rate limit)"],
  ["sc_added", "SYN cache entries added"],
  ["sc_entries", "SYN cache entries now"],
  ["sc_completed", "connections completed from the SYN cache"],
  ["sc_timed_out", "SYN cache entries timed out"],
  ["sc_overflowed", "SYN cache overflows (answered with cookies)"],
  ["sc_reset", "SYN cache entries reset"],
  ["sc_dupesyn", "duplicate SYNs received for entries"],
  ["sc_aborted", "SYN cache entries aborted (listener closed)"],
  ["sc_cookies_sent", "SYN cookies sent"],
  ["sc_cookies_accepted", "SYN cookies accepted"],
  ["sc_cookies_rejected", "SYN cookies rejected"],
];

/** ICMP type names for the histograms (RFC 792 and NetBSD's icmp_names). */
const ICMP_NAMES: Record<number, string> = {
  0: "echo reply",
  3: "destination unreachable",
  4: "source quench",
  5: "routing redirect",
  8: "echo",
  11: "time exceeded",
  12: "parameter problem",
  13: "time stamp",
  14: "time stamp reply",
  15: "information request",
  16: "information request reply",
  17: "address mask request",
  18: "address mask reply",
};

function counterLines(st: Stats, lines: readonly Line[]): string {
  let s = "";
  for (const [field, text] of lines) {
    const v = st[field];
    if (typeof v !== "number") continue;
    const t = text.replace(/\{(\w+)\}/g, (_, f) => String(st[f] ?? 0));
    s += `\t${v} ${t}\n`;
  }
  return s;
}

function histogram(title: string, h: unknown): string {
  if (!Array.isArray(h)) return "";
  const rows = h.map((n, t) => [t, n] as const).filter(([, n]) => typeof n === "number" && n > 0);
  if (rows.length === 0) return "";
  let s = `\t${title} histogram:\n`;
  for (const [t, n] of rows) s += `\t\t${ICMP_NAMES[t] ?? `#${t}`}: ${n}\n`;
  return s;
}

/** One protocol's `netstat -s` block. */
export function formatProtoStats(proto: string, st: Stats): string {
  switch (proto) {
    case "ip":
      return "ip:\n" + counterLines(st, IP_LINES);
    case "icmp": {
      const i = ICMP_LINES.findIndex(([f]) => f === "badcode");
      return "icmp:\n" + counterLines(st, ICMP_LINES.slice(0, i)) +
        histogram("Output", st.outhist) + counterLines(st, ICMP_LINES.slice(i)) +
        histogram("Input", st.inhist);
    }
    case "udp": {
      let s = "udp:\n" + counterLines(st, UDP_LINES.slice(0, -1));
      const n = (f: string) => (typeof st[f] === "number" ? st[f] as number : 0);
      if (typeof st.ipackets === "number") {
        const delivered = n("ipackets") - n("hdrops") - n("badlen") - n("badsum") -
          n("noport") - n("noportbcast") - n("fullsock");
        s += `\t${delivered} delivered\n`;
      }
      return s + counterLines(st, UDP_LINES.slice(-1));
    }
    case "tcp":
      return "tcp:\n" + counterLines(st, TCP_LINES);
    default:
      return `${proto}:\n`;
  }
}

export const STAT_PROTOS = ["ip", "icmp", "tcp", "udp"] as const;

function* main(sys: Sys, argv: string[]): Wait<number> {
  const g = getopt(argv.slice(1), "anrsp:");
  if (!g.ok || g.value.operands.length > 0) {
    if (!g.ok) yield* eprint(sys, `netstat: ${g.error}\n`);
    yield* eprint(sys, "usage: netstat [-an] | -s [-p protocol] | -r [-n]\n");
    return EX_USAGE;
  }
  const { opts } = g.value;
  try {
    if (opts.has("r")) {
      yield* print(sys, formatRoutes(sys.sysctl("net.route") as RouteInfo[]));
      return 0;
    }
    if (opts.has("s")) {
      const want = opts.get("p");
      if (want !== undefined && !(STAT_PROTOS as readonly string[]).includes(want)) {
        return yield* fail(sys, "netstat", `${want}: unknown protocol`);
      }
      const protos = want === undefined ? STAT_PROTOS : [want];
      let out = "";
      for (const p of protos) {
        out += formatProtoStats(p, sys.sysctl(`net.inet.${p}.stats`) as Stats);
      }
      yield* print(sys, out);
      return 0;
    }
    yield* print(sys, formatSockets(sys.sysctl("net.inet.pcblist") as PcbInfo[], opts.has("a")));
    return 0;
  } catch (e) {
    return yield* fail(sys, "netstat", (e as Error).message);
  }
}

export const netstat: App = {
  name: "netstat",
  main,
  summary: "show sockets, protocol counters and routes",
};
export default netstat;
