/**
 * host_files.ts (hosted) — the file group of the rumpuser contract on Deno: open, close,
 * getfileinfo, bio, iovread, iovwrite and syncfd over the host's files (rumpuser(3),
 * the part NetBSD's rumpuser_file.c and rumpuser_bio.c implement).
 *
 * Rules:
 * - Descriptors are small integers from 0, given out lowest first; errors are NetBSD
 *   errnos (a negative one from open and the iov calls, as the contract says).
 * - RUMPUSER_OPEN_* flags map to Deno's: the access mode, CREATE, EXCL (create-new);
 *   BIO is a hint and changes nothing here.
 * - bio never completes inside the caller: the transfer runs in an event on the
 *   scheduler's queue "now", which calls `done(error, bytes)` from the loop. A write with
 *   RUMPUSER_BIO_SYNC is made durable (fsync) before `done`.
 * - Host I/O is synchronous, so a run stays deterministic; iovread/iovwrite return without
 *   waiting. Kernel memory is read and written only inside the ranges the caller gave.
 */
import type { Scheduler } from "../../sched/mod.ts";
import {
  type BioDone,
  type Blocking,
  type FileInfo,
  type IoVec,
  RUMPUSER_BIO_READ,
  RUMPUSER_BIO_SYNC,
  RUMPUSER_BIO_WRITE,
  RUMPUSER_FT_BLK,
  RUMPUSER_FT_CHR,
  RUMPUSER_FT_DIR,
  RUMPUSER_FT_OTHER,
  RUMPUSER_FT_REG,
  RUMPUSER_IOV_NOSEEK,
  RUMPUSER_OPEN_ACCMODE,
  RUMPUSER_OPEN_CREATE,
  RUMPUSER_OPEN_EXCL,
  RUMPUSER_OPEN_RDONLY,
  RUMPUSER_OPEN_RDWR,
  RUMPUSER_OPEN_WRONLY,
} from "../../kernel/hypercall/rumpuser.ts";

// NetBSD errno numbers the file calls return.
const ENOENT = 2, EIO = 5, EBADF = 9, EACCES = 13, EEXIST = 17, EISDIR = 21, EINVAL = 22;
const ENOTDIR = 20;

/** The NetBSD errno for a Deno file error. */
export function hostErrno(e: unknown): number {
  if (e instanceof Deno.errors.NotFound) return ENOENT;
  if (e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.NotCapable) {
    return EACCES;
  }
  if (e instanceof Deno.errors.AlreadyExists) return EEXIST;
  if (e instanceof Deno.errors.IsADirectory) return EISDIR;
  if (e instanceof Deno.errors.NotADirectory) return ENOTDIR;
  if (e instanceof Deno.errors.BadResource) return EBADF;
  if (e instanceof Deno.errors.InvalidData) return EINVAL;
  return EIO;
}

export class HostFiles {
  readonly #files: (Deno.FsFile | null)[] = [];

  constructor(readonly sched: Scheduler, readonly mem: () => Uint8Array) {}

  /** Descriptors open now. */
  get openCount(): number {
    return this.#files.filter((f) => f !== null).length;
  }

  open(path: string, mode: number): number {
    const acc = mode & RUMPUSER_OPEN_ACCMODE;
    if (
      acc !== RUMPUSER_OPEN_RDONLY && acc !== RUMPUSER_OPEN_WRONLY && acc !== RUMPUSER_OPEN_RDWR
    ) {
      return -EINVAL;
    }
    const create = (mode & RUMPUSER_OPEN_CREATE) !== 0;
    const excl = (mode & RUMPUSER_OPEN_EXCL) !== 0;
    let f: Deno.FsFile;
    try {
      f = Deno.openSync(path, {
        read: acc !== RUMPUSER_OPEN_WRONLY,
        write: acc !== RUMPUSER_OPEN_RDONLY || create,
        create: create && !excl,
        createNew: create && excl,
      });
    } catch (e) {
      return -hostErrno(e);
    }
    let fd = this.#files.indexOf(null);
    if (fd < 0) fd = this.#files.length;
    this.#files[fd] = f;
    return fd;
  }

  close(fd: number): number {
    const f = this.#files[fd];
    if (!f) return EBADF;
    this.#files[fd] = null;
    try {
      f.close();
      return 0;
    } catch (e) {
      return hostErrno(e);
    }
  }

  getfileinfo(path: string): FileInfo | number {
    try {
      const st = Deno.statSync(path);
      const type = st.isFile
        ? RUMPUSER_FT_REG
        : st.isDirectory
        ? RUMPUSER_FT_DIR
        : st.isBlockDevice
        ? RUMPUSER_FT_BLK
        : st.isCharDevice
        ? RUMPUSER_FT_CHR
        : RUMPUSER_FT_OTHER;
      return { size: st.size, type };
    } catch (e) {
      return hostErrno(e);
    }
  }

  #checkIov(iov: IoVec[]): boolean {
    const size = this.mem().length;
    return iov.every((v) => v.addr >= 0 && v.len >= 0 && v.addr + v.len <= size);
  }

  /** Starts a transfer; `done` runs from the event loop, never inside this call. */
  bio(fd: number, op: number, addr: number, len: number, off: number, done: BioDone): void {
    const run = (): [number, number] => {
      const f = this.#files[fd];
      if (!f) return [EBADF, 0];
      if (!this.#checkIov([{ addr, len }]) || off < 0) return [EINVAL, 0];
      const rd = (op & RUMPUSER_BIO_READ) !== 0, wr = (op & RUMPUSER_BIO_WRITE) !== 0;
      if (rd === wr) return [EINVAL, 0];
      try {
        const n = rd ? this.#pread(f, addr, len, off) : this.#pwrite(f, addr, len, off);
        if (wr && op & RUMPUSER_BIO_SYNC) f.syncSync();
        return [0, n];
      } catch (e) {
        return [hostErrno(e), 0];
      }
    };
    this.sched.events.at(this.sched.clock.now(), () => done(...run()));
  }

  #pread(f: Deno.FsFile, addr: number, len: number, off: number): number {
    if (off !== RUMPUSER_IOV_NOSEEK) f.seekSync(off, Deno.SeekMode.Start);
    const buf = this.mem().subarray(addr, addr + len);
    let at = 0;
    while (at < len) {
      const n = f.readSync(buf.subarray(at));
      if (n === null || n === 0) break;
      at += n;
    }
    return at;
  }

  #pwrite(f: Deno.FsFile, addr: number, len: number, off: number): number {
    if (off !== RUMPUSER_IOV_NOSEEK) f.seekSync(off, Deno.SeekMode.Start);
    const buf = this.mem().subarray(addr, addr + len);
    let at = 0;
    while (at < len) at += f.writeSync(buf.subarray(at));
    return at;
  }

  #iov(fd: number, iov: IoVec[], off: number, write: boolean): number {
    const f = this.#files[fd];
    if (!f) return -EBADF;
    if (!this.#checkIov(iov) || (off < 0 && off !== RUMPUSER_IOV_NOSEEK)) return -EINVAL;
    let total = 0, at = off;
    try {
      for (const v of iov) {
        const n = write ? this.#pwrite(f, v.addr, v.len, at) : this.#pread(f, v.addr, v.len, at);
        total += n;
        if (at !== RUMPUSER_IOV_NOSEEK) at += n;
        if (n < v.len) break; // end of file
      }
      return total;
    } catch (e) {
      return total > 0 ? total : -hostErrno(e);
    }
  }

  // deno-lint-ignore require-yield
  *iovread(fd: number, iov: IoVec[], off: number): Blocking<number> {
    return this.#iov(fd, iov, off, false);
  }

  // deno-lint-ignore require-yield
  *iovwrite(fd: number, iov: IoVec[], off: number): Blocking<number> {
    return this.#iov(fd, iov, off, true);
  }

  /** Every flag asks for at least what fsync gives, so each is an fsync. */
  // deno-lint-ignore require-yield
  *syncfd(fd: number, _flags: number, _start: number, _len: number): Blocking<number> {
    const f = this.#files[fd];
    if (!f) return EBADF;
    try {
      f.syncSync();
      return 0;
    } catch (e) {
      return hostErrno(e);
    }
  }

  /** Closes every descriptor (the machine is done). */
  closeAll(): void {
    for (let fd = 0; fd < this.#files.length; fd++) if (this.#files[fd]) this.close(fd);
  }
}
