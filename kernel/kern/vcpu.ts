/**
 * vcpu.ts — the rump kernel's virtual CPUs (rump's scheduler.c): a thread runs kernel
 * code only while it holds one.
 *
 * Rules: `schedule()` takes a free vCPU or waits for one (FIFO); `unschedule()` gives it
 * back. A blocking hypercall calls the hyperup `backendUnschedule` before it waits and
 * `backendSchedule` after, so a waiting thread never holds a CPU. With one vCPU, kernel
 * code is serialised; with N, contention is real and counted in `waits`.
 */
import type { Blocking, Rumpuser, RumpuserCv, RumpuserMtx } from "../hypercall/rumpuser.ts";
import { RUMPUSER_MTX_SPIN } from "../hypercall/rumpuser.ts";
import type { Lwp } from "./lwp.ts";

export class VCpu {
  /** The lwp running on this CPU, or null when idle. */
  lwp: Lwp | null = null;
  /** Times this CPU was taken. */
  schedules = 0;
  constructor(readonly index: number) {}
}

export class VCpuSet {
  readonly cpus: VCpu[];
  #free: VCpu[];
  #mtx: RumpuserMtx;
  #cv: RumpuserCv;
  #waiting = 0;
  /** Times a thread had to wait for a free CPU. */
  waits = 0;

  constructor(readonly hyp: Rumpuser, ncpu: number) {
    this.cpus = Array.from({ length: ncpu }, (_, i) => new VCpu(i));
    this.#free = [...this.cpus].reverse();
    this.#mtx = hyp.mutex_init(RUMPUSER_MTX_SPIN);
    this.#cv = hyp.cv_init();
  }

  /** Takes a free CPU for `l` and returns true, or returns false when all are busy. */
  trySchedule(l: Lwp): boolean {
    if (l.cpu) throw new Error(`lwp ${l.lid} already holds cpu${l.cpu.index}`);
    const c = this.#free.pop();
    if (!c) return false;
    c.lwp = l;
    c.schedules++;
    l.cpu = c;
    return true;
  }

  /** Takes a CPU for `l`, waiting while all are busy. */
  *schedule(l: Lwp): Blocking {
    if (l.cpu) throw new Error(`lwp ${l.lid} already holds cpu${l.cpu.index}`);
    let c = this.#free.pop();
    if (!c) {
      this.waits++;
      yield* this.hyp.mutex_enter_nowrap(this.#mtx);
      this.#waiting++;
      while (!(c = this.#free.pop())) yield* this.hyp.cv_wait_nowrap(this.#cv, this.#mtx);
      this.#waiting--;
      this.hyp.mutex_exit(this.#mtx);
    }
    c.lwp = l;
    c.schedules++;
    l.cpu = c;
  }

  /** Gives `l`'s CPU back. */
  unschedule(l: Lwp): void {
    const c = l.cpu;
    if (!c) throw new Error(`lwp ${l.lid} holds no cpu`);
    c.lwp = null;
    l.cpu = null;
    this.#free.push(c);
    if (this.#waiting) this.hyp.cv_signal(this.#cv);
  }

  get idle(): number {
    return this.#free.length;
  }
}
