/**
 * ext2_component.ts — the rumpfs_ext2fs component (librumpfs_ext2fs): makes the "ext2"
 * file-system type known to the VFS, so that rumprun's config step (an image config's
 * `blk` entry, `k.blkconfig`) or a mount(2) can mount an ext2 disk by device name.
 *
 * Rules: a VFS component after rumpvfs; it mounts nothing itself. At halt (a kernel
 * shutdown hook, the part of rump's reboot that syncs) every ext2 still mounted is
 * unmounted, newest first and forcibly, so its delayed writes reach the disk and the
 * file system is left clean; a failure is printed, never thrown.
 */
import type { RumpComponent } from "../../kernel/kern/component.ts";
import { Errno } from "../../kernel/kern/errno.ts";
import { MNT_FORCE } from "../mount.ts";
import { registerFsType, vfsOf } from "../vfs_init.ts";
import { ext2Type } from "./vnops.ts";

export const rumpfs_ext2fs: RumpComponent = {
  name: "rumpfs_ext2fs",
  type: "VFS",
  requires: ["rumpvfs"],
  init(k) {
    registerFsType(k, ext2Type);
    k.shutdownHooks.push(function* () {
      const { mounts } = vfsOf(k);
      for (const mp of [...mounts.mounts].reverse()) {
        if (mp.type !== ext2Type || mp === mounts.mounts[0]) continue;
        try {
          yield* mounts.unmount(mp, MNT_FORCE);
        } catch (e) {
          if (!(e instanceof Errno)) throw e;
          k.printf(`ext2: unmount of ${mp.onName} at halt failed: ${e.message}\n`);
        }
      }
    });
  },
};
