/**
 * fiber.ts — a fiber: one generator plus what the scheduler knows about it.
 *
 * Rules: a fiber's body is a generator function. Anything that may wait is a `function*`
 * called with `yield*`; the only values a fiber ever yields are the scheduler's requests
 * (`BLOCK`, `YIELD`), which only sched/ and the platforms produce. Kernel code sees them
 * as opaque (`Wait<T>`).
 */
import type { HeapEntry } from "./heap.ts";

/** What a blocking function returns: a generator whose yields are scheduler requests. */
export type Wait<T = void> = Generator<unknown, T, unknown>;

/** The body of a fiber. */
export type FiberBody = () => Generator<unknown, unknown, unknown>;

/** Requests a fiber yields to the scheduler. */
export const BLOCK: unique symbol = Symbol("BLOCK");
export const YIELD: unique symbol = Symbol("YIELD");

export const RUNNABLE = 0;
export const RUNNING = 1;
export const BLOCKED = 2;
export const ZOMBIE = 3; // exited, joinable, waiting for its joiner
export const DEAD = 4;
export type FiberState = 0 | 1 | 2 | 3 | 4;

export const STATE_NAMES = ["runnable", "running", "blocked", "zombie", "dead"] as const;

export interface SpawnOptions {
  /** A joinable fiber stays a zombie after it returns until `join` collects it. */
  joinable?: boolean;
  /** A daemon does not keep the machine running (the interrupt fiber, idle loops). */
  daemon?: boolean;
  /** Platform-private data carried with the fiber (the hw platform keeps the lwp here). */
  data?: unknown;
}

export class Fiber {
  state: FiberState = RUNNABLE;
  gen: Generator<unknown, unknown, unknown> | null;
  /** What a blocked fiber waits on, for deadlock reports and `ps`. */
  wchan = "";
  /** Set when a timed block ended by its deadline rather than a wake. */
  timedOut = false;
  /** The fiber's entry in the timed queue while it waits with a deadline. */
  timer: HeapEntry<Fiber> | null = null;
  /** The fiber waiting in `join` for this one. */
  joiner: Fiber | null = null;
  /** Value returned by the body, or the error that ended it. */
  exitValue: unknown = undefined;
  error: unknown = undefined;
  /** Times this fiber was switched to. */
  switches = 0;
  /** Clock nanoseconds spent running. */
  runNs = 0;

  constructor(
    readonly id: number,
    readonly name: string,
    body: FiberBody,
    readonly joinable: boolean,
    readonly daemon: boolean,
    public data: unknown,
  ) {
    this.gen = body();
  }

  get stateName(): string {
    return STATE_NAMES[this.state];
  }
}
