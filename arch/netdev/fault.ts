/**
 * fault.ts — a fault-injection filter (in the spirit of smoltcp's FaultInjector and
 * Linux netem): set per direction, it loses, duplicates, reorders, corrupts, delays and
 * rate-limits frames, and can cut the link (partition/heal) or hold frames back
 * (hold/release). "tx" is the NIC → medium direction, "rx" medium → NIC.
 *
 * A frame's path, in this order:
 *   partition → loss → corruption (one bit flipped) → duplication (a second copy) →
 *   bandwidth limit (a FIFO drained at `bandwidthBps`; tail drop past `queueLimit`
 *   frames) → delay (latency ± uniform jitter, plus `reorderDelayNs` for the fraction
 *   `reorder`, which lets later frames overtake it) → hold (kept until release) → out.
 *
 * Rules:
 * - Every random decision comes from a seeded Prng: the filter forks its own stream from
 *   the one given (by `label`), then one stream per direction and fault, so enabling one
 *   fault never shifts another's draws. Same seed and config, same faults.
 * - A frame that waits (delay, bandwidth, hold) is copied first; a corrupted frame is
 *   copied before the flip; the sender's buffer is never changed.
 * - Partition drops frames as they enter; frames already in flight still arrive.
 * - Every fault is counted per direction in `stats`.
 */
import type { Prng, Scheduler } from "../../sched/mod.ts";
import type { Netdev, NetPort } from "./netdev.ts";

export type FaultDir = "tx" | "rx";

export interface FaultConfig {
  /** Probability a frame is lost. */
  loss?: number;
  /** Probability a frame is delivered twice. */
  duplicate?: number;
  /** Probability a frame gets `reorderDelayNs` extra delay. */
  reorder?: number;
  /** Extra delay of a reordered frame; default 1 ms. */
  reorderDelayNs?: number;
  /** Probability a frame has one bit flipped. */
  corrupt?: number;
  /** Fixed one-way delay. */
  latencyNs?: number;
  /** Delay varies uniformly by up to ± this much (never below zero). */
  jitterNs?: number;
  /** Link rate in bits per second; 0 or absent for unlimited. */
  bandwidthBps?: number;
  /** Frames that may wait for the link; more are tail-dropped. Default 100. */
  queueLimit?: number;
}

/**
 * What a NIC chain is given: one config for both directions, or one per direction
 * (`{ tx, rx }`; a missing direction has no faults).
 */
export type FaultSpec = FaultConfig | { tx?: FaultConfig; rx?: FaultConfig };

/** Splits a FaultSpec into its two directions. */
export function faultDirections(spec: FaultSpec): { tx: FaultConfig; rx: FaultConfig } {
  if ("tx" in spec || "rx" in spec) {
    const d = spec as { tx?: FaultConfig; rx?: FaultConfig };
    return { tx: d.tx ?? {}, rx: d.rx ?? {} };
  }
  return { tx: spec as FaultConfig, rx: spec as FaultConfig };
}

export interface FaultStats {
  /** Frames that entered. */
  frames: number;
  /** Frames (and duplicates) that came out. */
  delivered: number;
  lost: number;
  duplicated: number;
  reordered: number;
  corrupted: number;
  /** Tail drops at the bandwidth limit's queue. */
  queueDrops: number;
  /** Frames dropped by a partition. */
  partitioned: number;
  /** Frames held back by `hold`. */
  held: number;
}

export interface FaultOptions {
  /** Names the filter's random stream; default "fault". Give each filter its own. */
  label?: string;
  tx?: FaultConfig;
  rx?: FaultConfig;
}

const RATES = ["loss", "duplicate", "reorder", "corrupt"] as const;
const DURATIONS = ["reorderDelayNs", "latencyNs", "jitterNs", "bandwidthBps"] as const;

/** Throws a RangeError naming the first bad field of `c`. */
export function validateFaultConfig(c: FaultConfig, where = "fault"): void {
  for (const k of RATES) {
    const v = c[k];
    if (v !== undefined && !(v >= 0 && v <= 1)) {
      throw new RangeError(`${where}.${k}: ${v} is not a probability between 0 and 1`);
    }
  }
  for (const k of DURATIONS) {
    const v = c[k];
    if (v !== undefined && !(v >= 0 && Number.isFinite(v))) {
      throw new RangeError(`${where}.${k}: ${v} must be a finite number at least 0`);
    }
  }
  if (c.queueLimit !== undefined && !(Number.isInteger(c.queueLimit) && c.queueLimit >= 1)) {
    throw new RangeError(`${where}.queueLimit: ${c.queueLimit} must be a whole number at least 1`);
  }
}

function newStats(): FaultStats {
  return {
    frames: 0,
    delivered: 0,
    lost: 0,
    duplicated: 0,
    reordered: 0,
    corrupted: 0,
    queueDrops: 0,
    partitioned: 0,
    held: 0,
  };
}

/** One direction's configuration, random streams and state. */
class Direction {
  cfg: FaultConfig = {};
  readonly stats = newStats();
  partitioned = false;
  holding = false;
  readonly heldFrames: Uint8Array[] = [];
  /** When the rate-limited link is next free, and frames waiting for it. */
  busyUntil = 0;
  queued = 0;
  readonly rng: Record<"loss" | "duplicate" | "reorder" | "corrupt" | "jitter", Prng>;

  constructor(root: Prng, dir: FaultDir, readonly out: (f: Uint8Array) => void) {
    this.rng = {
      loss: root.fork(`${dir}.loss`),
      duplicate: root.fork(`${dir}.duplicate`),
      reorder: root.fork(`${dir}.reorder`),
      corrupt: root.fork(`${dir}.corrupt`),
      jitter: root.fork(`${dir}.jitter`),
    };
  }

  chance(kind: "loss" | "duplicate" | "reorder" | "corrupt"): boolean {
    const p = this.cfg[kind] ?? 0;
    return p > 0 && this.rng[kind].next() < p;
  }
}

export class FaultFilter implements Netdev {
  readonly #inner: Netdev;
  readonly #sched: Scheduler;
  readonly #dirs: Record<FaultDir, Direction>;
  #port: NetPort | null = null;

  constructor(inner: Netdev, sched: Scheduler, prng: Prng, opts: FaultOptions = {}) {
    this.#inner = inner;
    this.#sched = sched;
    const root = prng.fork(opts.label ?? "fault");
    this.#dirs = {
      tx: new Direction(root, "tx", (f) => this.#inner.send(f)),
      rx: new Direction(root, "rx", (f) => this.#port?.receive(f)),
    };
    this.configure("tx", opts.tx ?? {});
    this.configure("rx", opts.rx ?? {});
  }

  /** Replaces one direction's configuration (state and counters stay). */
  configure(dir: FaultDir, cfg: FaultConfig): void {
    validateFaultConfig(cfg, `fault.${dir}`);
    this.#dirs[dir].cfg = { ...cfg };
  }

  config(dir: FaultDir): FaultConfig {
    return { ...this.#dirs[dir].cfg };
  }

  /** Counters for one direction. */
  stats(dir: FaultDir): FaultStats {
    return { ...this.#dirs[dir].stats };
  }

  /** Cuts the link (one direction, or both): frames entering are dropped. */
  partition(dir?: FaultDir): void {
    for (const d of this.#pick(dir)) d.partitioned = true;
  }

  /** Ends a partition. */
  heal(dir?: FaultDir): void {
    for (const d of this.#pick(dir)) d.partitioned = false;
  }

  /** Holds frames at the exit until `release`. */
  hold(dir?: FaultDir): void {
    for (const d of this.#pick(dir)) d.holding = true;
  }

  /** Delivers every held frame now, in order, and stops holding. */
  release(dir?: FaultDir): void {
    for (const d of this.#pick(dir)) {
      d.holding = false;
      for (const f of d.heldFrames.splice(0)) this.#out(d, f);
    }
  }

  /** Frames held now. */
  heldCount(dir: FaultDir): number {
    return this.#dirs[dir].heldFrames.length;
  }

  #pick(dir?: FaultDir): Direction[] {
    return dir ? [this.#dirs[dir]] : [this.#dirs.tx, this.#dirs.rx];
  }

  connect(port: NetPort): void {
    this.#port = port;
    this.#inner.connect({ receive: (f) => this.#enter(this.#dirs.rx, f) });
  }

  send(frame: Uint8Array): void {
    this.#enter(this.#dirs.tx, frame);
  }

  #enter(d: Direction, frame: Uint8Array): void {
    const st = d.stats;
    st.frames++;
    if (d.partitioned) {
      st.partitioned++;
      return;
    }
    if (d.chance("loss")) {
      st.lost++;
      return;
    }
    if (d.chance("corrupt") && frame.length > 0) {
      frame = frame.slice();
      const bit = d.rng.corrupt.below(frame.length * 8);
      frame[bit >> 3] ^= 1 << (bit & 7);
      st.corrupted++;
    }
    const copies = d.chance("duplicate") ? 2 : 1;
    if (copies === 2) st.duplicated++;
    for (let i = 0; i < copies; i++) this.#shape(d, frame);
  }

  /** Bandwidth limit, then delay. */
  #shape(d: Direction, frame: Uint8Array): void {
    const { events, clock } = this.#sched;
    const now = clock.now();
    const bps = d.cfg.bandwidthBps ?? 0;
    let depart = now;
    if (bps > 0) {
      if (d.queued >= (d.cfg.queueLimit ?? 100)) {
        d.stats.queueDrops++;
        return;
      }
      d.busyUntil = Math.max(d.busyUntil, now) + Math.ceil((frame.length * 8 * 1e9) / bps);
      depart = d.busyUntil;
      d.queued++;
      events.at(depart, () => d.queued--);
    }
    let delay = d.cfg.latencyNs ?? 0;
    const jitter = d.cfg.jitterNs ?? 0;
    if (jitter > 0) delay = Math.max(0, delay + Math.round((d.rng.jitter.next() * 2 - 1) * jitter));
    if (d.chance("reorder")) {
      delay += d.cfg.reorderDelayNs ?? 1e6;
      d.stats.reordered++;
    }
    const at = depart + delay;
    if (at <= now) {
      this.#exit(d, frame);
      return;
    }
    const copy = frame.slice();
    events.at(at, () => this.#exit(d, copy));
  }

  #exit(d: Direction, frame: Uint8Array): void {
    if (d.holding) {
      d.stats.held++;
      d.heldFrames.push(frame.slice());
      return;
    }
    this.#out(d, frame);
  }

  #out(d: Direction, frame: Uint8Array): void {
    d.stats.delivered++;
    d.out(frame);
  }
}
