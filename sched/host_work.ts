/**
 * host_work.ts — host I/O entering a running machine in realtime mode: the queue through
 * which host callbacks (a socket accepted, bytes read, a write finished) reach the
 * simulated side, and the count of open host sources.
 *
 * A host callback never touches kernel state from wherever the host ran it: it `post`s a
 * plain function, which the platform's idle loop runs in the event loop's own context
 * (never inside a fiber), where it may do what an interrupt source may — change a queue,
 * signal a condition variable, wake a fiber. `post` also kicks the waiter, so a CPU
 * halted on the host wakes at once. `runPending` is what an idle policy calls; it returns
 * true when something ran (a fiber may now be runnable, so idle must return).
 *
 * While any host source is open (`openSource`), a machine with nothing scheduled waits
 * for the host instead of ending as a deadlock.
 *
 * Rules: no host API here (shared by both platforms, the CPU and the user network); the
 * waiter is host/realtime.ts's HostWaiter, seen through the interfaces below, so that
 * nothing above host/ imports it.
 */

/** What wakes a CPU halted on the host. */
export interface HostKick {
  kick(): void;
  openSource(): void;
  closeSource(): void;
}

/**
 * A wait on the host that a host source's kick ends early (host/realtime.ts HostWaiter):
 * what a halted CPU or a hosted kernel's idle loop awaits in realtime mode.
 */
export interface HostWait extends HostKick {
  /** Open host sources: while any is open, "nothing scheduled" is not a deadlock. */
  readonly hostSources: number;
  /** Resolves at `untilNs` on the clock or at the next kick, whichever is first. */
  wait(untilNs: number): Promise<void>;
}

/** A place in the host-work order: the pass and the index in its first round. */
export interface HostWorkAt {
  pass: number;
  index: number;
}

export class HostWork {
  #q: (() => void)[] = [];
  /** Functions run so far, for benchmarks and tests. */
  ran = 0;
  /** `runPending` calls so far. */
  passes = 0;
  /**
   * Called at the start of every pass with the queue its first round will run: a replay
   * (cli/record.ts) splices in the inputs a recording logged at that pass, at their places.
   */
  inject: ((pass: number, queue: (() => void)[]) => void) | null = null;
  #index = -1;

  constructor(readonly waiter: HostKick) {}

  /** Queues `fn` to run in the event loop's context and wakes the halted CPU. */
  post(fn: () => void): void {
    this.#q.push(fn);
    this.waiter.kick();
  }

  /** True when work is queued. */
  get pending(): boolean {
    return this.#q.length > 0;
  }

  /**
   * Runs every queued function (and any they queue); true if at least one ran. Each call
   * is one pass (`passes` counts them, empty ones too); while the first round of a pass
   * runs, `at` names the function running: what a recording logs a host input against.
   */
  runPending(): boolean {
    const pass = ++this.passes;
    this.inject?.(pass, this.#q);
    if (this.#q.length === 0) return false;
    let first = true;
    while (this.#q.length > 0) {
      const q = this.#q;
      this.#q = [];
      for (let i = 0; i < q.length; i++) {
        this.ran++;
        this.#index = first ? i : -1;
        try {
          q[i]();
        } finally {
          this.#index = -1;
        }
      }
      first = false;
    }
    return true;
  }

  /**
   * Where the function running now stands: its pass and its place in the pass's first
   * round (the functions queued before the pass began), or null outside one. Host input
   * is queued only between passes, so an input is always in a first round.
   */
  get at(): HostWorkAt | null {
    return this.#index < 0 ? null : { pass: this.passes, index: this.#index };
  }

  /** A host source (a listener, a connection) opened: the machine waits for it. */
  openSource(): void {
    this.waiter.openSource();
  }

  closeSource(): void {
    this.waiter.closeSource();
  }
}
