/**
 * sys.ts — the system calls: `makeSys(k, proc)` builds the `Sys` an app's main gets
 * (api.ts), bound to its process, from the calls of each family (NetBSD's split):
 * kern_proc.ts (getpid, exit, spawn, posix_spawn, waitpid, kill, signal, apps), sys_pipe.ts
 * (pipe, pipe2), kern_time.ts (clock_gettime, nanosleep),
 * sys_generic.ts (read, write, pread, pwrite, poll), kern_event.ts (kqueue, kevent),
 * sys_descrip.ts (close, dup, dup2,
 * fcntl, fstat), vfs_syscalls.ts (lseek, fsync, ftruncate, getdents and the calls on
 * paths), uipc_syscalls.ts (the socket calls), kern_sysctl.ts (sysctl, uname) and
 * sys_getrandom.ts (getrandom).
 *
 * Rules: a syscall enters the kernel the rump way — on the caller's own thread, which
 * already holds a virtual CPU (an app's thread is made with `k.threadCreate`, which
 * schedules it before the app runs), so there is no trap and no hand-off: the call runs
 * on the app's fiber down to the driver, and only a blocking hypercall underneath lets
 * the CPU go while it waits. Each family file keeps its own rules; this file only puts
 * them together, and wraps them for ktrace when the run is traced. Every failure throws
 * Errno.
 */
import type { Kernel } from "../kern/kernel.ts";
import type { Sys } from "./api.ts";
import { kernProc, type Spawner } from "./kern_proc.ts";
import { kernSysctl } from "./kern_sysctl.ts";
import { sysGetrandom } from "./sys_getrandom.ts";
import { kernTime } from "./kern_time.ts";
import { ktraceSys } from "./ktrace.ts";
import type { Proc } from "./proc.ts";
import { sysDescrip } from "./sys_descrip.ts";
import { sysGeneric } from "./sys_generic.ts";
import { kernEvent } from "./kern_event.ts";
import { sysPipe } from "./sys_pipe.ts";
import { uipcSyscalls } from "./uipc_syscalls.ts";
import { vfsSyscalls } from "./vfs_syscalls.ts";

/** Builds the system calls of `proc`; `spawner` gives it spawn() and apps(). */
export function makeSys(k: Kernel, proc: Proc, spawner: Spawner | null = null): Sys {
  const sys: Sys = {
    ...kernProc(k, proc, spawner),
    ...sysPipe(k, proc),
    ...kernTime(k),
    ...sysGeneric(k, proc),
    ...kernEvent(k, proc),
    ...sysDescrip(proc),
    ...vfsSyscalls(k, proc),
    ...uipcSyscalls(k, proc),
    ...kernSysctl(k),
    ...sysGetrandom(k),
  };
  // A traced run (--trace): every call reports its entry and return (ktrace.ts).
  return k.trace ? ktraceSys(sys, k.trace) : sys;
}
