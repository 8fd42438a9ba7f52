/**
 * scheduler.ts — the cooperative scheduler the whole machine runs in (rumprun's bmk_sched).
 *
 * A run queue (FIFO), a timed queue (min-heap by deadline, ties by sequence), a blocked
 * set, a zombie list; fibers switch only when they yield. Blocking is two-phase:
 * `prepareBlock(deadline?)` enters the blocked set (and the timed queue), then
 * `yield* block()` gives up the CPU and returns whether the deadline ended the wait.
 * A wake between the two phases cancels the block; a wake of a running or runnable fiber
 * is a no-op, so interrupt paths may wake freely.
 *
 * Idle is the platform's: when nothing is runnable the loop calls `idle.idle(s, deadline)`,
 * which must return once the clock has reached `deadline` or something may have become
 * runnable (an event fired), or return false when nothing can ever happen. The default,
 * `virtualIdle`, jumps the clock to the next deadline or event: a discrete-event
 * simulation. A run ends when every non-daemon fiber has exited, on `halt`, or as a
 * deadlock listing the blocked fibers and what each waits on.
 *
 * Time within a turn: `turnNow()` is the clock as the running fiber's turn began. Virtual
 * time moves only between turns anyway; in realtime mode it is the cheap clock a kernel
 * reads for timestamps and timeouts (NetBSD's getnanouptime: precise to the last switch,
 * not to the nanosecond), one host clock read per switch instead of one per question.
 *
 * Tracing (trace.ts): with a tracer set, every switch, wake, timeout, idle period and
 * event is recorded; with none, the switch path pays one null check.
 */
import { type Clock, VirtualClock } from "./clock.ts";
import { Deque } from "./deque.ts";
import { EventQueue } from "./events.ts";
import {
  BLOCK,
  BLOCKED,
  DEAD,
  Fiber,
  type FiberBody,
  RUNNABLE,
  RUNNING,
  type SpawnOptions,
  type Wait,
  YIELD,
  ZOMBIE,
} from "./fiber.ts";
import { MinHeap } from "./heap.ts";
import type { Tracer } from "./trace.ts";

export interface IdlePolicy {
  /**
   * Called with nothing runnable. `deadline` is the earliest timed-queue deadline
   * (Infinity if none). Returns false when no event can ever make a fiber runnable.
   */
  idle(s: Scheduler, deadline: number): boolean | Promise<boolean>;
}

/** Virtual mode: jump the clock to the next deadline or event and fire what is due. */
export const virtualIdle: IdlePolicy = {
  idle(s, deadline) {
    const next = Math.min(deadline, s.events.nextAt());
    if (next === Infinity) return false;
    s.clock.advanceTo(next);
    s.events.runDue(s.clock.now());
    return true;
  },
};

export interface BlockedInfo {
  id: number;
  name: string;
  wchan: string;
  deadline: number | null;
}

export type RunResult =
  | { kind: "exited" }
  | { kind: "halted"; reason: string }
  | { kind: "deadlock"; blocked: BlockedInfo[] };

export interface SchedulerOptions {
  clock?: Clock;
  idle?: IdlePolicy;
  /** Called when a fiber's body throws. The default halts the machine with the error. */
  onError?: (f: Fiber, err: unknown) => void;
}

export class Scheduler {
  readonly clock: Clock;
  readonly events: EventQueue = new EventQueue();
  idle: IdlePolicy;
  onError: (f: Fiber, err: unknown) => void;
  /** The fiber now running, or null in the event loop's own context. */
  current: Fiber | null = null;
  /** The clock when the running fiber's turn began (valid while `current` is set). */
  turnStart = 0;
  /** Total switches, for benchmarks and `ps`. */
  switches = 0;
  /** The timeline recorder, or null (the default: no tracing). Set with `setTracer`. */
  tracer: Tracer | null = null;

  #runq = new Deque<Fiber>(64);
  #timedq = new MinHeap<Fiber>();
  #blocked = new Set<Fiber>();
  #zombies: Fiber[] = [];
  #all = new Map<number, Fiber>();
  #nextId = 1;
  #live = 0;
  #halted: string | null = null;
  #haltError: unknown = undefined;

  constructor(opts: SchedulerOptions = {}) {
    this.clock = opts.clock ?? new VirtualClock();
    this.idle = opts.idle ?? virtualIdle;
    this.onError = opts.onError ?? ((f, err) => {
      this.#haltError = err;
      this.halt(`fiber ${f.name} failed: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  /**
   * Records this machine's timeline in `t` from now on (null stops): fibers that already
   * exist are named in it, and the event queue reports to it too.
   */
  setTracer(t: Tracer | null): void {
    this.tracer = t;
    this.events.tracer = t;
    if (t) {
      t.attach(this.clock);
      for (const f of this.#all.values()) t.spawn(f, null);
    }
  }

  /** Creates a runnable fiber; it first runs when the scheduler reaches it. */
  spawn(name: string, body: FiberBody, opts: SpawnOptions = {}): Fiber {
    const f = new Fiber(
      this.#nextId++,
      name,
      body,
      opts.joinable ?? false,
      opts.daemon ?? false,
      opts.data,
    );
    this.#all.set(f.id, f);
    if (!f.daemon) this.#live++;
    this.#runq.push(f);
    if (this.tracer !== null) this.tracer.spawn(f, this.current);
    return f;
  }

  /** Every fiber that has not been reaped, in creation order. */
  fibers(): Fiber[] {
    return [...this.#all.values()];
  }

  /** The running fiber; throws outside a fiber. */
  self(): Fiber {
    const f = this.current;
    if (!f) throw new Error("not running in a fiber");
    return f;
  }

  /**
   * First phase of blocking: the current fiber enters the blocked set and, with a
   * deadline (absolute clock ns), the timed queue. It keeps running until `block()`.
   */
  prepareBlock(deadline?: number, wchan = "block"): void {
    const f = this.self();
    f.state = BLOCKED;
    f.wchan = wchan;
    f.timedOut = false;
    this.#blocked.add(f);
    if (deadline !== undefined && deadline !== Infinity) f.timer = this.#timedq.push(deadline, f);
  }

  /** Second phase: gives up the CPU; returns true if the deadline ended the wait. */
  *block(): Wait<boolean> {
    const f = this.self();
    yield BLOCK;
    const t = f.timedOut;
    f.timedOut = false;
    return t;
  }

  /** Makes a blocked fiber runnable. A no-op on a running, runnable or exited fiber. */
  wake(f: Fiber): void {
    if (f.state !== BLOCKED) return;
    if (this.tracer !== null) this.tracer.wake(f, this.current);
    this.#unblock(f);
  }

  /** Gives other runnable fibers a turn. */
  *yield(): Wait {
    yield YIELD;
  }

  /** Blocks until the clock reaches `ns` (absolute). */
  *sleepUntil(ns: number): Wait {
    if (ns <= this.clock.now()) {
      yield YIELD;
      return;
    }
    this.prepareBlock(ns, "sleep");
    while (!(yield* this.block())) {
      // A stray wake: sleep on until the deadline.
      this.prepareBlock(ns, "sleep");
    }
  }

  /** Blocks for `ns` nanoseconds. */
  *sleep(ns: number): Wait {
    yield* this.sleepUntil(this.clock.now() + ns);
  }

  /** Waits for a joinable fiber to exit and collects it; returns its body's value. */
  *join(f: Fiber): Wait<unknown> {
    if (!f.joinable) throw new Error(`fiber ${f.name} is not joinable`);
    if (f.joiner) throw new Error(`fiber ${f.name} already has a joiner`);
    const me = this.self();
    if (f === me) throw new Error("a fiber cannot join itself");
    f.joiner = me;
    while (f.state !== ZOMBIE && f.state !== DEAD) {
      this.prepareBlock(undefined, `join ${f.name}`);
      yield* this.block();
    }
    f.state = DEAD;
    this.#reap(f);
    if (f.error !== undefined) throw f.error;
    return f.exitValue;
  }

  /**
   * Destroys `f` where it stands, as a machine's crash destroys its threads: it leaves the
   * run queue, the blocked set and the timed queue and never runs again, and its body's
   * `finally` blocks do not run (nothing of a crashed machine may). A fiber joining it gets
   * an error. A fiber cannot kill itself; an exited one is left as it is.
   */
  kill(f: Fiber): void {
    if (f === this.current) throw new Error(`fiber ${f.name} cannot kill itself`);
    if (f.state === ZOMBIE || f.state === DEAD) return;
    if (f.state === RUNNABLE) this.#runq.remove(f);
    this.#exit(f, undefined, new Error(`fiber ${f.name} was destroyed`));
  }

  /** Stops the run after the current fiber yields. */
  halt(reason: string): void {
    if (this.#halted === null) this.#halted = reason;
  }

  get halted(): string | null {
    return this.#halted;
  }

  /** The error that halted the machine, if a fiber failed. */
  get haltError(): unknown {
    return this.#haltError;
  }

  /** Fibers blocked now, in the order they blocked. */
  blockedFibers(): BlockedInfo[] {
    return [...this.#blocked].map((f) => ({
      id: f.id,
      name: f.name,
      wchan: f.wchan,
      deadline: f.timer ? f.timer.key : null,
    }));
  }

  /**
   * The clock as the running fiber's turn began; outside a fiber, the clock now. Equal to
   * `clock.now()` in virtual time (which moves only between turns).
   */
  turnNow(): number {
    return this.current !== null ? this.turnStart : this.clock.now();
  }

  /** Runs the machine to its end. Awaits only when the idle policy does (realtime mode). */
  async run(): Promise<RunResult> {
    for (;;) {
      const r = this.#step();
      if (r) return r;
      const t0 = this.clock.now();
      let more = this.idle.idle(this, this.#timedq.peekKey());
      if (more instanceof Promise) more = await more;
      if (this.tracer !== null) this.tracer.idle(t0, this.clock.now());
      const r2 = this.#afterIdle(more);
      if (r2) return r2;
    }
  }

  /** Runs the machine to its end without awaiting; the idle policy must be synchronous. */
  runSync(): RunResult {
    for (;;) {
      const r = this.#step();
      if (r) return r;
      const t0 = this.clock.now();
      const more = this.idle.idle(this, this.#timedq.peekKey());
      if (more instanceof Promise) throw new Error("runSync with an asynchronous idle policy");
      if (this.tracer !== null) this.tracer.idle(t0, this.clock.now());
      const r2 = this.#afterIdle(more);
      if (r2) return r2;
    }
  }

  #afterIdle(more: boolean): RunResult | null {
    this.#expire(this.clock.now());
    if (!more && this.#runq.length === 0) {
      if (this.#halted !== null) return { kind: "halted", reason: this.#halted };
      if (this.#live === 0) return { kind: "exited" };
      return { kind: "deadlock", blocked: this.blockedFibers() };
    }
    return null;
  }

  /** Runs fibers until none is runnable; returns a result if the run is over. */
  #step(): RunResult | null {
    const clock = this.clock;
    const runq = this.#runq;
    const events = this.events;
    const tracer = this.tracer;
    // One clock read per switch: the time a fiber gives up the CPU is also when the next
    // turn of the loop starts (nothing in between takes simulated time).
    let now = clock.now();
    for (;;) {
      if (this.#halted !== null) return { kind: "halted", reason: this.#halted };
      if (this.#live === 0) return { kind: "exited" };
      if (events.nextAt() <= now) events.runDue(now);
      if (this.#timedq.peekKey() <= now) this.#expire(now);
      const f = runq.shift();
      if (f === undefined) return null;
      if (tracer === null) now = this.#switchTo(f, now);
      else {
        tracer.switchIn(f);
        now = this.#switchTo(f, now);
        tracer.switchOut(f);
      }
      if (this.#zombies.length) this.#reapZombies();
    }
  }

  /** Runs `f` until it yields; `t0` is the clock now. Returns the clock when it yielded. */
  #switchTo(f: Fiber, t0: number): number {
    const clock = this.clock;
    f.state = RUNNING;
    f.switches++;
    this.switches++;
    this.current = f;
    this.turnStart = t0;
    let r: IteratorResult<unknown, unknown>;
    let t1: number;
    try {
      r = f.gen!.next();
    } catch (err) {
      this.current = null;
      t1 = clock.now();
      f.runNs += t1 - t0;
      this.#exit(f, undefined, err);
      this.onError(f, err);
      return t1;
    }
    this.current = null;
    t1 = clock.now();
    f.runNs += t1 - t0;
    if (r.done) {
      this.#exit(f, r.value, undefined);
    } else if (r.value === BLOCK) {
      // Blocked (stays in the blocked set), or already woken and queued by a wake.
      if (f.state === RUNNING) {
        // block() without prepareBlock(): treat as a yield.
        f.state = RUNNABLE;
        this.#runq.push(f);
      }
    } else if (r.value === YIELD) {
      if (f.state === RUNNING) {
        f.state = RUNNABLE;
        this.#runq.push(f);
      }
    } else {
      const err = new Error(
        `fiber ${f.name} yielded ${String(r.value)}, not a scheduler request (a missing yield*?)`,
      );
      try {
        f.gen!.throw(err);
      } catch { /* the fiber is over either way */ }
      this.#exit(f, undefined, err);
      this.onError(f, err);
    }
    return t1;
  }

  #unblock(f: Fiber): void {
    this.#blocked.delete(f);
    if (f.timer) {
      this.#timedq.remove(f.timer);
      f.timer = null;
    }
    f.state = RUNNABLE;
    this.#runq.push(f);
  }

  #expire(now: number): void {
    const q = this.#timedq;
    while (q.peekKey() <= now) {
      const f = q.pop()!.value;
      f.timer = null;
      f.timedOut = true;
      if (this.tracer !== null) this.tracer.timeout(f);
      this.#blocked.delete(f);
      f.state = RUNNABLE;
      this.#runq.push(f);
    }
  }

  #exit(f: Fiber, value: unknown, err: unknown): void {
    if (f.state === BLOCKED) {
      this.#blocked.delete(f);
      if (f.timer) this.#timedq.remove(f.timer);
      f.timer = null;
    }
    f.exitValue = value;
    f.error = err;
    if (!f.daemon) this.#live--;
    if (f.joinable) {
      f.state = ZOMBIE;
      if (f.joiner) this.wake(f.joiner);
    } else {
      f.state = DEAD;
      this.#zombies.push(f);
    }
  }

  #reapZombies(): void {
    for (const z of this.#zombies) this.#reap(z);
    this.#zombies.length = 0;
  }

  #reap(f: Fiber): void {
    f.gen = null;
    f.joiner = null;
    this.#all.delete(f.id);
  }
}
