/**
 * clock.ts — the clock the whole machine runs on, in nanoseconds since power-on.
 *
 * Rules: time is a `number` of nanoseconds (exact to 2^53 ns, about 104 days). The
 * virtual clock only moves when the idle policy advances it, never backwards. A realtime
 * clock (arch/realtime.ts) implements the same interface from the host's monotonic clock;
 * sched/ itself never reads host time.
 */

export interface Clock {
  /** Nanoseconds since power-on. */
  now(): number;
  /** Moves time forward to `ns` (no-op if `ns` is not ahead). */
  advanceTo(ns: number): void;
  /** True when time follows the host (realtime mode). */
  readonly realtime: boolean;
}

/** Discrete-event time: jumps to the next deadline when every fiber waits. */
export class VirtualClock implements Clock {
  #ns = 0;
  readonly realtime = false;

  constructor(startNs = 0) {
    this.#ns = startNs;
  }

  now(): number {
    return this.#ns;
  }

  advanceTo(ns: number): void {
    if (ns > this.#ns) this.#ns = ns;
  }
}
