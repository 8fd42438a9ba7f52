/**
 * console.ts — the console as an open file (NetBSD's /dev/console): the file operations
 * over the kernel's console device (kern/cons.ts) that every process has on descriptors
 * 0, 1 and 2.
 *
 * Rules: reads and writes are the device's (a read waits for input unless the file is
 * O_NONBLOCK, then EAGAIN); the file is always writable and readable when the device has
 * input queued or the input has ended, and a poller that finds nothing ready is recorded
 * with the device's selinfo. Not seekable (ESPIPE). fstat reports a character device
 * owned by root. Closing the last descriptor releases nothing: the console stays.
 */
import type { Blocking } from "../hypercall/rumpuser.ts";
import type { ConsoleDev } from "../kern/cons.ts";
import {
  O_NONBLOCK,
  O_RDWR,
  POLLIN,
  POLLOUT,
  POLLRDNORM,
  POLLWRNORM,
  S_IFCHR,
  type Stat,
} from "./api.ts";
import { type FileOps, KFile } from "./file.ts";

/** cons(4)'s device number on NetBSD/amd64: major 0, minor 0. */
const CONS_RDEV = 0;

/** A new open file on the console `cons` (O_RDWR), with one reference. */
export function consOpen(cons: ConsoleDev): KFile {
  return new KFile(consoleOps, O_RDWR, cons);
}

function dev(fp: KFile): ConsoleDev {
  return fp.data as ConsoleDev;
}

const ZERO_TIME = { sec: 0, nsec: 0 };

/** The console's file operations. */
export const consoleOps: FileOps = {
  kind: "console",
  *read(fp, buf) {
    return yield* dev(fp).read(buf, (fp.flags & O_NONBLOCK) !== 0);
  },
  *write(fp, buf) {
    return dev(fp).write(buf);
  },
  poll(fp, events, w) {
    const cons = dev(fp);
    let r = events & (POLLOUT | POLLWRNORM);
    if (cons.readable) r |= events & (POLLIN | POLLRDNORM);
    if (r === 0 && w) cons.sel.record(w);
    return r;
  },
  *stat(): Blocking<Stat> {
    return {
      dev: 0,
      ino: 2,
      mode: S_IFCHR | 0o600,
      nlink: 1,
      uid: 0,
      gid: 0,
      rdev: CONS_RDEV,
      size: 0,
      blksize: 4096,
      blocks: 0,
      atime: ZERO_TIME,
      mtime: ZERO_TIME,
      ctime: ZERO_TIME,
      birthtime: ZERO_TIME,
    };
  },
  *close() {
    // The console stays: closing the last descriptor on it releases nothing.
  },
};
