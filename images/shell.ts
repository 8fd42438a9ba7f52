/**
 * shell.ts — the shell image: `sh` and the file tools over a VFS with a tmpfs root holding
 * the baked root tree (images/roots/shell/: a README, etc/motd, bin/hello.sh and a
 * symbolic link), /tmp, /kern, /dev (null and zero), the serial console, and the ld(4) disk
 * driver (virtio-blk).
 *
 *   deno task boot --image shell -- -c 'ls -l /'      runs the command, exits with its status
 *   deno task boot --image shell --realtime           reads commands typed on the console
 *
 * Rules: the root tree is named by the catalogue entry (images/mod.ts `rootDir`) and packed
 * into `root` by whoever loads the image on the host (cli/catalog.ts at boot, cli/bake.ts
 * at bake time), never by the simulated machine.
 */
import { FILE_TOOLS } from "../apps/file_tools.ts";
import { sh } from "../apps/sh.ts";
import { rumpfs_cookfs } from "../fs/cookfs.ts";
import { rumpfs_devfs } from "../fs/devfs/devfs.ts";
import { rumpfs_ext2fs } from "../fs/ext2/ext2_component.ts";
import { rumpfs_kernfs, rumpfs_tmpfs, rumpvfs } from "../fs/vfs_init.ts";
import { rumpdev_com } from "../dev/com.ts";
import { rumpdev_ld } from "../dev/ld_component.ts";
import { rumpdev_pci } from "../dev/pci_component.ts";
import type { Image } from "../kernel/syscall/image.ts";

export const image: Image = {
  name: "shell",
  description:
    "a shell and file tools over tmpfs, kernfs, devfs, a baked root tree and ext2 disks (--blk)",
  components: [
    rumpvfs,
    rumpfs_tmpfs,
    rumpfs_kernfs,
    rumpfs_devfs,
    rumpfs_cookfs,
    rumpdev_pci,
    rumpdev_com,
    rumpdev_ld,
    rumpfs_ext2fs,
  ],
  apps: [{ app: sh, argv: [] }],
  interactive: true,
  linked: [...FILE_TOOLS],
  config: { hostname: "shell", env: { PATH: "/bin", HOME: "/" } },
};
