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
  /** Its slot in the wheel's heap while pending. */
  slot = -1;
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

/** a is due before b: earlier time, or the same time and scheduled first. */
function before(a: Callout, b: Callout): boolean {
  return a.when < b.when || (a.when === b.when && a.seq < b.seq);
}

/**
 * The pending callouts, in a binary min-heap on (when, seq) whose entries know their slot:
 * arming, re-arming and stopping cost O(log n) and move no other memory (TCP re-arms and
 * stops its timers on nearly every segment).
 */
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
    const q = this.#q;
    c.slot = q.length;
    q.push(c);
    this.#up(c.slot);
    // A new earliest deadline: the softclock thread must wait less.
    if (q[0] === c) this.cv.signal();
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
    const q = this.#q;
    while (q.length && q[0].when <= now) {
      const c = q[0];
      this.#remove(c);
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
    const i = c.slot;
    c.slot = -1;
    const last = q.pop()!;
    if (last === c) return;
    q[i] = last;
    last.slot = i;
    this.#down(i);
    this.#up(last.slot);
  }

  #up(i: number): void {
    const q = this.#q;
    const c = q[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(c, q[p])) break;
      q[i] = q[p];
      q[i].slot = i;
      i = p;
    }
    q[i] = c;
    c.slot = i;
  }

  #down(i: number): void {
    const q = this.#q;
    const n = q.length;
    const c = q[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && before(q[r], q[l]) ? r : l;
      if (!before(q[m], c)) break;
      q[i] = q[m];
      q[i].slot = i;
      i = m;
    }
    q[i] = c;
    c.slot = i;
  }
}
