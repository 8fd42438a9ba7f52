/**
 * server.ts — the `server` image: rump_server. A kernel with networking (vioif on the user
 * netdev, TCP/IP), a VFS (tmpfs root holding the shell image's baked tree, /kern, ext2
 * disks with --blk) and no application of its own: its one app, `rump_server`, only says
 * that it serves and then waits until the machine is stopped (Ctrl-C). Remote clients
 * reach it with `--sysproxy URL` and `deno task ctl`.
 *
 *   deno task boot --image server --sysproxy unix:/tmp/rump.sock --hostfwd tcp:127.0.0.1:0-:80
 *   deno task ctl --server unix:/tmp/rump.sock ifconfig
 *
 * Rules: as every image: components, apps and a config, nothing read on the host (the
 * root tree is named by the catalogue entry and packed by whoever loads the image).
 */
import { rumpfs_cookfs } from "../fs/cookfs.ts";
import { rumpfs_ext2fs } from "../fs/ext2/ext2_component.ts";
import { rumpfs_kernfs, rumpfs_tmpfs, rumpvfs } from "../fs/vfs_init.ts";
import { rumpdev_com } from "../dev/com.ts";
import { rumpdev_ld } from "../dev/ld_component.ts";
import { rumpdev_pci } from "../dev/pci_component.ts";
import { rumpdev_vioif } from "../dev/vioif_component.ts";
import type { App, Sys, Wait } from "../kernel/syscall/api.ts";
import type { Image } from "../kernel/syscall/image.ts";
import { rumpnet, rumpnet_net, rumpnet_netinet } from "../net/netinet_init.ts";

/** rump_server's main: one line, then sleep until the machine stops. */
export const rumpServer: App = {
  name: "rump_server",
  summary: "serve remote clients until stopped",
  *main(sys: Sys): Wait<number> {
    const u = sys.uname();
    const line = `rump_server: ${u.sysname} ${u.release} ${u.machine} (${u.nodename}) ` +
      `up; remote clients connect through --sysproxy; Ctrl-C stops it\n`;
    yield* sys.write(1, new TextEncoder().encode(line));
    for (;;) yield* sys.nanosleep({ sec: 86400, nsec: 0 });
  },
};

export const image: Image = {
  name: "server",
  description: "rump_server: networking and file systems, no app; serves --sysproxy clients",
  components: [
    rumpdev_pci,
    rumpdev_vioif,
    rumpnet,
    rumpnet_net,
    rumpnet_netinet,
    rumpvfs,
    rumpfs_tmpfs,
    rumpfs_kernfs,
    rumpfs_cookfs,
    rumpdev_com,
    rumpdev_ld,
    rumpfs_ext2fs,
  ],
  apps: [{ app: rumpServer, argv: [] }],
  config: {
    hostname: "server",
    env: { PATH: "/bin", HOME: "/" },
    net: [{
      if: "vioif0",
      method: "static",
      addr: "10.0.2.15",
      mask: "255.255.255.0",
      gw: "10.0.2.2",
    }],
    hosts: { "gateway.rumpsim": "10.0.2.2", "server.rumpsim": "10.0.2.15" },
  },
};
