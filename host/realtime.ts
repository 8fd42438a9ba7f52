/**
 * realtime.ts — host time for realtime mode: the one clock and the one waiter that every
 * realtime run uses, a simulated PC's CPU and a hosted kernel's idle loop alike.
 *
 * `RealtimeClock` is sched's `Clock` over performance.now(): nanoseconds since it was made,
 * monotonic, and `advanceTo` cannot move it (time passes by waiting). `HostWaiter` is how
 * a halted CPU waits for the host: `wait(untilNs)` resolves when the clock reaches
 * `untilNs` (a setTimeout, kept across waits: see `#arm`) or earlier when a host I/O source
 * calls `kick()`. A kick with nobody waiting is remembered, so a wake-up is never lost.
 * `hostSources` counts open host sources (sockets, tap devices): while any is open, a CPU
 * with nothing scheduled waits for them instead of declaring the machine dead.
 * `realtimeIdle` is the idle policy of a scheduler that owns the clock but no CPU (a hosted
 * kernel running alone); `hostRealtime` hands a machine its clock, waiter and power-on time.
 *
 * Rules: the layers above see these only through sched's `Clock` and `HostWait`; host
 * timers are unreferenced while nobody waits on them, so they never keep the process alive.
 */
import type { Clock, HostWait, HostWork, IdlePolicy } from "../sched/mod.ts";

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

export class HostWaiter implements HostWait {
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

/** What a realtime machine takes from the host: its clock, its waiter, its time at power-on. */
export interface HostTime {
  clock: Clock;
  waiter: HostWait;
  epochMs: number;
}

/** A fresh host clock and waiter, and the host's time now. */
export function hostRealtime(): HostTime {
  const clock = new RealtimeClock();
  return { clock, waiter: new HostWaiter(clock), epochMs: hostEpochMs() };
}

/**
 * The idle policy of a scheduler on the host's clock with no CPU (a hosted kernel running
 * alone): run the host work already posted and the events due; otherwise await the
 * earliest of the next deadline, the next event and a kick. "Nothing can ever happen"
 * needs no deadline, no event, no open host source and no posted work.
 */
export function realtimeIdle(work: HostWork, waiter: HostWait): IdlePolicy {
  const ready = (s: Parameters<IdlePolicy["idle"]>[0], deadline: number): boolean => {
    const ran = work.runPending();
    const now = s.clock.now();
    const fired = s.events.runDue(now);
    return ran || fired > 0 || deadline <= now;
  };
  return {
    idle(s, deadline) {
      if (ready(s, deadline)) return true;
      return (async () => {
        while (s.halted === null) {
          const next = Math.min(deadline, s.events.nextAt());
          if (next === Infinity && waiter.hostSources === 0 && !work.pending) return false;
          await waiter.wait(next);
          if (ready(s, deadline)) return true;
        }
        return false;
      })();
    },
  };
}
