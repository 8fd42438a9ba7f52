/**
 * switch.ts — a learning Ethernet switch (IEEE 802.1D transparent bridging, the part a
 * small unmanaged switch does) with N ports, each a netdev a NIC plugs into.
 *
 * Rules:
 * - Learning: the source address of every frame (unless it is a group address) is
 *   recorded against the port it came in on, with the time; an entry older than the
 *   aging time (802.1D's default 300 s) is forgotten.
 * - Forwarding: a frame for a group address (broadcast, multicast) or an unknown unicast
 *   address is flooded to every other port; a known one goes to its port only, or is
 *   filtered when that is the port it came from.
 * - Frames shorter than an Ethernet header are dropped and counted. Each port delivered
 *   to gets its own copy. Forwarding is immediate (no store-and-forward delay).
 */
import type { Scheduler } from "../../sched/mod.ts";
import { ETHER_HDR_LEN, formatMac, macKey, type Netdev, type NetPort } from "./netdev.ts";

export interface SwitchOptions {
  /** How long a learned address is kept, ns; default 300 s. */
  agingNs?: number;
}

export interface SwitchStats {
  /** Frames sent to one known port. */
  forwarded: number;
  /** Frames sent to every other port. */
  flooded: number;
  /** Frames whose destination is on the port they came from. */
  filtered: number;
  /** Frames too short to switch. */
  runts: number;
  /** Learned entries dropped for age. */
  aged: number;
}

export interface MacTableEntry {
  mac: string;
  port: number;
  /** Clock time the address was last seen. */
  seen: number;
}

class SwitchPort implements Netdev {
  port: NetPort | null = null;
  /** Frames out of this port, and frames lost because nothing was connected. */
  delivered = 0;
  dropped = 0;

  constructor(readonly sw: Switch, readonly index: number) {}

  connect(port: NetPort): void {
    this.port = port;
  }

  send(frame: Uint8Array): void {
    this.sw.input(this.index, frame);
  }

  deliver(frame: Uint8Array): void {
    if (!this.port) {
      this.dropped++;
      return;
    }
    this.delivered++;
    this.port.receive(frame.slice());
  }
}

export class Switch {
  readonly ports: readonly SwitchPort[];
  readonly agingNs: number;
  readonly stats: SwitchStats = { forwarded: 0, flooded: 0, filtered: 0, runts: 0, aged: 0 };
  readonly #table = new Map<number, { port: number; seen: number }>();
  readonly #sched: Scheduler;

  constructor(sched: Scheduler, nports: number, opts: SwitchOptions = {}) {
    if (!Number.isInteger(nports) || nports < 1) {
      throw new RangeError(`a switch needs ports, not ${nports}`);
    }
    this.#sched = sched;
    this.agingNs = opts.agingNs ?? 300e9;
    this.ports = Array.from({ length: nports }, (_, i) => new SwitchPort(this, i));
  }

  /** Port `i`, the netdev a NIC plugs into. */
  port(i: number): Netdev {
    const p = this.ports[i];
    if (!p) throw new RangeError(`the switch has no port ${i}`);
    return p;
  }

  /** A frame arriving on port `from`. */
  input(from: number, frame: Uint8Array): void {
    if (frame.length < ETHER_HDR_LEN) {
      this.stats.runts++;
      return;
    }
    const now = this.#sched.clock.now();
    if (!(frame[6] & 1)) {
      this.#table.set(macKey(frame, 6), { port: from, seen: now });
      if (this.#table.size > 4096) this.#sweep(now);
    }
    const to = frame[0] & 1 ? undefined : this.#lookup(macKey(frame, 0), now);
    if (to === undefined) {
      this.stats.flooded++;
      for (const p of this.ports) if (p.index !== from) p.deliver(frame);
    } else if (to === from) {
      this.stats.filtered++;
    } else {
      this.stats.forwarded++;
      this.ports[to].deliver(frame);
    }
  }

  /** Forgets every aged entry (keeps the table bounded when many stations come and go). */
  #sweep(now: number): void {
    for (const [k, e] of this.#table) {
      if (now - e.seen > this.agingNs) {
        this.#table.delete(k);
        this.stats.aged++;
      }
    }
  }

  #lookup(key: number, now: number): number | undefined {
    const e = this.#table.get(key);
    if (!e) return undefined;
    if (now - e.seen > this.agingNs) {
      this.#table.delete(key);
      this.stats.aged++;
      return undefined;
    }
    return e.port;
  }

  /** The MAC table now (entries past their age left out), in address order. */
  table(): MacTableEntry[] {
    const now = this.#sched.clock.now();
    return [...this.#table.entries()]
      .filter(([, e]) => now - e.seen <= this.agingNs)
      .sort((x, y) => x[0] - y[0])
      .map(([k, e]) => {
        const b = new Uint8Array(6);
        for (let i = 5, v = k; i >= 0; i--, v = Math.floor(v / 256)) b[i] = v % 256;
        return { mac: formatMac(b), port: e.port, seen: e.seen };
      });
  }
}

export type { SwitchPort };
