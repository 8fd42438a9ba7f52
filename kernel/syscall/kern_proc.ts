/**
 * kern_proc.ts — the process system calls (NetBSD's kern_proc.c, kern_exit.c and the
 * posix_spawn of kern_exec.c): getpid, exit, spawn, and apps (the programs linked into
 * the image, which spawn can run).
 *
 * Rules: exit never returns: it throws `ProcessExit`, which unwinds the app's stack to
 * the app runner (exec.ts). Without a spawner (a process made outside the runner), spawn
 * is ENOENT and apps is empty. A child gets a copy of the caller's environment unless
 * given one.
 */
import type { Blocking } from "../hypercall/rumpuser.ts";
import { ENOENT, Errno } from "../kern/errno.ts";
import type { Sys } from "./api.ts";
import { type Proc, ProcessExit } from "./proc.ts";

/** Runs apps as children of a process (the app runner, exec.ts). */
export interface Spawner {
  spawn(parent: Proc, name: string, argv: string[], env: Record<string, string>): Blocking<number>;
  apps(): string[];
}

/** The process calls of `proc`; `spawner` gives it spawn() and apps(). */
export function kernProc(
  proc: Proc,
  spawner: Spawner | null,
): Pick<Sys, "getpid" | "exit" | "spawn" | "apps"> {
  return {
    getpid: () => proc.pid,
    exit(status: number): never {
      throw new ProcessExit(status);
    },
    *spawn(name, argv, env) {
      if (!spawner) throw new Errno(ENOENT, name);
      return yield* spawner.spawn(proc, name, argv, env ?? { ...proc.env });
    },
    apps: () => spawner?.apps() ?? [],
  };
}
