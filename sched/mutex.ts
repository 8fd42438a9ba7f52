/**
 * mutex.ts — a sleeping mutex with an owner, waiters served in FIFO order.
 *
 * Rules: `exit` hands the mutex straight to the first waiter (no barging), so waiters
 * acquire in the order they arrived. Only the owner may exit. Counters record how often
 * `enter` found the mutex held (contention is real only with more than one vCPU or when
 * a holder blocks).
 */
import { Deque } from "./deque.ts";
import type { Fiber, Wait } from "./fiber.ts";
import type { Scheduler } from "./scheduler.ts";

export class Mutex {
  owner: Fiber | null = null;
  /** Times `enter` found the mutex held and had to wait. */
  contended = 0;
  readonly #waiters = new Deque<Fiber>(4);

  constructor(readonly sched: Scheduler, readonly name = "mutex") {}

  /** Takes the mutex if it is free. */
  tryEnter(): boolean {
    if (this.owner !== null) return false;
    this.owner = this.sched.self();
    return true;
  }

  /** Takes the mutex, waiting in FIFO order while another fiber holds it. */
  *enter(): Wait {
    const me = this.sched.self();
    if (this.owner === null) {
      this.owner = me;
      return;
    }
    if (this.owner === me) throw new Error(`mutex ${this.name}: locking against myself`);
    this.contended++;
    this.#waiters.push(me);
    while (this.owner !== me) {
      this.sched.prepareBlock(undefined, this.name);
      yield* this.sched.block();
    }
  }

  /** Releases the mutex, handing it to the first waiter if there is one. */
  exit(): void {
    const me = this.sched.current;
    if (this.owner !== me) {
      throw new Error(`mutex ${this.name}: exit by a fiber that does not own it`);
    }
    const next = this.#waiters.shift();
    this.owner = next ?? null;
    if (next) this.sched.wake(next);
  }

  /** True if the running fiber owns the mutex. */
  held(): boolean {
    return this.owner !== null && this.owner === this.sched.current;
  }

  hasWaiters(): boolean {
    return this.#waiters.length > 0;
  }
}
