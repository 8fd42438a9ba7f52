/**
 * devfs.ts — a small device file system for /dev: one directory holding the character
 * device nodes of the mem(4) pseudo-devices (kernel/syscall/dev_mem.ts), `null` and
 * `zero`, and the component `rumpfs_devfs` that mounts it at /dev. NetBSD keeps device
 * nodes on an ordinary file system (made by MAKEDEV); a rump kernel's rumpfs and NetBSD's
 * devfs-like ptyfs and kernfs make them on a mount of their own, as this does.
 *
 * Rules: the nodes are VCHR vnodes, mode 0666, owned by root; reads and writes go to the
 * device (the offset is ignored), so `> /dev/null` opens (O_TRUNC does nothing to a
 * device) and discards. The set of nodes is fixed: making, removing or renaming anything
 * is EPERM, changing attributes is EPERM. Inode numbers: 2 for the root, then one per
 * device in table order. Times are the boot time.
 */
// deno-lint-ignore-file require-yield
import { ENOENT, ENOTDIR, EPERM, Errno } from "../../kernel/kern/errno.ts";
import type { RumpComponent } from "../../kernel/kern/component.ts";
import type { Kernel } from "../../kernel/kern/kernel.ts";
import type { Timespec } from "../../kernel/syscall/api.ts";
import { MEM_DEVICES } from "../../kernel/syscall/dev_mem.ts";
import type { FsStat, Mount, VfsOps, VfsType } from "../mount.ts";
import { mountAt, registerFsType } from "../vfs_init.ts";
import {
  type VAttr,
  VCHR,
  VDIR,
  type VDirBatch,
  Vnode,
  type VnodeOps,
  vref,
  vtypeToDt,
  type Wait,
} from "../vnode.ts";

const DEVFS_ROOT_INO = 2;

/** What a devfs vnode stands for: the root (index -1) or a device. */
interface DevfsNode {
  ino: number;
  index: number;
}

class DevfsMount {
  readonly vnodes = new Map<number, Vnode>();
  constructor(readonly k: Kernel, readonly mp: Mount) {}

  vget(index: number): Vnode {
    const ino = index < 0 ? DEVFS_ROOT_INO : DEVFS_ROOT_INO + 1 + index;
    const cached = this.vnodes.get(ino);
    if (cached) return vref(cached);
    const vp = new Vnode(this.mp, index < 0 ? VDIR : VCHR, devfsVnodeOps, { ino, index });
    this.vnodes.set(ino, vp);
    return vp;
  }
}

function dm(vp: Vnode): DevfsMount {
  return vp.mount.data as DevfsMount;
}
function dn(vp: Vnode): DevfsNode {
  return vp.data as DevfsNode;
}

function* fixed(): Wait<never> {
  throw new Errno(EPERM, "devfs has a fixed set of devices");
}

function ts(ns: number): Timespec {
  const sec = Math.floor(ns / 1e9);
  return { sec, nsec: Math.floor(ns - sec * 1e9) };
}

const devfsVnodeOps: VnodeOps = {
  *lookup(dvp: Vnode, name: string): Wait<Vnode> {
    if (dn(dvp).index >= 0) throw new Errno(ENOTDIR, name);
    if (name === "..") return dm(dvp).vget(-1);
    const i = MEM_DEVICES.findIndex((d) => d.name === name);
    if (i < 0) throw new Errno(ENOENT, name);
    return dm(dvp).vget(i);
  },
  create: fixed,
  mkdir: fixed,
  symlink: fixed,
  link: fixed,
  remove: fixed,
  rmdir: fixed,
  rename: fixed,
  setattr: fixed,
  truncate: fixed,
  *readlink(): Wait<string> {
    throw new Errno(ENOENT, "devfs has no symbolic links");
  },
  *read(vp: Vnode, buf: Uint8Array): Wait<number> {
    return MEM_DEVICES[dn(vp).index].read(buf);
  },
  *write(vp: Vnode, buf: Uint8Array): Wait<number> {
    return MEM_DEVICES[dn(vp).index].write(buf);
  },
  *getattr(vp: Vnode): Wait<VAttr> {
    const node = dn(vp);
    const dir = node.index < 0;
    const boot = ts(dm(vp).k.boottimeNs);
    return {
      type: dir ? VDIR : VCHR,
      mode: dir ? 0o555 : 0o666,
      nlink: dir ? 2 : 1,
      uid: 0,
      gid: 0,
      fileid: node.ino,
      size: dir ? (MEM_DEVICES.length + 2) * 16 : 0,
      blocksize: 4096,
      bytes: 0,
      atime: { ...boot },
      mtime: { ...boot },
      ctime: { ...boot },
      birthtime: { ...boot },
      rdev: dir ? 0 : MEM_DEVICES[node.index].rdev,
    };
  },
  *readdir(vp: Vnode, off: number, max: number): Wait<VDirBatch> {
    if (dn(vp).index >= 0) throw new Errno(ENOTDIR, "readdir");
    const all = [
      { ino: DEVFS_ROOT_INO, name: ".", type: vtypeToDt(VDIR) },
      { ino: DEVFS_ROOT_INO, name: "..", type: vtypeToDt(VDIR) },
      ...MEM_DEVICES.map((d, i) => ({
        ino: DEVFS_ROOT_INO + 1 + i,
        name: d.name,
        type: vtypeToDt(VCHR),
      })),
    ];
    const entries = all.slice(off, off + max);
    return { entries, next: off + entries.length };
  },
  *fsync(): Wait {},
  *inactive(): Wait<boolean> {
    return true;
  },
  *reclaim(vp: Vnode): Wait {
    const m = dm(vp);
    if (m.vnodes.get(dn(vp).ino) === vp) m.vnodes.delete(dn(vp).ino);
  },
};

const devfsVfsOps: VfsOps = {
  *root(mp: Mount): Wait<Vnode> {
    return (mp.data as DevfsMount).vget(-1);
  },
  *statvfs(): Wait<FsStat> {
    return { bsize: 4096, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0 };
  },
  *sync() {},
  *unmount(mp: Mount): Wait {
    mp.data = null;
  },
};

/** The file-system type "devfs". */
export const devfsType: VfsType = {
  name: "devfs",
  *mount(k: Kernel, mp: Mount): Wait<VfsOps> {
    mp.fromName = "devfs";
    mp.data = new DevfsMount(k, mp);
    return devfsVfsOps;
  },
};

/** devfs mounted at /dev. */
export const rumpfs_devfs: RumpComponent = {
  name: "rumpfs_devfs",
  type: "VFS",
  requires: ["rumpvfs"],
  *init(k: Kernel) {
    registerFsType(k, devfsType);
    yield* mountAt(k, "devfs", "/dev", 0, null);
  },
};
