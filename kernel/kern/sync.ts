/**
 * sync.ts — the kernel's mutex, rwlock and condition variable (kern_mutex, kern_rwlock,
 * kern_condvar as a rump kernel has them): thin wrappers over the hypercalls.
 *
 * Rules: every wait goes through a blocking hypercall, which releases the virtual CPU
 * while it waits (rumpuser(3)); kernel code never blocks any other way. `timedwait`
 * takes a relative timeout in nanoseconds and returns true when it ran out.
 */
import type {
  Blocking,
  Rumpuser,
  RumpuserCv,
  RumpuserMtx,
  RumpuserRw,
  RumpuserRwKind,
} from "../hypercall/rumpuser.ts";
import { RUMPUSER_MTX_KMUTEX } from "../hypercall/rumpuser.ts";
import { Lwp } from "./lwp.ts";

const ETIMEDOUT = 60;

export class KMutex {
  readonly m: RumpuserMtx;
  constructor(readonly hyp: Rumpuser, readonly name: string, flags = RUMPUSER_MTX_KMUTEX) {
    this.m = hyp.mutex_init(flags);
  }
  *enter(): Blocking {
    yield* this.hyp.mutex_enter(this.m);
  }
  tryEnter(): boolean {
    return this.hyp.mutex_tryenter(this.m) === 0;
  }
  exit(): void {
    this.hyp.mutex_exit(this.m);
  }
  /** True if the calling lwp owns it. */
  held(): boolean {
    const o = this.hyp.mutex_owner(this.m);
    return o !== null && o === this.hyp.curlwp();
  }
  destroy(): void {
    this.hyp.mutex_destroy(this.m);
  }
}

/**
 * The name of the condition variable `lwp` waits on, or "" (NetBSD's wmesg): kept on the
 * lwp itself (set while it waits), not in a side table that would grow with every thread.
 */
export function lwpWaitName(lwp: object): string {
  return lwp instanceof Lwp ? lwp.wmesg : "";
}

export class KCondvar {
  readonly cv: RumpuserCv;
  constructor(readonly hyp: Rumpuser, readonly name: string) {
    this.cv = hyp.cv_init();
  }
  *wait(m: KMutex): Blocking {
    const l = this.#wmesg(this.name);
    try {
      yield* this.hyp.cv_wait(this.cv, m.m);
    } finally {
      if (l) l.wmesg = "";
    }
  }
  /** Waits at most `ns` nanoseconds; returns true if the time ran out. */
  *timedwait(m: KMutex, ns: number): Blocking<boolean> {
    if (ns === Infinity) {
      yield* this.wait(m);
      return false;
    }
    const t = Math.max(0, ns);
    const sec = Math.floor(t / 1e9);
    const l = this.#wmesg(this.name);
    try {
      const r = yield* this.hyp.cv_timedwait(this.cv, m.m, sec, t - sec * 1e9);
      return r === ETIMEDOUT;
    } finally {
      if (l) l.wmesg = "";
    }
  }
  /** Records what the calling lwp waits on, for ps and a deadlock report (`lwpWaitName`). */
  #wmesg(name: string): Lwp | null {
    const l = this.hyp.curlwp();
    if (!(l instanceof Lwp)) return null;
    l.wmesg = name;
    return l;
  }
  signal(): void {
    this.hyp.cv_signal(this.cv);
  }
  broadcast(): void {
    this.hyp.cv_broadcast(this.cv);
  }
  hasWaiters(): boolean {
    return this.hyp.cv_has_waiters(this.cv);
  }
  destroy(): void {
    this.hyp.cv_destroy(this.cv);
  }
}

export class KRwLock {
  readonly rw: RumpuserRw;
  constructor(readonly hyp: Rumpuser, readonly name: string) {
    this.rw = hyp.rw_init();
  }
  *enter(kind: RumpuserRwKind): Blocking {
    yield* this.hyp.rw_enter(this.rw, kind);
  }
  tryEnter(kind: RumpuserRwKind): boolean {
    return this.hyp.rw_tryenter(this.rw, kind) === 0;
  }
  tryUpgrade(): boolean {
    return this.hyp.rw_tryupgrade(this.rw) === 0;
  }
  downgrade(): void {
    this.hyp.rw_downgrade(this.rw);
  }
  exit(): void {
    this.hyp.rw_exit(this.rw);
  }
  held(kind: RumpuserRwKind): boolean {
    return this.hyp.rw_held(this.rw, kind);
  }
}
