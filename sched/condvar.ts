/**
 * condvar.ts — a condition variable used with a Mutex; waiters are woken in FIFO order.
 *
 * Rules: `wait` releases the mutex and sleeps atomically (the fiber is queued and
 * prepared before the mutex is let go), and holds the mutex again when it returns.
 * As with every condition variable, a return does not promise the condition: callers
 * loop. `timedWait` returns true when the deadline (absolute clock ns) ended the wait.
 */
import { Deque } from "./deque.ts";
import { BLOCK, type Fiber, type Wait } from "./fiber.ts";
import type { Mutex } from "./mutex.ts";
import type { Scheduler } from "./scheduler.ts";

export class CondVar {
  readonly #waiters = new Deque<Fiber>(4);

  constructor(readonly sched: Scheduler, readonly name = "cv") {}

  *wait(m: Mutex): Wait {
    yield* this.timedWait(m, Infinity);
  }

  /** Like `wait`, but gives up at `deadline` (Infinity: never); true if it timed out. */
  *timedWait(m: Mutex, deadline: number): Wait<boolean> {
    const me = this.sched.self();
    this.#waiters.push(me);
    this.sched.prepareBlock(deadline, this.name);
    m.exit();
    // The scheduler's block(), inline: a wait is the hot path of every sleep.
    yield BLOCK;
    const timedOut = me.timedOut;
    me.timedOut = false;
    // A timeout or a stray wake leaves us queued: leave the queue.
    this.#waiters.remove(me);
    if (!m.tryEnter()) yield* m.enter();
    return timedOut;
  }

  /** Wakes the longest-waiting fiber. */
  signal(): void {
    const f = this.#waiters.shift();
    if (f) this.sched.wake(f);
  }

  /** Wakes every waiting fiber, in the order they came. */
  broadcast(): void {
    for (let f = this.#waiters.shift(); f; f = this.#waiters.shift()) this.sched.wake(f);
  }

  hasWaiters(): boolean {
    return this.#waiters.length > 0;
  }
}
