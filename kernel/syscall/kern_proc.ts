/**
 * kern_proc.ts — the process system calls (NetBSD's kern_proc.c, kern_exit.c, the
 * posix_spawn of kern_exec.c and kill of kern_sig.c): getpid, exit, spawn (run and wait),
 * posix_spawn (run in the background), waitpid, kill, signal, and apps (the programs
 * linked into the image, which spawn can run).
 *
 * Rules: exit never returns: it throws `ProcessExit`, which unwinds the app's stack to
 * the app runner (exec.ts). Without a spawner (a process made outside the runner), spawn
 * and posix_spawn are ENOENT, waitpid is ECHILD and apps is empty. A child gets a copy of
 * the caller's environment unless given one, and the caller's descriptors except those
 * marked close-on-exec. waitpid waits for the child `pid` (or any child for -1; ECHILD
 * when there is none, or `pid` is not a child) and collects it; with WNOHANG it returns
 * pid 0 when no child has exited. The wait is interruptible (a signal ends the waiter).
 * kill posts a signal (kern_sig.ts) to a live process of the kernel's table (proc.ts's
 * allproc: the app runner's processes and sysproxy's remote ones alike, whether or not the
 * caller has a spawner), ESRCH for none, or for pid ≤ 0: there are no process groups;
 * EINVAL for a bad signal number; signal 0 only checks.
 */
import type { Blocking } from "../hypercall/rumpuser.ts";
import { ECHILD, EINVAL, ENOENT, Errno, ESRCH } from "../kern/errno.ts";
import type { Kernel } from "../kern/kernel.ts";
import { type Sys, WNOHANG } from "./api.ts";
import { NSIG, tsleep } from "./kern_sig.ts";
import { allproc, type Proc, ProcessExit, type ProcTable } from "./proc.ts";

/** Runs apps as children of a process (the app runner, exec.ts). */
export interface Spawner {
  spawn(parent: Proc, name: string, argv: string[], env: Record<string, string>): Blocking<number>;
  /** Starts `name` as a child of `parent` without waiting; ENOENT if not linked. */
  start(name: string, argv: string[], env: Record<string, string>, parent: Proc): Proc;
  readonly procs: ProcTable;
  apps(): string[];
}

type ProcCalls = Pick<
  Sys,
  "getpid" | "exit" | "spawn" | "posix_spawn" | "waitpid" | "kill" | "signal" | "apps"
>;

/** The process calls of `proc`; `spawner` gives it spawn() and apps(). */
export function kernProc(k: Kernel, proc: Proc, spawner: Spawner | null): ProcCalls {
  /** The exited child `pid` names (any for -1), null if none yet; ECHILD if none can be. */
  const zombie = (pid: number): Proc | null => {
    const kids = pid === -1 ? proc.children : proc.children.filter((c) => c.pid === pid);
    if (kids.length === 0) throw new Errno(ECHILD, "waitpid");
    return kids.find((c) => c.exited) ?? null;
  };
  return {
    getpid: () => proc.pid,
    exit(status: number): never {
      throw new ProcessExit(status);
    },
    *spawn(name, argv, env) {
      if (!spawner) throw new Errno(ENOENT, name);
      return yield* spawner.spawn(proc, name, argv, env ?? { ...proc.env });
    },
    posix_spawn(name, argv, env) {
      if (!spawner) throw new Errno(ENOENT, name);
      return spawner.start(name, argv, env ?? { ...proc.env }, proc).pid;
    },
    *waitpid(pid, options = 0) {
      if (!Number.isInteger(pid) || (pid <= 0 && pid !== -1)) throw new Errno(EINVAL, "waitpid");
      if (!spawner) throw new Errno(ECHILD, "waitpid");
      const procs = spawner.procs;
      let z = zombie(pid);
      if (!z && !(options & WNOHANG)) {
        yield* procs.lock.enter();
        try {
          while (!(z = zombie(pid))) yield* tsleep(k, procs.exited, procs.lock);
        } finally {
          procs.lock.exit();
        }
      }
      if (!z) return { pid: 0, status: 0 };
      return { pid: z.pid, status: yield* procs.wait(z) };
    },
    kill(pid, sig) {
      if (!Number.isInteger(sig) || sig < 0 || sig >= NSIG) throw new Errno(EINVAL, "kill");
      const p = pid > 0 ? allproc(k).find(pid) : undefined;
      if (!p) throw new Errno(ESRCH, "kill");
      if (sig === 0 || p.exited) return;
      p.sig.post(sig);
      if (p === proc) proc.sig.check(); // a signal to oneself is delivered before kill returns
    },
    signal(sig, action) {
      return proc.sig.set(sig, action);
    },
    apps: () => spawner?.apps() ?? [],
  };
}
