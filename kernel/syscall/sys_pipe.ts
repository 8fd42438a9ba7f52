/**
 * sys_pipe.ts — pipe(2) (NetBSD's sys_pipe.c): a one-way byte channel in the kernel, a
 * bounded buffer with a read end and a write end, each an open file.
 *
 * Rules:
 * - The buffer holds PIPE_SIZE (64 KiB, NetBSD's default) bytes. A write of at most
 *   PIPE_BUF (512) bytes is atomic: it waits until all of it fits and is never interleaved
 *   with another write. A longer write goes in pieces as room appears and returns when all
 *   of it is in (or, when the readers go away part-way, with the count written).
 * - A read waits while the buffer is empty and a writer remains; it returns what is there
 *   (up to its buffer), and 0 (end of file) once every write end is closed and the buffer
 *   is drained.
 * - A write with no read end open fails with EPIPE and posts SIGPIPE to the writer
 *   (kern_sig.ts): unless it ignores SIGPIPE, the writer terminates with status 141.
 * - O_NONBLOCK (at pipe time through `pipe2`'s flags or later with F_SETFL): a read that
 *   would wait and a write that finds no room (for an atomic write: not room for all of
 *   it) fail with EAGAIN; a longer write takes what fits.
 * - Waits are interruptible (tsleep): kill(2) ends a process blocked on a pipe.
 * - poll: the read end is readable when bytes are buffered or no writer remains (then also
 *   POLLHUP); the write end is writable when PIPE_BUF bytes fit, and POLLERR when no
 *   reader remains. State changes wake recorded pollers of either end.
 * - fstat says S_IFIFO, mode 0600, size the bytes buffered; each pipe has its own inode
 *   number, counted per kernel. Not seekable: lseek, pread and pwrite are ESPIPE.
 */
import type { Blocking } from "../hypercall/rumpuser.ts";
import { EAGAIN, EINVAL, EMFILE, EPIPE, Errno } from "../kern/errno.ts";
import type { Kernel } from "../kern/kernel.ts";
import type { KCondvar, KMutex } from "../kern/sync.ts";
import {
  O_NONBLOCK,
  O_RDONLY,
  O_WRONLY,
  PIPE_BUF,
  PIPE_SIZE,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLOUT,
  POLLRDNORM,
  POLLWRNORM,
  S_IFIFO,
  type Stat,
  type Sys,
} from "./api.ts";
import { type FileOps, KFile, SelInfo } from "./file.ts";
import { cursig, SIGPIPE, tsleep } from "./kern_sig.ts";
import type { Proc } from "./proc.ts";

/** The buffer's capacity (NetBSD's PIPE_SIZE) and the atomic write size (PIPE_BUF). */
export { PIPE_BUF, PIPE_SIZE } from "./api.ts";

const ZERO_TIME = { sec: 0, nsec: 0 };

/** One pipe: the ring buffer and who holds its ends. */
export class Pipe {
  readonly #ring = new Uint8Array(PIPE_SIZE);
  #head = 0;
  /** Bytes buffered. */
  count = 0;
  /** Open files on each end (a KFile counts once, however many descriptors share it). */
  readers = 1;
  writers = 1;
  readonly sel = new SelInfo();
  /** Serializes writers so an atomic or long write is not interleaved. */
  #writing = false;

  constructor(
    readonly ino: number,
    readonly lock: KMutex,
    readonly cv: KCondvar,
  ) {}

  get room(): number {
    return PIPE_SIZE - this.count;
  }

  /** Copies up to buf.length buffered bytes out. */
  take(buf: Uint8Array): number {
    const n = Math.min(buf.length, this.count);
    const first = Math.min(n, PIPE_SIZE - this.#head);
    buf.set(this.#ring.subarray(this.#head, this.#head + first));
    if (n > first) buf.set(this.#ring.subarray(0, n - first), first);
    this.#head = (this.#head + n) % PIPE_SIZE;
    this.count -= n;
    return n;
  }

  /** Copies as much of `src` in as fits. */
  put(src: Uint8Array): number {
    const n = Math.min(src.length, this.room);
    const tail = (this.#head + this.count) % PIPE_SIZE;
    const first = Math.min(n, PIPE_SIZE - tail);
    this.#ring.set(src.subarray(0, first), tail);
    if (n > first) this.#ring.set(src.subarray(first, n), 0);
    this.count += n;
    return n;
  }

  /** Wakes readers, writers and pollers after a change. */
  changed(): void {
    this.cv.broadcast();
    this.sel.notify();
  }

  get writing(): boolean {
    return this.#writing;
  }
  set writing(on: boolean) {
    this.#writing = on;
  }
}

/** The pipe and the kernel behind one end. */
interface PipeEnd {
  k: Kernel;
  pipe: Pipe;
}

function end(fp: KFile): PipeEnd {
  return fp.data as PipeEnd;
}

const inoByKernel = new WeakMap<Kernel, number>();

/** Makes a pipe; returns its read end and write end, one reference each. */
export function pipeCreate(k: Kernel, flags = 0): { r: KFile; w: KFile } {
  if ((flags & ~O_NONBLOCK) !== 0) throw new Errno(EINVAL, "pipe2");
  const ino = (inoByKernel.get(k) ?? 0) + 1;
  inoByKernel.set(k, ino);
  const pipe = new Pipe(ino, k.mutex("pipe"), k.cv("pipe"));
  const data: PipeEnd = { k, pipe };
  return {
    r: new KFile(pipeReadOps, O_RDONLY | flags, data),
    w: new KFile(pipeWriteOps, O_WRONLY | flags, data),
  };
}

function* pipeRead(fp: KFile, buf: Uint8Array): Blocking<number> {
  const { k, pipe } = end(fp);
  if (buf.length === 0) return 0;
  yield* pipe.lock.enter();
  try {
    while (pipe.count === 0) {
      if (pipe.writers === 0) return 0;
      if (fp.flags & O_NONBLOCK) throw new Errno(EAGAIN, "read");
      yield* tsleep(k, pipe.cv, pipe.lock);
    }
    const n = pipe.take(buf);
    pipe.changed();
    return n;
  } finally {
    pipe.lock.exit();
  }
}

/** EPIPE, after posting SIGPIPE to the writer (which terminates it unless ignored). */
function broken(k: Kernel): Errno {
  const s = cursig(k);
  if (s) {
    s.post(SIGPIPE);
    s.check();
  }
  return new Errno(EPIPE, "write");
}

function* pipeWrite(fp: KFile, buf: Uint8Array): Blocking<number> {
  const { k, pipe } = end(fp);
  const nonblock = (fp.flags & O_NONBLOCK) !== 0;
  yield* pipe.lock.enter();
  try {
    if (pipe.readers === 0) throw broken(k);
    if (buf.length === 0) return 0;
    // One writer at a time: a long write is not interleaved with another.
    while (pipe.writing) {
      if (nonblock) throw new Errno(EAGAIN, "write");
      yield* tsleep(k, pipe.cv, pipe.lock);
      if (pipe.readers === 0) throw broken(k);
    }
    const atomic = buf.length <= PIPE_BUF;
    let done = 0;
    pipe.writing = true;
    try {
      while (done < buf.length) {
        if (pipe.readers === 0) {
          if (done > 0) return done;
          throw broken(k);
        }
        const need = atomic ? buf.length : 1;
        if (pipe.room < need) {
          if (nonblock) {
            if (done > 0) return done;
            throw new Errno(EAGAIN, "write");
          }
          yield* tsleep(k, pipe.cv, pipe.lock);
          continue;
        }
        done += pipe.put(buf.subarray(done));
        pipe.changed();
      }
      return done;
    } finally {
      pipe.writing = false;
      pipe.changed();
    }
  } finally {
    pipe.lock.exit();
  }
}

function* pipeStat(fp: KFile): Blocking<Stat> {
  const { pipe } = end(fp);
  return {
    dev: 0,
    ino: pipe.ino,
    mode: S_IFIFO | 0o600,
    nlink: 1,
    uid: 0,
    gid: 0,
    rdev: 0,
    size: pipe.count,
    blksize: PIPE_BUF,
    blocks: 0,
    atime: ZERO_TIME,
    mtime: ZERO_TIME,
    ctime: ZERO_TIME,
    birthtime: ZERO_TIME,
  };
}

function* notOpen(): Blocking<number> {
  // checkReadable/checkWritable in the syscall layer answer EBADF before this is reached.
  throw new Errno(EINVAL, "pipe end used the wrong way");
}

/** The read end's operations. */
export const pipeReadOps: FileOps = {
  kind: "pipe",
  read: pipeRead,
  write: notOpen,
  poll(fp, events, w) {
    const { pipe } = end(fp);
    let r = 0;
    if (pipe.count > 0 || pipe.writers === 0) r |= events & (POLLIN | POLLRDNORM);
    if (pipe.writers === 0) r |= POLLHUP;
    if (r === 0 && w) pipe.sel.record(w);
    return r;
  },
  ready: (fp) => end(fp).pipe.count,
  stat: pipeStat,
  *close(fp) {
    const { pipe } = end(fp);
    pipe.readers--;
    pipe.changed();
  },
};

/** The write end's operations. */
export const pipeWriteOps: FileOps = {
  kind: "pipe",
  read: notOpen,
  write: pipeWrite,
  poll(fp, events, w) {
    const { pipe } = end(fp);
    let r = 0;
    if (pipe.readers === 0) r |= POLLERR;
    else if (pipe.room >= PIPE_BUF) r |= events & (POLLOUT | POLLWRNORM);
    if (r === 0 && w) pipe.sel.record(w);
    return r;
  },
  ready: (fp) => end(fp).pipe.room,
  stat: pipeStat,
  *close(fp) {
    const { pipe } = end(fp);
    pipe.writers--;
    pipe.changed();
  },
};

/** The pipe calls of `proc` on kernel `k`. */
export function sysPipe(k: Kernel, proc: Proc): Pick<Sys, "pipe" | "pipe2"> {
  const fdt = proc.fd;
  const pipe2 = (flags: number): [number, number] => {
    // Both descriptors must be free before the pipe is made: nothing to undo after.
    if (fdt.limit - fdt.count < 2) throw new Errno(EMFILE, "pipe");
    const { r, w } = pipeCreate(k, flags);
    const rfd = fdt.alloc(r);
    const wfd = fdt.alloc(w);
    return [rfd, wfd];
  };
  return { pipe: () => pipe2(0), pipe2 };
}
