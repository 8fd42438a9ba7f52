/**
 * fdtable.ts — a process's file descriptors (NetBSD's filedesc): small integers naming
 * open files.
 *
 * Rules: a new descriptor is the lowest free number (at or above a minimum, for F_DUPFD);
 * at `limit` descriptors, EMFILE. The search starts at the lowest number that may be free
 * (NetBSD's fd_freefile), so a table of thousands of sockets allocates without a scan. A number that names nothing is EBADF. Every descriptor
 * holds one reference to its KFile; dup and dup2 share the KFile (and so its offset and
 * status flags) and add a reference; close drops one, and the last reference calls the
 * file's `ops.close`. The close-on-exec flag belongs to the descriptor, not the file, and
 * dup/dup2 clear it on the new descriptor. Calls that use a file across a wait hold an
 * extra reference (`hold`/`release`, NetBSD's fd_getfile/fd_putfile), so a close in
 * another thread does not close the object under them.
 */
import type { Blocking } from "../hypercall/rumpuser.ts";
import { EBADF, EINVAL, EMFILE, Errno } from "../kern/errno.ts";
import type { KFile } from "./file.ts";

/**
 * The default per-process limit (RLIMIT_NOFILE): high enough that a server's connections
 * are bounded by its memory, not by this number.
 */
export const FD_LIMIT = 16384;

interface Slot {
  fp: KFile;
  cloexec: boolean;
}

/** Drops one reference to `fp`, closing the object on the last. */
export function* fileRelease(fp: KFile): Blocking {
  if (fp.refs <= 0) throw new Error("fileRelease: file has no references");
  if (--fp.refs === 0) yield* fp.ops.close(fp);
}

export class FdTable {
  readonly #slots: (Slot | undefined)[] = [];
  #count = 0;
  /** No descriptor below this is free (fd_freefile). */
  #freeFrom = 0;

  #limit: number;

  constructor(limit = FD_LIMIT) {
    this.#limit = limit;
  }

  /** The most descriptors this table may hold (the soft RLIMIT_NOFILE). */
  get limit(): number {
    return this.#limit;
  }

  /**
   * Sets the limit (setrlimit(RLIMIT_NOFILE)): from 1 to FD_LIMIT, else EINVAL. Descriptors
   * already open above it stay open; new ones are EMFILE until fewer than it are in use
   * below it.
   */
  setLimit(n: number): void {
    if (!Number.isInteger(n) || n < 1 || n > FD_LIMIT) throw new Errno(EINVAL, "setrlimit");
    this.#limit = n;
  }

  /** The file `fd` names; EBADF (its message naming `call`, when given) if none. */
  get(fd: number, call?: string): KFile {
    const s = Number.isInteger(fd) && fd >= 0 ? this.#slots[fd] : undefined;
    if (!s) throw new Errno(EBADF, call);
    return s.fp;
  }

  /** True if `fd` names a file. */
  isOpen(fd: number): boolean {
    return Number.isInteger(fd) && fd >= 0 && this.#slots[fd] !== undefined;
  }

  /** The file `fd` names, with a reference taken for a call that may wait; EBADF if none. */
  hold(fd: number, call?: string): KFile {
    const fp = this.get(fd, call);
    fp.refs++;
    return fp;
  }

  /** Gives back what `hold` took. */
  *release(fp: KFile): Blocking {
    yield* fileRelease(fp);
  }

  /** Throws EMFILE unless a descriptor at or above `min` is free. */
  checkFree(min = 0): void {
    this.#lowestFree(min);
  }

  /**
   * Installs `fp` at the lowest free descriptor ≥ `min`, taking over the caller's
   * reference; EMFILE when none is free (the caller still owns its reference then).
   */
  alloc(fp: KFile, min = 0): number {
    const fd = this.#lowestFree(min);
    this.#slots[fd] = { fp, cloexec: false };
    this.#count++;
    if (fd === this.#freeFrom) this.#freeFrom = fd + 1;
    return fd;
  }

  /** dup(2) (and F_DUPFD with `min`): a new descriptor for the same file. */
  dup(fd: number, min = 0): number {
    const fp = this.get(fd, "dup");
    const nfd = this.alloc(fp, min);
    fp.refs++;
    return nfd;
  }

  /** dup2(2): makes `to` name what `from` names, closing what `to` named before. */
  *dup2(from: number, to: number): Blocking<number> {
    const fp = this.get(from, "dup2");
    if (!Number.isInteger(to) || to < 0 || to >= this.limit) throw new Errno(EBADF, "dup2");
    if (from === to) return to;
    const old = this.#slots[to];
    if (old) { for (const h of this.closeHooks) h(to); }
    fp.refs++;
    this.#slots[to] = { fp, cloexec: false };
    if (old) yield* fileRelease(old.fp);
    else this.#count++;
    return to;
  }

  /**
   * Told of every descriptor closed (close, dup2 over it, exit), before its file is
   * released: a kqueue forgets the descriptor's knotes (NetBSD's knote_fdclose).
   */
  readonly closeHooks = new Set<(fd: number) => void>();

  /** close(2): EBADF if `fd` names nothing. */
  *close(fd: number): Blocking {
    const fp = this.get(fd, "close");
    for (const h of this.closeHooks) h(fd);
    this.#slots[fd] = undefined;
    this.#count--;
    if (fd < this.#freeFrom) this.#freeFrom = fd;
    yield* fileRelease(fp);
  }

  /** Closes every descriptor (process exit). */
  *closeAll(): Blocking {
    for (let fd = 0; fd < this.#slots.length; fd++) {
      if (this.#slots[fd]) yield* this.close(fd);
    }
  }

  /** Closes the descriptors marked close-on-exec. */
  *closeOnExec(): Blocking {
    for (let fd = 0; fd < this.#slots.length; fd++) {
      if (this.#slots[fd]?.cloexec) yield* this.close(fd);
    }
  }

  getCloexec(fd: number): boolean {
    this.get(fd);
    return this.#slots[fd]!.cloexec;
  }

  setCloexec(fd: number, on: boolean): void {
    this.get(fd);
    this.#slots[fd]!.cloexec = on;
  }

  /**
   * Copies every descriptor of `parent` into this (empty) table, sharing the files, and
   * its limit (fork: resource limits are inherited).
   */
  inherit(parent: FdTable): void {
    this.#limit = parent.#limit;
    parent.#slots.forEach((s, fd) => {
      if (!s || fd >= this.limit) return;
      s.fp.refs++;
      this.#slots[fd] = { fp: s.fp, cloexec: s.cloexec };
      this.#count++;
    });
  }

  /** Open descriptors, ascending. */
  fds(): number[] {
    const out: number[] = [];
    this.#slots.forEach((s, fd) => s && out.push(fd));
    return out;
  }

  /** Number of open descriptors. */
  get count(): number {
    return this.#count;
  }

  #lowestFree(min: number): number {
    for (let fd = Math.max(this.#freeFrom, min); fd < this.limit; fd++) {
      if (!this.#slots[fd]) return fd;
    }
    throw new Errno(EMFILE);
  }
}
