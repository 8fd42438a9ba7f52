/**
 * events.ts — the machine's event queue: callbacks due at a time on the clock.
 *
 * This is how hardware acts on its own: a PIT channel reaching zero, a frame arriving
 * after the wire's latency, a host socket becoming readable in realtime mode. Callbacks
 * run in the event loop's own context, never inside a fiber, and may only do what an
 * interrupt source may: change device state, raise an IRQ line, wake a fiber.
 *
 * Rules: events due at the same time fire in the order they were posted. With a tracer
 * set (the scheduler's `setTracer`), each event is recorded as it runs.
 */
import { type HeapEntry, MinHeap } from "./heap.ts";
import type { Tracer } from "./trace.ts";

export type EventFn = () => void;
export type EventHandle = HeapEntry<EventFn>;

export class EventQueue {
  #heap = new MinHeap<EventFn>();
  /** Set by `Scheduler.setTracer`; null when the run is not traced. */
  tracer: Tracer | null = null;

  get size(): number {
    return this.#heap.size;
  }

  /** Schedules `fn` to run when the clock reaches `ns`. */
  at(ns: number, fn: EventFn): EventHandle {
    return this.#heap.push(ns, fn);
  }

  /** Cancels a pending event; false if it already fired or was cancelled. */
  cancel(h: EventHandle | null | undefined): boolean {
    return h ? this.#heap.remove(h) : false;
  }

  /** Time of the earliest pending event, or Infinity. */
  nextAt(): number {
    return this.#heap.peekKey();
  }

  /** Runs every event due at or before `now`; returns how many ran. */
  runDue(now: number): number {
    let n = 0;
    while (this.#heap.peekKey() <= now) {
      const e = this.#heap.pop()!;
      if (this.tracer !== null) this.tracer.event(e.value);
      e.value();
      n++;
    }
    return n;
  }
}
