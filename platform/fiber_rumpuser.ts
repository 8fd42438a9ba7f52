/**
 * fiber_rumpuser.ts — the part of the rumpuser contract every platform builds the same
 * way on sched/: threads as fibers, mutexes, rwlocks and condition variables, clock_sleep,
 * curlwp, getrandom and exit. hw and hosted extend it with memory, console, files and the
 * wall clock.
 *
 * Rules (rumpuser(3), rumprun's rumpuser_synch.c): a blocking call first tries without
 * waiting; if it must wait it releases the virtual CPU (hyperup.backendUnschedule), waits,
 * and takes the CPU back (backendSchedule). The `_nowrap` variants keep the CPU: the
 * kernel's own CPU scheduler uses them. A fiber's lwp lives in the fiber's data.
 */
import type {
  BioDone,
  Blocking,
  FileInfo,
  IoVec,
  RumpHyperup,
  RumpLwp,
  Rumpuser,
  RumpuserClock,
  RumpuserCv,
  RumpuserLwpOp,
  RumpuserMtx,
  RumpuserRw,
  RumpuserRwKind,
  RumpuserThread,
} from "../kernel/hypercall/rumpuser.ts";
import {
  RUMPUSER_CLOCK_ABSMONO,
  RUMPUSER_LWP_CLEAR,
  RUMPUSER_LWP_SET,
  RUMPUSER_VERSION,
} from "../kernel/hypercall/rumpuser.ts";
import { CondVar, type Fiber, Mutex, type Prng, RwLock, type Scheduler } from "../sched/mod.ts";

const EBUSY = 16;
const ETIMEDOUT = 60;
const ENOSYS = 78;
const EINVAL = 22;

/** Per-fiber data the platform keeps: the lwp the kernel set with curlwpop. */
export interface FiberData {
  lwp: RumpLwp | null;
}

class Thread implements RumpuserThread {
  constructor(readonly name: string, readonly fiber: Fiber) {}
}
class Mtx implements RumpuserMtx {
  constructor(readonly flags: number, readonly m: Mutex) {}
}
class Rw implements RumpuserRw {
  readonly kind = "rw";
  constructor(readonly rw: RwLock) {}
}
class Cv implements RumpuserCv {
  readonly kind = "cv";
  constructor(readonly cv: CondVar) {}
}

/** Thrown through a fiber to end it (thread_exit) or to unwind after exit(). */
export class ThreadExit {
  constructor(readonly machineExit: boolean) {}
}

/**
 * Every thread's body: runs `fn`, ends quietly on thread_exit, leaves the platform's set
 * of threads. One generator function for all threads, not a closure per thread: V8 keeps
 * a record of every generator function's prototype ever used, and never shrinks it.
 */
function* threadMain(
  fn: () => Blocking<unknown>,
  threads: Set<Fiber>,
  started: { fiber: Fiber | null },
): Blocking<unknown> {
  try {
    return yield* fn();
  } catch (e) {
    if (e instanceof ThreadExit && !e.machineExit) return 0;
    throw e;
  } finally {
    threads.delete(started.fiber!);
  }
}

export abstract class FiberRumpuser implements Rumpuser {
  protected hyp: RumpHyperup | null = null;
  /** Set by exit(): the status the run ends with. */
  exitStatus: number | null = null;
  /** exit() was called (a panic calls it too): what is thrown after is its unwinding. */
  exited = false;
  /** Put before every thread's name: "server." when machines share one scheduler. */
  threadPrefix = "";
  /** What exit() and a fatal kill() do to the machine: by default, end the whole run. */
  haltMachine: (reason: string) => void = (reason) => this.sched.halt(reason);

  /** The threads this platform made that may still run (kept for `destroyThreads`). */
  readonly #threads = new Set<Fiber>();

  constructor(readonly sched: Scheduler, readonly prng: Prng) {}

  /**
   * The machine crashed: every thread it made is destroyed where it stands (never run
   * again, nothing of it unwound), so a crashed machine holds no fiber, timer or queue
   * entry of the scheduler it shared.
   */
  destroyThreads(): void {
    for (const f of this.#threads) this.sched.kill(f);
    this.#threads.clear();
  }

  init(version: number, hyp: RumpHyperup): number {
    if (version !== RUMPUSER_VERSION) return EINVAL;
    this.hyp = hyp;
    return 0;
  }

  protected get up(): RumpHyperup {
    if (!this.hyp) throw new Error("rumpuser: init was not called");
    return this.hyp;
  }

  abstract getparam(name: string): string | null;
  abstract malloc(len: number, alignment: number): number;
  abstract free(addr: number, len: number): void;
  abstract memory(): Uint8Array;
  abstract putchar(c: number): void;
  abstract dprintf(s: string): void;
  abstract dwrite(bytes: Uint8Array): void;
  /** Wall-clock nanoseconds at clock zero. */
  protected abstract wallBaseNs(): number;

  // --- files: ENOSYS unless the platform has them ---
  open(_path: string, _mode: number): number {
    return -ENOSYS;
  }
  close(_fd: number): number {
    return ENOSYS;
  }
  getfileinfo(_path: string): FileInfo | number {
    return ENOSYS;
  }
  bio(_fd: number, _op: number, _a: number, _l: number, _o: number, done: BioDone): void {
    done(ENOSYS, 0);
  }
  *iovread(_fd: number, _iov: IoVec[], _off: number): Blocking<number> {
    return -ENOSYS;
  }
  *iovwrite(_fd: number, _iov: IoVec[], _off: number): Blocking<number> {
    return -ENOSYS;
  }
  *syncfd(_fd: number, _f: number, _s: number, _l: number): Blocking<number> {
    return ENOSYS;
  }

  // --- time ---
  clock_gettime(clk: RumpuserClock): { sec: number; nsec: number } {
    // The time as this thread's turn began: one host clock read per switch in realtime
    // mode (sleeps and timed waits below still count from the clock now).
    const now = this.sched.turnNow();
    const ns = clk === RUMPUSER_CLOCK_ABSMONO ? now : this.wallBaseNs() + now;
    const sec = Math.floor(ns / 1e9);
    return { sec, nsec: ns - sec * 1e9 };
  }

  *clock_sleep(clk: RumpuserClock, sec: number, nsec: number): Blocking {
    const ns = sec * 1e9 + nsec;
    const until = clk === RUMPUSER_CLOCK_ABSMONO ? ns : this.sched.clock.now() + ns;
    const tok = this.up.backendUnschedule();
    yield* this.sched.sleepUntil(until);
    if (tok !== 0) yield* this.up.backendSchedule(tok);
  }

  // --- threads ---
  thread_create(
    fn: () => Blocking<unknown>,
    name: string,
    joinable: boolean,
    _pri: number,
    _cpuidx: number,
  ): RumpuserThread {
    const data: FiberData = { lwp: null };
    const started = { fiber: null as Fiber | null };
    const f: Fiber = this.sched.spawn(
      this.threadPrefix + name,
      () => threadMain(fn, this.#threads, started),
      { joinable, data },
    );
    started.fiber = f;
    this.#threads.add(f);
    return new Thread(name, f);
  }

  *thread_exit(): Blocking<never> {
    throw new ThreadExit(false);
  }

  *thread_join(t: RumpuserThread): Blocking<number> {
    const tok = this.up.backendUnschedule();
    const v = yield* this.sched.join((t as Thread).fiber);
    if (tok !== 0) yield* this.up.backendSchedule(tok);
    return typeof v === "number" ? v : 0;
  }

  curlwpop(op: RumpuserLwpOp, l: RumpLwp): number {
    const d = this.sched.current?.data as FiberData | undefined;
    if (!d) return EINVAL;
    if (op === RUMPUSER_LWP_SET) d.lwp = l;
    else if (op === RUMPUSER_LWP_CLEAR) d.lwp = null;
    return 0;
  }

  curlwp(): RumpLwp | null {
    return (this.sched.current?.data as FiberData | undefined)?.lwp ?? null;
  }

  // --- mutexes ---
  mutex_init(flags: number): RumpuserMtx {
    return new Mtx(flags, new Mutex(this.sched, "mtx"));
  }
  *mutex_enter(m: RumpuserMtx): Blocking {
    const mm = (m as Mtx).m;
    if (mm.tryEnter()) return;
    const tok = this.up.backendUnschedule();
    yield* mm.enter();
    if (tok !== 0) yield* this.up.backendSchedule(tok);
  }
  *mutex_enter_nowrap(m: RumpuserMtx): Blocking {
    yield* (m as Mtx).m.enter();
  }
  mutex_tryenter(m: RumpuserMtx): number {
    return (m as Mtx).m.tryEnter() ? 0 : EBUSY;
  }
  mutex_exit(m: RumpuserMtx): void {
    (m as Mtx).m.exit();
  }
  mutex_destroy(m: RumpuserMtx): void {
    const mm = (m as Mtx).m;
    if (mm.owner || mm.hasWaiters()) throw new Error("mutex_destroy: mutex in use");
  }
  mutex_owner(m: RumpuserMtx): RumpLwp | null {
    const o = (m as Mtx).m.owner;
    return o ? (o.data as FiberData).lwp : null;
  }

  // --- rwlocks ---
  rw_init(): RumpuserRw {
    return new Rw(new RwLock(this.sched, "rw"));
  }
  *rw_enter(rw: RumpuserRw, kind: RumpuserRwKind): Blocking {
    const l = (rw as Rw).rw;
    if (l.tryEnter(kind)) return;
    const tok = this.up.backendUnschedule();
    yield* l.enter(kind);
    if (tok !== 0) yield* this.up.backendSchedule(tok);
  }
  rw_tryenter(rw: RumpuserRw, kind: RumpuserRwKind): number {
    return (rw as Rw).rw.tryEnter(kind) ? 0 : EBUSY;
  }
  rw_tryupgrade(rw: RumpuserRw): number {
    return (rw as Rw).rw.tryUpgrade() ? 0 : EBUSY;
  }
  rw_downgrade(rw: RumpuserRw): void {
    (rw as Rw).rw.downgrade();
  }
  rw_exit(rw: RumpuserRw): void {
    (rw as Rw).rw.exit();
  }
  rw_held(rw: RumpuserRw, kind: RumpuserRwKind): boolean {
    return (rw as Rw).rw.held(kind);
  }
  rw_destroy(_rw: RumpuserRw): void {}

  // --- condition variables ---
  cv_init(): RumpuserCv {
    return new Cv(new CondVar(this.sched, "cv"));
  }
  cv_destroy(_cv: RumpuserCv): void {}
  *cv_wait(cv: RumpuserCv, m: RumpuserMtx): Blocking {
    const tok = this.up.backendUnschedule();
    yield* (cv as Cv).cv.timedWait((m as Mtx).m, Infinity);
    if (tok !== 0) yield* this.up.backendSchedule(tok);
  }
  *cv_wait_nowrap(cv: RumpuserCv, m: RumpuserMtx): Blocking {
    yield* (cv as Cv).cv.wait((m as Mtx).m);
  }
  *cv_timedwait(cv: RumpuserCv, m: RumpuserMtx, sec: number, nsec: number): Blocking<number> {
    const deadline = this.sched.clock.now() + sec * 1e9 + nsec;
    const tok = this.up.backendUnschedule();
    const timedOut = yield* (cv as Cv).cv.timedWait((m as Mtx).m, deadline);
    if (tok !== 0) yield* this.up.backendSchedule(tok);
    return timedOut ? ETIMEDOUT : 0;
  }
  cv_signal(cv: RumpuserCv): void {
    (cv as Cv).cv.signal();
  }
  cv_broadcast(cv: RumpuserCv): void {
    (cv as Cv).cv.broadcast();
  }
  cv_has_waiters(cv: RumpuserCv): boolean {
    return (cv as Cv).cv.hasWaiters();
  }

  // --- randomness ---
  getrandom(buf: Uint8Array, _flags: number): number {
    this.prng.fill(buf);
    return buf.length;
  }

  // --- process control ---
  kill(_pid: number, sig: number): number {
    // A rump kernel has one host process; a fatal signal ends the run (as rumprun does).
    this.exitStatus = 128 + sig;
    this.haltMachine(`killed by signal ${sig}`);
    return 0;
  }

  exit(status: number): never {
    this.exited = true;
    if (this.exitStatus === null) this.exitStatus = status;
    this.haltMachine(status === -1 ? "panic" : `exit ${status}`);
    throw new ThreadExit(true);
  }
}
