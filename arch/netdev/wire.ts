/**
 * wire.ts — a cable: two NICs back to back (QEMU's `-netdev socket` pair, smoltcp's
 * loopback-between-two-devices). End `a` and end `b` are netdevs; what is sent into one
 * comes out of the other, after an optional latency.
 *
 * Rules: a frame is copied once when it is sent, so the sender may reuse its buffer
 * (the copy is the receiving port's own: carved from a slab, never handed out twice);
 * with a latency it is delivered by an event `latencyNs` later on the scheduler's clock
 * (frames keep their order); without one, at once. Frames reaching an end with nothing
 * connected are dropped and counted.
 */
import type { Scheduler } from "../../sched/mod.ts";
import type { Netdev, NetPort } from "./netdev.ts";

/** Frame copies are carved from slabs of this size; larger frames get their own buffer. */
const COPY_SLAB_BYTES = 64 * 1024;
const COPY_CARVE_MAX = 2048;

export interface WireOptions {
  /** One-way delay in ns; default 0 (delivered at once). */
  latencyNs?: number;
}

export interface WireEndStats {
  /** Frames sent into this end. */
  sent: number;
  /** Frames delivered out of this end. */
  delivered: number;
  /** Frames that arrived with nothing connected. */
  dropped: number;
}

class WireEnd implements Netdev {
  port: NetPort | null = null;
  peer!: WireEnd;
  readonly stats: WireEndStats = { sent: 0, delivered: 0, dropped: 0 };

  constructor(readonly wire: Wire) {}

  connect(port: NetPort): void {
    this.port = port;
  }

  send(frame: Uint8Array): void {
    this.stats.sent++;
    this.wire.carry(this.wire.copy(frame), this.peer);
  }

  deliver(frame: Uint8Array): void {
    if (!this.port) {
      this.stats.dropped++;
      return;
    }
    this.stats.delivered++;
    this.port.receive(frame);
  }
}

export class Wire {
  readonly a: WireEnd;
  readonly b: WireEnd;
  readonly latencyNs: number;
  readonly #sched: Scheduler | null;
  #slab = new Uint8Array(0);
  #used = 0;

  /** `sched` is needed only with a latency. */
  constructor(sched: Scheduler | null, opts: WireOptions = {}) {
    this.latencyNs = opts.latencyNs ?? 0;
    if (!(this.latencyNs >= 0)) {
      throw new RangeError(`wire latency ${this.latencyNs} ns is negative`);
    }
    if (this.latencyNs > 0 && !sched) throw new Error("a wire with a latency needs a scheduler");
    this.#sched = sched;
    this.a = new WireEnd(this);
    this.b = new WireEnd(this);
    this.a.peer = this.b;
    this.b.peer = this.a;
  }

  /**
   * A private copy of `frame`, carved from a slab that only moves forward (one host
   * allocation per some 40 frames instead of one each); a region is never reused.
   */
  copy(frame: Uint8Array): Uint8Array {
    const n = frame.length;
    if (n > COPY_CARVE_MAX) return frame.slice();
    let at = this.#used;
    if (at + n > this.#slab.length) {
      this.#slab = new Uint8Array(COPY_SLAB_BYTES);
      at = 0;
    }
    this.#used = (at + n + 7) & ~7;
    const b = this.#slab.subarray(at, at + n);
    b.set(frame);
    return b;
  }

  /** Moves a (copied) frame to `to`. */
  carry(frame: Uint8Array, to: WireEnd): void {
    if (this.latencyNs === 0) {
      to.deliver(frame);
      return;
    }
    const s = this.#sched!;
    s.events.at(s.clock.now() + this.latencyNs, () => to.deliver(frame));
  }
}

export type { WireEnd };
