/**
 * harness.ts (tests) — two TcpStacks joined by a simulated link, in virtual time on
 * sched/'s clock and event queue.
 *
 * Rules: every segment is emitted to bytes with net/wire (checksum included) and parsed
 * again by the receiving stack, so what crosses is real TCP. Each direction has a one-way
 * delay, an optional bandwidth (a serialisation queue), and loss, duplication and
 * reordering drawn from a seeded Prng. `filter` lets a test drop or watch chosen
 * segments; `log` keeps every segment sent (parsed from its bytes); segments to any other
 * address (a spoofed source) go to `blackholed`. Time only moves when
 * `run` steps the event queue, like sched's virtualIdle.
 */
import { Prng, Scheduler } from "../../../sched/mod.ts";
import { formatIpv4, type Ipv4Addr, parseIpv4 } from "../../../net/wire/addr.ts";
import { TcpPacket, TcpRepr } from "../../../net/wire/tcp.ts";
import type { TcpConfig } from "../../../net/tcp/config.ts";
import type { TcpEnv, TcpTimer } from "../../../net/tcp/env.ts";
import { TcpStack } from "../../../net/tcp/stack.ts";
import type { Tcb } from "../../../net/tcp/tcb.ts";
import { tcpRecv } from "../../../net/tcp/usrreq.ts";

export const MS = 1e6;
export const S = 1e9;

export interface LinkParams {
  /** One-way delay, ns. */
  delay: number;
  /** Probabilities per segment. */
  loss: number;
  dup: number;
  reorder: number;
  /** Bytes per second (0: unlimited). */
  bandwidth: number;
}

export interface LoggedSegment {
  t: number;
  from: "a" | "b";
  seg: TcpRepr;
  dropped: boolean;
}

/** A segment sent to an address that is neither host (a spoofed source): nobody gets it. */
export interface BlackholedSegment {
  t: number;
  from: "a" | "b";
  dst: Ipv4Addr;
  seg: TcpRepr;
}

export interface NetOptions {
  seed?: number;
  config?: Partial<TcpConfig>;
  configA?: Partial<TcpConfig>;
  configB?: Partial<TcpConfig>;
  ab?: Partial<LinkParams>;
  ba?: Partial<LinkParams>;
  mtuA?: number;
  mtuB?: number;
  /** Bytes of buffer memory each host may reserve (default unlimited). */
  memA?: number;
  memB?: number;
}

export class Host {
  stack!: TcpStack;
  memUsed = 0;
  constructor(readonly name: "a" | "b", readonly addr: Ipv4Addr) {}
}

const LINK_DEFAULT: LinkParams = { delay: 5 * MS, loss: 0, dup: 0, reorder: 0, bandwidth: 0 };

export class Net {
  readonly sched = new Scheduler();
  readonly a = new Host("a", parseIpv4("10.0.0.1"));
  readonly b = new Host("b", parseIpv4("10.0.0.2"));
  readonly link: { a: LinkParams; b: LinkParams };
  readonly log: LoggedSegment[] = [];
  /** Segments sent to addresses that are not the peer's (kept even when not logging). */
  readonly blackholed: BlackholedSegment[] = [];
  /** Return false to drop a segment (called before loss is drawn). */
  filter: ((seg: TcpRepr, from: "a" | "b") => boolean) | null = null;
  /** Keep the log (off for bulk runs). */
  logging = true;
  readonly #prng: Prng;
  #busyUntil = { a: 0, b: 0 };

  constructor(opts: NetOptions = {}) {
    this.#prng = new Prng(opts.seed ?? 1);
    this.link = {
      a: { ...LINK_DEFAULT, ...opts.ab },
      b: { ...LINK_DEFAULT, ...opts.ba },
    };
    this.a.stack = new TcpStack(
      this.#env(this.a, this.b, opts.mtuA ?? 1500, opts.memA ?? Infinity),
      { ...opts.config, ...opts.configA },
    );
    this.b.stack = new TcpStack(
      this.#env(this.b, this.a, opts.mtuB ?? 1500, opts.memB ?? Infinity),
      { ...opts.config, ...opts.configB },
    );
  }

  now(): number {
    return this.sched.clock.now();
  }

  /** Steps events until `pred` holds or `limitNs` of virtual time pass; returns pred(). */
  run(pred: () => boolean, limitNs = 3600 * S): boolean {
    const ev = this.sched.events;
    const deadline = this.now() + limitNs;
    while (!pred()) {
      const next = ev.nextAt();
      if (next === Infinity || next > deadline) {
        this.sched.clock.advanceTo(deadline === Infinity ? this.now() : deadline);
        return pred();
      }
      this.sched.clock.advanceTo(next);
      ev.runDue(this.now());
    }
    return true;
  }

  /** Lets `ns` of virtual time pass. */
  runFor(ns: number): void {
    this.run(() => false, ns);
  }

  /** Delivers a hand-made segment to `to`, as if from the other host. */
  inject(to: Host, seg: Partial<TcpRepr> & { srcPort: number; dstPort: number }): void {
    const from = to === this.a ? this.b : this.a;
    const full: TcpRepr = {
      seq: 0,
      ack: 0,
      flags: 0,
      window: 0,
      urgent: 0,
      options: {},
      payload: new Uint8Array(0),
      ...seg,
    };
    const bytes = new Uint8Array(TcpRepr.bufferLen(full));
    TcpRepr.emit(full, bytes, from.addr, to.addr);
    to.stack.inputPacket(from.addr, to.addr, bytes);
  }

  /** Delivers a hand-made segment to `to` from any source address (spoofed ones too). */
  injectFrom(
    to: Host,
    src: Ipv4Addr,
    seg: Partial<TcpRepr> & { srcPort: number; dstPort: number },
  ): void {
    const full: TcpRepr = {
      seq: 0,
      ack: 0,
      flags: 0,
      window: 0,
      urgent: 0,
      options: {},
      payload: new Uint8Array(0),
      ...seg,
    };
    const bytes = new Uint8Array(TcpRepr.bufferLen(full));
    TcpRepr.emit(full, bytes, src, to.addr);
    to.stack.inputPacket(src, to.addr, bytes);
  }

  /** Segments logged from one side, optionally filtered by flags. */
  sent(from: "a" | "b", pred: (s: TcpRepr) => boolean = () => true): LoggedSegment[] {
    return this.log.filter((l) => l.from === from && pred(l.seg));
  }

  #env(self: Host, peer: Host, mtu: number, mem: number): TcpEnv {
    const prng = this.#prng.fork(`host ${self.name}`);
    const sched = this.sched;
    return {
      now: () => sched.clock.now(),
      random32: () => prng.nextU32(),
      mtu: () => mtu,
      output: (seg, src, dst) => {
        if (src !== self.addr) throw new Error(`bad source ${formatIpv4(src)}`);
        if (dst !== peer.addr) {
          const bytes = new Uint8Array(TcpRepr.bufferLen(seg));
          TcpRepr.emit(seg, bytes, src, dst);
          const parsed = TcpRepr.parse(new TcpPacket(bytes), src, dst);
          this.blackholed.push({ t: this.now(), from: self.name, dst, seg: parsed });
          return;
        }
        this.#transmit(self, peer, seg);
      },
      timer: (name, fn) => new EventTimer(sched, name, fn),
      reserve: (n) => {
        if (self.memUsed + n > mem) return false;
        self.memUsed += n;
        return true;
      },
      release: (n) => {
        self.memUsed -= n;
      },
    };
  }

  #transmit(from: Host, to: Host, seg: TcpRepr): void {
    const bytes = new Uint8Array(TcpRepr.bufferLen(seg));
    TcpRepr.emit(seg, bytes, from.addr, to.addr);
    const p = this.link[from.name];
    let drop = false;
    if (this.filter !== null || this.logging) {
      const parsed = TcpRepr.parse(new TcpPacket(bytes), from.addr, to.addr);
      if (this.filter !== null && !this.filter(parsed, from.name)) drop = true;
      if (this.logging) {
        this.log.push({ t: this.now(), from: from.name, seg: parsed, dropped: drop });
      }
    }
    if (drop) return;
    const r = this.#prng;
    if (p.loss > 0 && r.next() < p.loss) return;
    const copies = p.dup > 0 && r.next() < p.dup ? 2 : 1;
    let at = this.now();
    if (p.bandwidth > 0) {
      const start = Math.max(at, this.#busyUntil[from.name]);
      this.#busyUntil[from.name] = start + ((bytes.length + 40) * 1e9) / p.bandwidth;
      at = this.#busyUntil[from.name];
    }
    for (let i = 0; i < copies; i++) {
      let t = at + p.delay;
      if (p.reorder > 0 && r.next() < p.reorder) t += r.next() * 2 * p.delay;
      this.sched.events.at(t, () => to.stack.inputPacket(from.addr, to.addr, bytes));
    }
  }
}

class EventTimer implements TcpTimer {
  #h: ReturnType<Scheduler["events"]["at"]> | null = null;
  constructor(readonly sched: Scheduler, readonly name: string, readonly fn: () => void) {}
  schedule(delayNs: number): void {
    if (this.#h !== null) this.sched.events.cancel(this.#h);
    this.#h = this.sched.events.at(this.sched.clock.now() + Math.max(0, delayNs), () => {
      this.#h = null;
      this.fn();
    });
  }
  stop(): void {
    if (this.#h !== null) this.sched.events.cancel(this.#h);
    this.#h = null;
  }
  pending(): boolean {
    return this.#h !== null;
  }
}

/** Deterministic test bytes. */
export function pattern(n: number, seed = 7): Uint8Array {
  const b = new Uint8Array(n);
  new Prng(seed).fill(b);
  return b;
}

/** Reads everything available from a connection into `sink` (a growing list of chunks). */
export function drain(
  c: Tcb,
  sink: Uint8Array[],
  chunk = 65536,
): boolean {
  const buf = new Uint8Array(chunk);
  for (;;) {
    const n = tcpRecv(c, buf);
    if (n > 0) sink.push(buf.slice(0, n));
    else return n === 0; // true at EOF
  }
}

export function concat(chunks: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
