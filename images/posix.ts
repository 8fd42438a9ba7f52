/**
 * posix.ts — the POSIX image: one WebAssembly program (C built with `deno task cc`) run as
 * the image's app on the kernel's system calls, over a VFS (a tmpfs root with /etc and
 * /tmp, kernfs at /kern, devfs's null and zero at /dev, ext2 on virtio-blk disks with
 * --blk), the serial console, and, when asked for, virtio-net on 10.0.2.15/24 behind the user netdev's gateway 10.0.2.2.
 *
 *   deno task cc -- -O2 prog.c -o prog.wasm
 *   deno task boot --wasm prog.wasm [--blk DISK,/mnt] [--netdev user --hostfwd ...] -- ARGS
 *
 * Rules: the program is compiled and checked before the image is made (wasm/loader.ts:
 * an unknown import is refused with one line); its argv[0] is its file's base name. The
 * root tree gives what common programs read: /etc/hosts (localhost and the user
 * network's names), /etc/passwd and /etc/group with one root user, /etc/services, an
 * empty /tmp, and with `network` /etc/resolv.conf naming the user network's DNS
 * (10.0.2.3), which answers the names of the config's `hosts` (and `--hosts`). Without
 * `network` the image has no NIC and no resolv.conf (names come from /etc/hosts only),
 * so a run stays in virtual time and is deterministic.
 */
import { packUstar, type UstarEntry } from "../fs/archive/ustar.ts";
import { rumpfs_cookfs } from "../fs/cookfs.ts";
import { rumpfs_ext2fs } from "../fs/ext2/ext2_component.ts";
import { rumpfs_devfs } from "../fs/devfs/devfs.ts";
import { rumpfs_kernfs, rumpfs_tmpfs, rumpvfs } from "../fs/vfs_init.ts";
import { rumpdev_com } from "../dev/com.ts";
import { rumpdev_ld } from "../dev/ld_component.ts";
import { rumpdev_pci } from "../dev/pci_component.ts";
import { rumpdev_vioif } from "../dev/vioif_component.ts";
import type { Image } from "../kernel/syscall/image.ts";
import { rumpnet, rumpnet_net, rumpnet_netinet } from "../net/netinet_init.ts";
import { wasmApp, type WasmProgram } from "../wasm/loader.ts";

/** 2024-01-01T00:00:00Z: the mtime of the root tree's files. */
const MTIME = 1704067200;

const enc = new TextEncoder();
const ETC: Record<string, string> = {
  "etc/hosts": "127.0.0.1\tlocalhost\n10.0.2.2\tgateway.rumpsim\n10.0.2.15\tposix.rumpsim posix\n",
  "etc/passwd": "root:*:0:0:Charlie &:/root:/bin/sh\n",
  "etc/group": "wheel:*:0:root\n",
  "etc/services": "http\t\t80/tcp\nhttps\t\t443/tcp\ndomain\t\t53/udp\n",
};

/** The user network's DNS (slirp/plan.ts USER_NET.dns). */
const RESOLV_CONF = "nameserver 10.0.2.3\n";

function rootTree(network: boolean): UstarEntry[] {
  const etc = network ? { ...ETC, "etc/resolv.conf": RESOLV_CONF } : ETC;
  return [
    { path: "etc", type: "dir", mode: 0o755, mtimeSec: MTIME },
    { path: "tmp", type: "dir", mode: 0o1777, mtimeSec: MTIME },
    { path: "root", type: "dir", mode: 0o755, mtimeSec: MTIME },
    ...Object.entries(etc).map(([path, text]): UstarEntry => ({
      path,
      type: "file",
      mode: 0o644,
      mtimeSec: MTIME,
      data: enc.encode(text),
    })),
  ];
}

export interface PosixOptions {
  /** Arguments after argv[0]. */
  args?: string[];
  /** Give the machine a NIC on the user network's plan (10.0.2.15/24, gateway 10.0.2.2). */
  network?: boolean;
  env?: Record<string, string>;
  /** Names the user network's DNS answers (the config's `hosts`), beside its defaults. */
  hosts?: Record<string, string>;
}

/** The POSIX image running `prog`. */
export function posixImage(prog: WasmProgram, opts: PosixOptions = {}): Image {
  const net = opts.network
    ? [rumpdev_vioif, rumpnet, rumpnet_net, rumpnet_netinet]
    : [rumpnet, rumpnet_net, rumpnet_netinet];
  return {
    name: "posix",
    description: `the WebAssembly program ${prog.name} on the kernel's system calls`,
    components: [
      rumpdev_pci,
      rumpdev_com,
      ...net,
      rumpvfs,
      rumpfs_tmpfs,
      rumpfs_kernfs,
      rumpfs_devfs,
      rumpfs_cookfs,
      rumpdev_ld,
      rumpfs_ext2fs,
    ],
    apps: [{ app: wasmApp(prog), argv: opts.args ?? [] }],
    config: {
      hostname: "posix",
      env: { HOME: "/root", PATH: "/bin", ...opts.env },
      net: opts.network
        ? [{
          if: "vioif0",
          method: "static",
          addr: "10.0.2.15",
          mask: "255.255.255.0",
          gw: "10.0.2.2",
        }]
        : undefined,
      hosts: opts.network
        ? { "gateway.rumpsim": "10.0.2.2", "posix.rumpsim": "10.0.2.15", ...opts.hosts }
        : undefined,
    },
    root: packUstar(rootTree(opts.network ?? false)),
  };
}
