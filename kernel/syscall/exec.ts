/**
 * exec.ts — running the apps linked into an image, the rumprun way: each app is a
 * process whose main thread calls the app's `main(sys, argv, env)` inside the kernel.
 *
 * Rules: a process starts with descriptors 0, 1 and 2 on the console (one open file,
 * shared) and its main thread made by `k.threadCreate`, so it holds a vCPU from its first
 * instruction. Its exit status is what main returns, or exit(n)'s `n` (both & 0xff, as a
 * wait status keeps them). An Errno that escapes main prints `<app>: <message>` on the
 * process's stderr and the status is 1; any other exception prints
 * `<app>: uncaught exception: <message>` and the status is 1 — an app crash never takes
 * the kernel down; a kernel panic does unwind through (it is the kernel's, not the
 * app's). `spawn` runs a linked app as a child that inherits its parent's descriptors and
 * cwd, and waits for it (ENOENT for an unknown name); `start` with a parent does the same
 * without waiting (posix_spawn). Descriptors marked close-on-exec are closed in the child
 * before its main runs, as exec does.
 *
 * rumprun starts the apps of an image in order, each in the background unless told to
 * wait; this runner keeps it simple: `runAll` runs them one after another, each waited
 * for, and `waitAll` waits for whatever was `start`ed. Both return the last status.
 */
import type { Blocking } from "../hypercall/rumpuser.ts";
import { ENOENT, Errno } from "../kern/errno.ts";
import { OSRELEASE, OSTYPE } from "../kern/init.ts";
import { type Kernel, KernelPanic } from "../kern/kernel.ts";
import type { App, Sys } from "./api.ts";
import { consOpen } from "./console.ts";
import type { Spawner } from "./kern_proc.ts";
import { allproc, Proc, ProcessExit, ProcTable } from "./proc.ts";
import { makeSys } from "./sys.ts";
import { PAGE_SIZE } from "../kern/pgalloc.ts";
import { sysent } from "./systab.ts";

/** One app to run: the name it is linked under, its argv (argv[0] included) and env. */
export interface AppSpec {
  name: string;
  argv?: string[];
  env?: Record<string, string>;
}

export class AppRunner implements Spawner {
  readonly procs: ProcTable;
  readonly #apps = new Map<string, App>();
  /** Started top-level processes not yet waited for, in start order. */
  readonly #started: Proc[] = [];
  readonly #enc = new TextEncoder();

  constructor(readonly k: Kernel, apps: readonly App[]) {
    for (const a of apps) this.#apps.set(a.name, a);
    this.procs = new ProcTable(k.mutex("proctab"), k.cv("procexit"), allproc(k));
    registerSysctl(k, this.procs);
  }

  /** Names of the linked apps, sorted. */
  apps(): string[] {
    return [...this.#apps.keys()].sort();
  }

  /**
   * Starts app `name` as a new process; returns it at once (the app runs when the
   * scheduler gets to its thread). ENOENT if no such app is linked.
   */
  start(
    name: string,
    argv: string[] = [name],
    env: Record<string, string> = {},
    parent: Proc | null = null,
  ): Proc {
    const app = this.#apps.get(name);
    if (!app) throw new Errno(ENOENT, name);
    const k = this.k;
    const p = this.procs.create(name, parent, [...argv], { ...env });
    if (parent) {
      p.fd.inherit(parent.fd);
      p.umask = parent.umask;
    } else {
      const cons = consOpen(k.cons); // one reference, taken over by fd 0
      p.fd.alloc(cons);
      p.fd.dup(0);
      p.fd.dup(0);
    }
    sysent(k).vfs?.procInit(p, parent);
    if (!parent) this.#started.push(p);
    const sys = makeSys(k, p, this);
    k.threadCreate(name, () => this.#main(p, app, sys, argv, env), { proc: p });
    return p;
  }

  /** The main thread of process `p`. */
  *#main(
    p: Proc,
    app: App,
    sys: Sys,
    argv: string[],
    env: Record<string, string>,
  ): Blocking<void> {
    const k = this.k;
    p.lwp = k.curlwp();
    let status: number;
    try {
      // What exec does: descriptors marked close-on-exec do not reach the new program.
      yield* p.fd.closeOnExec();
      status = yield* app.main(sys, [...argv], { ...env });
    } catch (e) {
      status = yield* this.#crashed(p, e);
    }
    yield* p.fd.closeAll();
    sysent(k).vfs?.procExit(p);
    this.procs.markExited(p, (Number(status) | 0) & 0xff);
  }

  /** Waits for `p` to exit and returns its status. */
  *wait(p: Proc): Blocking<number> {
    const i = this.#started.indexOf(p);
    if (i >= 0) this.#started.splice(i, 1);
    return yield* this.procs.wait(p);
  }

  /** spawn(2) for a shell: runs `name` as a child of `parent` and waits for its status. */
  *spawn(
    parent: Proc,
    name: string,
    argv: string[],
    env: Record<string, string>,
  ): Blocking<number> {
    return yield* this.wait(this.start(name, argv, env, parent));
  }

  /** Waits for every started app, in start order; the last one's status (0 if none). */
  *waitAll(): Blocking<number> {
    let status = 0;
    while (this.#started.length) status = yield* this.wait(this.#started[0]);
    return status;
  }

  /** Runs the apps one after another, each waited for; the last one's status. */
  *runAll(specs: readonly AppSpec[]): Blocking<number> {
    let status = 0;
    for (const s of specs) {
      status = yield* this.wait(this.start(s.name, s.argv ?? [s.name], s.env ?? {}));
    }
    return status;
  }

  /** What an exception escaping main means: a status, after a message on stderr. */
  *#crashed(p: Proc, e: unknown): Blocking<number> {
    if (e instanceof ProcessExit) return e.status;
    if (e instanceof KernelPanic || isPlatformUnwind(e)) throw e;
    const msg = e instanceof Errno
      ? `${p.name}: ${e.message}\n`
      : `${p.name}: uncaught exception: ${e instanceof Error ? e.message : String(e)}\n`;
    if (p.fd.isOpen(2)) {
      const fp = p.fd.get(2);
      try {
        yield* fp.ops.write(fp, this.#enc.encode(msg));
      } catch { /* stderr is gone: the status still says it */ }
    }
    return 1;
  }
}

/**
 * The token a platform throws through a thread to unwind it when the machine exits
 * (exit hypercall). Kernel code cannot name the platform's class, so it is recognised
 * by shape: it is not an Error and carries `machineExit`.
 */
function isPlatformUnwind(e: unknown): boolean {
  return typeof e === "object" && e !== null && !(e instanceof Error) && "machineExit" in e;
}

/** The kern.* and hw.* sysctl nodes that describe the system and its processes. */
function registerSysctl(k: Kernel, procs: ProcTable): void {
  const s = k.sysctl;
  s.register("kern.hostname", () => k.hostname);
  s.register("kern.ostype", () => OSTYPE);
  s.register("kern.osrelease", () => OSRELEASE);
  s.register("kern.boottime", () => {
    const sec = Math.floor(k.boottimeNs / 1e9);
    return { sec, nsec: k.boottimeNs - sec * 1e9 };
  });
  s.register("kern.msgbuf", () => k.msgbuf.text());
  s.register("hw.ncpu", () => k.ncpu);
  s.register("hw.physmem", () => k.mem.length);
  s.register("hw.pagesize", () => PAGE_SIZE);
  s.register("kern.proc", () =>
    procs.list().map((p) => ({
      pid: p.pid,
      ppid: p.parent?.pid ?? 0,
      name: p.name,
      state: p.state === "zomb" ? "zomb" : p.lwp?.cpu ? "run" : "sleep",
      wmesg: p.lwp?.wmesg ?? "",
      argv: [...p.argv],
    })));
}
