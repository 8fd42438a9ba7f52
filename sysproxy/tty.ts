/**
 * tty.ts — a remote process's terminal: the open files on descriptors 0, 1 and 2 of a
 * process a sysproxy client made, which stand for the client's own standard input,
 * output and error (rumpclient's host descriptors, seen from inside the kernel).
 *
 * Rules: a write sends the bytes to the client at once (an OUTPUT frame on the stream the
 * file stands for) and never waits; a read asks the client for at most the buffer's
 * length (INPUT_REQ) and waits until it answers (INPUT; no bytes is end of file) or the
 * connection ends (EIO). Stream 0 is readable only; 1 and 2 are writable only (EBADF,
 * as a file opened O_RDONLY or O_WRONLY). poll reports output always ready and input
 * ready (the read then waits for the client). fstat says a character device. Closing the
 * last descriptor releases nothing.
 */
import type { Blocking } from "../kernel/hypercall/rumpuser.ts";
import {
  O_RDONLY,
  O_WRONLY,
  POLLIN,
  POLLOUT,
  POLLRDNORM,
  POLLWRNORM,
  S_IFCHR,
  type Stat,
} from "../kernel/syscall/api.ts";
import { type FileOps, KFile } from "../kernel/syscall/file.ts";

/** What a terminal file needs of its connection. */
export interface TtyPeer {
  /** Sends bytes written on `stream` (1 or 2) to the client. */
  output(pid: number, stream: number, data: Uint8Array): void;
  /** Asks the client for at most `max` bytes of its input; waits for them. */
  input(pid: number, max: number): Blocking<Uint8Array>;
}

interface Tty {
  peer: TtyPeer;
  pid: number;
  stream: number;
}

const ZERO = { sec: 0, nsec: 0 };

export const ttyOps: FileOps = {
  kind: "sysproxy-tty",
  *read(fp, buf) {
    const t = fp.data as Tty;
    const got = yield* t.peer.input(t.pid, buf.length);
    const n = Math.min(got.length, buf.length);
    buf.set(got.subarray(0, n));
    return n;
  },
  *write(fp, buf) {
    const t = fp.data as Tty;
    t.peer.output(t.pid, t.stream, buf.slice());
    return buf.length;
  },
  poll(fp, events) {
    const t = fp.data as Tty;
    return t.stream === 0 ? events & (POLLIN | POLLRDNORM) : events & (POLLOUT | POLLWRNORM);
  },
  *stat(fp): Blocking<Stat> {
    const t = fp.data as Tty;
    return {
      dev: 0,
      ino: t.stream,
      mode: S_IFCHR | 0o620,
      nlink: 1,
      uid: 0,
      gid: 0,
      rdev: 0,
      size: 0,
      blksize: 4096,
      blocks: 0,
      atime: ZERO,
      mtime: ZERO,
      ctime: ZERO,
      birthtime: ZERO,
    };
  },
  *close() {
    // The client's terminal stays: closing the last descriptor releases nothing.
  },
};

/** A new file for the client terminal's `stream` (0 input, 1 output, 2 error). */
export function ttyOpen(peer: TtyPeer, pid: number, stream: number): KFile {
  return new KFile(ttyOps, stream === 0 ? O_RDONLY : O_WRONLY, { peer, pid, stream });
}
