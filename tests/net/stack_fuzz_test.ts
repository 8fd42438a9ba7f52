/**
 * stack_fuzz_test.ts — frames thrown at a running stack: 100,000 random and mutated frames
 * of every layer, and 20,000 segments fuzzed around the state of an established
 * connection (in-window and out-of-window data, old and unsent ACKs, every flag, timestamp
 * and SACK options, lengths, damaged headers with their checksums repaired). Nothing
 * escapes as an exception; for each frame an oracle written from the RFCs' order of
 * checks names the one drop counter it must move (or none when it is accepted), and the
 * test checks that exactly that counter moved by one; accepted segments reach tcp_input.
 */
import assert from "node:assert/strict";
import { SOCK_DGRAM, SOCK_RAW, SOCK_STREAM } from "../../kernel/syscall/api.ts";
import { Prng } from "../../sched/mod.ts";
import {
  ArpPacket,
  ArpRepr,
  checksum,
  EthernetRepr,
  ETHERTYPE_ARP,
  ETHERTYPE_IP,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  Ipv4Repr,
  parseIpv4,
  pseudoHeaderSum,
  readIpv4,
  TcpPacket,
  TcpRepr,
  TH_ACK,
  TH_FIN,
  TH_PUSH,
  TH_RST,
  TH_SYN,
  UdpRepr,
  verifyChecksum,
  WireError,
} from "../../net/wire/mod.ts";
import { TCPS_CLOSED, TCPS_CLOSING, TCPS_ESTABLISHED } from "../../net/tcp/state.ts";
import type { Tcb } from "../../net/tcp/tcb.ts";
import { runTwoKernels } from "../support/two_kernels.ts";
import {
  ADDR_A,
  ADDR_B,
  echoRequest,
  MAC_A,
  MAC_B,
  makeNetPair,
  net,
  type NetPair,
  socket,
} from "./net_helpers.ts";

const FRAMES = 100_000;
const ESTABLISHED_FRAMES = 20_000;

type Counters = Record<string, () => number>;

/**
 * The stack's drop counters, each for one reason a frame is refused, read straight from
 * the stack (NetBSD's names). A rejected frame must move exactly the one for its reason.
 */
function dropCounters(pair: NetPair): Counters {
  const s = pair.sa, d = pair.ifa.data;
  const ip = s.ip.stat, icmp = s.icmp.stat, udp = s.udp.stat, arp = s.arp.stat;
  const tcp = () => s.tcp!.engine.stats;
  return {
    "if.ierrors": () => d.ierrors,
    "if.noproto": () => d.noproto,
    "ip.toosmall": () => ip.toosmall,
    "ip.badvers": () => ip.badvers,
    "ip.badhlen": () => ip.badhlen,
    "ip.badsum": () => ip.badsum,
    "ip.badlen": () => ip.badlen,
    "ip.tooshort": () => ip.tooshort,
    "ip.badaddr": () => ip.badaddr,
    "ip.cantforward": () => ip.cantforward,
    "ip.noproto": () => ip.noproto,
    "icmp.tooshort": () => icmp.tooshort,
    "icmp.checksum": () => icmp.checksum,
    "udp.hdrops": () => udp.hdrops,
    "udp.badlen": () => udp.badlen,
    "udp.badsum": () => udp.badsum,
    "tcp.rcvbadsum": () => tcp().rcvbadsum,
    "tcp.rcvshort": () => tcp().rcvshort,
    "tcp.rcvbadoff": () => tcp().rcvbadoff,
    "arp.rcvTruncated": () => arp.rcvTruncated,
    "arp.rcvBadProto": () => arp.rcvBadProto,
  };
}

function snapshot(c: Counters): Record<string, number> {
  const o: Record<string, number> = {};
  for (const k in c) o[k] = c[k]();
  return o;
}

/** The counters that moved between two snapshots, with by how much. */
function moved(before: Record<string, number>, c: Counters): Record<string, number> {
  const o: Record<string, number> = {};
  for (const k in c) {
    const d = c[k]() - before[k];
    if (d !== 0) o[k] = d;
  }
  return o;
}

/**
 * The reason the stack must refuse `frame` for, as the counter that names it; null when
 * it is accepted (or refused for a reason that is not about its bytes: not ours by
 * address at the link layer, a fragment awaiting reassembly); "skip" for a fragment,
 * whose fate reassembly decides later. The order of checks is the stack's own: ether
 * (ether.ts), IP (ip_input.ts), then the transport's parser.
 */
function reason(pair: NetPair, frame: Uint8Array): string | null | "skip" {
  if (frame.length < 14) return "if.ierrors";
  const group = (frame[0] & 1) !== 0;
  const toUs = MAC_A.octets.every((b, i) => frame[i] === b);
  const fromUs = MAC_A.octets.every((b, i) => frame[6 + i] === b);
  if ((!group && !toUs) || fromUs) return null;
  const type = (frame[12] << 8) | frame[13];
  const pkt = frame.subarray(14);
  if (type === ETHERTYPE_ARP) {
    try {
      ArpRepr.parse(new ArpPacket(pkt));
      return null;
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      return e.kind === "truncated" ? "arp.rcvTruncated" : "arp.rcvBadProto";
    }
  }
  if (type !== ETHERTYPE_IP) return "if.noproto";
  if (pkt.length < 20) return "ip.toosmall";
  if (pkt[0] >>> 4 !== 4) return "ip.badvers";
  const hlen = (pkt[0] & 0xf) * 4;
  if (hlen < 20 || hlen > pkt.length) return "ip.badhlen";
  if (!verifyChecksum(pkt, 0, hlen)) return "ip.badsum";
  const total = (pkt[2] << 8) | pkt[3];
  if (total < hlen) return "ip.badlen";
  if (total > pkt.length) return "ip.tooshort";
  const ip = pkt.subarray(0, total);
  const src = readIpv4(ip, 12), dst = readIpv4(ip, 16);
  const s = pair.sa;
  const mcast = (a: number) => a >>> 28 === 0xe;
  const loop = (a: number) => a >>> 24 === 127;
  if (mcast(src) || s.isBroadcastAddr(src) || loop(src) || loop(dst)) return "ip.badaddr";
  const bcast = s.isBroadcastAddr(dst) || mcast(dst);
  if (group && !bcast) return "ip.badaddr";
  const ours = bcast ? (!mcast(dst) || dst === 0xe0000001) : s.isLocalAddr(dst);
  if (!ours) return "ip.cantforward";
  if (((ip[6] << 8) | ip[7]) & 0x3fff) return "skip";
  const body = ip.subarray(hlen);
  switch (ip[9]) {
    case IPPROTO_ICMP:
      if (body.length < 8) return "icmp.tooshort";
      return verifyChecksum(body) ? null : "icmp.checksum";
    case IPPROTO_UDP: {
      if (body.length < 8) return "udp.hdrops";
      const ulen = (body[4] << 8) | body[5];
      if (ulen < 8 || ulen > body.length) return "udp.badlen";
      if (((body[6] << 8) | body[7]) === 0) return null;
      return verifyChecksum(body, 0, ulen, pseudoHeaderSum(src, dst, IPPROTO_UDP, ulen))
        ? null
        : "udp.badsum";
    }
    case IPPROTO_TCP:
      if (bcast) return null; // TCP ignores broadcasts before parsing
      try {
        TcpRepr.parse(new TcpPacket(body), src, dst);
        return null;
      } catch (e) {
        if (!(e instanceof WireError)) throw e;
        return e.kind === "checksum"
          ? "tcp.rcvbadsum"
          : e.kind === "truncated"
          ? "tcp.rcvshort"
          : "tcp.rcvbadoff";
      }
    default:
      return "ip.noproto"; // only an ICMP raw socket is open
  }
}

/** Feeds `f` to A's interface and checks that exactly its reason's counter moved. */
function feedChecked(pair: NetPair, c: Counters, f: Uint8Array, tally: Map<string, number>): void {
  const why = reason(pair, f);
  const before = snapshot(c);
  pair.ifa.input(f); // as the driver's interrupt handler would
  if (why === "skip") return;
  const got = moved(before, c);
  const want = why === null ? {} : { [why]: 1 };
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    assert.fail(
      `frame ${hex(f)}: expected ${JSON.stringify(want)}, counters moved ${JSON.stringify(got)}`,
    );
  }
  const key = why ?? "accepted";
  tally.set(key, (tally.get(key) ?? 0) + 1);
}

function hex(f: Uint8Array): string {
  return [...f.subarray(0, 64)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function ipFrame(proto: number, transport: Uint8Array): Uint8Array {
  const ip: Ipv4Repr = {
    src: parseIpv4(ADDR_B),
    dst: parseIpv4(ADDR_A),
    protocol: proto,
    ttl: 64,
    dscp: 0,
    ecn: 0,
    ident: 1,
    dontFrag: true,
    moreFrags: false,
    fragOffset: 0,
    payloadLen: transport.length,
  };
  const frame = new Uint8Array(14 + 20 + transport.length);
  EthernetRepr.emit({ dst: MAC_A, src: MAC_B, ethertype: ETHERTYPE_IP }, frame);
  Ipv4Repr.emit(ip, frame.subarray(14));
  frame.set(transport, 34);
  return frame;
}

function seeds(): Uint8Array[] {
  const a = parseIpv4(ADDR_A), b = parseIpv4(ADDR_B);
  const udp = new Uint8Array(8 + 5);
  UdpRepr.emit(
    { srcPort: 4000, dstPort: 7, payload: new TextEncoder().encode("hello") },
    udp,
    b,
    a,
  );
  const tcp = new Uint8Array(24);
  TcpRepr.emit(
    {
      srcPort: 40000,
      dstPort: 80,
      seq: 1000,
      ack: 0,
      flags: 0x02,
      window: 65535,
      urgent: 0,
      options: { mss: 1460 },
      payload: new Uint8Array(0),
    },
    tcp,
    b,
    a,
  );
  const arp = new Uint8Array(14 + 28);
  EthernetRepr.emit({ dst: MAC_A, src: MAC_B, ethertype: ETHERTYPE_ARP }, arp);
  ArpRepr.emit({ op: 1, sha: MAC_B, spa: b, tha: MAC_A, tpa: a }, arp.subarray(14));
  return [
    ipFrame(IPPROTO_ICMP, echoRequest(7, 1, new Uint8Array(32))),
    ipFrame(IPPROTO_UDP, udp),
    ipFrame(IPPROTO_TCP, tcp),
    arp,
  ];
}

function mutate(rng: Prng, base: Uint8Array): Uint8Array {
  const f = base.slice(0, rng.below(4) === 0 ? rng.below(base.length + 1) : base.length);
  const flips = 1 + rng.below(4);
  for (let i = 0; i < flips && f.length; i++) f[rng.below(f.length)] ^= 1 << rng.below(8);
  if (rng.below(2) && f.length >= 34) {
    // Often repair the IP header checksum so that mutations reach the transport parsers.
    f[24] = f[25] = 0;
    const c = checksum(f.subarray(14, 14 + Math.min(60, (f[14] & 0x0f) * 4)));
    f[24] = c >> 8;
    f[25] = c & 0xff;
  }
  return f;
}

Deno.test("net: 100,000 random and mutated frames are each dropped under exactly their reason's counter, never thrown", () => {
  let pair!: NetPair;
  const run = runTwoKernels(
    (a, b) => (pair = makeNetPair(a, b)),
    function* (k) {
      // Something to hit: a UDP socket, a TCP listener, a raw ICMP socket.
      const u = socket(k, SOCK_DGRAM);
      net(k).bind(u, { addr: "0.0.0.0", port: 7 });
      const t = socket(k, SOCK_STREAM);
      net(k).bind(t, { addr: "0.0.0.0", port: 80 });
      net(k).listen(t, 8);
      socket(k, SOCK_RAW, IPPROTO_ICMP);
      const rng = new Prng(2024);
      const base = seeds();
      const c = dropCounters(pair);
      const tally = new Map<string, number>();
      for (let i = 0; i < FRAMES; i++) {
        const f = rng.below(5) === 0
          ? (() => {
            const r = new Uint8Array(rng.below(1600));
            rng.fill(r);
            if (r.length >= 12 && rng.below(2)) r.set(MAC_A.octets, 0);
            return r;
          })()
          : mutate(rng, base[rng.below(base.length)]);
        feedChecked(pair, c, f, tally);
        if (i % 1000 === 999) yield* k.sleep(1_000_000); // let timers and replies run
      }
      yield* k.sleep(100_000_000);
      // After the storm the stack still works: it answers its own ping on lo0. (A ping over
      // the wire could fail honestly: mutated ARP frames may have poisoned the ARP cache.)
      const r = socket(k, SOCK_RAW, IPPROTO_ICMP);
      yield* net(k).sendto(r, echoRequest(99, 1, new Uint8Array(8)), 0, {
        addr: "127.0.0.1",
        port: 0,
      });
      const got = yield* net(k).recvfrom(r, new Uint8Array(128), 0);
      return { tally, pong: got.from.addr };
    },
  );
  assert.notEqual(run.result.kind, "deadlock");
  const { tally, pong } = run.valueA!;
  // The fuzz reached every layer's error paths, each many times.
  for (
    const why of [
      "if.noproto",
      "ip.badvers",
      "ip.badhlen",
      "ip.badsum",
      "ip.tooshort",
      "icmp.checksum",
      "udp.badsum",
      "tcp.rcvbadsum",
      "tcp.rcvbadoff",
      "arp.rcvTruncated",
    ]
  ) {
    assert.ok((tally.get(why) ?? 0) >= 20, `${why}: ${tally.get(why) ?? 0} frames`);
  }
  assert.equal(pong, "127.0.0.1", "the stack still answers a ping");
});

/** A TCP segment from B to A in a frame, checksums right, as the peer of `tp` would send. */
function tcpFrame(seg: TcpRepr): Uint8Array {
  const b = parseIpv4(ADDR_B), a = parseIpv4(ADDR_A);
  const t = new Uint8Array(TcpRepr.bufferLen(seg));
  TcpRepr.emit(seg, t, b, a);
  return ipFrame(IPPROTO_TCP, t);
}

/** Repairs the TCP checksum of a frame made by tcpFrame after its header was changed. */
function repairTcpChecksum(f: Uint8Array): void {
  const seg = f.subarray(34);
  seg[16] = seg[17] = 0;
  const c = checksum(
    seg,
    0,
    seg.length,
    pseudoHeaderSum(parseIpv4(ADDR_B), parseIpv4(ADDR_A), IPPROTO_TCP, seg.length),
  );
  seg[16] = c >> 8;
  seg[17] = c & 0xff;
}

Deno.test("net: 20,000 fuzzed segments reach an established connection's state machine, each drop counted by its reason", () => {
  let pair!: NetPair;
  const run = runTwoKernels(
    (a, b) => {
      pair = makeNetPair(a, b);
      // B listens on four ports and never accepts: each connect A makes completes (while
      // its backlog lasts).
      for (let port = 80; port < 84; port++) {
        const l = socket(b, SOCK_STREAM);
        net(b).bind(l, { addr: "0.0.0.0", port });
        net(b).listen(l, 1000);
      }
    },
    function* (k) {
      const rng = new Prng(77);
      const c = dropCounters(pair);
      const tally = new Map<string, number>();
      const st = pair.sa.tcp!.engine.stats;
      const start = { ...st };
      let conns = 0;
      let tp: Tcb | null = null;
      let fd: ReturnType<typeof socket> | null = null;
      for (let i = 0; i < ESTABLISHED_FRAMES; i++) {
        if (tp === null || tp.state === TCPS_CLOSED || tp.state >= TCPS_CLOSING) {
          // (Re)connect with the cable whole, then cut it: from now on only the fuzz
          // speaks for B, and B hears nothing of A's answers.
          if (fd) yield* fd.ops.close(fd);
          pair.wire.drop = null;
          fd = socket(k, SOCK_STREAM);
          yield* net(k).connect(fd, { addr: ADDR_B, port: 80 + (conns % 4) });
          yield* net(k).sendto(fd, new Uint8Array(3000), 0, null);
          yield* k.sleep(50_000_000);
          pair.wire.drop = () => true;
          const me = net(k).getsockname(fd);
          const peer = net(k).getpeername(fd)!;
          tp = pair.sa.tcp!.engine.lookup(parseIpv4(ADDR_A), me.port, parseIpv4(ADDR_B), peer.port);
          assert.equal(tp?.state, TCPS_ESTABLISHED);
          conns++;
        }
        const f = tcpFrame(fuzzSegment(rng, tp!));
        if (rng.below(8) === 0) {
          // A damaged header, the checksum repaired: the parser must refuse it by reason.
          const seg = f.subarray(34);
          if (rng.below(2)) seg[12] = (rng.below(16) << 4) | (seg[12] & 0xf); // data offset
          else seg[20 + rng.below(Math.max(1, seg.length - 20))] ^= 1 << rng.below(8);
          repairTcpChecksum(f);
        } else if (rng.below(16) === 0) {
          f[34 + rng.below(f.length - 34)] ^= 1 << rng.below(8); // checksum now wrong
        }
        const parsedBefore = st.rcvtotal;
        feedChecked(pair, c, f, tally);
        if (reason(pair, f) === null) {
          assert.equal(st.rcvtotal, parsedBefore + 1, "an accepted segment reached tcp_input");
        }
        if (i % 200 === 199) yield* k.sleep(rng.below(3) * 300_000_000); // timers, PAWS age
      }
      const delta: Record<string, number> = {};
      for (const [key, v] of Object.entries(st)) {
        if (typeof v === "number") {
          delta[key] = v - (start as unknown as Record<string, number>)[key];
        }
      }
      return { tally, delta, conns };
    },
  );
  assert.notEqual(run.result.kind, "deadlock");
  const { tally, delta, conns } = run.valueA!;
  assert.ok(conns >= 2, `connections fuzzed: ${conns}`);
  for (const why of ["tcp.rcvbadsum", "tcp.rcvbadoff", "accepted"]) {
    assert.ok((tally.get(why) ?? 0) >= 50, `${why}: ${tally.get(why) ?? 0}`);
  }
  // Established-state input of every kind was exercised: in-order, duplicate, out-of-order
  // and beyond-window data, PAWS, RFC 5961 challenge ACKs, resets, ACKs of unsent data.
  for (
    const k of [
      "rcvpack",
      "rcvduppack",
      "rcvpartduppack",
      "rcvoopack",
      "rcvpackafterwin",
      "pawsdrop",
      "challengeack",
      "rcvrst",
      "rcvacktoomuch",
      "badsyn",
      "oowacklimit",
    ]
  ) {
    assert.ok(delta[k] > 0, `${k} never moved: ${JSON.stringify(delta)}`);
  }
});

/** A segment for `tp` from its peer: sequence, ACK, flags, options and length drawn around its state. */
function fuzzSegment(rng: Prng, tp: Tcb): TcpRepr {
  const wnd = Math.max(1, tp.rcv.space);
  const pick = rng.below(10);
  const seq = pick < 4
    ? tp.rcvNxt // in order
    : pick < 6
    ? tp.rcvNxt + 1 + rng.below(wnd) // in the window, out of order
    : pick < 8
    ? tp.rcvNxt - 1 - rng.below(4000) // old
    : tp.rcvNxt + wnd + rng.below(100000); // beyond the window
  const ap = rng.below(8);
  const ack = ap < 5
    ? tp.sndUna + rng.below(Math.max(1, tp.sndMax - tp.sndUna + 1))
    : ap < 6
    ? tp.sndMax + 1 + rng.below(10000) // unsent
    : ap < 7
    ? tp.sndUna - rng.below(1 << 20) // old
    : rng.nextU32();
  let flags = TH_ACK;
  const fp = rng.below(100); // resets are rare, so a connection lives for a while
  if (fp < 2) flags = rng.below(2) ? TH_RST : TH_RST | TH_ACK;
  else if (fp < 6) flags = TH_SYN | (rng.below(2) ? TH_ACK : 0);
  else if (fp < 10) flags |= TH_FIN;
  else if (fp < 13) flags = rng.below(64) & ~TH_RST;
  if (rng.below(4) === 0) flags |= TH_PUSH;
  const len = rng.below(3) === 0 ? 0 : rng.below(rng.below(4) === 0 ? 3000 : 600);
  const options: TcpRepr["options"] = {};
  if (rng.below(8) !== 0) {
    const tsp = rng.below(10);
    const tsval = tsp < 7
      ? tp.tsRecent + rng.below(1000)
      : tsp < 9
      ? tp.tsRecent - 1 - rng.below(1e6)
      : rng.nextU32();
    options.timestamp = { tsval: tsval >>> 0, tsecr: tp.tsNow() };
  }
  if (rng.below(6) === 0) {
    const l = tp.sndUna + rng.below(5000);
    options.sack = [{ left: l >>> 0, right: (l + 1 + rng.below(3000)) >>> 0 }];
  }
  const payload = new Uint8Array(len);
  rng.fill(payload);
  return {
    srcPort: tp.fport,
    dstPort: tp.lport,
    seq: seq >>> 0,
    ack: ack >>> 0,
    flags,
    window: rng.below(65536),
    urgent: 0,
    options,
    payload,
  };
}
