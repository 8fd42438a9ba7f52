/**
 * ktrace.ts — syscall tracing (NetBSD's ktrace(1) records calls and returns): wraps an
 * app's `Sys` so that every call reports its entry and its return through the kernel's
 * trace hook (`Kernel.trace`, set by the platform for `--trace`).
 *
 * Rules: only a traced run is wrapped (`makeSys` returns the plain `Sys` otherwise, so an
 * untraced call costs nothing). A call that may wait stays a generator and reports its
 * return when it finishes, after any number of blocks; a failing call reports the errno
 * it throws (-1 for anything that is not an Errno, e.g. exit unwinding the process) and
 * rethrows it unchanged.
 */
import type { KTrace } from "../kern/kernel.ts";
import { Errno } from "../kern/errno.ts";
import type { Sys } from "./api.ts";

const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor;

function errnoOf(e: unknown): number {
  return e instanceof Errno ? e.errno : -1;
}

/** Returns `sys` with every call reporting to `trace`. */
export function ktraceSys(sys: Sys, trace: KTrace): Sys {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(sys)) {
    if (typeof fn !== "function") {
      out[name] = fn;
    } else if (fn instanceof GeneratorFunction) {
      out[name] = function* (...args: unknown[]) {
        trace("syscall", name, 0);
        let err = 0;
        try {
          return yield* fn.apply(sys, args);
        } catch (e) {
          err = errnoOf(e);
          throw e;
        } finally {
          trace("sysret", name, err);
        }
      };
    } else {
      out[name] = (...args: unknown[]) => {
        trace("syscall", name, 0);
        let err = 0;
        try {
          return fn.apply(sys, args);
        } catch (e) {
          err = errnoOf(e);
          throw e;
        } finally {
          trace("sysret", name, err);
        }
      };
    }
  }
  return out as unknown as Sys;
}
