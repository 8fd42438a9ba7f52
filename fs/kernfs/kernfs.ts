/**
 * kernfs.ts — the kernel information file system at /kern (NetBSD's kernfs): read-only
 * files whose contents are made from the kernel's state each time they are read.
 *
 * Rules: one directory of fixed files, each a function of the Kernel returning text;
 * a file's size is its text's size at that moment. The mount is always read-only (every
 * change is EROFS). Inode numbers are fixed: 2 for the root, then one per file in table
 * order. Times are the boot time, except `time`, which is now.
 */
// deno-lint-ignore-file require-yield
import { ENOENT, ENOTDIR, EROFS, Errno } from "../../kernel/kern/errno.ts";
import { KERNIDENT, OSRELEASE, OSTYPE } from "../../kernel/kern/init.ts";
import type { Kernel } from "../../kernel/kern/kernel.ts";
import type { Timespec } from "../../kernel/syscall/api.ts";
import { type FsStat, MNT_RDONLY, type Mount, type VfsOps, type VfsType } from "../mount.ts";
import {
  type VAttr,
  VDIR,
  type VDirBatch,
  Vnode,
  type VnodeOps,
  vref,
  VREG,
  vtypeToDt,
  type Wait,
} from "../vnode.ts";

const PAGE_SIZE = 4096;

function ts(ns: number): Timespec {
  const sec = Math.floor(ns / 1e9);
  return { sec, nsec: Math.floor(ns - sec * 1e9) };
}

/** The files of /kern, in directory order, and what each contains. */
export const KERNFS_FILES: readonly { name: string; text: (k: Kernel) => string }[] = [
  { name: "boottime", text: (k) => `${Math.floor(k.boottimeNs / 1e9)}\n` },
  { name: "hostname", text: (k) => `${k.hostname}\n` },
  { name: "msgbuf", text: (k) => k.msgbuf.text() },
  { name: "pagesize", text: () => `${PAGE_SIZE}\n` },
  { name: "physmem", text: (k) => `${Math.floor(k.mem.length / PAGE_SIZE)}\n` },
  {
    name: "time",
    text: (k) => {
      const t = ts(k.walltime());
      return `${t.sec} ${Math.floor(t.nsec / 1000)}\n`;
    },
  },
  {
    name: "uptime",
    text: (k) => {
      const up = ts(k.nanotime());
      return `${up.sec}.${String(Math.floor(up.nsec / 1e7)).padStart(2, "0")}\n`;
    },
  },
  { name: "version", text: () => `${OSTYPE} ${OSRELEASE} (${KERNIDENT}) rumpsim\n` },
];

const KERNFS_ROOT_INO = 2;

/** What a kernfs vnode stands for: the root (index -1) or a file. */
interface KernfsNode {
  ino: number;
  index: number;
}

class KernfsMount {
  readonly vnodes = new Map<number, Vnode>();
  constructor(readonly k: Kernel, readonly mp: Mount) {}

  vget(index: number): Vnode {
    const ino = index < 0 ? KERNFS_ROOT_INO : KERNFS_ROOT_INO + 1 + index;
    const cached = this.vnodes.get(ino);
    if (cached) return vref(cached);
    const vp = new Vnode(this.mp, index < 0 ? VDIR : VREG, kernfsVnodeOps, { ino, index });
    this.vnodes.set(ino, vp);
    return vp;
  }
}

function km(vp: Vnode): KernfsMount {
  return vp.mount.data as KernfsMount;
}
function kn(vp: Vnode): KernfsNode {
  return vp.data as KernfsNode;
}
function content(vp: Vnode): Uint8Array {
  return new TextEncoder().encode(KERNFS_FILES[kn(vp).index].text(km(vp).k));
}

function* readOnly(): Wait<never> {
  throw new Errno(EROFS, "kernfs is read-only");
}

const kernfsVnodeOps: VnodeOps = {
  *lookup(dvp: Vnode, name: string): Wait<Vnode> {
    if (kn(dvp).index >= 0) throw new Errno(ENOTDIR, name);
    if (name === "..") return km(dvp).vget(-1);
    const i = KERNFS_FILES.findIndex((f) => f.name === name);
    if (i < 0) throw new Errno(ENOENT, name);
    return km(dvp).vget(i);
  },
  create: readOnly,
  mkdir: readOnly,
  symlink: readOnly,
  link: readOnly,
  remove: readOnly,
  rmdir: readOnly,
  rename: readOnly,
  setattr: readOnly,
  truncate: readOnly,
  write: readOnly,
  *readlink(): Wait<string> {
    throw new Errno(ENOENT, "kernfs has no symbolic links");
  },
  *read(vp: Vnode, buf: Uint8Array, off: number): Wait<number> {
    const data = content(vp);
    if (off >= data.length) return 0;
    const n = Math.min(buf.length, data.length - off);
    buf.set(data.subarray(off, off + n));
    return n;
  },
  *getattr(vp: Vnode): Wait<VAttr> {
    const k = km(vp).k;
    const node = kn(vp);
    const dir = node.index < 0;
    const size = dir ? (KERNFS_FILES.length + 2) * 16 : content(vp).length;
    const boot = ts(k.boottimeNs);
    const t = !dir && KERNFS_FILES[node.index].name === "time" ? ts(k.walltime()) : boot;
    return {
      type: dir ? VDIR : VREG,
      mode: dir ? 0o555 : 0o444,
      nlink: dir ? 2 : 1,
      uid: 0,
      gid: 0,
      fileid: node.ino,
      size,
      blocksize: PAGE_SIZE,
      bytes: 0,
      atime: { ...t },
      mtime: { ...t },
      ctime: { ...t },
      birthtime: { ...boot },
      rdev: 0,
    };
  },
  *readdir(vp: Vnode, off: number, max: number): Wait<VDirBatch> {
    const all = [
      { ino: KERNFS_ROOT_INO, name: ".", type: vtypeToDt(VDIR) },
      { ino: KERNFS_ROOT_INO, name: "..", type: vtypeToDt(VDIR) },
      ...KERNFS_FILES.map((f, i) => ({
        ino: KERNFS_ROOT_INO + 1 + i,
        name: f.name,
        type: vtypeToDt(VREG),
      })),
    ];
    if (kn(vp).index >= 0) throw new Errno(ENOTDIR, "readdir");
    const entries = all.slice(off, off + max);
    return { entries, next: off + entries.length };
  },
  *fsync(): Wait {},
  *inactive(): Wait<boolean> {
    return true;
  },
  *reclaim(vp: Vnode): Wait {
    const m = km(vp);
    if (m.vnodes.get(kn(vp).ino) === vp) m.vnodes.delete(kn(vp).ino);
  },
};

const kernfsVfsOps: VfsOps = {
  *root(mp: Mount): Wait<Vnode> {
    return (mp.data as KernfsMount).vget(-1);
  },
  *statvfs(): Wait<FsStat> {
    return { bsize: PAGE_SIZE, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0 };
  },
  *sync() {},
  *unmount(mp: Mount): Wait {
    mp.data = null;
  },
};

export const kernfsType: VfsType = {
  name: "kernfs",
  *mount(k: Kernel, mp: Mount): Wait<VfsOps> {
    mp.flags |= MNT_RDONLY;
    mp.fromName = "kernfs";
    mp.data = new KernfsMount(k, mp);
    return kernfsVfsOps;
  },
};
