/**
 * blk.ts — the CLI's `--blk FILE[,MOUNTPOINT][,ro]` (rumprun's `-b hostpath,mountpoint`),
 * repeatable: each host image file becomes a virtio-blk disk on the machine (ld0, ld1, ...
 * to the guest, in the order given), and the run's image config gains a `blk` entry that
 * mounts it as ext2 at MOUNTPOINT (default /mnt for the first disk, /mntN for disk N)
 * before the apps start.
 *
 * Disk N sits in PCI slot 4+N on its own IRQ (10, 9, 5, 15: the PC's free lines), so autoconf
 * meets them in order and names them ld0, ld1, ...; at most four disks.
 *
 * Rules: the image must link what mounting needs (rumpvfs, rumpfs_ext2fs, rumpdev_pci,
 * rumpdev_ld), else a one-line error names the first missing component; a file is
 * opened read-write unless `,ro` asks otherwise or the host refuses writing it (then
 * read-only, and the mount too). Errors are thrown as Error with a one-line message; the
 * caller adds the flag. The image object of the catalogue is never changed: the run gets
 * a copy. On an error every file opened so far is closed.
 */
import type { Machine } from "../arch/machine.ts";
import { attachVirtioBlk, VIRTIO_BLK_PCI_SLOT } from "../arch/virtio/attach.ts";
import { FileBlkBackend } from "../host/blk_file.ts";
import type { Image } from "../kernel/syscall/image.ts";
import { isWorld, type World } from "../rumprun/world.ts";

export interface BlkFlag {
  file: string;
  /** Absolute mount point; undefined: the default for the disk's unit. */
  path?: string;
  /** `,ro`: attach and mount read-only. */
  readOnly?: boolean;
}

/** The components an image needs for `--blk`, in the order they are checked. */
export const BLK_COMPONENTS = ["rumpvfs", "rumpfs_ext2fs", "rumpdev_pci", "rumpdev_ld"];

/** The PIC lines disks ld0, ld1, ... use (slot 4, 5, ...); the NIC has 11, COM1 4, the RTC 8. */
export const BLK_IRQS = [10, 9, 5, 15];

/** Parses `FILE[,MOUNTPOINT][,ro]`; the mount point is the part after the last comma. */
export function parseBlkFlag(s: string): BlkFlag {
  let rest = s;
  const readOnly = /,ro$/.test(rest);
  if (readOnly) rest = rest.slice(0, -3);
  const comma = rest.lastIndexOf(",");
  const file = comma >= 0 ? rest.slice(0, comma) : rest;
  const path = comma >= 0 ? rest.slice(comma + 1) : undefined;
  if (file === "") throw new Error(`"${s}" names no file`);
  if (
    path !== undefined &&
    (!path.startsWith("/") || path.split("/").some((p) => p === "." || p === ".."))
  ) {
    throw new Error(`mount point "${path}" is not an absolute path`);
  }
  const flag: BlkFlag = { file };
  if (path !== undefined) flag.path = path.length > 1 ? path.replace(/\/+$/, "") : path;
  if (readOnly) flag.readOnly = true;
  return flag;
}

/** The host disks of one run. */
export interface HostDisk {
  /** The image with the disks' mounts in its config. */
  readonly image: Image;
  readonly backends: FileBlkBackend[];
  /** Plugs the disks into the machine (before rump_init's autoconf runs). */
  attach(m: Machine): void;
  /** Flushes and closes the files. */
  close(): void;
}

/** Checks the image and opens the files; throws Error with a one-line reason. */
export function openHostDisks(
  image: Image | World,
  imageName: string,
  flags: readonly BlkFlag[],
): HostDisk {
  if (isWorld(image)) {
    throw new Error(`image "${imageName}" is several machines; a disk needs a single machine`);
  }
  const have = new Set(image.components.map((c) => c.name));
  const missing = BLK_COMPONENTS.find((n) => !have.has(n));
  if (missing) throw new Error(`image "${imageName}" does not include the component ${missing}`);
  if (flags.length > BLK_IRQS.length) {
    throw new Error(`${flags.length} disks given; at most ${BLK_IRQS.length} fit`);
  }
  const paths = flags.map((f, i) => f.path ?? (i === 0 ? "/mnt" : `/mnt${i}`));
  const dup = paths.find((p, i) => paths.indexOf(p) !== i);
  if (dup) throw new Error(`two disks are mounted at ${dup}`);
  const backends: FileBlkBackend[] = [];
  try {
    for (const f of flags) backends.push(FileBlkBackend.open(f.file, { readOnly: f.readOnly }));
  } catch (e) {
    for (const b of backends) b.close();
    throw e;
  }
  const blk = [
    ...(image.config.blk ?? []),
    ...backends.map((b, i) => ({
      source: `ld${i}`,
      path: paths[i],
      fstype: "ext2" as const,
      readonly: b.readOnly,
    })),
  ];
  return {
    image: { ...image, config: { ...image.config, blk } },
    backends,
    attach: (m) =>
      backends.forEach((backend, i) =>
        void attachVirtioBlk(m, {
          backend,
          slot: VIRTIO_BLK_PCI_SLOT + i,
          irq: BLK_IRQS[i],
        })
      ),
    close: () => backends.forEach((b) => b.close()),
  };
}
