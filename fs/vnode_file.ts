/**
 * vnode_file.ts — open files on vnodes: the FileOps of a KFile whose data is a Vnode
 * (NetBSD's vnops in vfs_vnops.c), and vattr-to-stat conversion.
 *
 * Rules: the file holds one reference on its vnode, dropped at close. Reads and writes
 * without an offset use and advance the file offset; O_APPEND writes always go to the end.
 * A directory's offset is the readdir cookie; getdents returns one batch per call and an
 * empty batch at the end. Seeking to a negative offset is EINVAL. Regular files and
 * directories are always ready for poll.
 */
import { EBADF, EINVAL, EISDIR, ENOTDIR, Errno } from "../kernel/kern/errno.ts";
import {
  type Dirent,
  O_ACCMODE,
  O_APPEND,
  O_RDONLY,
  O_WRONLY,
  POLLIN,
  POLLOUT,
  POLLRDNORM,
  POLLWRNORM,
  SEEK_CUR,
  SEEK_END,
  SEEK_SET,
  type Stat,
} from "../kernel/syscall/api.ts";
import { type FileOps, KFile } from "../kernel/syscall/file.ts";
import { type VAttr, VDIR, type Vnode, VREG, vrele, vtypeToIfmt, type Wait } from "./vnode.ts";

/** How many entries one getdents call returns at most. */
export const GETDENTS_BATCH = 64;

/** struct stat from a vnode's attributes. */
export function vattrToStat(va: VAttr, vp: Vnode): Stat {
  return {
    dev: vp.mount.fsid,
    ino: va.fileid,
    mode: vtypeToIfmt(va.type) | (va.mode & 0o7777),
    nlink: va.nlink,
    uid: va.uid,
    gid: va.gid,
    rdev: va.rdev,
    size: va.size,
    blksize: va.blocksize,
    blocks: Math.ceil(va.bytes / 512),
    atime: { ...va.atime },
    mtime: { ...va.mtime },
    ctime: { ...va.ctime },
    birthtime: { ...va.birthtime },
  };
}

/** The vnode behind a vnode file. */
export function fileVnode(fp: KFile): Vnode {
  return fp.data as Vnode;
}

function canRead(fp: KFile): boolean {
  return (fp.flags & O_ACCMODE) !== O_WRONLY;
}
function canWrite(fp: KFile): boolean {
  return (fp.flags & O_ACCMODE) !== O_RDONLY;
}

export const vnodeFileOps: FileOps = {
  kind: "vnode",

  *read(fp: KFile, buf: Uint8Array, off?: number): Wait<number> {
    if (!canRead(fp)) throw new Errno(EBADF, "the file is not open for reading");
    const vp = fileVnode(fp);
    if (vp.type === VDIR) throw new Errno(EISDIR, "read of a directory");
    if (off !== undefined && off < 0) throw new Errno(EINVAL, "negative offset");
    const at = off ?? fp.offset;
    const n = yield* vp.ops.read(vp, buf, at);
    if (off === undefined) fp.offset = at + n;
    return n;
  },

  *write(fp: KFile, buf: Uint8Array, off?: number): Wait<number> {
    if (!canWrite(fp)) throw new Errno(EBADF, "the file is not open for writing");
    const vp = fileVnode(fp);
    if (off !== undefined && off < 0) throw new Errno(EINVAL, "negative offset");
    let at = off ?? fp.offset;
    if (fp.flags & O_APPEND) at = (yield* vp.ops.getattr(vp)).size;
    const n = yield* vp.ops.write(vp, buf, at);
    if (off === undefined) fp.offset = at + n;
    return n;
  },

  poll(_fp: KFile, events: number): number {
    return events & (POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM);
  },

  *stat(fp: KFile): Wait<Stat> {
    const vp = fileVnode(fp);
    return vattrToStat(yield* vp.ops.getattr(vp), vp);
  },

  *close(fp: KFile): Wait {
    yield* vrele(fileVnode(fp));
  },

  *seek(fp: KFile, off: number, whence: number): Wait<number> {
    const vp = fileVnode(fp);
    let base: number;
    if (whence === SEEK_SET) base = 0;
    else if (whence === SEEK_CUR) base = fp.offset;
    else if (whence === SEEK_END) base = (yield* vp.ops.getattr(vp)).size;
    else throw new Errno(EINVAL, `bad whence ${whence}`);
    const to = base + off;
    if (!Number.isSafeInteger(to) || to < 0) throw new Errno(EINVAL, "negative offset");
    fp.offset = to;
    return to;
  },

  *truncate(fp: KFile, len: number): Wait {
    const vp = fileVnode(fp);
    if (!canWrite(fp)) throw new Errno(EINVAL, "the file is not open for writing");
    if (vp.type !== VREG) throw new Errno(EINVAL, "not a regular file");
    if (len < 0 || !Number.isSafeInteger(len)) throw new Errno(EINVAL, "negative length");
    yield* vp.ops.truncate(vp, len);
  },

  *fsync(fp: KFile): Wait {
    const vp = fileVnode(fp);
    yield* vp.ops.fsync(vp);
  },

  *getdents(fp: KFile): Wait<Dirent[]> {
    const vp = fileVnode(fp);
    if (vp.type !== VDIR) throw new Errno(ENOTDIR, "getdents on a non-directory");
    if (!canRead(fp)) throw new Errno(EBADF, "the directory is not open for reading");
    const batch = yield* vp.ops.readdir(vp, fp.offset, GETDENTS_BATCH);
    fp.offset = batch.next;
    return batch.entries.map((e) => ({ ino: e.ino, name: e.name, type: e.type }));
  },
};

/** A new open file on `vp` (taking over the caller's reference). */
export function vnodeFile(vp: Vnode, flags: number): KFile {
  return new KFile(vnodeFileOps, flags, vp);
}
