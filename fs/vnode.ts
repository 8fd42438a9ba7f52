/**
 * vnode.ts — vnodes: the VFS's handle on one file of one mounted file system (NetBSD's
 * struct vnode, vnode_if), the vnode operations every file system implements, and VAttr.
 *
 * Rules:
 * - A vnode is made by its file system (`new Vnode(mp, type, ops, data)`) with one
 *   reference, which the caller owns. `vref` adds a reference; `vrele` drops one. When the
 *   last reference goes, the VFS calls `ops.inactive`; if that answers true (and nobody took
 *   a new reference meanwhile) it calls `ops.reclaim` and the vnode is dead. A file system
 *   that keeps a vnode cache returns the cached vnode with `vref` (a cached vnode may have
 *   no references) and forgets it in `reclaim`, before `reclaim` first waits. An unlinked
 *   file's storage is freed at reclaim (so an open, unlinked file stays readable).
 * - Operations that may do I/O are generators (`Wait<T>`); failures throw `Errno`.
 * - The VFS has done the generic checks before it calls an operation: the name is a valid
 *   component (not "", ".", "/", at most NAME_MAX bytes; ".." only for lookup), the
 *   directory is a directory, permissions, read-only mounts, types for rename/rmdir/remove.
 *   A file system checks only what it alone knows (EEXIST, ENOENT, ENOTEMPTY, ENOSPC,
 *   EMLINK, EFBIG).
 * - `lookup` of ".." returns the parent directory; the VFS never asks a file system's root
 *   for ".." (it handles mount crossing itself). Every returned vnode is referenced.
 * - The VFS does not lock vnodes. A file system whose operations may wait serializes its
 *   own metadata updates (one lock per volume is enough); the VFS serializes renames.
 */
import type { Blocking } from "../kernel/hypercall/rumpuser.ts";
import type { Timespec } from "../kernel/syscall/api.ts";
import { EBADF, Errno } from "../kernel/kern/errno.ts";
import type { Mount } from "./mount.ts";

/** A call that may wait; use it with `yield*`. */
export type Wait<T = void> = Blocking<T>;

/** Vnode types (NetBSD's enum vtype). */
export const VNON = 0;
export const VREG = 1;
export const VDIR = 2;
export const VBLK = 3;
export const VCHR = 4;
export const VLNK = 5;
export const VSOCK = 6;
export const VFIFO = 7;
export type VType = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** Longest path (PATH_MAX, counting the terminating NUL) and component (NAME_MAX), in bytes. */
export const MAXPATHLEN = 1024;
export const NAME_MAX = 255;
/** Most symbolic links one lookup follows (MAXSYMLINKS). */
export const MAXSYMLINKS = 32;

/** File attributes (struct vattr). `mode` holds the permission bits only (07777). */
export interface VAttr {
  type: VType;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  /** The inode number. */
  fileid: number;
  size: number;
  /** Preferred I/O size. */
  blocksize: number;
  /** Bytes of storage the file uses. */
  bytes: number;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
  birthtime: Timespec;
  rdev: number;
}

/** What setattr may change; absent fields stay as they are. Sizes change through truncate. */
export interface VAttrSet {
  mode?: number;
  uid?: number;
  gid?: number;
  atime?: Timespec;
  mtime?: Timespec;
}

/** The attributes of a new file: permission bits (umask applied) and owner. */
export interface VNewAttr {
  mode: number;
  uid: number;
  gid: number;
}

/** One directory entry as readdir returns it; `type` is a DT_* value (api.ts Dirent). */
export interface VDirent {
  ino: number;
  name: string;
  type: number;
}

/** A batch of directory entries; `entries` is empty at the end, `next` the cookie after. */
export interface VDirBatch {
  entries: VDirent[];
  next: number;
}

/** The vnode operations (vnode_if.src), one table per file system and vnode kind. */
export interface VnodeOps {
  /** The entry `name` of directory `dvp` (".." allowed); ENOENT if absent. */
  lookup(dvp: Vnode, name: string): Wait<Vnode>;
  /** Makes a regular file; EEXIST if `name` exists. */
  create(dvp: Vnode, name: string, va: VNewAttr): Wait<Vnode>;
  /** Makes a directory with "." and ".."; EEXIST if `name` exists. */
  mkdir(dvp: Vnode, name: string, va: VNewAttr): Wait<Vnode>;
  /** Makes a symbolic link to `target`; EEXIST if `name` exists. */
  symlink(dvp: Vnode, name: string, va: VNewAttr, target: string): Wait<Vnode>;
  /** Adds `name` in `dvp` for the non-directory `vp` (same mount); EEXIST, EMLINK. */
  link(dvp: Vnode, name: string, vp: Vnode): Wait;
  /** Removes the entry `name` (naming the non-directory `vp`) from `dvp`. */
  remove(dvp: Vnode, name: string, vp: Vnode): Wait;
  /** Removes the empty directory `vp` named `name` from `dvp`; ENOTEMPTY. */
  rmdir(dvp: Vnode, name: string, vp: Vnode): Wait;
  /**
   * Moves `fvp` (entry `fname` of `fdvp`) to `tname` in `tdvp`, atomically replacing `tvp`
   * when not null. The VFS has checked: one mount, matching types, `tvp` is not `fvp`,
   * a directory is not moved under itself. The file system checks that a directory `tvp`
   * is empty (ENOTEMPTY), and fixes a moved directory's ".." and the link counts.
   */
  rename(
    fdvp: Vnode,
    fname: string,
    fvp: Vnode,
    tdvp: Vnode,
    tname: string,
    tvp: Vnode | null,
  ): Wait;
  /** The target of a symbolic link. */
  readlink(vp: Vnode): Wait<string>;
  /** Reads at byte offset `off` into `buf`; returns bytes read (0 at or past the end). */
  read(vp: Vnode, buf: Uint8Array, off: number): Wait<number>;
  /** Writes `buf` at `off`, extending the file; returns bytes written; ENOSPC, EFBIG. */
  write(vp: Vnode, buf: Uint8Array, off: number): Wait<number>;
  getattr(vp: Vnode): Wait<VAttr>;
  /** Changes mode, owner or times; also sets ctime. */
  setattr(vp: Vnode, va: VAttrSet): Wait;
  /** Sets a regular file's size, zero-filling when it grows. */
  truncate(vp: Vnode, length: number): Wait;
  /** Entries from cookie `off` (0 is the start, "." and ".." first), at most `max` of them. */
  readdir(vp: Vnode, off: number, max: number): Wait<VDirBatch>;
  /** Makes the file's data and attributes durable. */
  fsync(vp: Vnode): Wait;
  /** The last reference is gone. Answers true to have the vnode reclaimed now. */
  inactive(vp: Vnode): Wait<boolean>;
  /** Forgets the vnode (and frees the file's storage if it has no links left). */
  reclaim(vp: Vnode): Wait;
}

let nextVnodeId = 1;

/** One file as the VFS sees it. */
export class Vnode {
  /** References (v_usecount). */
  usecount = 1;
  /** The mount covering this directory, if one is mounted here (v_mountedhere). */
  mountedHere: Mount | null = null;
  /** Reclaimed, or revoked by a forced unmount: every operation fails. */
  dead = false;
  /** A number for debugging and stable ordering. */
  readonly id = nextVnodeId++;

  constructor(
    /** The mount this vnode belongs to (v_mount). */
    readonly mount: Mount,
    readonly type: VType,
    public ops: VnodeOps,
    /** The file system's own node (inode, tmpfs node, ...). */
    public data: unknown,
  ) {
    mount.vnodeCreated(this);
  }

  /** True if this vnode is its mount's root (VV_ROOT). */
  get isRoot(): boolean {
    return this.mount.rootVnode === this;
  }
}

/** Adds a reference (vref). A cached vnode with none is made active again. */
export function vref(vp: Vnode): Vnode {
  vp.usecount++;
  return vp;
}

/** Drops a reference (vrele); the last one makes the vnode inactive and maybe reclaimed. */
export function* vrele(vp: Vnode): Wait {
  if (vp.usecount <= 0) throw new Error(`vrele: vnode ${vp.id} has no references`);
  if (--vp.usecount > 0) return;
  if (vp.dead) return;
  const recycle = yield* vp.ops.inactive(vp);
  if (recycle && vp.usecount === 0 && !vp.dead) yield* vgone(vp);
}

/** Reclaims a vnode now and marks it dead (vgone); its operations fail from then on. */
export function* vgone(vp: Vnode): Wait {
  if (vp.dead) return;
  const ops = vp.ops;
  vp.dead = true;
  vp.ops = deadOps;
  vp.mount.vnodeReclaimed(vp);
  yield* ops.reclaim(vp);
}

/** DT_* directory entry type for a vnode type. */
export function vtypeToDt(t: VType): number {
  return [0, 8, 4, 6, 2, 10, 12, 1][t] ?? 0;
}

/** S_IFMT bits for a vnode type. */
export function vtypeToIfmt(t: VType): number {
  return [0, 0o100000, 0o040000, 0o060000, 0o020000, 0o120000, 0o140000, 0o010000][t] ?? 0;
}

/** Vnode type for S_IFMT bits. */
export function ifmtToVtype(mode: number): VType {
  switch (mode & 0o170000) {
    case 0o100000:
      return VREG;
    case 0o040000:
      return VDIR;
    case 0o060000:
      return VBLK;
    case 0o020000:
      return VCHR;
    case 0o120000:
      return VLNK;
    case 0o140000:
      return VSOCK;
    case 0o010000:
      return VFIFO;
  }
  return VNON;
}

function* dead(): Wait<never> {
  yield* [];
  throw new Errno(EBADF, "the file is gone (its file system was unmounted)");
}

/** The operations of a dead vnode (deadfs): every one fails with EBADF. */
export const deadOps: VnodeOps = {
  lookup: dead,
  create: dead,
  mkdir: dead,
  symlink: dead,
  link: dead,
  remove: dead,
  rmdir: dead,
  rename: dead,
  readlink: dead,
  read: dead,
  write: dead,
  getattr: dead,
  setattr: dead,
  truncate: dead,
  readdir: dead,
  fsync: dead,
  *inactive() {
    return false;
  },
  *reclaim() {},
};
