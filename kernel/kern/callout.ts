/**
 * callout.ts — timed callbacks in the kernel (kern_timeout's callout(9)).
 *
 * Rules: a callout's function runs on the softclock thread holding a virtual CPU and
 * must not block (it may signal condition variables, send packets, schedule callouts).
 * Callouts due at the same time run in the order they were scheduled. Times are the
 * kernel's monotonic nanoseconds. The softclock thread waits through cv_timedwait, so a
 * kernel with no callouts pending costs nothing.
 */
import type { Blocking } from "../hypercall/rumpuser.ts";
import type { KCondvar, KMutex } from "./sync.ts";

export class Callout {
  /** Absolute monotonic ns at which it fires; -1 when not pending. */
  when = -1;
  seq = 0;
  constructor(readonly wheel: CalloutWheel, public fn: () => void, readonly name: string) {}

  /** (Re)arms the callout `delayNs` from now. */
  schedule(delayNs: number): void {
    this.wheel.schedule(this, this.wheel.now() + Math.max(0, delayNs));
  }
  /** Arms the callout for an absolute monotonic time. */
  scheduleAt(when: number): void {
    this.wheel.schedule(this, when);
  }
  /** Disarms it; true if it was pending. */
  stop(): boolean {
    return this.wheel.stop(this);
  }
  pending(): boolean {
    return this.when >= 0;
  }
}

export class CalloutWheel {
  #q: Callout[] = [];
  #seq = 0;
  /** Callouts that have run. */
  fired = 0;

  constructor(
    readonly now: () => number,
    readonly lock: KMutex,
    readonly cv: KCondvar,
  ) {}

  create(name: string, fn: () => void): Callout {
    return new Callout(this, fn, name);
  }

  schedule(c: Callout, when: number): void {
    if (c.when >= 0) this.#remove(c);
    c.when = when;
    c.seq = this.#seq++;
    // Binary search for the insertion point: after every entry due at or before `when`.
    const q = this.#q;
    let lo = 0, hi = q.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (q[mid].when <= when) lo = mid + 1;
      else hi = mid;
    }
    q.splice(lo, 0, c);
    if (lo === 0) this.cv.signal();
  }

  stop(c: Callout): boolean {
    if (c.when < 0) return false;
    this.#remove(c);
    c.when = -1;
    return true;
  }

  /** Earliest pending time, or Infinity. */
  nextAt(): number {
    return this.#q.length ? this.#q[0].when : Infinity;
  }

  /** Runs every callout due by now. */
  runDue(): number {
    let n = 0;
    const now = this.now();
    while (this.#q.length && this.#q[0].when <= now) {
      const c = this.#q.shift()!;
      c.when = -1;
      n++;
      this.fired++;
      c.fn();
    }
    return n;
  }

  /** The softclock thread's body. */
  *softclock(): Blocking<never> {
    yield* this.lock.enter();
    for (;;) {
      this.runDue();
      const next = this.nextAt();
      yield* this.cv.timedwait(this.lock, next === Infinity ? Infinity : next - this.now());
    }
  }

  #remove(c: Callout): void {
    const q = this.#q;
    // Find by binary search on (when, seq), then confirm identity.
    let lo = 0, hi = q.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = q[mid];
      if (m.when < c.when || (m.when === c.when && m.seq < c.seq)) lo = mid + 1;
      else hi = mid;
    }
    if (q[lo] === c) q.splice(lo, 1);
    else {
      const i = q.indexOf(c);
      if (i >= 0) q.splice(i, 1);
    }
  }
}
