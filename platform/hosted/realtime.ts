/**
 * realtime.ts (hosted) — the hosted platform's realtime mode: a clock from the host's
 * monotonic clock, a waiter a host source can kick, and the idle policy that awaits host
 * events or the next deadline.
 *
 * When every fiber waits, `hostedRealtimeIdle` runs the host work already posted, the
 * events due, and otherwise awaits the earliest of: the next timed-queue deadline, the next
 * event, a kick from a host source. It reports "nothing can ever happen" only when there
 * is no deadline, no event and no open host source.
 *
 * Rules: the one place on the hosted platform that reads host time or sets host timers
 * (the same job arch/realtime.ts does for hw, which hosted may not import). Used when one
 * hosted kernel runs alone; when it shares a simulated PC's scheduler, the machine owns
 * the clock and the idle policy and this file is not used (kernel/platform/hw/host_idle.ts).
 */
import type { Clock, IdlePolicy } from "../../sched/mod.ts";
import type { HostKick, HostWork } from "../../sched/host_work.ts";

/** sched's Clock over performance.now(): ns since it was made; waiting is how time passes. */
export class HostedRealtimeClock implements Clock {
  readonly realtime = true;
  readonly #t0 = performance.now();
  #last = 0;

  now(): number {
    const ns = Math.floor((performance.now() - this.#t0) * 1e6);
    if (ns > this.#last) this.#last = ns;
    return this.#last;
  }

  advanceTo(_ns: number): void {}
}

/** A wait on the host that a source's kick ends early; a kick with nobody waiting is kept. */
export class HostedWaiter implements HostKick {
  #resolve: (() => void) | null = null;
  /** The host timer and the clock time it was set for; it outlives the wait it was set for. */
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  #kicked = false;
  #sources = 0;

  constructor(readonly clock: Clock) {}

  get hostSources(): number {
    return this.#sources;
  }
  openSource(): void {
    this.#sources++;
  }
  closeSource(): void {
    if (this.#sources > 0) this.#sources--;
    if (this.#sources === 0) this.kick();
  }

  /**
   * Resolves at `untilNs` on the clock, or at the next kick (Infinity: only a kick), or
   * earlier still when a timer kept from an earlier wait fires: callers check and wait again.
   */
  wait(untilNs: number): Promise<void> {
    if (this.#kicked) {
      this.#kicked = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.#resolve = resolve;
      if (untilNs !== Infinity) this.#arm(untilNs);
    });
  }

  /**
   * A wait usually ends with a kick long before its deadline: its timer is then kept,
   * unreferenced (it keeps the process alive for nobody), for the next wait whose deadline
   * is no earlier — one setTimeout per deadline instead of one per wait.
   */
  #arm(untilNs: number): void {
    if (this.#timer !== undefined) {
      if (this.#timerAt <= untilNs) {
        Deno.refTimer(this.#timer as unknown as number);
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

  kick(): void {
    if (this.#resolve) this.#finish();
    else this.#kicked = true;
  }

  #finish(): void {
    if (this.#timer !== undefined) Deno.unrefTimer(this.#timer as unknown as number);
    const r = this.#resolve;
    this.#resolve = null;
    r?.();
  }
}

/** The idle policy of a hosted kernel running alone in realtime mode. */
export function hostedRealtimeIdle(work: HostWork, waiter: HostedWaiter): IdlePolicy {
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
