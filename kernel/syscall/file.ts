/**
 * file.ts — open files (NetBSD's struct file and fileops), with the checks of a file's
 * open mode and offsets that the calls on descriptors share.
 *
 * Rules: every descriptor names a KFile; a KFile's `ops` is supplied by whoever made it
 * (vnode files by fs/, sockets by net/, the console by the syscall layer). Operations
 * that may wait are generators. `poll` never waits: it returns the ready events now and,
 * when given a waiter, records it in the object's SelInfo (kern/selinfo.ts, re-exported
 * here) so a later state change (`selnotify`) wakes the poller.
 */
import type { Blocking } from "../hypercall/rumpuser.ts";
import { EBADF, EINVAL, Errno } from "../kern/errno.ts";
import type { PollWaiter } from "../kern/selinfo.ts";
import { type Dirent, O_ACCMODE, O_RDONLY, O_WRONLY, type Stat } from "./api.ts";

/** Poll notification is the base's (kern/selinfo.ts); files and pollers use it from here. */
export { type PollWaiter, SelInfo } from "../kern/selinfo.ts";

export interface FileOps {
  /** "vnode", "socket", "console", ... (fstat's type and ps/fstat listings). */
  readonly kind: string;
  /** Reads at `off` (pread) or at the file's offset when `off` is undefined. */
  read(fp: KFile, buf: Uint8Array, off?: number): Blocking<number>;
  write(fp: KFile, buf: Uint8Array, off?: number): Blocking<number>;
  /** Ready events among `events` now; records `w` with the object when given and none are. */
  poll(fp: KFile, events: number, w: PollWaiter | null): number;
  /**
   * Optional: how much is ready now, kevent's `data` — bytes (or connections) to read, or
   * (`write`) room to write.
   */
  ready?(fp: KFile, write: boolean): number;
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

/** EBADF for `call` unless `fp` was opened for reading (NetBSD's FREAD check). */
export function checkReadable(fp: KFile, call: string): void {
  if ((fp.flags & O_ACCMODE) === O_WRONLY) throw new Errno(EBADF, call);
}

/** EBADF for `call` unless `fp` was opened for writing (NetBSD's FWRITE check). */
export function checkWritable(fp: KFile, call: string): void {
  if ((fp.flags & O_ACCMODE) === O_RDONLY) throw new Errno(EBADF, call);
}

/** EINVAL for `call` unless `off` is a whole, non-negative file offset or length. */
export function checkOffset(off: number, call: string): void {
  if (!Number.isInteger(off) || off < 0) throw new Errno(EINVAL, call);
}
