/**
 * net_helpers.ts (test support for tests/net) — a plain in-test Ethernet wire between two
 * kernels' stacks (each side's transmit queues the frame for the other side, delivered by
 * a callout on the receiving kernel so the stacks never recurse into each other), a
 * configured pair of stacks, and small wrappers over the socket syscalls.
 */
import type { Kernel } from "../../kernel/kern/kernel.ts";
import type { Callout } from "../../kernel/kern/callout.ts";
import type { KFile } from "../../kernel/syscall/file.ts";
import { type ProcRef, type SocketSyscalls, sysent } from "../../kernel/syscall/systab.ts";
import { AF_INET } from "../../kernel/syscall/api.ts";
import type { Ifnet } from "../../net/if.ts";
import { netinetInit } from "../../net/netinet_init.ts";
import type { NetStack } from "../../net/netstack.ts";
import { checksum, Ipv4Repr, MacAddr, parseIpv4, UdpRepr } from "../../net/wire/mod.ts";

/** One side of the wire. */
interface End {
  k: Kernel;
  ifp: Ifnet | null;
  q: { at: number; frame: Uint8Array }[];
  callout: Callout;
}

/** Two Ethernet interfaces joined by a cable with optional latency and a drop filter. */
export class TestWire {
  /** Every frame put on the wire, in order, with the side that sent it. */
  readonly log: { from: "a" | "b"; frame: Uint8Array }[] = [];
  /** Return true to lose a frame. */
  drop: ((frame: Uint8Array, from: "a" | "b") => boolean) | null = null;
  latencyNs = 0;
  readonly ends: Record<"a" | "b", End>;

  constructor(ka: Kernel, kb: Kernel) {
    const mk = (k: Kernel): End => {
      const e: End = { k, ifp: null, q: [], callout: null as unknown as Callout };
      e.callout = k.callout("testwire", () => this.#deliver(e));
      return e;
    };
    this.ends = { a: mk(ka), b: mk(kb) };
  }

  /** The transmit function for side `from`. */
  transmit(from: "a" | "b"): (frame: Uint8Array) => boolean {
    return (frame) => {
      const copy = frame.slice();
      this.log.push({ from, frame: copy });
      if (this.drop?.(copy, from)) return true;
      const to = this.ends[from === "a" ? "b" : "a"];
      const at = to.k.nanotime() + this.latencyNs;
      to.q.push({ at, frame: copy });
      if (!to.callout.pending()) to.callout.scheduleAt(at);
      return true;
    };
  }

  #deliver(e: End): void {
    const now = e.k.nanotime();
    while (e.q.length && e.q[0].at <= now) e.ifp?.input(e.q.shift()!.frame);
    if (e.q.length) e.callout.scheduleAt(e.q[0].at);
  }
}

export interface NetPair {
  sa: NetStack;
  sb: NetStack;
  ifa: Ifnet;
  ifb: Ifnet;
  wire: TestWire;
}

export const MAC_A = MacAddr.parse("52:54:00:00:00:0a");
export const MAC_B = MacAddr.parse("52:54:00:00:00:0b");
export const ADDR_A = "10.0.0.1";
export const ADDR_B = "10.0.0.2";

/** Initialises NET on both kernels and joins them: A 10.0.0.1/24, B 10.0.0.2/24. */
export function makeNetPair(a: Kernel, b: Kernel, opts: { mtu?: number } = {}): NetPair {
  const sa = netinetInit(a), sb = netinetInit(b);
  const wire = new TestWire(a, b);
  const ifa = sa.attach({
    name: "shmif0",
    type: "ether",
    mac: MAC_A,
    mtu: opts.mtu,
    transmit: wire.transmit("a"),
  });
  const ifb = sb.attach({
    name: "shmif0",
    type: "ether",
    mac: MAC_B,
    mtu: opts.mtu,
    transmit: wire.transmit("b"),
  });
  wire.ends.a.ifp = ifa;
  wire.ends.b.ifp = ifb;
  sa.setUp(ifa, true);
  sb.setUp(ifb, true);
  sa.addAddress(ifa, parseIpv4(ADDR_A), 24);
  sb.addAddress(ifb, parseIpv4(ADDR_B), 24);
  return { sa, sb, ifa, ifb, wire };
}

export const PROC: ProcRef = { pid: 1, name: "test", cwd: null, umask: 0o22 };

/** The kernel's socket syscalls. */
export function net(k: Kernel): SocketSyscalls {
  const n = sysent(k).net;
  if (!n) throw new Error("NET is not initialised");
  return n;
}

export function socket(k: Kernel, type: number, proto = 0): KFile {
  return net(k).socket(PROC, AF_INET, type, proto);
}

/** Bytes of a string. */
export function bytes(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

export function text(b: Uint8Array): string {
  return new TextDecoder().decode(b);
}

/** An ICMP echo request message (type 8) with a correct checksum. */
export function echoRequest(ident: number, seq: number, data: Uint8Array): Uint8Array {
  const m = new Uint8Array(8 + data.length);
  m[0] = 8;
  m[4] = ident >> 8;
  m[5] = ident & 0xff;
  m[6] = seq >> 8;
  m[7] = seq & 0xff;
  m.set(data, 8);
  const c = checksum(m);
  m[2] = c >> 8;
  m[3] = c & 0xff;
  return m;
}

/** Sleeps `ns` of virtual time on the calling kernel thread. */
export function* sleep(k: Kernel, ns: number) {
  yield* k.sleep(ns);
}

export { AF_INET };

/** An IPv4 datagram with a correct header checksum (fields overridable). */
export function ipPacket(o: {
  src: string;
  dst: string;
  protocol: number;
  payload: Uint8Array;
  ttl?: number;
  ident?: number;
  moreFrags?: boolean;
  fragOffset?: number;
  dontFrag?: boolean;
}): Uint8Array {
  const b = new Uint8Array(20 + o.payload.length);
  Ipv4Repr.emit({
    src: parseIpv4(o.src),
    dst: parseIpv4(o.dst),
    protocol: o.protocol,
    ttl: o.ttl ?? 64,
    dscp: 0,
    ecn: 0,
    ident: o.ident ?? 1,
    dontFrag: o.dontFrag ?? false,
    moreFrags: o.moreFrags ?? false,
    fragOffset: o.fragOffset ?? 0,
    payloadLen: o.payload.length,
  }, b);
  b.set(o.payload, 20);
  return b;
}

/** A UDP datagram (header + data) with its checksum for src → dst. */
export function udpDatagram(
  src: string,
  dst: string,
  sport: number,
  dport: number,
  data: Uint8Array,
): Uint8Array {
  const b = new Uint8Array(8 + data.length);
  UdpRepr.emit(
    { srcPort: sport, dstPort: dport, payload: data },
    b,
    parseIpv4(src),
    parseIpv4(dst),
  );
  return b;
}

/** An Ethernet frame of type IPv4 from `src` to `dst`. */
export function etherFrame(
  dst: MacAddr,
  src: MacAddr,
  payload: Uint8Array,
  type = 0x0800,
): Uint8Array {
  const f = new Uint8Array(14 + payload.length);
  dst.write(f, 0);
  src.write(f, 6);
  f[12] = type >> 8;
  f[13] = type & 0xff;
  f.set(payload, 14);
  return f;
}

/** Frames of IPv4 sent by side `from`, as IP datagrams. */
export function ipSent(wire: TestWire, from: "a" | "b"): Uint8Array[] {
  return wire.log.filter((l) => l.from === from && l.frame[12] === 0x08 && l.frame[13] === 0)
    .map((l) => l.frame.subarray(14));
}
