/**
 * cli_blk.ts — the CLI's `--blk FILE[,MOUNTPOINT]` (rumprun's `-b hostpath,mountpoint`):
 * a host image file becomes a virtio-blk disk on the machine (ld0 to the guest), and the
 * run's image config gains a `blk` entry that mounts it as ext2 at MOUNTPOINT (default
 * /mnt) before the apps start.
 *
 * Rules: the image must link what mounting needs (rumpvfs, rumpfs_ext2fs, rumpdev_pci,
 * rumpdev_ld), else a one-line error names the first missing component; the file is
 * opened read-write unless the host refuses writing it (then read-only, and the mount
 * too). Errors are thrown as Error with a one-line message; the caller adds the flag.
 * The image object of the catalogue is never changed: the run gets a copy.
 */
import type { Machine } from "../arch/machine.ts";
import { attachVirtioBlk } from "../arch/virtio/attach.ts";
import { FileBlkBackend } from "../host/blk_file.ts";
import type { Image } from "../kernel/syscall/image.ts";
import { isWorld, type World } from "../rumprun/world.ts";

export interface BlkFlag {
  file: string;
  /** Absolute mount point. */
  path: string;
}

/** The components an image needs for `--blk`, in the order they are checked. */
export const BLK_COMPONENTS = ["rumpvfs", "rumpfs_ext2fs", "rumpdev_pci", "rumpdev_ld"];

/** Parses `FILE[,MOUNTPOINT]`; the mount point is the part after the last comma. */
export function parseBlkFlag(s: string): BlkFlag {
  const comma = s.lastIndexOf(",");
  const file = comma >= 0 ? s.slice(0, comma) : s;
  const path = comma >= 0 ? s.slice(comma + 1) : "/mnt";
  if (file === "") throw new Error(`"${s}" names no file`);
  if (!path.startsWith("/") || path.split("/").some((p) => p === "." || p === "..")) {
    throw new Error(`mount point "${path}" is not an absolute path`);
  }
  return { file, path: path.length > 1 ? path.replace(/\/+$/, "") : path };
}

/** A host disk ready for one run. */
export interface HostDisk {
  /** The image with the disk's mount in its config. */
  readonly image: Image;
  readonly backend: FileBlkBackend;
  /** Plugs the disk into the machine (before rump_init's autoconf runs). */
  attach(m: Machine): void;
  /** Flushes and closes the file. */
  close(): void;
}

/** Checks the image and opens the file; throws Error with a one-line reason. */
export function openHostDisk(image: Image | World, imageName: string, flag: BlkFlag): HostDisk {
  if (isWorld(image)) {
    throw new Error(`image "${imageName}" is several machines; a disk needs a single machine`);
  }
  const have = new Set(image.components.map((c) => c.name));
  const missing = BLK_COMPONENTS.find((n) => !have.has(n));
  if (missing) throw new Error(`image "${imageName}" does not include the component ${missing}`);
  const backend = FileBlkBackend.open(flag.file);
  const blk = [
    ...(image.config.blk ?? []),
    { source: "ld0", path: flag.path, fstype: "ext2" as const, readonly: backend.readOnly },
  ];
  return {
    image: { ...image, config: { ...image.config, blk } },
    backend,
    attach: (m) => void attachVirtioBlk(m, { backend }),
    close: () => backend.close(),
  };
}
