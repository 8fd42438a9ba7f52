/**
 * file.ts — open files (NetBSD's struct file and fileops) and poll notification (selinfo).
 *
 * Rules: every descriptor names a KFile; a KFile's `ops` is supplied by whoever made it
 * (vnode files by fs/, sockets by net/, the console by the syscall layer). Operations
 * that may wait are generators. `poll` never waits: it returns the ready events now and,
 * when given a waiter, records it in the object's SelInfo so a later state change
 * (`selnotify`) wakes the poller.
 */
import type { Blocking } from "../hypercall/rumpuser.ts";
import type { Dirent, Stat } from "./api.ts";

export interface FileOps {
  /** "vnode", "socket", "console", ... (fstat's type and ps/fstat listings). */
  readonly kind: string;
  /** Reads at `off` (pread) or at the file's offset when `off` is undefined. */
  read(fp: KFile, buf: Uint8Array, off?: number): Blocking<number>;
  write(fp: KFile, buf: Uint8Array, off?: number): Blocking<number>;
  /** Ready events among `events` now; records `w` with the object when given and none are. */
  poll(fp: KFile, events: number, w: PollWaiter | null): number;
  stat(fp: KFile): Blocking<Stat>;
  /** Called when the last descriptor referring to the file is closed. */
  close(fp: KFile): Blocking;
  /** Optional: seekable files. ESPIPE when absent. */
  seek?(fp: KFile, off: number, whence: number): Blocking<number>;
  truncate?(fp: KFile, len: number): Blocking;
  fsync?(fp: KFile): Blocking;
  getdents?(fp: KFile): Blocking<Dirent[]>;
  /** O_NONBLOCK and O_APPEND changes are told to the object (sockets care). */
  setflags?(fp: KFile, flags: number): void;
}

/** An open file. */
export class KFile {
  /** Descriptors (and in-flight calls) referring to it. */
  refs = 1;
  /** Read/write offset of seekable files. */
  offset = 0;
  constructor(
    public ops: FileOps,
    /** O_ACCMODE bits, O_NONBLOCK, O_APPEND. */
    public flags: number,
    /** The object behind it: a vnode, a socket, ... */
    public data: unknown,
  ) {}
}

/** One poll(2) call waiting for any of several objects. */
export interface PollWaiter {
  /** Called by selnotify; makes the poller rescan. */
  notify(): void;
}

/** What an object that can be polled keeps (NetBSD's struct selinfo). */
export class SelInfo {
  #waiters: PollWaiter[] = [];

  /** Records a poller (selrecord). */
  record(w: PollWaiter): void {
    if (!this.#waiters.includes(w)) this.#waiters.push(w);
  }

  /** Wakes every recorded poller and forgets them (selnotify). */
  notify(): void {
    if (this.#waiters.length === 0) return;
    const ws = this.#waiters;
    this.#waiters = [];
    for (const w of ws) w.notify();
  }

  /** Forgets a poller that has finished (seldrain for one waiter). */
  remove(w: PollWaiter): void {
    const i = this.#waiters.indexOf(w);
    if (i >= 0) this.#waiters.splice(i, 1);
  }
}
