/**
 * vfs_mount.ts — the mount table: file-system types by name, mounting and unmounting
 * (NetBSD's vfs_mount.c and the mount list).
 *
 * Rules: the first mount is the root and covers nothing; every later one covers a
 * directory that is not itself a mount root and has nothing mounted on it (EBUSY). An
 * unknown type is ENODEV. Unmount refuses with EBUSY while another mount sits inside the
 * file system or any of its vnodes is in use (open files, a cwd), unless MNT_FORCE, which
 * revokes them (their operations fail from then on). The root is never unmounted (EBUSY).
 * Device numbers (st_dev) are given out in mount order from 1.
 */
import { EBUSY, EINVAL, ENODEV, ENOTDIR, Errno } from "../kernel/kern/errno.ts";
import type { Kernel } from "../kernel/kern/kernel.ts";
import { MNT_FORCE, MNT_RDONLY, Mount, type VfsType } from "./mount.ts";
import { VDIR, vgone, type Vnode, vrele, type Wait } from "./vnode.ts";

/** Flags a mount keeps (the others are requests to the mount call). */
const MNT_VISFLAGMASK = MNT_RDONLY;

export class MountTable {
  readonly types = new Map<string, VfsType>();
  /** Mounted file systems, in mount order (the root first). */
  readonly mounts: Mount[] = [];
  #nextFsid = 1;

  constructor(readonly k: Kernel) {}

  /** The root directory (rootvnode); throws if nothing is mounted yet. */
  get rootVnode(): Vnode {
    const v = this.mounts[0]?.rootVnode;
    if (!v) throw new Error("vfs: no root file system mounted");
    return v;
  }

  /** Registers a file-system type; registering a name twice keeps the first. */
  registerType(t: VfsType): void {
    if (!this.types.has(t.name)) this.types.set(t.name, t);
  }

  #newMount(fstype: string, flags: number): Mount {
    const t = this.types.get(fstype);
    if (!t) throw new Errno(ENODEV, `no file system type "${fstype}"`);
    return new Mount(t, flags & MNT_VISFLAGMASK, this.#nextFsid++);
  }

  /** Mounts the root file system. */
  *mountRoot(fstype: string, flags: number, data: unknown): Wait<Mount> {
    if (this.mounts.length) throw new Errno(EBUSY, "a root file system is mounted already");
    const mp = this.#newMount(fstype, flags);
    mp.onName = "/";
    mp.ops = yield* mp.type.mount(this.k, mp, data);
    mp.rootVnode = yield* mp.ops.root(mp);
    this.mounts.push(mp);
    return mp;
  }

  /**
   * Mounts a new `fstype` on directory `covered`, whose reference the mount takes over
   * (and releases on failure). `onName` is the directory's path.
   */
  *mount(
    fstype: string,
    covered: Vnode,
    onName: string,
    flags: number,
    data: unknown,
  ): Wait<Mount> {
    let mp: Mount;
    try {
      if (covered.type !== VDIR) throw new Errno(ENOTDIR, `mount on ${onName}`);
      if (covered.mountedHere || covered.isRoot) {
        throw new Errno(EBUSY, `${onName} is a mount point already`);
      }
      mp = this.#newMount(fstype, flags);
      mp.onName = onName;
      mp.ops = yield* mp.type.mount(this.k, mp, data);
      mp.rootVnode = yield* mp.ops.root(mp);
    } catch (e) {
      yield* vrele(covered);
      throw e;
    }
    if (covered.mountedHere) {
      // Another mount won the race while this one was being set up.
      yield* this.#teardown(mp, true);
      yield* vrele(covered);
      throw new Errno(EBUSY, `${onName} is a mount point already`);
    }
    mp.covered = covered;
    covered.mountedHere = mp;
    this.mounts.push(mp);
    return mp;
  }

  /** Unmounts `mp` (the caller holds no reference on its vnodes). */
  *unmount(mp: Mount, flags: number): Wait {
    if (!this.mounts.includes(mp)) throw new Errno(EINVAL, "not mounted");
    if (mp === this.mounts[0]) throw new Errno(EBUSY, "the root file system cannot be unmounted");
    if (this.mounts.some((m) => m.covered?.mount === mp)) {
      throw new Errno(EBUSY, `a file system is mounted inside ${mp.onName}`);
    }
    const force = (flags & MNT_FORCE) !== 0;
    const root = mp.rootVnode!;
    const busy = mp.activeVnodes().some((v) => v !== root) || root.usecount > 1;
    if (busy && !force) throw new Errno(EBUSY, `${mp.onName} has files in use`);
    try {
      yield* mp.ops!.sync(mp);
    } catch (e) {
      if (!force) throw e;
    }
    this.mounts.splice(this.mounts.indexOf(mp), 1);
    yield* this.#teardown(mp, force);
    const covered = mp.covered!;
    covered.mountedHere = null;
    mp.covered = null;
    yield* vrele(covered);
  }

  /**
   * Reclaims every vnode but the root (revoking the active ones, reclaiming those the file
   * system keeps cached: vflush), drops the root, and has the file system let go.
   */
  *#teardown(mp: Mount, force: boolean): Wait {
    mp.gone = true;
    const root = mp.rootVnode!;
    for (const v of mp.allVnodes()) if (v !== root) yield* vgone(v);
    if (root.usecount > 1) yield* vgone(root);
    else {
      yield* vrele(root);
      yield* vgone(root);
    }
    yield* mp.ops!.unmount(mp, force);
  }

  /** The mount whose root directory is `vp`, if any. */
  mountOfRoot(vp: Vnode): Mount | null {
    return this.mounts.find((m) => m.rootVnode === vp) ?? null;
  }
}
