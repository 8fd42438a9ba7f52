/**
 * vfs_syscalls.ts — the system calls on paths (NetBSD's vfs_syscalls.c): the VfsSyscalls
 * the syscall layer calls for open, stat, mkdir, rename, mount, ...
 *
 * Rules:
 * - Each call looks its paths up with namei from the process's cwd (or the root), does
 *   the generic checks, then asks the file system. Every vnode reference taken is dropped
 *   before the call returns, on success and on failure.
 * - Changes on a MNT_RDONLY mount are EROFS; permission is checked for the process's
 *   credential (root unless `setProcCred` says otherwise): write+search on a directory
 *   to change its entries, read/write on a file to open it so.
 * - NetBSD's choices where POSIX allows several: unlink of a directory is EPERM; open with
 *   O_NOFOLLOW of a symbolic link is EFTYPE; rmdir of "." is EINVAL and of ".." ENOTEMPTY;
 *   rename of "." or ".." is EINVAL; link does not follow a final symbolic link.
 * - Renames are serialized by one lock (vfs_renamelock), which keeps the "not into its
 *   own subtree" check true until the file system has done the move.
 */
import {
  EBUSY,
  EEXIST,
  EFTYPE,
  EINVAL,
  EISDIR,
  ENAMETOOLONG,
  ENOENT,
  ENOTDIR,
  ENOTEMPTY,
  EPERM,
  EROFS,
  Errno,
  EXDEV,
} from "../kernel/kern/errno.ts";
import type { Kernel } from "../kernel/kern/kernel.ts";
import type { KMutex } from "../kernel/kern/sync.ts";
import {
  O_ACCMODE,
  O_APPEND,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_NOFOLLOW,
  O_NONBLOCK,
  O_RDONLY,
  O_TRUNC,
  O_WRONLY,
  type Stat,
  type StatVfs,
  type Timespec,
} from "../kernel/syscall/api.ts";
import type { KFile } from "../kernel/syscall/file.ts";
import type { ProcRef, VfsSyscalls } from "../kernel/syscall/systab.ts";
import { checkAccess, type Cred, rootCred, VREAD, VWRITE } from "./kauth.ts";
import type { Mount } from "./mount.ts";
import {
  lookupDotDot,
  lookupVnode,
  namei,
  type NameiCtx,
  type NameiResult,
  utf8Length,
} from "./namei.ts";
import { vnodePath } from "./vfs_getcwd.ts";
import type { MountTable } from "./vfs_mount.ts";
import { vattrToStat, vnodeFile } from "./vnode_file.ts";
import { MAXPATHLEN, VDIR, VLNK, type Vnode, vref, VREG, vrele, type Wait } from "./vnode.ts";

const ALLPERMS = 0o7777;
const ACCESSPERMS = 0o777;

export class VfsSyscallsImpl implements VfsSyscalls {
  readonly #creds = new WeakMap<ProcRef, Cred>();
  readonly #renameLock: KMutex;

  constructor(readonly k: Kernel, readonly mounts: MountTable) {
    this.#renameLock = k.mutex("vfs_renamelock");
  }

  /** Sets the credential a process's calls run with (root by default). */
  setProcCred(p: ProcRef, cred: Cred): void {
    this.#creds.set(p, cred);
  }

  credOf(p: ProcRef): Cred {
    return this.#creds.get(p) ?? rootCred;
  }

  /** Where `p`'s lookups start. */
  ctx(p: ProcRef): NameiCtx {
    const root = this.mounts.rootVnode;
    return { root, cwd: (p.cwd as Vnode | null) ?? root, cred: this.credOf(p) };
  }

  // --- processes ---

  procInit(p: ProcRef, parent: ProcRef | null): void {
    const cwd = (parent?.cwd as Vnode | null) ?? this.mounts.rootVnode;
    p.cwd = vref(cwd);
    if (parent) {
      const c = this.#creds.get(parent);
      if (c) this.#creds.set(p, c);
    }
  }

  procExit(p: ProcRef): void {
    const cwd = p.cwd as Vnode | null;
    p.cwd = null;
    if (cwd) this.#vreleAsync(cwd);
  }

  /** Drops a reference where the caller cannot wait: the last one is released on a thread. */
  #vreleAsync(vp: Vnode): void {
    if (vp.usecount > 1) {
      vp.usecount--;
      return;
    }
    this.k.threadCreate("vrele", () => vrele(vp));
  }

  // --- helpers ---

  #checkWritable(mp: Mount, what: string): void {
    if (mp.readOnly) throw new Errno(EROFS, what);
  }

  /** Write and search permission on a directory whose entries change. */
  *#checkDirWrite(p: ProcRef, dvp: Vnode, what: string): Wait {
    this.#checkWritable(dvp.mount, what);
    const cred = this.credOf(p);
    if (cred.uid === 0) return;
    checkAccess(yield* dvp.ops.getattr(dvp), VWRITE, cred, what);
  }

  *#release(r: NameiResult): Wait {
    if (r.vp) yield* vrele(r.vp);
    if (r.dvp) yield* vrele(r.dvp);
  }

  #newMode(p: ProcRef, mode: number, mask: number): number {
    return mode & mask & ~p.umask;
  }

  // --- open and stat ---

  *open(p: ProcRef, path: string, flags: number, mode: number): Wait<KFile> {
    const acc = flags & O_ACCMODE;
    if (acc === O_ACCMODE) throw new Errno(EINVAL, "bad access mode");
    const ctx = this.ctx(p);
    const follow = (flags & O_NOFOLLOW) === 0 &&
      (flags & (O_CREAT | O_EXCL)) !== (O_CREAT | O_EXCL);
    let vp: Vnode;
    let created = false;
    if (flags & O_CREAT) {
      const r = yield* namei(ctx, path, { follow, parent: true });
      try {
        if (r.vp === null) {
          if (r.trailingSlash) {
            throw new Errno(EISDIR, `${path}: cannot create a directory with open`);
          }
          yield* this.#checkDirWrite(p, r.dvp!, path);
          const cred = ctx.cred;
          r.vp = yield* r.dvp!.ops.create(r.dvp!, r.name, {
            mode: this.#newMode(p, mode, ALLPERMS),
            uid: cred.uid,
            gid: cred.gid,
          });
          created = true;
        } else if (flags & O_EXCL) throw new Errno(EEXIST, path);
      } catch (e) {
        yield* this.#release(r);
        throw e;
      }
      yield* vrele(r.dvp!);
      vp = r.vp!;
    } else {
      vp = yield* lookupVnode(ctx, path, follow);
    }
    try {
      if (vp.type === VLNK) throw new Errno(EFTYPE, `${path} is a symbolic link (O_NOFOLLOW)`);
      if ((flags & O_DIRECTORY) && vp.type !== VDIR) throw new Errno(ENOTDIR, path);
      const writing = acc !== O_RDONLY || (flags & O_TRUNC) !== 0;
      if (vp.type === VDIR && writing) throw new Errno(EISDIR, path);
      if (writing) this.#checkWritable(vp.mount, path);
      if (!created && ctx.cred.uid !== 0) {
        const need = (acc === O_WRONLY ? 0 : VREAD) | (writing ? VWRITE : 0);
        checkAccess(yield* vp.ops.getattr(vp), need, ctx.cred, path);
      }
      if ((flags & O_TRUNC) && vp.type === VREG && !created) yield* vp.ops.truncate(vp, 0);
    } catch (e) {
      yield* vrele(vp);
      throw e;
    }
    return vnodeFile(vp, flags & (O_ACCMODE | O_NONBLOCK | O_APPEND));
  }

  *stat(p: ProcRef, path: string, follow: boolean): Wait<Stat> {
    const vp = yield* lookupVnode(this.ctx(p), path, follow);
    try {
      return vattrToStat(yield* vp.ops.getattr(vp), vp);
    } finally {
      yield* vrele(vp);
    }
  }

  // --- making and removing names ---

  *mkdir(p: ProcRef, path: string, mode: number): Wait {
    const ctx = this.ctx(p);
    const r = yield* namei(ctx, path, { follow: false, parent: true });
    try {
      if (r.vp) throw new Errno(EEXIST, path);
      yield* this.#checkDirWrite(p, r.dvp!, path);
      const vp = yield* r.dvp!.ops.mkdir(r.dvp!, r.name, {
        mode: this.#newMode(p, mode, ALLPERMS),
        uid: ctx.cred.uid,
        gid: ctx.cred.gid,
      });
      yield* vrele(vp);
    } finally {
      yield* this.#release(r);
    }
  }

  *rmdir(p: ProcRef, path: string): Wait {
    const r = yield* namei(this.ctx(p), path, { follow: false, parent: true });
    try {
      const vp = r.vp;
      if (!vp) throw new Errno(ENOENT, path);
      if (r.name === "." || vp === r.dvp) throw new Errno(EINVAL, `${path}: cannot remove "."`);
      if (r.name === "..") throw new Errno(ENOTEMPTY, path);
      if (vp.type !== VDIR) throw new Errno(ENOTDIR, path);
      if (vp.isRoot || vp.mountedHere) throw new Errno(EBUSY, `${path} is a mount point`);
      yield* this.#checkDirWrite(p, r.dvp!, path);
      yield* r.dvp!.ops.rmdir(r.dvp!, r.name, vp);
    } finally {
      yield* this.#release(r);
    }
  }

  *unlink(p: ProcRef, path: string): Wait {
    const r = yield* namei(this.ctx(p), path, { follow: false, parent: true });
    try {
      const vp = r.vp;
      if (!vp) throw new Errno(ENOENT, path);
      if (vp.type === VDIR) throw new Errno(EPERM, `${path} is a directory`);
      yield* this.#checkDirWrite(p, r.dvp!, path);
      yield* r.dvp!.ops.remove(r.dvp!, r.name, vp);
    } finally {
      yield* this.#release(r);
    }
  }

  *rename(p: ProcRef, from: string, to: string): Wait {
    const ctx = this.ctx(p);
    yield* this.#renameLock.enter();
    let f: NameiResult | null = null;
    let t: NameiResult | null = null;
    try {
      f = yield* namei(ctx, from, { follow: false, parent: true });
      const fvp = f.vp;
      if (!fvp) throw new Errno(ENOENT, from);
      if (f.name === "." || f.name === "..") throw new Errno(EINVAL, `cannot rename ${from}`);
      t = yield* namei(ctx, to, { follow: false, parent: true });
      const tvp = t.vp;
      const tdvp = t.dvp!;
      if (t.name === "." || t.name === "..") throw new Errno(EINVAL, `cannot rename to ${to}`);
      if (fvp.mount !== f.dvp!.mount || tdvp.mount !== fvp.mount) {
        throw new Errno(EXDEV, `${from} and ${to} are on different file systems`);
      }
      if (tvp && tvp.mount !== tdvp.mount) throw new Errno(EBUSY, `${to} is a mount point`);
      if (fvp.type !== VDIR && (f.trailingSlash || t.trailingSlash)) {
        throw new Errno(ENOTDIR, `${from} is not a directory`);
      }
      if (tvp) {
        if (fvp.type === VDIR && tvp.type !== VDIR) throw new Errno(ENOTDIR, to);
        if (fvp.type !== VDIR && tvp.type === VDIR) throw new Errno(EISDIR, to);
        if (tvp.mountedHere) throw new Errno(EBUSY, `${to} is a mount point`);
      }
      this.#checkWritable(fvp.mount, from);
      if (fvp === tvp) return; // two names of one file: nothing to do
      if (fvp.type === VDIR) yield* this.#checkNotAncestor(ctx, fvp, tdvp);
      yield* this.#checkDirWrite(p, f.dvp!, from);
      if (tdvp !== f.dvp) yield* this.#checkDirWrite(p, tdvp, to);
      yield* tdvp.ops.rename(f.dvp!, f.name, fvp, tdvp, t.name, tvp);
    } finally {
      if (t) yield* this.#release(t);
      if (f) yield* this.#release(f);
      this.#renameLock.exit();
    }
  }

  /** EINVAL if directory `dvp` is `fvp` or lies under it (a move into its own subtree). */
  *#checkNotAncestor(ctx: NameiCtx, fvp: Vnode, dvp: Vnode): Wait {
    let cur = vref(dvp);
    try {
      for (;;) {
        if (cur === fvp) throw new Errno(EINVAL, "cannot move a directory into itself");
        if (cur.isRoot || cur === ctx.root) return;
        const up = yield* lookupDotDot(ctx, cur);
        yield* vrele(cur);
        cur = up;
      }
    } finally {
      yield* vrele(cur);
    }
  }

  *link(p: ProcRef, existing: string, path: string): Wait {
    const ctx = this.ctx(p);
    const vp = yield* lookupVnode(ctx, existing, false);
    let r: NameiResult | null = null;
    try {
      if (vp.type === VDIR) throw new Errno(EPERM, `${existing} is a directory`);
      r = yield* namei(ctx, path, { follow: false, parent: true });
      if (r.vp) throw new Errno(EEXIST, path);
      if (r.dvp!.mount !== vp.mount) throw new Errno(EXDEV, `${existing} and ${path}`);
      yield* this.#checkDirWrite(p, r.dvp!, path);
      yield* r.dvp!.ops.link(r.dvp!, r.name, vp);
    } finally {
      if (r) yield* this.#release(r);
      yield* vrele(vp);
    }
  }

  *symlink(p: ProcRef, target: string, path: string): Wait {
    if (utf8Length(target) >= MAXPATHLEN) throw new Errno(ENAMETOOLONG, "symbolic link target");
    const ctx = this.ctx(p);
    const r = yield* namei(ctx, path, { follow: false, parent: true });
    try {
      if (r.vp) throw new Errno(EEXIST, path);
      yield* this.#checkDirWrite(p, r.dvp!, path);
      const vp = yield* r.dvp!.ops.symlink(r.dvp!, r.name, {
        mode: this.#newMode(p, ACCESSPERMS, ACCESSPERMS),
        uid: ctx.cred.uid,
        gid: ctx.cred.gid,
      }, target);
      yield* vrele(vp);
    } finally {
      yield* this.#release(r);
    }
  }

  *readlink(p: ProcRef, path: string): Wait<string> {
    const vp = yield* lookupVnode(this.ctx(p), path, false);
    try {
      if (vp.type !== VLNK) throw new Errno(EINVAL, `${path} is not a symbolic link`);
      return yield* vp.ops.readlink(vp);
    } finally {
      yield* vrele(vp);
    }
  }

  // --- attributes ---

  /** Runs `fn` on the object `path` names (followed), released after. */
  *#withVnode<T>(
    p: ProcRef,
    path: string,
    fn: (this: VfsSyscallsImpl, vp: Vnode, cred: Cred) => Wait<T>,
  ): Wait<T> {
    const ctx = this.ctx(p);
    const vp = yield* lookupVnode(ctx, path, true);
    try {
      return yield* fn.call(this, vp, ctx.cred);
    } finally {
      yield* vrele(vp);
    }
  }

  *truncate(p: ProcRef, path: string, length: number): Wait {
    if (!Number.isSafeInteger(length) || length < 0) throw new Errno(EINVAL, "negative length");
    yield* this.#withVnode(p, path, function* (this: VfsSyscallsImpl, vp, cred) {
      if (vp.type === VDIR) throw new Errno(EISDIR, path);
      if (vp.type !== VREG) throw new Errno(EINVAL, `${path} is not a regular file`);
      this.#checkWritable(vp.mount, path);
      if (cred.uid !== 0) checkAccess(yield* vp.ops.getattr(vp), VWRITE, cred, path);
      yield* vp.ops.truncate(vp, length);
    });
  }

  /** EPERM unless `cred` owns the file or is root. */
  *#checkOwner(vp: Vnode, cred: Cred, path: string): Wait {
    if (cred.uid === 0) return;
    const va = yield* vp.ops.getattr(vp);
    if (va.uid !== cred.uid) throw new Errno(EPERM, `${path} is not yours`);
  }

  *chmod(p: ProcRef, path: string, mode: number): Wait {
    yield* this.#withVnode(p, path, function* (this: VfsSyscallsImpl, vp, cred) {
      this.#checkWritable(vp.mount, path);
      yield* this.#checkOwner(vp, cred, path);
      yield* vp.ops.setattr(vp, { mode: mode & ALLPERMS });
    });
  }

  *utimes(p: ProcRef, path: string, atime: Timespec, mtime: Timespec): Wait {
    for (const t of [atime, mtime]) {
      if (t.nsec < 0 || t.nsec >= 1e9) throw new Errno(EINVAL, "bad nanoseconds");
    }
    yield* this.#withVnode(p, path, function* (this: VfsSyscallsImpl, vp, cred) {
      this.#checkWritable(vp.mount, path);
      yield* this.#checkOwner(vp, cred, path);
      yield* vp.ops.setattr(vp, { atime: { ...atime }, mtime: { ...mtime } });
    });
  }

  // --- the current directory ---

  *chdir(p: ProcRef, path: string): Wait {
    const ctx = this.ctx(p);
    const vp = yield* lookupVnode(ctx, path, true);
    try {
      if (vp.type !== VDIR) throw new Errno(ENOTDIR, path);
      if (ctx.cred.uid !== 0) checkAccess(yield* vp.ops.getattr(vp), 1, ctx.cred, path);
    } catch (e) {
      yield* vrele(vp);
      throw e;
    }
    const old = p.cwd as Vnode | null;
    p.cwd = vp;
    if (old) yield* vrele(old);
  }

  *getcwd(p: ProcRef): Wait<string> {
    const ctx = this.ctx(p);
    if (ctx.cred.uid !== 0) {
      // Reading each ancestor needs read and search permission; checked on the cwd only.
      checkAccess(yield* ctx.cwd.ops.getattr(ctx.cwd), VREAD, ctx.cred, "getcwd");
    }
    return yield* vnodePath(ctx, ctx.cwd);
  }

  // --- mounts ---

  *#statvfsOf(mp: Mount): Wait<StatVfs> {
    const s = yield* mp.ops!.statvfs(mp);
    return {
      fstypename: mp.type.name,
      mntonname: mp.onName,
      mntfromname: mp.fromName,
      bsize: s.bsize,
      blocks: s.blocks,
      bfree: s.bfree,
      bavail: s.bavail,
      files: s.files,
      ffree: s.ffree,
      flag: mp.flags,
    };
  }

  *statvfs(p: ProcRef, path: string): Wait<StatVfs> {
    return yield* this.#withVnode(p, path, function* (this: VfsSyscallsImpl, vp) {
      return yield* this.#statvfsOf(vp.mount);
    });
  }

  *getmntinfo(_p: ProcRef): Wait<StatVfs[]> {
    const out: StatVfs[] = [];
    for (const mp of [...this.mounts.mounts]) out.push(yield* this.#statvfsOf(mp));
    return out;
  }

  *mount(p: ProcRef, fstype: string, dir: string, flags: number, data: unknown): Wait {
    const ctx = this.ctx(p);
    if (ctx.cred.uid !== 0) throw new Errno(EPERM, "only root may mount");
    const vp = yield* lookupVnode(ctx, dir, true);
    let onName: string;
    try {
      if (vp.type !== VDIR) throw new Errno(ENOTDIR, dir);
      onName = yield* vnodePath(ctx, vp);
    } catch (e) {
      yield* vrele(vp);
      throw e;
    }
    yield* this.mounts.mount(fstype, vp, onName, flags, data);
  }

  *unmount(p: ProcRef, dir: string, flags: number): Wait {
    const ctx = this.ctx(p);
    if (ctx.cred.uid !== 0) throw new Errno(EPERM, "only root may unmount");
    const vp = yield* lookupVnode(ctx, dir, true);
    const mp = vp.isRoot ? vp.mount : null;
    yield* vrele(vp);
    if (!mp) throw new Errno(EINVAL, `${dir} is not a mount point`);
    yield* this.mounts.unmount(mp, flags);
  }
}
