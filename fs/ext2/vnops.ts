/**
 * vnops.ts — ext2 under the VFS: the "ext2" file-system type (vfsops) and its vnode
 * operations, a thin adapter from vnodes to Ext2Volume's inode-number API.
 *
 * Rules: mount options are `{ dev: BlockDevice, readOnly?, cacheBlocks? }` or, as rumprun's
 * config step passes them, `{ source: "ld0", readonly? }` naming a device in the kernel's
 * block-device table (kernel/kern/bdevsw.ts); a name not there is ENXIO. The volume is
 * mounted read-only (and the mount marked MNT_RDONLY) when asked, when the device is, or
 * when the file system has features only readable here. One KMutex per volume serializes
 * every operation (the volume is not reentrant and its I/O may wait); nothing here drops
 * a vnode reference while holding it. A vnode exists per inode while referenced (a map
 * per mount gives the same vnode to every lookup) and is recycled as soon as it is
 * unreferenced; while it exists the volume holds the inode, so an unlinked open file
 * keeps its storage until reclaim. Times are whole seconds (ext2's resolution).
 */
import { blockDeviceNames, lookupBlockDevice } from "../../kernel/kern/bdevsw.ts";
import { EINVAL, ENXIO, Errno } from "../../kernel/kern/errno.ts";
import type { Kernel } from "../../kernel/kern/kernel.ts";
import { KMutex } from "../../kernel/kern/sync.ts";
import type { BlockDevice } from "../bdev.ts";
import { type FsStat, MNT_RDONLY, type Mount, type VfsOps, type VfsType } from "../mount.ts";
import {
  ifmtToVtype,
  type VAttr,
  type VAttrSet,
  type VDirBatch,
  type VNewAttr,
  Vnode,
  type VnodeOps,
  vref,
  type Wait,
} from "../vnode.ts";
import { S_IFDIR, S_IFREG } from "./inode.ts";
import { type Ext2FileKind, Ext2Volume } from "./volume.ts";

export interface Ext2MountArgs {
  dev: BlockDevice;
  readOnly?: boolean;
  cacheBlocks?: number;
}

/** Mount options by device name (an image config's BlkConfig is one). */
export interface Ext2SourceArgs {
  source: string;
  readonly?: boolean;
  readOnly?: boolean;
  cacheBlocks?: number;
}

/** The device and options `data` names; throws EINVAL or ENXIO with a clear message. */
function mountArgs(k: Kernel, data: unknown): Ext2MountArgs {
  const a = data as Partial<Ext2MountArgs & Ext2SourceArgs> | null;
  if (a && typeof a === "object" && a.dev) return a as Ext2MountArgs;
  if (a && typeof a === "object" && typeof a.source === "string") {
    const dev = lookupBlockDevice(k, a.source);
    if (!dev) {
      const known = blockDeviceNames(k);
      throw new Errno(
        ENXIO,
        `ext2: no block device "${a.source}" (${
          known.length ? `devices: ${known.join(", ")}` : "no block devices are attached"
        })`,
      );
    }
    return { dev, readOnly: !!(a.readOnly || a.readonly), cacheBlocks: a.cacheBlocks };
  }
  throw new Errno(EINVAL, "ext2 needs { dev: BlockDevice } or { source: NAME } as mount options");
}

/** One mounted ext2 (the mount's `data`). */
export class Ext2Mount {
  readonly vnodes = new Map<number, Vnode>();
  constructor(readonly mp: Mount, readonly vol: Ext2Volume, readonly lock: KMutex) {}

  /** Runs `body` holding the volume lock. */
  *locked<T>(body: () => Wait<T>): Wait<T> {
    yield* this.lock.enter();
    try {
      return yield* body();
    } finally {
      this.lock.exit();
    }
  }

  /** The vnode of inode `ino`, referenced (made if it has none); call with the lock held. */
  *vget(ino: number): Wait<Vnode> {
    const cached = this.vnodes.get(ino);
    if (cached) return vref(cached);
    const st = yield* this.vol.getInode(ino);
    const vp = new Vnode(this.mp, ifmtToVtype(st.mode), ext2VnodeOps, ino);
    this.vol.hold(ino);
    this.vnodes.set(ino, vp);
    return vp;
  }
}

function em(vp: Vnode): Ext2Mount {
  return vp.mount.data as Ext2Mount;
}
function ino(vp: Vnode): number {
  return vp.data as number;
}

const DT: Record<Ext2FileKind, number> = {
  unknown: 0,
  fifo: 1,
  chr: 2,
  dir: 4,
  blk: 6,
  file: 8,
  symlink: 10,
  sock: 12,
};

export const ext2VnodeOps: VnodeOps = {
  *lookup(dvp: Vnode, name: string): Wait<Vnode> {
    const m = em(dvp);
    return yield* m.locked(function* () {
      return yield* m.vget(yield* m.vol.lookup(ino(dvp), name));
    });
  },
  *create(dvp: Vnode, name: string, va: VNewAttr): Wait<Vnode> {
    const m = em(dvp);
    return yield* m.locked(function* () {
      const opts = { uid: va.uid, gid: va.gid };
      return yield* m.vget(yield* m.vol.create(ino(dvp), name, S_IFREG | (va.mode & 0o7777), opts));
    });
  },
  *mkdir(dvp: Vnode, name: string, va: VNewAttr): Wait<Vnode> {
    const m = em(dvp);
    return yield* m.locked(function* () {
      const opts = { uid: va.uid, gid: va.gid };
      return yield* m.vget(yield* m.vol.mkdir(ino(dvp), name, S_IFDIR | (va.mode & 0o7777), opts));
    });
  },
  *symlink(dvp: Vnode, name: string, va: VNewAttr, target: string): Wait<Vnode> {
    const m = em(dvp);
    return yield* m.locked(function* () {
      return yield* m.vget(yield* m.vol.symlink(ino(dvp), name, target, va));
    });
  },
  *link(dvp: Vnode, name: string, vp: Vnode): Wait {
    const m = em(dvp);
    yield* m.locked(() => m.vol.link(ino(dvp), name, ino(vp)));
  },
  *remove(dvp: Vnode, name: string): Wait {
    const m = em(dvp);
    yield* m.locked(() => m.vol.unlink(ino(dvp), name));
  },
  *rmdir(dvp: Vnode, name: string): Wait {
    const m = em(dvp);
    yield* m.locked(() => m.vol.rmdir(ino(dvp), name));
  },
  *rename(fdvp: Vnode, fname: string, _fvp: Vnode, tdvp: Vnode, tname: string): Wait {
    const m = em(fdvp);
    yield* m.locked(() => m.vol.rename(ino(fdvp), fname, ino(tdvp), tname));
  },
  *readlink(vp: Vnode): Wait<string> {
    const m = em(vp);
    return yield* m.locked(() => m.vol.readlink(ino(vp)));
  },
  *read(vp: Vnode, buf: Uint8Array, off: number): Wait<number> {
    const m = em(vp);
    return yield* m.locked(() => m.vol.read(ino(vp), off, buf));
  },
  *write(vp: Vnode, buf: Uint8Array, off: number): Wait<number> {
    const m = em(vp);
    return yield* m.locked(() => m.vol.write(ino(vp), off, buf));
  },
  *getattr(vp: Vnode): Wait<VAttr> {
    const m = em(vp);
    const st = yield* m.locked(() => m.vol.getInode(ino(vp)));
    const ts = (sec: number) => ({ sec, nsec: 0 });
    return {
      type: ifmtToVtype(st.mode),
      mode: st.mode & 0o7777,
      nlink: st.links,
      uid: st.uid,
      gid: st.gid,
      fileid: st.ino,
      size: st.size,
      blocksize: st.blockSize,
      bytes: st.blocks * 512,
      atime: ts(st.atime),
      mtime: ts(st.mtime),
      ctime: ts(st.ctime),
      birthtime: ts(0),
      rdev: st.rdev,
    };
  },
  *setattr(vp: Vnode, va: VAttrSet): Wait {
    const m = em(vp);
    yield* m.locked(() =>
      m.vol.setattr(ino(vp), {
        mode: va.mode,
        uid: va.uid,
        gid: va.gid,
        atime: va.atime?.sec,
        mtime: va.mtime?.sec,
      })
    );
  },
  *truncate(vp: Vnode, length: number): Wait {
    const m = em(vp);
    yield* m.locked(() => m.vol.truncate(ino(vp), length));
  },
  *readdir(vp: Vnode, off: number, max: number): Wait<VDirBatch> {
    const m = em(vp);
    const all = yield* m.locked(() => m.vol.readdir(ino(vp)));
    const start = Math.max(0, Math.floor(off));
    const entries = all.slice(start, start + Math.max(0, max)).map((e) => ({
      ino: e.ino,
      name: e.name,
      type: DT[e.kind],
    }));
    return { entries, next: start + entries.length };
  },
  *fsync(vp: Vnode): Wait {
    const m = em(vp);
    yield* m.locked(() => m.vol.sync());
  },
  // deno-lint-ignore require-yield
  *inactive(): Wait<boolean> {
    return true;
  },
  *reclaim(vp: Vnode): Wait {
    const m = em(vp);
    if (m.vnodes.get(ino(vp)) === vp) m.vnodes.delete(ino(vp));
    yield* m.locked(() => m.vol.release(ino(vp)));
  },
};

const ext2VfsOps: VfsOps = {
  *root(mp: Mount): Wait<Vnode> {
    const m = mp.data as Ext2Mount;
    return yield* m.locked(() => m.vget(m.vol.root));
  },
  *statvfs(mp: Mount): Wait<FsStat> {
    const m = mp.data as Ext2Mount;
    const s = yield* m.locked(function* () {
      yield* [];
      return m.vol.statfs();
    });
    return {
      bsize: s.blockSize,
      blocks: s.blocks,
      bfree: s.bfree,
      bavail: s.bavail,
      files: s.files,
      ffree: s.ffree,
    };
  },
  *sync(mp: Mount): Wait {
    const m = mp.data as Ext2Mount;
    yield* m.locked(() => m.vol.sync());
  },
  *unmount(mp: Mount): Wait {
    const m = mp.data as Ext2Mount;
    yield* m.locked(() => m.vol.unmount());
    m.lock.destroy();
    mp.data = null;
  },
};

/** The "ext2" file-system type. */
export const ext2Type: VfsType = {
  name: "ext2",
  *mount(k: Kernel, mp: Mount, data: unknown): Wait<VfsOps> {
    const a = mountArgs(k, data);
    const vol = yield* Ext2Volume.mount(a.dev, {
      now: () => k.walltime(),
      readOnly: !!a.readOnly || mp.readOnly,
      cacheBlocks: a.cacheBlocks,
    });
    for (const w of vol.warnings) k.printf(`ext2: ${w}\n`);
    if (vol.readOnly) mp.flags |= MNT_RDONLY;
    mp.data = new Ext2Mount(mp, vol, new KMutex(k.hyp, "ext2vol"));
    const source = (data as Partial<Ext2SourceArgs>).source;
    mp.fromName = typeof source === "string" ? `/dev/${source.replace(/^\/dev\//, "")}` : "ext2";
    return ext2VfsOps;
  },
};
