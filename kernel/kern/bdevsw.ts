/**
 * bdevsw.ts — the kernel's block devices by name (NetBSD's bdevsw and device lookup, the
 * part a mount needs): what a block device is to the rest of the kernel, and the table a
 * disk driver registers each unit it attaches in ("ld0", "rumpblk0"), where a file
 * system's mount finds its device by the name in the image config's `source`.
 *
 * Rules: names are unique per kernel (registering a taken name throws — a driver bug);
 * every kernel has its own table, nothing is global; lookup never waits. A device does
 * I/O in whole sectors; a transfer that may wait is a generator; failures are thrown as
 * `Errno(EIO)` (EROFS for a write to a read-only device), never as a raw exception.
 * The helpers drivers and file systems share (sector size, transfer checks) are
 * fs/bdev.ts.
 */
import type { Blocking } from "../hypercall/rumpuser.ts";
import type { Kernel } from "./kernel.ts";

/** A block device of fixed-size sectors: what a disk driver gives a file system. */
export interface BlockDevice {
  /** Bytes per sector (512). */
  readonly sectorSize: number;
  /** Number of sectors on the device. */
  readonly sectors: number;
  /** True if writes are refused. */
  readonly readOnly: boolean;
  /** Reads `buf.length / sectorSize` sectors starting at `lba` into `buf`. */
  read(lba: number, buf: Uint8Array): Blocking<void>;
  /** Writes `buf.length / sectorSize` sectors starting at `lba`. */
  write(lba: number, buf: Uint8Array): Blocking<void>;
  /** Makes completed writes durable. */
  flush(): Blocking<void>;
}

const tables = new WeakMap<Kernel, Map<string, BlockDevice>>();

function tableOf(k: Kernel): Map<string, BlockDevice> {
  let t = tables.get(k);
  if (!t) tables.set(k, t = new Map());
  return t;
}

/** Makes `dev` known to `k` as `name`. */
export function registerBlockDevice(k: Kernel, name: string, dev: BlockDevice): void {
  const t = tableOf(k);
  if (t.has(name)) throw new Error(`bdevsw: block device ${name} is already registered`);
  t.set(name, dev);
}

/** The block device called `name` ("ld0", or "/dev/ld0"), or null. */
export function lookupBlockDevice(k: Kernel, name: string): BlockDevice | null {
  const n = name.startsWith("/dev/") ? name.slice(5) : name;
  return tableOf(k).get(n) ?? null;
}

/** Every registered name, sorted. */
export function blockDeviceNames(k: Kernel): string[] {
  return [...tableOf(k).keys()].sort();
}
