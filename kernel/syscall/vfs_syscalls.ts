/**
 * vfs_syscalls.ts — the file system calls as the syscall layer takes them (NetBSD's
 * vfs_syscalls.c): on a descriptor, lseek, fsync, ftruncate and getdents, done here
 * through the file's ops; on a path (open, stat, mkdir, rename, mount, ...), handed to
 * the VFS faction's half of the same calls (fs/vfs_syscalls.ts) through `sysent(k).vfs`.
 *
 * Rules: without the VFS faction linked, every call on a path is ENOSYS; the calls on a
 * descriptor still work on whatever files exist. A descriptor call holds a reference on
 * the file while it may wait. A file whose ops cannot do the call (not a vnode) is
 * ESPIPE for lseek, EINVAL for fsync and ftruncate (as NetBSD's sys_fsync and
 * sys_ftruncate) and for getdents, where a vnode that is not a directory is ENOTDIR. open takes a descriptor only once the file
 * is open, and checks first that one is free (EMFILE before any work). Mode bits go to
 * the VFS as given: it applies the umask (`proc.umask`), as NetBSD's vn_open does.
 */
import type { Blocking } from "../hypercall/rumpuser.ts";
import { EINVAL, ENOSYS, ENOTDIR, Errno, ESPIPE } from "../kern/errno.ts";
import type { Kernel } from "../kern/kernel.ts";
import {
  type Dirent,
  O_ACCMODE,
  O_RDONLY,
  SEEK_END,
  SEEK_SET,
  type Stat,
  type StatVfs,
  type Sys,
} from "./api.ts";
import { fileRelease } from "./fdtable.ts";
import { checkOffset, checkReadable } from "./file.ts";
import type { Proc } from "./proc.ts";
import { sysent, type VfsSyscalls } from "./systab.ts";

type VfsCalls =
  | "lseek"
  | "fsync"
  | "ftruncate"
  | "getdents"
  | "open"
  | "stat"
  | "lstat"
  | "mkdir"
  | "rmdir"
  | "unlink"
  | "rename"
  | "link"
  | "symlink"
  | "readlink"
  | "truncate"
  | "chmod"
  | "utimes"
  | "chdir"
  | "getcwd"
  | "statvfs"
  | "getmntinfo"
  | "mount"
  | "unmount";

/** The file system calls of `proc` on kernel `k`. */
export function vfsSyscalls(k: Kernel, proc: Proc): Pick<Sys, VfsCalls> {
  const fdt = proc.fd;
  const vfs = (call: string): VfsSyscalls => {
    const v = sysent(k).vfs;
    if (!v) throw new Errno(ENOSYS, call);
    return v;
  };
  return {
    // --- on a descriptor ---
    *lseek(fd, offset, whence) {
      const fp = fdt.hold(fd, "lseek");
      try {
        if (!fp.ops.seek) throw new Errno(ESPIPE, "lseek");
        if (whence < SEEK_SET || whence > SEEK_END || !Number.isInteger(offset)) {
          throw new Errno(EINVAL, "lseek");
        }
        const off = yield* fp.ops.seek(fp, offset, whence);
        fp.offset = off;
        return off;
      } finally {
        yield* fileRelease(fp);
      }
    },
    *fsync(fd) {
      const fp = fdt.hold(fd, "fsync");
      try {
        // NetBSD: fsync of a descriptor that is not a vnode is EINVAL.
        if (!fp.ops.fsync) throw new Errno(EINVAL, "fsync");
        yield* fp.ops.fsync(fp);
      } finally {
        yield* fileRelease(fp);
      }
    },
    *ftruncate(fd, length) {
      const fp = fdt.hold(fd, "ftruncate");
      try {
        // NetBSD's sys_ftruncate: not a vnode, not open for writing, or negative: EINVAL.
        if (!fp.ops.truncate || (fp.flags & O_ACCMODE) === O_RDONLY) {
          throw new Errno(EINVAL, "ftruncate");
        }
        checkOffset(length, "ftruncate");
        yield* fp.ops.truncate(fp, length);
      } finally {
        yield* fileRelease(fp);
      }
    },
    *getdents(fd): Blocking<Dirent[]> {
      const fp = fdt.hold(fd, "getdents");
      try {
        checkReadable(fp, "getdents");
        if (!fp.ops.getdents) {
          throw new Errno(fp.ops.kind === "vnode" ? ENOTDIR : EINVAL, "getdents");
        }
        return yield* fp.ops.getdents(fp);
      } finally {
        yield* fileRelease(fp);
      }
    },

    // --- on a path ---
    *open(path, flags, mode = 0o666) {
      const v = vfs("open");
      fdt.checkFree();
      const fp = yield* v.open(proc, path, flags, mode);
      try {
        return fdt.alloc(fp);
      } catch (e) {
        yield* fileRelease(fp); // another thread took the last descriptor meanwhile
        throw e;
      }
    },
    *stat(path): Blocking<Stat> {
      return yield* vfs("stat").stat(proc, path, true);
    },
    *lstat(path): Blocking<Stat> {
      return yield* vfs("lstat").stat(proc, path, false);
    },
    *mkdir(path, mode = 0o777) {
      yield* vfs("mkdir").mkdir(proc, path, mode);
    },
    *rmdir(path) {
      yield* vfs("rmdir").rmdir(proc, path);
    },
    *unlink(path) {
      yield* vfs("unlink").unlink(proc, path);
    },
    *rename(from, to) {
      yield* vfs("rename").rename(proc, from, to);
    },
    *link(existing, path) {
      yield* vfs("link").link(proc, existing, path);
    },
    *symlink(target, path) {
      yield* vfs("symlink").symlink(proc, target, path);
    },
    *readlink(path) {
      return yield* vfs("readlink").readlink(proc, path);
    },
    *truncate(path, length) {
      checkOffset(length, "truncate");
      yield* vfs("truncate").truncate(proc, path, length);
    },
    *chmod(path, mode) {
      yield* vfs("chmod").chmod(proc, path, mode);
    },
    *utimes(path, atime, mtime) {
      yield* vfs("utimes").utimes(proc, path, atime, mtime);
    },
    *chdir(path) {
      yield* vfs("chdir").chdir(proc, path);
    },
    *getcwd() {
      return yield* vfs("getcwd").getcwd(proc);
    },
    *statvfs(path): Blocking<StatVfs> {
      return yield* vfs("statvfs").statvfs(proc, path);
    },
    *getmntinfo() {
      return yield* vfs("getmntinfo").getmntinfo(proc);
    },
    *mount(fstype, dir, flags, data) {
      yield* vfs("mount").mount(proc, fstype, dir, flags, data);
    },
    *unmount(dir, flags) {
      yield* vfs("unmount").unmount(proc, dir, flags);
    },
  };
}
