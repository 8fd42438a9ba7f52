/**
 * rumpuser.ts — the hypercall contract between the rump kernel and its platform,
 * following rumpuser(3), version 17, group by group.
 *
 * Types only. The kernel (and the net/ and fs/ factions) reach the platform through
 * nothing else; a platform (kernel/platform/hw on the simulated PC, kernel/platform/hosted
 * on Deno) implements it.
 *
 * TypeScript stand-ins for C:
 * - A pointer is a number: an address in the kernel's address space, which `memory()`
 *   returns as bytes (identity-mapped, as rumprun's hw platform runs).
 * - A call that may wait is a generator (`Blocking<T>`) used with `yield*`; what it
 *   yields is opaque to the kernel.
 * - Calls that return an errno in C return it here too: 0 for success or a positive
 *   NetBSD errno; calls that return a count or fd return it, or a negative errno.
 * - Handles (threads, mutexes, rwlocks, cvs, files) are opaque objects.
 */

/** A hypercall that may wait. Its yields belong to the platform. */
export type Blocking<T = void> = Generator<unknown, T, unknown>;

export const RUMPUSER_VERSION = 17;

/** getparam names (rumpuser.h). */
export const RUMPUSER_PARAM_NCPU = "_RUMPUSER_NCPU";
export const RUMPUSER_PARAM_HOSTNAME = "_RUMPUSER_HOSTNAME";
export const RUMP_VERBOSE = "RUMP_VERBOSE";
export const RUMP_MEMLIMIT = "RUMP_MEMLIMIT";

/** Clocks for clock_gettime and clock_sleep. */
export const RUMPUSER_CLOCK_RELWALL = 0;
export const RUMPUSER_CLOCK_ABSMONO = 1;
export type RumpuserClock = typeof RUMPUSER_CLOCK_RELWALL | typeof RUMPUSER_CLOCK_ABSMONO;

/** open() mode bits. */
export const RUMPUSER_OPEN_RDONLY = 0x0000;
export const RUMPUSER_OPEN_WRONLY = 0x0001;
export const RUMPUSER_OPEN_RDWR = 0x0002;
export const RUMPUSER_OPEN_ACCMODE = 0x0003;
export const RUMPUSER_OPEN_CREATE = 0x0004;
export const RUMPUSER_OPEN_EXCL = 0x0008;
export const RUMPUSER_OPEN_BIO = 0x0010;

/** getfileinfo types. */
export const RUMPUSER_FT_OTHER = 0;
export const RUMPUSER_FT_DIR = 1;
export const RUMPUSER_FT_REG = 2;
export const RUMPUSER_FT_BLK = 3;
export const RUMPUSER_FT_CHR = 4;

/** bio() operation bits. */
export const RUMPUSER_BIO_READ = 0x01;
export const RUMPUSER_BIO_WRITE = 0x02;
export const RUMPUSER_BIO_SYNC = 0x04;

/** iovread/iovwrite offset meaning "at the file's current position". */
export const RUMPUSER_IOV_NOSEEK = -1;

/** syncfd() flags. */
export const RUMPUSER_SYNCFD_READ = 0x01;
export const RUMPUSER_SYNCFD_WRITE = 0x02;
export const RUMPUSER_SYNCFD_BARRIER = 0x04;
export const RUMPUSER_SYNCFD_SYNC = 0x08;

/** curlwpop operations. */
export const RUMPUSER_LWP_CREATE = 0;
export const RUMPUSER_LWP_DESTROY = 1;
export const RUMPUSER_LWP_SET = 2;
export const RUMPUSER_LWP_CLEAR = 3;
export type RumpuserLwpOp = 0 | 1 | 2 | 3;

/** mutex_init flags. */
export const RUMPUSER_MTX_SPIN = 0x01;
export const RUMPUSER_MTX_KMUTEX = 0x02;

export type RumpuserRwKind = "reader" | "writer";

/** exit() status meaning "the kernel panicked". */
export const RUMPUSER_PANIC = -1;

/** The kernel's upcalls, handed to the platform by `init` (struct rumpuser_hyperup). */
export interface RumpHyperup {
  /** Takes a virtual CPU for the calling thread (may wait for one). */
  schedule(): Blocking;
  /** Gives the virtual CPU back. */
  unschedule(): void;
  /**
   * Releases the CPU before a blocking hypercall waits; returns what backendSchedule needs,
   * 0 when nothing was released (then backendSchedule has nothing to do: callers skip it).
   */
  backendUnschedule(): number;
  /** Takes a CPU again after the wait. */
  backendSchedule(token: number): Blocking;
  /** Process id of the current lwp's process (for dprintf prefixes and kill). */
  getpid(): number;
}

export interface RumpuserThread {
  readonly name: string;
}
export interface RumpuserMtx {
  readonly flags: number;
}
export interface RumpuserRw {
  readonly kind: "rw";
}
export interface RumpuserCv {
  readonly kind: "cv";
}

/** The rump kernel's lwp as the platform stores it for curlwp; opaque to the platform. */
export type RumpLwp = object;

export interface FileInfo {
  size: number;
  type: number;
}

/** One scatter/gather element: `len` bytes at kernel address `addr`. */
export interface IoVec {
  addr: number;
  len: number;
}

export type BioDone = (error: number, done: number) => void;

export interface Rumpuser {
  // --- init and parameters ---
  /** Checks the version and stores the upcalls; returns 0 or an errno. */
  init(version: number, hyp: RumpHyperup): number;
  /** A parameter's value, or null if the platform has none. */
  getparam(name: string): string | null;

  // --- memory ---
  /** Allocates `len` bytes aligned to `alignment` (a power of two); 0 when out of memory. */
  malloc(len: number, alignment: number): number;
  free(addr: number, len: number): void;
  /** The kernel's address space: addresses from malloc index into it. */
  memory(): Uint8Array;

  // --- files and I/O (ENOSYS where the platform has no files, as on hw) ---
  open(path: string, mode: number): number;
  close(fd: number): number;
  getfileinfo(path: string): FileInfo | number;
  /** Starts block I/O; `done` is called from the platform (never inside the caller). */
  bio(fd: number, op: number, addr: number, len: number, off: number, done: BioDone): void;
  iovread(fd: number, iov: IoVec[], off: number): Blocking<number>;
  iovwrite(fd: number, iov: IoVec[], off: number): Blocking<number>;
  syncfd(fd: number, flags: number, start: number, len: number): Blocking<number>;

  // --- time ---
  /**
   * RELWALL: wall-clock time since the epoch; ABSMONO: monotonic time since boot. The time
   * may be that at which the calling thread last got the CPU (the fiber platforms answer
   * so: time moves between turns, never backwards).
   */
  clock_gettime(clk: RumpuserClock): { sec: number; nsec: number };
  /** RELWALL: sleep for sec+nsec; ABSMONO: sleep until that monotonic time. */
  clock_sleep(clk: RumpuserClock, sec: number, nsec: number): Blocking;

  // --- console ---
  putchar(c: number): void;
  dprintf(s: string): void;
  /** Console output as bytes (UTF-8), as dprintf writes `s` after encoding it. */
  dwrite(bytes: Uint8Array): void;

  // --- threads ---
  thread_create(
    fn: () => Blocking<unknown>,
    name: string,
    joinable: boolean,
    pri: number,
    cpuidx: number,
  ): RumpuserThread;
  /** Ends the calling thread; does not return. */
  thread_exit(): Blocking<never>;
  thread_join(t: RumpuserThread): Blocking<number>;
  curlwpop(op: RumpuserLwpOp, l: RumpLwp): number;
  curlwp(): RumpLwp | null;

  // --- mutexes ---
  mutex_init(flags: number): RumpuserMtx;
  mutex_enter(m: RumpuserMtx): Blocking;
  /** Enter without releasing the CPU while waiting (for the kernel's own CPU scheduler). */
  mutex_enter_nowrap(m: RumpuserMtx): Blocking;
  /** 0 if taken, EBUSY otherwise. */
  mutex_tryenter(m: RumpuserMtx): number;
  mutex_exit(m: RumpuserMtx): void;
  mutex_destroy(m: RumpuserMtx): void;
  mutex_owner(m: RumpuserMtx): RumpLwp | null;

  // --- reader/writer locks ---
  rw_init(): RumpuserRw;
  rw_enter(rw: RumpuserRw, kind: RumpuserRwKind): Blocking;
  rw_tryenter(rw: RumpuserRw, kind: RumpuserRwKind): number;
  rw_tryupgrade(rw: RumpuserRw): number;
  rw_downgrade(rw: RumpuserRw): void;
  rw_exit(rw: RumpuserRw): void;
  rw_held(rw: RumpuserRw, kind: RumpuserRwKind): boolean;
  rw_destroy(rw: RumpuserRw): void;

  // --- condition variables ---
  cv_init(): RumpuserCv;
  cv_destroy(cv: RumpuserCv): void;
  cv_wait(cv: RumpuserCv, m: RumpuserMtx): Blocking;
  cv_wait_nowrap(cv: RumpuserCv, m: RumpuserMtx): Blocking;
  /** Returns 0 when signalled, ETIMEDOUT (60) when sec+nsec (relative) ran out. */
  cv_timedwait(cv: RumpuserCv, m: RumpuserMtx, sec: number, nsec: number): Blocking<number>;
  cv_signal(cv: RumpuserCv): void;
  cv_broadcast(cv: RumpuserCv): void;
  cv_has_waiters(cv: RumpuserCv): boolean;

  // --- randomness ---
  /** Fills `buf`; returns the number of bytes written. */
  getrandom(buf: Uint8Array, flags: number): number;

  // --- process control ---
  kill(pid: number, sig: number): number;
  /** Ends the run with `status` (RUMPUSER_PANIC after a panic). Does not return. */
  exit(status: number): never;
}
