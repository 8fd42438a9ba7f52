/**
 * rumpblk.ts — a host file as a block device (NetBSD's rumpblk, sys/rump/librump/rumpvfs/
 * rumpblk.c): on a platform with files (hosted), a rump kernel reaches a disk image
 * through the file hypercalls alone — open, getfileinfo, bio, syncfd.
 *
 * Rules:
 * - A transfer is cut into RUMPBLK_MAXXFER pieces, each staged in a bounce buffer in
 *   kernel memory (bio addresses kernel memory) and issued with the bio hypercall; the
 *   caller sleeps on a condvar until the platform's completion callback, which runs
 *   from the platform's loop, marks it done. One piece is in flight per device; the
 *   device mutex orders callers.
 * - An error from bio, or a short transfer, is EIO naming the sector; a write to a
 *   read-only device is EROFS; a transfer that is not whole sectors or runs past the end
 *   is EIO. `flush` is syncfd.
 * - The image is opened read-write unless asked read-only or the host refuses (EACCES,
 *   EROFS), then read-only. A trailing partial sector is not addressable.
 */
import { type BlockDevice, checkTransfer, DEV_BSIZE, type Wait } from "../fs/bdev.ts";
import {
  RUMPUSER_BIO_READ,
  RUMPUSER_BIO_WRITE,
  RUMPUSER_FT_BLK,
  RUMPUSER_FT_REG,
  RUMPUSER_OPEN_BIO,
  RUMPUSER_OPEN_RDONLY,
  RUMPUSER_OPEN_RDWR,
  RUMPUSER_SYNCFD_SYNC,
  RUMPUSER_SYNCFD_WRITE,
} from "../kernel/hypercall/rumpuser.ts";
import { blockDeviceNames, registerBlockDevice } from "../kernel/kern/bdevsw.ts";
import { EACCES, EINVAL, EIO, EROFS, Errno, errnoName } from "../kernel/kern/errno.ts";
import type { Kernel } from "../kernel/kern/kernel.ts";
import { KCondvar, KMutex } from "../kernel/kern/sync.ts";

export const RUMPBLK_MAXXFER = 64 * 1024;

export interface RumpBlkOptions {
  /** Open read-only even if the file is writable. */
  readOnly?: boolean;
  /** Name to register (default: the next free rumpblkN). */
  name?: string;
}

export class RumpBlk implements BlockDevice {
  readonly sectorSize = DEV_BSIZE;
  readonly stats = { reads: 0, writes: 0, flushes: 0, errors: 0 };
  readonly #lock: KMutex;
  readonly #cv: KCondvar;
  readonly #bounce: number;

  constructor(
    readonly k: Kernel,
    readonly name: string,
    readonly path: string,
    readonly fd: number,
    readonly sectors: number,
    readonly readOnly: boolean,
  ) {
    this.#lock = new KMutex(k.hyp, `${name}mtx`);
    this.#cv = new KCondvar(k.hyp, `${name}cv`);
    this.#bounce = k.hyp.malloc(RUMPBLK_MAXXFER, DEV_BSIZE);
    if (this.#bounce === 0) throw new Errno(EIO, `${name}: no memory for a transfer buffer`);
  }

  *read(lba: number, buf: Uint8Array): Wait<void> {
    checkTransfer(this, "read", lba, buf);
    yield* this.#transfer(RUMPUSER_BIO_READ, lba, buf);
  }

  *write(lba: number, buf: Uint8Array): Wait<void> {
    if (this.readOnly) {
      throw new Errno(EROFS, `${this.name}: write to a read-only disk at sector ${lba}`);
    }
    checkTransfer(this, "write", lba, buf);
    yield* this.#transfer(RUMPUSER_BIO_WRITE, lba, buf);
  }

  *flush(): Wait<void> {
    if (this.readOnly) return;
    this.stats.flushes++;
    const err = yield* this.k.hyp.syncfd(
      this.fd,
      RUMPUSER_SYNCFD_WRITE | RUMPUSER_SYNCFD_SYNC,
      0,
      0,
    );
    if (err !== 0) {
      this.stats.errors++;
      throw new Errno(EIO, `${this.name}: flush failed (${errnoName(err)})`);
    }
  }

  *#transfer(op: number, lba: number, buf: Uint8Array): Wait<void> {
    const mem = this.k.mem;
    yield* this.#lock.enter();
    try {
      for (let off = 0; off < buf.length; off += RUMPBLK_MAXXFER) {
        const len = Math.min(RUMPBLK_MAXXFER, buf.length - off);
        const sector = lba + off / DEV_BSIZE;
        if (op === RUMPUSER_BIO_WRITE) mem.set(buf.subarray(off, off + len), this.#bounce);
        const req = { done: false, error: 0, n: 0 };
        const cv = this.#cv;
        this.k.hyp.bio(this.fd, op, this.#bounce, len, sector * DEV_BSIZE, (error, n) => {
          // From the platform's loop: mark it and wake the sleeper (rump_biodone).
          [req.done, req.error, req.n] = [true, error, n];
          cv.broadcast();
        });
        while (!req.done) yield* this.#cv.wait(this.#lock);
        if (op === RUMPUSER_BIO_READ) this.stats.reads++;
        else this.stats.writes++;
        if (req.error !== 0 || req.n !== len) {
          this.stats.errors++;
          const what = op === RUMPUSER_BIO_READ ? "reading" : "writing";
          const why = req.error ? errnoName(req.error) : `short transfer of ${req.n} bytes`;
          const msg = `${this.name}: error ${what} sector ${sector}: ${why}`;
          this.k.printf(`${msg}\n`);
          throw new Errno(EIO, msg);
        }
        if (op === RUMPUSER_BIO_READ) buf.set(mem.subarray(this.#bounce, this.#bounce + len), off);
      }
    } finally {
      this.#lock.exit();
    }
  }
}

/**
 * Opens the host file `path` as a block device and registers it (rumpblk_register):
 * returns the device; throws Errno when the file is missing, not a file or disk, or
 * cannot be opened.
 */
export function rumpblkAttach(k: Kernel, path: string, opts: RumpBlkOptions = {}): RumpBlk {
  const info = k.hyp.getfileinfo(path);
  if (typeof info === "number") {
    throw new Errno(info, `rumpblk: ${path}: cannot look it up (${errnoName(info)})`);
  }
  if (info.type !== RUMPUSER_FT_REG && info.type !== RUMPUSER_FT_BLK) {
    throw new Errno(EINVAL, `rumpblk: ${path}: not a regular file or block device`);
  }
  let readOnly = opts.readOnly ?? false;
  let fd = k.hyp.open(
    path,
    (readOnly ? RUMPUSER_OPEN_RDONLY : RUMPUSER_OPEN_RDWR) | RUMPUSER_OPEN_BIO,
  );
  if (fd === -EACCES || fd === -EROFS) {
    readOnly = true;
    fd = k.hyp.open(path, RUMPUSER_OPEN_RDONLY | RUMPUSER_OPEN_BIO);
  }
  if (fd < 0) throw new Errno(-fd, `rumpblk: ${path}: cannot open it (${errnoName(-fd)})`);
  const taken = new Set(blockDeviceNames(k));
  let name = opts.name;
  for (let i = 0; !name; i++) if (!taken.has(`rumpblk${i}`)) name = `rumpblk${i}`;
  const dev = new RumpBlk(k, name, path, fd, Math.floor(info.size / DEV_BSIZE), readOnly);
  registerBlockDevice(k, name, dev);
  return dev;
}
