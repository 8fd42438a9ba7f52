/**
 * rwlock.ts — a reader/writer lock: many readers or one writer, waiters in FIFO order.
 *
 * Rules: a new reader waits if any fiber is already queued (so writers are not starved);
 * on release the lock is granted to the head of the queue — one writer, or a run of
 * readers. `tryUpgrade` succeeds only for the sole reader; `downgrade` turns the writer
 * into a reader and admits the readers queued at the head.
 */
import { Deque } from "./deque.ts";
import type { Fiber, Wait } from "./fiber.ts";
import type { Scheduler } from "./scheduler.ts";

export type RwKind = "reader" | "writer";

interface RwWaiter {
  fiber: Fiber;
  kind: RwKind;
  granted: boolean;
}

export class RwLock {
  writer: Fiber | null = null;
  readonly readers = new Set<Fiber>();
  contended = 0;
  readonly #waiters = new Deque<RwWaiter>(4);

  constructor(readonly sched: Scheduler, readonly name = "rwlock") {}

  tryEnter(kind: RwKind): boolean {
    const me = this.sched.self();
    if (kind === "writer") {
      if (this.writer || this.readers.size || this.#waiters.length) return false;
      this.writer = me;
      return true;
    }
    if (this.writer || this.#waiters.length) return false;
    this.readers.add(me);
    return true;
  }

  *enter(kind: RwKind): Wait {
    if (this.tryEnter(kind)) return;
    const me = this.sched.self();
    if (this.writer === me || this.readers.has(me)) {
      throw new Error(`rwlock ${this.name}: locking against myself`);
    }
    this.contended++;
    const w: RwWaiter = { fiber: me, kind, granted: false };
    this.#waiters.push(w);
    while (!w.granted) {
      this.sched.prepareBlock(undefined, `${this.name} ${kind}`);
      yield* this.sched.block();
    }
  }

  exit(): void {
    const me = this.sched.current;
    if (this.writer !== null && this.writer === me) {
      this.writer = null;
    } else if (me && this.readers.delete(me)) {
      if (this.readers.size) return;
    } else {
      throw new Error(`rwlock ${this.name}: exit by a fiber that does not hold it`);
    }
    this.#grant();
  }

  /** A sole reader becomes the writer; false if other readers hold the lock. */
  tryUpgrade(): boolean {
    const me = this.sched.self();
    if (!this.readers.has(me) || this.readers.size !== 1) return false;
    this.readers.delete(me);
    this.writer = me;
    return true;
  }

  /** The writer becomes a reader; readers queued at the head are let in with it. */
  downgrade(): void {
    const me = this.sched.self();
    if (this.writer !== me) throw new Error(`rwlock ${this.name}: downgrade by a non-writer`);
    this.writer = null;
    this.readers.add(me);
    this.#grant();
  }

  /** Whether the running fiber holds the lock as `kind`. */
  held(kind: RwKind): boolean {
    const me = this.sched.current;
    if (!me) return false;
    return kind === "writer" ? this.writer === me : this.readers.has(me);
  }

  hasWaiters(): boolean {
    return this.#waiters.length > 0;
  }

  #grant(): void {
    const q = this.#waiters;
    const head = q.peek();
    if (!head || this.writer) return;
    if (head.kind === "writer") {
      if (this.readers.size) return;
      q.shift();
      head.granted = true;
      this.writer = head.fiber;
      this.sched.wake(head.fiber);
      return;
    }
    while (q.peek()?.kind === "reader") {
      const r = q.shift()!;
      r.granted = true;
      this.readers.add(r.fiber);
      this.sched.wake(r.fiber);
    }
  }
}
