/**
 * bdev_mem.ts — an in-memory block device over one Uint8Array (a RAM disk, or an image
 * loaded whole), for tests and for images baked into a bundle.
 *
 * Rules: never waits (its generators return at once); the bytes are the device, so
 * `bytes` always shows what has been written; out-of-range or misaligned transfers fail
 * with EIO naming the sector, writes to a read-only device with EROFS.
 */
import { EIO, EROFS, Errno } from "../kernel/kern/errno.ts";
import { type BlockDevice, DEV_BSIZE, type Wait } from "./bdev.ts";

export class MemBlockDevice implements BlockDevice {
  readonly sectorSize = DEV_BSIZE;
  readonly sectors: number;
  readonly readOnly: boolean;
  /** The device's contents (a partial last sector is not addressable). */
  readonly bytes: Uint8Array;
  /** Transfer counters, for tests and statistics. */
  readonly stats = { reads: 0, writes: 0, flushes: 0 };

  constructor(bytes: Uint8Array, opts: { readOnly?: boolean } = {}) {
    this.bytes = bytes;
    this.sectors = Math.floor(bytes.length / DEV_BSIZE);
    this.readOnly = opts.readOnly ?? false;
  }

  /** A zero-filled device of `sectors` sectors. */
  static zeroed(sectors: number): MemBlockDevice {
    return new MemBlockDevice(new Uint8Array(sectors * DEV_BSIZE));
  }

  *read(lba: number, buf: Uint8Array): Wait<void> {
    this.check("read", lba, buf);
    this.stats.reads++;
    buf.set(this.bytes.subarray(lba * DEV_BSIZE, lba * DEV_BSIZE + buf.length));
  }

  *write(lba: number, buf: Uint8Array): Wait<void> {
    if (this.readOnly) throw new Errno(EROFS, `write to read-only memory disk at sector ${lba}`);
    this.check("write", lba, buf);
    this.stats.writes++;
    this.bytes.set(buf, lba * DEV_BSIZE);
  }

  *flush(): Wait<void> {
    this.stats.flushes++;
  }

  private check(op: string, lba: number, buf: Uint8Array): void {
    if (buf.length % DEV_BSIZE !== 0) {
      throw new Errno(EIO, `memory disk ${op} of ${buf.length} bytes is not whole sectors`);
    }
    const n = buf.length / DEV_BSIZE;
    if (!Number.isInteger(lba) || lba < 0 || lba + n > this.sectors) {
      throw new Errno(
        EIO,
        `memory disk ${op} of sectors ${lba}..${
          lba + n - 1
        } is past the end (${this.sectors} sectors)`,
      );
    }
  }
}
