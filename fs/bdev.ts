/**
 * bdev.ts — what a file system sees of a disk: a block device of fixed-size sectors.
 *
 * Rules: I/O is in whole sectors (`buf.length` a multiple of `sectorSize`, starting at
 * sector `lba`); a transfer that may wait is a generator (`Wait<T>`, used with `yield*`);
 * failures are thrown as `Errno(EIO, "...")` (or EROFS for a write to a read-only device),
 * never as a raw exception. `flush` returns once every completed write is durable.
 */
import type { Blocking } from "../kernel/hypercall/rumpuser.ts";
import { EIO, Errno } from "../kernel/kern/errno.ts";

/** A call that may wait (a blocking hypercall underneath). */
export type Wait<T = void> = Blocking<T>;

/** NetBSD's DEV_BSIZE: the sector size every device here uses. */
export const DEV_BSIZE = 512;

/** The block device interface lives in the kernel base, beside its table (bdevsw). */
export type { BlockDevice } from "../kernel/kern/bdevsw.ts";

/**
 * Checks a transfer a driver is asked for: whole sectors, inside the device. Throws
 * `Errno(EIO)` naming the device and the sectors, as a disk driver reports it.
 */
export function checkTransfer(
  dev: { readonly name: string; readonly sectors: number },
  op: string,
  lba: number,
  buf: Uint8Array,
): void {
  if (buf.length % DEV_BSIZE !== 0) {
    throw new Errno(EIO, `${dev.name}: ${op} of ${buf.length} bytes is not whole sectors`);
  }
  const n = buf.length / DEV_BSIZE;
  if (!Number.isInteger(lba) || lba < 0 || lba + n > dev.sectors) {
    throw new Errno(
      EIO,
      `${dev.name}: ${op} of sectors ${lba}..${
        lba + n - 1
      } is past the end (${dev.sectors} sectors)`,
    );
  }
}
