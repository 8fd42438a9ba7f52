/**
 * proc.ts — processes (NetBSD's struct proc, as much as a unikernel has): an app's pid,
 * arguments, environment, descriptors, current directory and exit status.
 *
 * Rules: pids start at 1 and are not reused while the kernel lives; a process has one
 * lwp (its main thread). A process that has exited is a zombie until its parent (or the
 * app runner) collects the status with `wait`; collecting it removes it from the table.
 * `ProcessExit` is what exit(2) throws to unwind the app's stack; the runner catches it.
 */
import type { Blocking } from "../hypercall/rumpuser.ts";
import type { Kernel } from "../kern/kernel.ts";
import type { Lwp } from "../kern/lwp.ts";
import type { KCondvar, KMutex } from "../kern/sync.ts";
import { FdTable } from "./fdtable.ts";
import { SigState } from "./kern_sig.ts";
import type { ProcRef } from "./systab.ts";

/** Thrown by exit(2): unwinds the app to the runner, which ends the process with `status`. */
export class ProcessExit {
  constructor(readonly status: number) {}
}

export type ProcState = "run" | "zomb";

export class Proc implements ProcRef {
  readonly fd: FdTable;
  /** Current directory: a vnode owned by fs/ (null without a VFS). */
  cwd: unknown = null;
  /** File creation mask (022, as init gives every process). */
  umask = 0o022;
  state: ProcState = "run";
  /** Exit status once a zombie. */
  status: number | null = null;
  /** The main thread's lwp, once it runs. */
  lwp: Lwp | null = null;
  readonly children: Proc[] = [];
  /** Posted and ignored signals (kern_sig.ts). */
  readonly sig = new SigState();

  /** True once the process has exited (a zombie). */
  get exited(): boolean {
    return this.state === "zomb";
  }

  constructor(
    readonly pid: number,
    readonly name: string,
    readonly parent: Proc | null,
    readonly argv: readonly string[],
    readonly env: Readonly<Record<string, string>>,
    fdLimit?: number,
  ) {
    this.fd = new FdTable(fdLimit);
    parent?.children.push(this);
  }
}

/**
 * Every process of one kernel by pid, whoever made it (NetBSD's allproc and proc_find):
 * the app runner's and the remote processes sysproxy serves. kill(2) finds its target
 * here, so any process can signal any other, as root can on NetBSD. A process is in it
 * from its creation until it is collected (a zombie stays until then).
 */
export class AllProc {
  readonly #procs = new Map<number, Proc>();

  add(p: Proc): void {
    this.#procs.set(p.pid, p);
  }

  /** Removes `p` (not a later process that took its pid). */
  remove(p: Proc): void {
    if (this.#procs.get(p.pid) === p) this.#procs.delete(p.pid);
  }

  find(pid: number): Proc | undefined {
    return this.#procs.get(pid);
  }
}

const ALLPROC = new WeakMap<Kernel, AllProc>();

/** The process table of kernel `k`. */
export function allproc(k: Kernel): AllProc {
  let a = ALLPROC.get(k);
  if (!a) ALLPROC.set(k, a = new AllProc());
  return a;
}

/** The app runner's processes, and the lock and condvar exit waits on. */
export class ProcTable {
  readonly #procs = new Map<number, Proc>();
  #nextPid = 1;

  /** `all`: the kernel's table (allproc), which every process made here joins. */
  constructor(readonly lock: KMutex, readonly exited: KCondvar, readonly all?: AllProc) {}

  /** Creates a process with the next pid. */
  create(
    name: string,
    parent: Proc | null,
    argv: readonly string[],
    env: Readonly<Record<string, string>>,
  ): Proc {
    const p = new Proc(this.#nextPid++, name, parent, argv, env);
    this.#procs.set(p.pid, p);
    this.all?.add(p);
    return p;
  }

  get(pid: number): Proc | undefined {
    return this.#procs.get(pid);
  }

  /** Live processes and zombies, by pid. */
  list(): Proc[] {
    return [...this.#procs.values()];
  }

  /** Marks `p` exited with `status` and wakes whoever waits for it. */
  markExited(p: Proc, status: number): void {
    p.state = "zomb";
    p.status = status;
    this.exited.broadcast();
  }

  /** Waits until `p` has exited, collects its status and removes it from the table. */
  *wait(p: Proc): Blocking<number> {
    if (!p.exited) {
      yield* this.lock.enter();
      try {
        while (!p.exited) yield* this.exited.wait(this.lock);
      } finally {
        this.lock.exit();
      }
    }
    this.#procs.delete(p.pid);
    this.all?.remove(p);
    const siblings = p.parent?.children;
    if (siblings) siblings.splice(siblings.indexOf(p), 1);
    return p.status!;
  }
}
