/**
 * stack_fuzz_test.ts — 100,000 random and mutated frames thrown at a running stack: nothing
 * escapes as an exception, every frame the wire parsers reject is counted by some error
 * counter of the stack, and the stack still answers a ping afterwards.
 */
import assert from "node:assert/strict";
import { SOCK_DGRAM, SOCK_RAW, SOCK_STREAM } from "../../kernel/syscall/api.ts";
import { Prng } from "../../sched/mod.ts";
import {
  ArpPacket,
  ArpRepr,
  checksum,
  EthernetFrame,
  EthernetRepr,
  ETHERTYPE_ARP,
  ETHERTYPE_IP,
  IcmpPacket,
  IcmpRepr,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  Ipv4Packet,
  Ipv4Repr,
  parseIpv4,
  TcpPacket,
  TcpRepr,
  UdpPacket,
  UdpRepr,
  WireError,
} from "../../net/wire/mod.ts";
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
const ERRORISH =
  /bad|short|small|err|drop|unknown|noproto|invalid|malformed|trunc|hdrops|noport|checksum|cantforward/i;

/** Sum of every error-like counter the stack keeps. */
function errorCounters(k: import("../../kernel/kern/kernel.ts").Kernel): number {
  let n = 0;
  const walk = (o: unknown) => {
    if (!o || typeof o !== "object") return;
    for (const [key, v] of Object.entries(o)) {
      if (typeof v === "number" && ERRORISH.test(key)) n += v;
      else if (typeof v === "object") walk(v);
    }
  };
  for (const name of k.sysctl.list("net.")) {
    if (name.endsWith(".stats") || name === "net.interfaces") walk(k.sysctl.read(name));
  }
  return n;
}

/**
 * Is the frame one the stack must count as bad? The wire parsers decide, except for what a
 * NIC filters (unicast to another station, our own frames echoed back) and ICMP types the
 * wire module does not model (the stack delivers those to raw sockets, as NetBSD does).
 */
function isBad(frame: Uint8Array): boolean {
  if (frame.length >= 12) {
    const group = (frame[0] & 1) !== 0;
    const toUs = MAC_A.octets.every((b, i) => frame[i] === b);
    const fromUs = MAC_A.octets.every((b, i) => frame[6 + i] === b);
    if ((!group && !toUs) || fromUs) return false;
  }
  try {
    const eth = EthernetRepr.parse(new EthernetFrame(frame));
    const payload = new EthernetFrame(frame).payload;
    if (eth.ethertype === ETHERTYPE_ARP) {
      ArpRepr.parse(new ArpPacket(payload));
      return false;
    }
    if (eth.ethertype !== ETHERTYPE_IP) return true;
    const ipp = new Ipv4Packet(payload);
    const ip = Ipv4Repr.parse(ipp);
    if (ip.fragOffset !== 0 || ip.moreFrags) return false; // a fragment: reassembly's business
    const body = ipp.payload;
    if (ip.protocol === IPPROTO_ICMP) IcmpRepr.parse(new IcmpPacket(body));
    else if (ip.protocol === IPPROTO_UDP) UdpRepr.parse(new UdpPacket(body), ip.src, ip.dst);
    else if (ip.protocol === IPPROTO_TCP) TcpRepr.parse(new TcpPacket(body), ip.src, ip.dst);
    return false;
  } catch (e) {
    if (e instanceof WireError) return e.kind !== "unsupported" || !isIcmp(frame);
    throw e;
  }
}

function isIcmp(frame: Uint8Array): boolean {
  return frame.length > 23 && frame[12] === 0x08 && frame[13] === 0 && frame[23] === IPPROTO_ICMP;
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

Deno.test("net: 100,000 random and mutated frames at a running stack are dropped and counted, never thrown", () => {
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
      const before = errorCounters(k);
      let rejected = 0;
      for (let i = 0; i < FRAMES; i++) {
        const f = rng.below(5) === 0
          ? (() => {
            const r = new Uint8Array(rng.below(1600));
            rng.fill(r);
            if (r.length >= 12 && rng.below(2)) r.set(MAC_A.octets, 0);
            return r;
          })()
          : mutate(rng, base[rng.below(base.length)]);
        if (isBad(f)) rejected++;
        pair.ifa.input(f); // as the driver's interrupt handler would
        if (i % 1000 === 999) yield* k.sleep(1_000_000); // let timers and replies run
      }
      yield* k.sleep(100_000_000);
      const counted = errorCounters(k) - before;
      // After the storm the stack still works: it answers its own ping on lo0. (A ping over
      // the wire could fail honestly: mutated ARP frames may have poisoned the ARP cache.)
      const r = socket(k, SOCK_RAW, IPPROTO_ICMP);
      yield* net(k).sendto(r, echoRequest(99, 1, new Uint8Array(8)), 0, {
        addr: "127.0.0.1",
        port: 0,
      });
      const got = yield* net(k).recvfrom(r, new Uint8Array(128), 0);
      return { counted, rejected, pong: got.from.addr };
    },
  );
  assert.notEqual(run.result.kind, "deadlock");
  const { counted, rejected, pong } = run.valueA!;
  assert.ok(rejected > 20_000, `the fuzz reached the parsers' error paths (${rejected})`);
  assert.ok(
    counted >= rejected,
    `every rejected frame is counted: ${counted} counted, ${rejected} rejected`,
  );
  assert.equal(pong, "127.0.0.1", "the stack still answers a ping");
});
