/**
 * kern_time.ts — the time system calls (NetBSD's kern_time.c): clock_gettime and
 * nanosleep.
 *
 * Rules: time comes only from the clock hypercall, never from the host. CLOCK_REALTIME
 * is the platform's wall clock (RUMPUSER_CLOCK_RELWALL); CLOCK_MONOTONIC is the time
 * since boot (`Kernel.nanotime`); any other clock is EINVAL. nanosleep sleeps through
 * the kernel's blocking sleep (the CPU is let go while it waits); a request with a
 * negative or fractional part, or nanoseconds of a second or more, is EINVAL. The clock
 * hypercall a sleep is made of cannot be woken, so a process sleeps in slices of at most
 * SIGNAL_SLICE_NS: a signal posted meanwhile (kern_sig.ts) is delivered when the slice
 * ends — within a second, not after the whole request (sleep 100; kill).
 */
import { RUMPUSER_CLOCK_RELWALL } from "../hypercall/rumpuser.ts";
import { EINVAL, Errno } from "../kern/errno.ts";
import type { Kernel } from "../kern/kernel.ts";
import { CLOCK_MONOTONIC, CLOCK_REALTIME, type Sys, type Timespec } from "./api.ts";
import { cursig } from "./kern_sig.ts";

/** The longest single clock sleep of a process: how late a signal may come to a sleeper. */
export const SIGNAL_SLICE_NS = 1e9;

/** The time calls on kernel `k`. */
export function kernTime(k: Kernel): Pick<Sys, "clock_gettime" | "nanosleep"> {
  return {
    clock_gettime(clockid: number): Timespec {
      if (clockid === CLOCK_REALTIME) return k.hyp.clock_gettime(RUMPUSER_CLOCK_RELWALL);
      if (clockid === CLOCK_MONOTONIC) {
        const ns = k.nanotime();
        const sec = Math.floor(ns / 1e9);
        return { sec, nsec: ns - sec * 1e9 };
      }
      throw new Errno(EINVAL, "clock_gettime");
    },
    *nanosleep(req) {
      if (
        !Number.isInteger(req.sec) || !Number.isInteger(req.nsec) || req.sec < 0 ||
        req.nsec < 0 || req.nsec >= 1e9
      ) throw new Errno(EINVAL, "nanosleep");
      const s = cursig(k);
      s?.check();
      // The clock hypercall cannot be woken: a process sleeps at most a second at a time
      // and takes a signal posted meanwhile between two (a sleep of a second or less is
      // one hypercall, as it always was).
      let left = req.sec * 1e9 + req.nsec;
      do {
        const step = s ? Math.min(left, SIGNAL_SLICE_NS) : left;
        yield* k.sleep(step);
        left -= step;
        s?.check();
      } while (left > 0);
    },
  };
}
