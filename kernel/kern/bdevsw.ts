/**
 * bdevsw.ts — the kernel's block devices by name (NetBSD's bdevsw and device lookup, the
 * part a mount needs): a disk driver registers each unit it attaches ("ld0", "rumpblk0"),
 * and a file system's mount finds its device by the name in the image config's `source`.
 *
 * Rules: names are unique per kernel (registering a taken name throws — a driver bug);
 * every kernel has its own table, nothing is global; lookup never waits.
 */
import type { BlockDevice } from "../../fs/bdev.ts";
import type { Kernel } from "./kernel.ts";

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

/** Forgets `name` (a detached unit); false if it was not registered. */
export function unregisterBlockDevice(k: Kernel, name: string): boolean {
  return tableOf(k).delete(name);
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
