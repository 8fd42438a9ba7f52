/**
 * browser_clock.ts — the browser's time for a realtime machine in the page: sched's
 * `Clock` over `performance.now()` and a `HostWait` on `setTimeout`, what host/realtime.ts
 * is for Deno (web/ may not import host/).
 *
 * `BrowserClock.now()` is nanoseconds since it was made, monotonic; `advanceTo` cannot
 * move it (time passes by waiting). `BrowserWaiter.wait(untilNs)` resolves when the clock
 * reaches `untilNs` or earlier on `kick()` (typed keys, a request from the panel); a kick
 * with nobody waiting is remembered, so a wake-up is never lost. While a source is open
 * (the page's keyboard), a CPU with nothing scheduled waits instead of ending the run.
 *
 * Rules: this is the page's edge: the only web/ file that reads the browser's clock and
 * timers for the machine; nothing here touches the DOM, so it runs in a worker.
 */
import type { Clock, HostWait } from "../sched/mod.ts";

export class BrowserClock implements Clock {
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

export class BrowserWaiter implements HostWait {
  #resolve: (() => void) | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
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
   * Called each time the machine halts to wait for the browser: the worker hands the
   * UART's unfinished line (a shell's prompt) to the page then, as a terminal would show it.
   */
  beforeWait: (() => void) | null = null;

  wait(untilNs: number): Promise<void> {
    this.beforeWait?.();
    if (this.#kicked) {
      this.#kicked = false;
      return Promise.resolve();
    }
    if (this.#resolve) throw new Error("BrowserWaiter.wait while already waiting");
    return new Promise<void>((resolve) => {
      this.#resolve = resolve;
      if (untilNs !== Infinity) {
        const ms = Math.max(0, (untilNs - this.clock.now()) / 1e6);
        this.#timer = setTimeout(() => this.#finish(), Math.ceil(ms));
      }
    });
  }

  kick(): void {
    if (this.#resolve) this.#finish();
    else this.#kicked = true;
  }

  #finish(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const r = this.#resolve;
    this.#resolve = null;
    r?.();
  }
}

/** A realtime machine's host: the browser's clock, a waiter on it, the wall time now. */
export function browserRealtime(): { clock: BrowserClock; waiter: BrowserWaiter; epochMs: number } {
  const clock = new BrowserClock();
  return { clock, waiter: new BrowserWaiter(clock), epochMs: Date.now() };
}
