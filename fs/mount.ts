/**
 * mount.ts — mounts (NetBSD's struct mount and vfsops) and the file-system type registry.
 *
 * Rules: a file system type (`VfsType`) makes one mounted instance per `mount` call and
 * answers with that instance's `VfsOps`. A Mount holds one reference on its root vnode
 * (`rootVnode`) and one on the directory it covers (`covered`, whose `mountedHere` points
 * back); the root mount covers nothing. A Mount knows every vnode it has not reclaimed
 * (mnt_vnodelist), so unmount can refuse with EBUSY while any has references or, when
 * forced, revoke them, and reclaims the ones a file system keeps cached. MNT_RDONLY
 * makes the VFS answer EROFS to every change. The mount table itself (mounting, unmounting,
 * lookups of the root) is `MountTable` in vfs_mount.ts.
 */
import { MNT_FORCE, MNT_RDONLY } from "../kernel/syscall/api.ts";
import type { Kernel } from "../kernel/kern/kernel.ts";
import type { Vnode, Wait } from "./vnode.ts";

export { MNT_FORCE, MNT_RDONLY };

/** Space and file counts of a mounted file system, in `bsize` blocks. */
export interface FsStat {
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
}

/** The operations of one mounted file system (struct vfsops, per instance). */
export interface VfsOps {
  /** The root directory, referenced (the VFS calls it once, at mount). */
  root(mp: Mount): Wait<Vnode>;
  statvfs(mp: Mount): Wait<FsStat>;
  /** Writes everything dirty. */
  sync(mp: Mount): Wait;
  /**
   * Tears the instance down. The VFS has synced, reclaimed every vnode (revoking the
   * active ones when forced, cached ones included) and the root; the file system frees
   * its state.
   */
  unmount(mp: Mount, force: boolean): Wait;
}

/** A file system type, registered by name ("tmpfs", "kernfs", "ext2"). */
export interface VfsType {
  readonly name: string;
  /**
   * Mounts a new instance on `mp` with the type's own options `data` (a size for tmpfs,
   * a device for ext2); may set `mp.flags |= MNT_RDONLY` and `mp.fromName`. Fails with
   * Errno (EINVAL for bad options).
   */
  mount(k: Kernel, mp: Mount, data: unknown): Wait<VfsOps>;
}

/** One mounted file system. */
export class Mount {
  ops: VfsOps | null = null;
  /** The directory this mount covers (vnodecovered); null for the root mount. */
  covered: Vnode | null = null;
  /** The root directory, referenced by the mount while it is mounted. */
  rootVnode: Vnode | null = null;
  /** Where it is mounted ("/", "/tmp") and what from ("tmpfs", "/dev/ld0a"). */
  onName = "";
  fromName: string;
  /** The file system's private state for this instance. */
  data: unknown = null;
  /** Unmounted: no new vnodes may become active. */
  gone = false;
  /** Every vnode of this mount not yet reclaimed, referenced or cached (mnt_vnodelist). */
  readonly #vnodes = new Set<Vnode>();

  constructor(
    readonly type: VfsType,
    /** MNT_* flags. */
    public flags: number,
    /** Device number of this file system (st_dev). */
    readonly fsid: number,
  ) {
    this.fromName = type.name;
  }

  get readOnly(): boolean {
    return (this.flags & MNT_RDONLY) !== 0;
  }

  /** The vnodes that have references now. */
  activeVnodes(): Vnode[] {
    return [...this.#vnodes].filter((v) => v.usecount > 0);
  }

  /** Every vnode not yet reclaimed: the active ones and those a file system keeps cached. */
  allVnodes(): Vnode[] {
    return [...this.#vnodes];
  }

  /** Called by the Vnode constructor. */
  vnodeCreated(vp: Vnode): void {
    this.#vnodes.add(vp);
  }

  /** Called by vgone when a vnode is reclaimed. */
  vnodeReclaimed(vp: Vnode): void {
    this.#vnodes.delete(vp);
  }
}
