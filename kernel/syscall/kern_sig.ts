/**
 * kern_sig.ts — signals as a unikernel without signal handlers has them (NetBSD's
 * kern_sig.c, reduced): kill(2) posts a signal to a process, signal(3) may ignore one, and
 * a posted signal that is not ignored terminates the process with status 128 + signo, the
 * default action of every signal listed here.
 *
 * Rules: a signal is delivered where NetBSD checks for one: when the process enters or
 * leaves an interruptible sleep (`tsleep`, NetBSD's sleepq with PCATCH: pipe reads and
 * writes, waitpid) and when a read, write or nanosleep returns. kill wakes the sleep the
 * target is in, so a blocked process dies at once; a process that never sleeps dies at its
 * next such call. Delivery throws `ProcessExit`, which unwinds the app to the runner, as
 * exit(2) does. SIGKILL and SIGSTOP cannot be ignored (EINVAL); SIGPIPE is posted by a
 * write on a pipe without readers (sys_pipe.ts), which fails with EPIPE when SIGPIPE is
 * ignored.
 */
import type { Blocking } from "../hypercall/rumpuser.ts";
import { EINVAL, Errno } from "../kern/errno.ts";
import type { Kernel } from "../kern/kernel.ts";
import type { KCondvar, KMutex } from "../kern/sync.ts";
import { NSIG, SIG_DFL, SIG_IGN, SIGKILL, SIGSTOP } from "./api.ts";
import { ProcessExit } from "./proc.ts";

export { NSIG, SIG_DFL, SIG_IGN, SIGKILL, SIGNAL_NAMES, SIGPIPE, SIGSTOP, SIGTERM } from "./api.ts";

/** A process's signal state. */
export class SigState {
  /** The first posted signal not yet delivered (0: none). */
  pending = 0;
  readonly ignored = new Set<number>();
  /** Wakes the interruptible sleep the process is in, if any. */
  wake: (() => void) | null = null;

  /** Posts `sig`; an ignored signal is dropped. Wakes the process's sleep. */
  post(sig: number): void {
    if (this.ignored.has(sig)) return;
    if (this.pending === 0) this.pending = sig;
    this.wake?.();
  }

  /** Sets the disposition of `sig` (SIG_DFL or SIG_IGN); returns the previous one. */
  set(sig: number, action: number): number {
    if (!Number.isInteger(sig) || sig <= 0 || sig >= NSIG) throw new Errno(EINVAL, "signal");
    if (action !== SIG_DFL && action !== SIG_IGN) throw new Errno(EINVAL, "signal");
    if (sig === SIGKILL || sig === SIGSTOP) throw new Errno(EINVAL, "signal");
    const old = this.ignored.has(sig) ? SIG_IGN : SIG_DFL;
    if (action === SIG_IGN) this.ignored.add(sig);
    else this.ignored.delete(sig);
    return old;
  }

  /** Delivers a pending signal: the process terminates (default action). */
  check(): void {
    if (this.pending !== 0) throw new ProcessExit(128 + this.pending);
  }
}

/** Whatever carries a SigState (a Proc). */
export interface HasSig {
  readonly sig: SigState;
}

/** The calling thread's process signal state, or null for a kernel thread. */
export function cursig(k: Kernel): SigState | null {
  const p = k.curlwp().proc as Partial<HasSig>;
  return p.sig instanceof SigState ? p.sig : null;
}

/**
 * Waits on `cv` (holding `m`), interruptibly: a signal posted before or during the wait
 * is delivered (the process terminates). The caller loops on its own condition.
 */
export function* tsleep(k: Kernel, cv: KCondvar, m: KMutex): Blocking {
  const s = cursig(k);
  if (!s) {
    yield* cv.wait(m);
    return;
  }
  s.check();
  s.wake = () => cv.broadcast();
  try {
    yield* cv.wait(m);
  } finally {
    s.wake = null;
  }
  s.check();
}
