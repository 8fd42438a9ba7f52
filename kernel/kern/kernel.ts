/**
 * kernel.ts — one rump kernel instance: what rump_init() builds and every faction uses.
 *
 * Rules: a Kernel reaches its platform only through the hypercall contract (`hyp`, `pci`,
 * `virtif`). Several kernels may live in one process (two machines on a wire), so nothing
 * here is global: factions hold the Kernel they were initialised with. Kernel threads hold
 * a virtual CPU while they run; every wait goes through a blocking hypercall.
 */
import type { Platform } from "../hypercall/mod.ts";
import type { Blocking, RumpHyperup, Rumpuser, RumpuserThread } from "../hypercall/rumpuser.ts";
import {
  RUMP_MEMLIMIT,
  RUMPUSER_CLOCK_ABSMONO,
  RUMPUSER_CLOCK_RELWALL,
  RUMPUSER_LWP_SET,
  RUMPUSER_PANIC,
  RUMPUSER_PARAM_HOSTNAME,
  RUMPUSER_PARAM_NCPU,
  RUMPUSER_VERSION,
} from "../hypercall/rumpuser.ts";
import { type Callout, CalloutWheel } from "./callout.ts";
import { Lwp, type ProcBase } from "./lwp.ts";
import { MsgBuf } from "./msgbuf.ts";
import { KCondvar, KMutex, KRwLock } from "./sync.ts";
import { Kmem } from "./kmem.ts";
import { ConsoleDev } from "./cons.ts";
import { Sysctl } from "./sysctl.ts";
import { SyscallTable } from "./sysent.ts";
import type { BlkConfig, NetIfConfig } from "./image_config.ts";
import { VCpuSet } from "./vcpu.ts";

/**
 * A kernel thread's body: its lwp set, a vCPU held while `body` runs. One generator
 * function for every thread (a closure per thread would grow V8's prototype records).
 */
function* lwpMain(k: Kernel, l: Lwp, body: () => Blocking<unknown>): Blocking<unknown> {
  k.hyp.curlwpop(RUMPUSER_LWP_SET, l);
  yield* k.vcpus.schedule(l);
  try {
    return yield* body();
  } finally {
    if (l.cpu) k.vcpus.unschedule(l);
  }
}

/** Thrown by `panic()` after the platform has been told to exit, to unwind the caller. */
export class KernelPanic extends Error {
  constructor(readonly why: string) {
    super(`panic: ${why}`);
    this.name = "KernelPanic";
  }
}

/** A module the boot loader loaded with the kernel: its name (the module string) and bytes. */
export interface BootModule {
  name: string;
  data: Uint8Array;
}

/** The trace hook a platform sets on the kernel (`Kernel.trace`). */
export type KTrace = (kind: "syscall" | "sysret", name: string, detail: number) => void;

export interface KernelOptions {
  /** Overrides _RUMPUSER_HOSTNAME. */
  hostname?: string;
  /** Message buffer size in bytes. */
  msgbufSize?: number;
}

export class Kernel implements RumpHyperup {
  readonly hyp: Rumpuser;
  readonly mem: Uint8Array;
  readonly msgbuf: MsgBuf;
  readonly vcpus: VCpuSet;
  readonly ncpu: number;
  hostname: string;
  /** Bytes the kernel may allocate (RUMP_MEMLIMIT); Infinity if unlimited. */
  readonly memlimit: number;
  /** Kernel memory: kmem buckets over the buddy page allocator (kmem.ts, pgalloc.ts). */
  readonly kmem: Kmem;
  /** The console device behind every process's fds 0, 1 and 2 (cons.ts). */
  readonly cons: ConsoleDev;
  /** Components initialised, in the order they ran (component.ts). */
  readonly components: string[] = [];
  /** Wall-clock ns at boot (from the RTC on hw, the host on hosted). */
  readonly boottimeNs: number;
  readonly proc0: ProcBase = { pid: 0, name: "kernel" };
  readonly lwp0: Lwp;
  readonly callouts: CalloutWheel;
  /** Syscalls contributed by the linked factions (fs/, net/; sysent.ts). */
  readonly syscalls: SyscallTable = new SyscallTable();
  readonly sysctl: Sysctl = new Sysctl();
  /** Bus configuration steps registered by DEV components; rump_init runs them after DEV. */
  readonly autoconf: (() => Blocking)[] = [];
  /**
   * rumprun's configuration step after rump_init: the NET faction sets `netconfig` to
   * configure an interface from the image config, the VFS faction sets `blkconfig` to
   * mount a block device. Null when the faction is not linked.
   */
  netconfig: ((c: NetIfConfig) => Blocking) | null = null;
  blkconfig: ((c: BlkConfig) => Blocking) | null = null;
  /**
   * What the boot loader handed over besides the kernel (multiboot modules on hw, e.g.
   * "config.json" and the image's root tree "root.tar"); set by the platform's boot,
   * empty on a platform without a loader. Components find their module here by name.
   */
  bootModules: BootModule[] = [];
  /**
   * Run once when the kernel halts after its apps (NetBSD's shutdownhook_establish, the
   * part of rump's reboot that syncs): a disk file system unmounts itself so its writes
   * reach the disk and it is left clean. The platform's main runs them in order.
   */
  readonly shutdownHooks: (() => Blocking)[] = [];
  /**
   * Set by the platform when the run is traced (`--trace`), before any process exists:
   * the syscall layer reports each call's entry ("syscall", detail 0) and its return
   * ("sysret", detail the errno it failed with, 0 on success, -1 if unwound by something
   * else). Null: no tracing, and the syscall layer adds nothing to a call.
   */
  trace: KTrace | null = null;
  #nextLid = 1;
  #rnd = new Uint8Array(256);
  #rndPos = 256;
  #panicking = false;

  constructor(readonly platform: Platform, opts: KernelOptions = {}) {
    this.hyp = platform.user;
    const err = this.hyp.init(RUMPUSER_VERSION, this);
    if (err !== 0) throw new Error(`rumpuser_init failed: error ${err}`);
    this.mem = this.hyp.memory();
    this.msgbuf = new MsgBuf(opts.msgbufSize);
    this.ncpu = Math.max(1, Number(this.hyp.getparam(RUMPUSER_PARAM_NCPU) ?? "1") | 0);
    this.hostname = opts.hostname ?? this.hyp.getparam(RUMPUSER_PARAM_HOSTNAME) ?? "rumpsim";
    const lim = this.hyp.getparam(RUMP_MEMLIMIT);
    this.memlimit = lim ? parseSize(lim) : Infinity;
    this.kmem = Kmem.fromHypercall(this.hyp, this.memlimit, this.mem.length);
    this.kmem.registerSysctl(this.sysctl);
    this.vcpus = new VCpuSet(this.hyp, this.ncpu);
    this.lwp0 = this.newLwp(this.proc0, "lwp0");
    const wall = this.hyp.clock_gettime(RUMPUSER_CLOCK_RELWALL);
    this.boottimeNs = wall.sec * 1e9 + wall.nsec - this.nanotime();
    this.callouts = new CalloutWheel(
      () => this.nanotime(),
      this.mutex("callout"),
      this.cv("callout"),
    );
    this.cons = new ConsoleDev(this);
  }

  // --- RumpHyperup: the upcalls the platform makes ---

  *schedule(): Blocking {
    let l = this.hyp.curlwp() as Lwp | null;
    if (!l) {
      // A thread the kernel did not create (the platform's interrupt thread) enters with
      // an implicit lwp of proc0, as rump_schedule gives one.
      l = this.newLwp(this.proc0, "implicit");
      this.hyp.curlwpop(RUMPUSER_LWP_SET, l);
    }
    yield* this.vcpus.schedule(l);
  }
  unschedule(): void {
    this.vcpus.unschedule(this.curlwp());
  }
  backendUnschedule(): number {
    const l = this.hyp.curlwp() as Lwp | null;
    if (!l || !l.cpu) return 0;
    this.vcpus.unschedule(l);
    return 1;
  }
  *backendSchedule(token: number): Blocking {
    if (!token) return;
    const l = this.curlwp();
    if (!this.vcpus.trySchedule(l)) yield* this.vcpus.schedule(l);
  }
  getpid(): number {
    const l = this.hyp.curlwp() as Lwp | null;
    return l ? l.proc.pid : 0;
  }

  // --- lwps and threads ---

  newLwp(proc: ProcBase, name: string): Lwp {
    return new Lwp(this.#nextLid++, proc, name);
  }

  /** The calling thread's lwp; throws if the thread never entered the kernel. */
  curlwp(): Lwp {
    const l = this.hyp.curlwp() as Lwp | null;
    if (!l) throw new Error("curlwp: the calling thread has no lwp");
    return l;
  }

  /**
   * Runs `body` as a thread of `proc` with its own lwp, holding a vCPU while it runs
   * (kthread_create for proc0; the syscall layer uses it for apps' main threads).
   */
  threadCreate(
    name: string,
    body: () => Blocking<unknown>,
    opts: { proc?: ProcBase; joinable?: boolean } = {},
  ): RumpuserThread {
    const l = this.newLwp(opts.proc ?? this.proc0, name);
    return this.hyp.thread_create(
      () => lwpMain(this, l, body),
      name,
      opts.joinable ?? false,
      0,
      -1,
    );
  }

  // --- time ---

  /** Monotonic nanoseconds since boot. */
  nanotime(): number {
    const t = this.hyp.clock_gettime(RUMPUSER_CLOCK_ABSMONO);
    return t.sec * 1e9 + t.nsec;
  }

  /** Wall-clock nanoseconds since the Unix epoch. */
  walltime(): number {
    return this.boottimeNs + this.nanotime();
  }

  /** Sleeps `ns` nanoseconds (kpause). */
  *sleep(ns: number): Blocking {
    const until = this.nanotime() + Math.max(0, ns);
    yield* this.hyp.clock_sleep(RUMPUSER_CLOCK_ABSMONO, Math.floor(until / 1e9), until % 1e9);
  }

  // --- console and message buffer ---

  /** Kernel printf: to the message buffer and the console. */
  printf(s: string): void {
    this.msgbuf.append(s);
    this.hyp.dprintf(s);
  }

  /** Prints `panic: why` with the stack and halts the machine. Never returns. */
  panic(why: string): never {
    if (!this.#panicking) {
      this.#panicking = true;
      const stack = (new Error().stack ?? "").split("\n").slice(2).join("\n");
      this.printf(`panic: ${why}\n`);
      this.printf(`stack:\n${stack}\n`);
      // rumpuser_exit never returns: the platform unwinds this thread with its own marker,
      // which its error policy knows (so nothing more is printed).
      this.hyp.exit(RUMPUSER_PANIC);
    }
    throw new KernelPanic(why);
  }

  // --- randomness (cprng over the getrandom hypercall) ---

  cprngBytes(buf: Uint8Array): void {
    for (let i = 0; i < buf.length; i++) {
      if (this.#rndPos === this.#rnd.length) {
        this.hyp.getrandom(this.#rnd, 0);
        this.#rndPos = 0;
      }
      buf[i] = this.#rnd[this.#rndPos++];
    }
  }

  /** A random 32-bit unsigned number. */
  cprng32(): number {
    if (this.#rndPos + 4 > this.#rnd.length) {
      this.hyp.getrandom(this.#rnd, 0);
      this.#rndPos = 0;
    }
    const r = this.#rnd;
    const p = this.#rndPos;
    this.#rndPos += 4;
    return (r[p] | (r[p + 1] << 8) | (r[p + 2] << 16) | (r[p + 3] << 24)) >>> 0;
  }

  // --- memory ---

  /** Allocates kernel memory (align ≤ 4096); its address, or 0 when out (ENOMEM for the caller). */
  kmemAlloc(len: number, align = 8): number {
    return this.kmem.alloc(len, align);
  }

  /** Frees what kmemAlloc gave; `len` as it was asked for. */
  kmemFree(addr: number, len: number): void {
    this.kmem.free(addr, len);
  }

  /** Bytes allocated now through kmemAlloc. */
  get memInUse(): number {
    return this.kmem.inUse;
  }

  /** Allocates 2^order contiguous pages (4 KiB each, aligned); the address or 0 when out. */
  pageAlloc(order = 0): number {
    return this.kmem.pages.alloc(order);
  }

  /** Frees pages pageAlloc gave. */
  pageFree(addr: number): void {
    this.kmem.pages.free(addr);
  }

  // --- console input (the platform feeds it: host stdin, a serial line) ---

  /** Queues bytes for console readers; `null` marks the end of input (EOF). */
  consoleInput(bytes: Uint8Array | null): void {
    this.cons.input(bytes);
  }

  // --- synchronisation and timers ---

  mutex(name: string): KMutex {
    return new KMutex(this.hyp, name);
  }
  cv(name: string): KCondvar {
    return new KCondvar(this.hyp, name);
  }
  rwlock(name: string): KRwLock {
    return new KRwLock(this.hyp, name);
  }
  callout(name: string, fn: () => void): Callout {
    return this.callouts.create(name, fn);
  }

  /** Starts the kernel's own threads (softclock). Called once by rump_init. */
  startThreads(): void {
    this.threadCreate("softclock", () => this.callouts.softclock());
  }
}

/** Parses "64M", "512K", "1G" or a byte count. */
export function parseSize(s: string): number {
  const m = /^(\d+)([kKmMgG]?)[bB]?$/.exec(s.trim());
  if (!m) throw new Error(`bad size: ${s}`);
  const mul = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as "" | "k"]!;
  return Number(m[1]) * mul;
}
