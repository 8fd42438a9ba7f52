/**
 * realtime.ts — host time for realtime mode: the one arch file that reads the host clock.
 *
 * `RealtimeClock` is sched's `Clock` over performance.now(): nanoseconds since it was made,
 * monotonic, and `advanceTo` cannot move it (time passes by waiting). `HostWaiter` is how
 * a halted CPU waits for the host: `wait(untilNs)` resolves when the clock reaches
 * `untilNs` (a setTimeout, kept across waits: see `#arm`) or earlier when a host I/O source
 * calls `kick()`. A kick with
 * nobody waiting is remembered, so a wake-up is never lost. `hostSources` counts open host
 * sources (sockets, tap devices): while any is open, a CPU with nothing scheduled waits
 * for them instead of declaring the machine dead.
 *
 * Rules: simulated code never calls these directly; arch/cpu.ts does, in realtime mode.
 */
import type { Clock } from "../sched/mod.ts";

export class RealtimeClock implements Clock {
  readonly realtime = true;
  readonly #t0: number;
  #last = 0;

  constructor() {
    this.#t0 = performance.now();
  }

  now(): number {
    const ns = Math.floor((performance.now() - this.#t0) * 1e6);
    if (ns > this.#last) this.#last = ns;
    return this.#last;
  }

  /** Host time cannot be moved; waiting is `HostWaiter.wait`'s job. */
  advanceTo(_ns: number): void {}
}

export class HostWaiter {
  readonly clock: Clock;
  #resolve: (() => void) | null = null;
  /** The host timer and the clock time it was set for; it outlives the wait it was set for. */
  #timer: ReturnType<typeof setTimeout> | undefined = undefined;
  #timerAt = Infinity;
  #kicked = false;
  #sources = 0;
  /** Waits begun, and how many a kick ended early. */
  waits = 0;
  kicks = 0;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** Open host sources (a reference count). */
  get hostSources(): number {
    return this.#sources;
  }

  /** A host source opened: the CPU must wait for it even with nothing scheduled. */
  openSource(): void {
    this.#sources++;
  }

  closeSource(): void {
    if (this.#sources > 0) this.#sources--;
    // A CPU waiting with nothing scheduled must re-check whether anything can still happen.
    if (this.#sources === 0) this.kick();
  }

  /**
   * Resolves when the clock reaches `untilNs` (Infinity: only a kick ends it), or earlier
   * (a kick, a timer kept from an earlier wait): callers check what is due and wait again.
   */
  wait(untilNs: number): Promise<void> {
    this.waits++;
    if (this.#kicked) {
      this.#kicked = false;
      return Promise.resolve();
    }
    if (this.#resolve) throw new Error("HostWaiter.wait while already waiting");
    return new Promise<void>((resolve) => {
      this.#resolve = resolve;
      if (untilNs !== Infinity) this.#arm(untilNs);
    });
  }

  /**
   * A host timer for `untilNs`. Most waits end with a kick long before their deadline, so
   * a timer is not cleared then but kept (unreferenced: it alone keeps the host process
   * alive for nobody) and reused by a later wait whose deadline is no earlier: it may end
   * that wait early, which costs one more turn of the idle loop, never a missed deadline.
   */
  #arm(untilNs: number): void {
    if (this.#timer !== undefined) {
      if (this.#timerAt <= untilNs) {
        refTimer(this.#timer, true);
        return;
      }
      clearTimeout(this.#timer);
    }
    const ms = Math.max(0, (untilNs - this.clock.now()) / 1e6);
    this.#timerAt = untilNs;
    this.#timer = setTimeout(this.#onTimer, Math.ceil(ms));
  }

  #onTimer = (): void => {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    this.#finish();
  };

  /** A host source has input: end the current wait now, or the next one at once. */
  kick(): void {
    this.kicks++;
    if (this.#resolve) this.#finish();
    else this.#kicked = true;
  }

  #finish(): void {
    if (this.#timer !== undefined) refTimer(this.#timer, false);
    const r = this.#resolve;
    this.#resolve = null;
    r?.();
  }
}

/** Deno.refTimer/unrefTimer where the host has them (elsewhere a timer stays referenced). */
function refTimer(id: ReturnType<typeof setTimeout>, on: boolean): void {
  const d = (globalThis as { Deno?: typeof Deno }).Deno;
  if (!d?.refTimer) return;
  if (on) d.refTimer(id as unknown as number);
  else d.unrefTimer(id as unknown as number);
}

/** The host's wall clock now, in ms since the epoch: the RTC's time at power-on in realtime mode. */
export function hostEpochMs(): number {
  return Date.now();
}
