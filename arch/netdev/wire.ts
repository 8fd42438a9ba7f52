/**
 * wire.ts — a cable: two NICs back to back (QEMU's `-netdev socket` pair, smoltcp's
 * loopback-between-two-devices). End `a` and end `b` are netdevs; what is sent into one
 * comes out of the other, after an optional latency.
 *
 * Rules: a frame is copied once when it is sent, so the sender may reuse its buffer;
 * with a latency it is delivered by an event `latencyNs` later on the scheduler's clock
 * (frames keep their order); without one, at once. Frames reaching an end with nothing
 * connected are dropped and counted.
 */
import type { Scheduler } from "../../sched/mod.ts";
import type { Netdev, NetPort } from "./netdev.ts";

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
    this.wire.carry(frame.slice(), this.peer);
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
