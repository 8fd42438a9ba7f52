/**
 * volume.ts — Ext2Volume, the ext2 file system's API: by inode number, below any VFS
 * (lookup, readdir, read, write, truncate, create, mkdir, symlink, readlink, link, unlink,
 * rmdir, rename, setattr, statfs, sync, unmount).
 *
 * Rules: every call that may do I/O is a generator (use `yield*`); failures are Errno
 * with NetBSD numbers: ENOENT, EEXIST, ENOTDIR, EISDIR, ENOTEMPTY, ENOSPC, ENAMETOOLONG
 * (a name over 255 bytes), EFBIG, EROFS, EMLINK, EINVAL, EPERM (unlink or link of a
 * directory, as NetBSD's ufs), and EIO for corruption, naming the inode or block; a
 * corrupt file fails only the operations that touch it. Names are strings, stored as
 * UTF-8. Times are seconds since the epoch. Calls must not overlap (one at a time).
 */
import {
  EEXIST,
  EINVAL,
  EIO,
  EISDIR,
  EMLINK,
  ENAMETOOLONG,
  ENOENT,
  ENOTDIR,
  ENOTEMPTY,
  EPERM,
  Errno,
} from "../../kernel/kern/errno.ts";
import type { BlockDevice, Wait } from "../bdev.ts";
import { bmapAlloc } from "./bmap.ts";
import {
  dirAdd,
  dirIsEmpty,
  dirLookup,
  dirRemove,
  dirReplace,
  dirScan,
  EXT2_FT_DIR,
  EXT2_NAME_LEN,
  ftypeOfMode,
  initDirBlock,
} from "./dir.ts";
import { Ext2Fs, type MountOptions } from "./fs.ts";
import {
  readData,
  readSymlinkTarget,
  truncateData,
  writeData,
  writeSymlinkTarget,
} from "./file.ts";
import {
  EXT2_INDEX_FL,
  EXT2_LINK_MAX,
  type Inode,
  isDir,
  isLnk,
  isReg,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_IFSOCK,
} from "./inode.ts";
import { EXT2_ROOT_INO } from "./superblock.ts";

export type { MountOptions } from "./fs.ts";

export type Ext2FileKind = "file" | "dir" | "symlink" | "chr" | "blk" | "fifo" | "sock" | "unknown";

/** What getInode reports (a stat). */
export interface Ext2Stat {
  ino: number;
  kind: Ext2FileKind;
  /** Type and permission bits (S_IFMT | 07777). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  links: number;
  atime: number;
  mtime: number;
  ctime: number;
  /** 512-byte sectors held. */
  blocks: number;
  blockSize: number;
  generation: number;
  flags: number;
  /** Device number of a device node (major << 8 | minor as ext2 stores it), else 0. */
  rdev: number;
}

export interface Ext2Dirent {
  name: string;
  ino: number;
  kind: Ext2FileKind;
}

export interface Ext2Attrs {
  mode?: number;
  uid?: number;
  gid?: number;
  atime?: number;
  mtime?: number;
  size?: number;
}

export interface Ext2Statfs {
  blockSize: number;
  blocks: number;
  bfree: number;
  /** Free blocks an unprivileged user may take (free minus the reserve). */
  bavail: number;
  files: number;
  ffree: number;
  namemax: number;
}

/** Owner of a new file, and a device node's number. */
export interface Ext2NewOpts {
  uid?: number;
  gid?: number;
  rdev?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const FT_KINDS: Ext2FileKind[] = [
  "unknown",
  "file",
  "dir",
  "chr",
  "blk",
  "fifo",
  "sock",
  "symlink",
];

export function kindOfMode(mode: number): Ext2FileKind {
  return FT_KINDS[ftypeOfMode(mode)];
}

function isDotName(name: Uint8Array): boolean {
  return name[0] === 0x2e && (name.length === 1 || (name.length === 2 && name[1] === 0x2e));
}

/** Encodes and checks a single path component. */
function component(name: string): Uint8Array {
  const b = encoder.encode(name);
  if (b.length === 0) throw new Errno(ENOENT, "ext2: empty file name");
  if (b.length > EXT2_NAME_LEN) {
    throw new Errno(ENAMETOOLONG, `ext2: name of ${b.length} bytes is over ${EXT2_NAME_LEN}`);
  }
  if (b.includes(0x2f) || b.includes(0)) {
    throw new Errno(EINVAL, `ext2: name ${JSON.stringify(name)} contains '/' or NUL`);
  }
  return b;
}

export class Ext2Volume {
  /** The root directory's inode number. */
  readonly root = EXT2_ROOT_INO;

  private constructor(private readonly fs: Ext2Fs) {}

  /** Mounts the ext2 file system on `dev`. */
  static *mount(dev: BlockDevice, opts: MountOptions): Wait<Ext2Volume> {
    return new Ext2Volume(yield* Ext2Fs.mount(dev, opts));
  }

  get readOnly(): boolean {
    return this.fs.readOnly;
  }
  /** What the mount noticed but could live with. */
  get warnings(): readonly string[] {
    return this.fs.warnings;
  }
  get blockSize(): number {
    return this.fs.blockSize;
  }

  *getInode(ino: number): Wait<Ext2Stat> {
    const ip = yield* this.fs.iget(ino);
    const dev = (ip.mode & S_IFMT) === S_IFCHR || (ip.mode & S_IFMT) === S_IFBLK;
    return {
      ino,
      kind: kindOfMode(ip.mode),
      mode: ip.mode,
      uid: ip.uid,
      gid: ip.gid,
      size: ip.size,
      links: ip.links,
      atime: ip.atime,
      mtime: ip.mtime,
      ctime: ip.ctime,
      blocks: ip.blocks,
      blockSize: this.fs.blockSize,
      generation: ip.generation,
      flags: ip.flags,
      rdev: dev ? (ip.block[0] || ip.block[1]) : 0,
    };
  }

  /** The inode number `name` names in directory `dirIno`. */
  *lookup(dirIno: number, name: string): Wait<number> {
    const dir = yield* this.dirInode(dirIno);
    const e = yield* dirLookup(this.fs, dir, component(name));
    if (!e) throw new Errno(ENOENT, `ext2: no ${JSON.stringify(name)} in directory ${dirIno}`);
    return e.ino;
  }

  /** Every entry of directory `dirIno`, "." and ".." included, in on-disk order. */
  *readdir(dirIno: number): Wait<Ext2Dirent[]> {
    const dir = yield* this.dirInode(dirIno);
    const raw: { name: string; ino: number; ftype: number }[] = [];
    yield* dirScan(this.fs, dir, (e) => {
      raw.push({ name: decoder.decode(e.name), ino: e.ino, ftype: e.ftype });
    });
    const out: Ext2Dirent[] = [];
    for (const e of raw) {
      let kind = FT_KINDS[e.ftype] ?? "unknown";
      if (kind === "unknown") kind = kindOfMode((yield* this.fs.itable.read(e.ino)).mode);
      out.push({ name: e.name, ino: e.ino, kind });
    }
    return out;
  }

  /** Reads from regular file `ino` at `off`; returns the byte count (0 at the end). */
  *read(ino: number, off: number, buf: Uint8Array): Wait<number> {
    const ip = yield* this.regInode(ino);
    return yield* readData(this.fs, ip, off, buf);
  }

  /** Writes `data` to regular file `ino` at `off`; returns the byte count. */
  *write(ino: number, off: number, data: Uint8Array): Wait<number> {
    this.fs.checkWritable();
    const ip = yield* this.regInode(ino);
    return yield* writeData(this.fs, ip, off, data);
  }

  /** Sets regular file `ino`'s size. */
  *truncate(ino: number, size: number): Wait<void> {
    this.fs.checkWritable();
    const ip = yield* this.regInode(ino);
    yield* truncateData(this.fs, ip, size);
  }

  /** Creates a file (regular unless `mode` has another non-directory type) in `dirIno`. */
  *create(dirIno: number, name: string, mode: number, opts: Ext2NewOpts = {}): Wait<number> {
    let type = mode & S_IFMT;
    if (type === 0) type = S_IFREG;
    if (![S_IFREG, S_IFIFO, S_IFSOCK, S_IFCHR, S_IFBLK].includes(type)) {
      throw new Errno(EINVAL, `ext2: create cannot make file type 0o${type.toString(8)}`);
    }
    return yield* this.makeNode(dirIno, name, type | (mode & 0o7777), opts, function* (fs, ip) {
      if ((type === S_IFCHR || type === S_IFBLK) && opts.rdev) {
        const major = (opts.rdev >>> 8) & 0xfff, minor = opts.rdev & 0xff;
        if (major < 256) ip.block[0] = (major << 8) | minor;
        else ip.block[1] = (minor & 0xff) | (major << 8);
      }
      yield* fs.iput(ip);
    });
  }

  /** Creates directory `name` in `dirIno`. */
  *mkdir(dirIno: number, name: string, mode: number, opts: Ext2NewOpts = {}): Wait<number> {
    return yield* this.makeNode(
      dirIno,
      name,
      S_IFDIR | (mode & 0o7777),
      opts,
      function* (fs, ip, parent) {
        const { pblk } = yield* bmapAlloc(fs, ip, 0, fs.goalFor(ip));
        const bp = yield* fs.cache.getblk(pblk);
        initDirBlock(fs, bp.data, ip.ino, parent.ino);
        fs.cache.bdwrite(bp);
        ip.size = fs.blockSize;
        yield* fs.iput(ip);
      },
    );
  }

  /** Creates symlink `name` → `target` in `dirIno`. */
  *symlink(dirIno: number, name: string, target: string, opts: Ext2NewOpts = {}): Wait<number> {
    const t = encoder.encode(target);
    if (t.length === 0) throw new Errno(ENOENT, "ext2: empty symlink target");
    if (t.length >= this.fs.blockSize) {
      throw new Errno(ENAMETOOLONG, `ext2: symlink target of ${t.length} bytes is too long`);
    }
    return yield* this.makeNode(dirIno, name, S_IFLNK | 0o777, opts, function* (fs, ip) {
      yield* writeSymlinkTarget(fs, ip, t);
    });
  }

  *readlink(ino: number): Wait<string> {
    const ip = yield* this.fs.iget(ino);
    if (!isLnk(ip)) throw new Errno(EINVAL, `ext2: inode ${ino} is not a symlink`);
    return decoder.decode(yield* readSymlinkTarget(this.fs, ip));
  }

  /** Adds hard link `name` in `dirIno` to the non-directory `ino`. */
  *link(dirIno: number, name: string, ino: number): Wait<void> {
    this.fs.checkWritable();
    const dir = yield* this.dirInode(dirIno);
    const n = component(name);
    const ip = yield* this.fs.iget(ino);
    if (isDir(ip)) throw new Errno(EPERM, `ext2: cannot hard-link directory inode ${ino}`);
    if (ip.links >= EXT2_LINK_MAX) throw new Errno(EMLINK, `ext2: inode ${ino} has too many links`);
    if (yield* dirLookup(this.fs, dir, n)) throw new Errno(EEXIST, `ext2: ${name} exists`);
    yield* dirAdd(this.fs, dir, n, ino, ftypeOfMode(ip.mode));
    yield* this.touchDir(dir);
    ip.links++;
    ip.ctime = this.fs.nowSec();
    yield* this.fs.iput(ip);
  }

  /** Removes the non-directory entry `name` from `dirIno`. */
  *unlink(dirIno: number, name: string): Wait<void> {
    this.fs.checkWritable();
    const dir = yield* this.dirInode(dirIno);
    const n = component(name);
    const e = yield* dirLookup(this.fs, dir, n);
    if (!e) throw new Errno(ENOENT, `ext2: no ${JSON.stringify(name)} in directory ${dirIno}`);
    const ip = yield* this.fs.iget(e.ino);
    if (isDir(ip)) throw new Errno(EPERM, `ext2: ${name} is a directory (use rmdir)`);
    yield* dirRemove(this.fs, dir, n);
    yield* this.touchDir(dir);
    yield* this.dropLink(ip);
  }

  /** Removes the empty directory `name` from `dirIno`. */
  *rmdir(dirIno: number, name: string): Wait<void> {
    this.fs.checkWritable();
    const dir = yield* this.dirInode(dirIno);
    const n = component(name);
    if (name === ".") throw new Errno(EINVAL, "ext2: cannot remove '.'");
    if (name === "..") throw new Errno(ENOTEMPTY, "ext2: cannot remove '..'");
    const e = yield* dirLookup(this.fs, dir, n);
    if (!e) throw new Errno(ENOENT, `ext2: no ${JSON.stringify(name)} in directory ${dirIno}`);
    const ip = yield* this.fs.iget(e.ino);
    if (!isDir(ip)) throw new Errno(ENOTDIR, `ext2: ${name} is not a directory`);
    if (!(yield* dirIsEmpty(this.fs, ip))) {
      throw new Errno(ENOTEMPTY, `ext2: directory ${name} is not empty`);
    }
    yield* dirRemove(this.fs, dir, n);
    if (dir.links > 2) dir.links--;
    yield* this.touchDir(dir);
    yield* this.fs.releaseInode(ip);
  }

  /**
   * Renames `srcName` in `srcDir` to `dstName` in `dstDir`, atomically replacing an
   * existing file there (or an empty directory, if the source is a directory).
   */
  *rename(srcDir: number, srcName: string, dstDir: number, dstName: string): Wait<void> {
    const fs = this.fs;
    fs.checkWritable();
    const sn = component(srcName), dn = component(dstName);
    if (isDotName(sn) || isDotName(dn)) {
      throw new Errno(EINVAL, "ext2: cannot rename '.' or '..'");
    }
    const sdir = yield* this.dirInode(srcDir);
    const ddir = srcDir === dstDir ? sdir : yield* this.dirInode(dstDir);
    const se = yield* dirLookup(fs, sdir, sn);
    if (!se) throw new Errno(ENOENT, `ext2: no ${JSON.stringify(srcName)} in directory ${srcDir}`);
    const ip = yield* fs.iget(se.ino);
    const de = yield* dirLookup(fs, ddir, dn);
    if (de && de.ino === ip.ino) return; // both names are links to the same file
    const moving = isDir(ip) && srcDir !== dstDir;
    if (moving) yield* this.checkNotAncestor(ip.ino, dstDir);
    let victim: Inode | null = null;
    if (de) {
      victim = yield* fs.iget(de.ino);
      if (isDir(ip) && !isDir(victim)) {
        throw new Errno(ENOTDIR, `ext2: ${dstName} is not a directory`);
      }
      if (!isDir(ip) && isDir(victim)) throw new Errno(EISDIR, `ext2: ${dstName} is a directory`);
      if (isDir(victim) && !(yield* dirIsEmpty(fs, victim))) {
        throw new Errno(ENOTEMPTY, `ext2: directory ${dstName} is not empty`);
      }
    } else if (moving && ddir.links >= EXT2_LINK_MAX) {
      throw new Errno(EMLINK, `ext2: directory ${dstDir} has too many links`);
    }
    const ftype = ftypeOfMode(ip.mode);
    if (victim) yield* dirReplace(fs, ddir, dn, ip.ino, ftype);
    else yield* dirAdd(fs, ddir, dn, ip.ino, ftype);
    yield* dirRemove(fs, sdir, sn);
    if (moving) {
      yield* dirReplace(fs, ip, new Uint8Array([0x2e, 0x2e]), dstDir, EXT2_FT_DIR);
      if (sdir.links > 2) sdir.links--;
      ddir.links++;
    }
    if (victim && isDir(victim) && ddir.links > 2) ddir.links--; // the victim's ".."
    ip.ctime = fs.nowSec();
    yield* fs.iput(ip);
    yield* this.touchDir(sdir);
    if (ddir !== sdir) yield* this.touchDir(ddir);
    if (victim) {
      if (isDir(victim)) yield* fs.releaseInode(victim);
      else yield* this.dropLink(victim);
    }
  }

  /** Changes attributes; a size change truncates or extends a regular file. */
  *setattr(ino: number, attrs: Ext2Attrs): Wait<void> {
    this.fs.checkWritable();
    if (attrs.size !== undefined) {
      const ip = yield* this.fs.iget(ino);
      if (isDir(ip)) throw new Errno(EISDIR, `ext2: inode ${ino} is a directory`);
      if (!isReg(ip)) throw new Errno(EINVAL, `ext2: inode ${ino} is not a regular file`);
      if (attrs.size !== ip.size) yield* truncateData(this.fs, ip, attrs.size);
    }
    const ip = yield* this.fs.iget(ino);
    if (attrs.mode !== undefined) ip.mode = (ip.mode & S_IFMT) | (attrs.mode & 0o7777);
    if (attrs.uid !== undefined) ip.uid = attrs.uid >>> 0;
    if (attrs.gid !== undefined) ip.gid = attrs.gid >>> 0;
    if (attrs.atime !== undefined) ip.atime = attrs.atime >>> 0;
    if (attrs.mtime !== undefined) ip.mtime = attrs.mtime >>> 0;
    ip.ctime = this.fs.nowSec();
    yield* this.fs.iput(ip);
  }

  /** Space and inode counts (no I/O). */
  statfs(): Ext2Statfs {
    const sb = this.fs.sb;
    return {
      blockSize: sb.blockSize,
      blocks: sb.blocksCount,
      bfree: sb.freeBlocksCount,
      bavail: Math.max(0, sb.freeBlocksCount - sb.rBlocksCount),
      files: sb.inodesCount,
      ffree: sb.freeInodesCount,
      namemax: EXT2_NAME_LEN,
    };
  }

  /** Notes an open reference: an unlinked inode's storage lasts until `release`. */
  hold(ino: number): void {
    this.fs.hold(ino);
  }
  *release(ino: number): Wait<void> {
    yield* this.fs.release(ino);
  }

  /** Writes every change to the device. */
  *sync(): Wait<void> {
    yield* this.fs.sync();
  }

  /** Writes everything out and marks the file system clean; the volume is unusable after. */
  *unmount(): Wait<void> {
    yield* this.fs.unmount();
  }

  // --- helpers ---

  private *dirInode(ino: number): Wait<Inode> {
    const ip = yield* this.fs.iget(ino);
    if (!isDir(ip)) throw new Errno(ENOTDIR, `ext2: inode ${ino} is not a directory`);
    if (ip.links === 0) throw new Errno(ENOENT, `ext2: directory ${ino} was removed`);
    return ip;
  }

  private *regInode(ino: number): Wait<Inode> {
    const ip = yield* this.fs.iget(ino);
    if (isDir(ip)) throw new Errno(EISDIR, `ext2: inode ${ino} is a directory`);
    if (!isReg(ip)) throw new Errno(EINVAL, `ext2: inode ${ino} is not a regular file`);
    return ip;
  }

  /** Marks a directory modified (and drops a stale htree index flag) and writes it. */
  private *touchDir(dir: Inode): Wait<void> {
    dir.mtime = dir.ctime = this.fs.nowSec();
    dir.flags &= ~EXT2_INDEX_FL;
    yield* this.fs.iput(dir);
  }

  /** Drops one link of a non-directory, freeing it with the last. */
  private *dropLink(ip: Inode): Wait<void> {
    ip.links--;
    ip.ctime = this.fs.nowSec();
    if (ip.links === 0) yield* this.fs.releaseInode(ip);
    else yield* this.fs.iput(ip);
  }

  /** EINVAL if directory `ino` is `dirIno` or one of its ancestors. */
  private *checkNotAncestor(ino: number, dirIno: number): Wait<void> {
    let cur = dirIno;
    for (let steps = 0; cur !== EXT2_ROOT_INO; steps++) {
      if (cur === ino) {
        throw new Errno(EINVAL, `ext2: cannot move directory ${ino} into itself`);
      }
      if (steps > this.fs.inodesCount) {
        throw new Errno(EIO, `ext2: directory ${dirIno}'s ".." chain does not reach the root`);
      }
      const dir = yield* this.dirInode(cur);
      const up = yield* dirLookup(this.fs, dir, new Uint8Array([0x2e, 0x2e]));
      if (!up) throw new Errno(EIO, `ext2: directory ${cur} has no ".." entry`);
      cur = up.ino;
    }
  }

  /** The shared steps of create, mkdir and symlink. */
  private *makeNode(
    dirIno: number,
    name: string,
    mode: number,
    opts: Ext2NewOpts,
    fill: (fs: Ext2Fs, ip: Inode, parent: Inode) => Wait<void>,
  ): Wait<number> {
    const fs = this.fs;
    fs.checkWritable();
    const dir = yield* this.dirInode(dirIno);
    const n = component(name);
    if (isDotName(n) || (yield* dirLookup(fs, dir, n))) {
      throw new Errno(EEXIST, `ext2: ${name} exists in directory ${dirIno}`);
    }
    const newDir = (mode & S_IFMT) === S_IFDIR;
    if (newDir && dir.links >= EXT2_LINK_MAX) {
      throw new Errno(EMLINK, `ext2: directory ${dirIno} has too many links`);
    }
    const ip = yield* fs.newInode(dirIno, mode, opts.uid ?? 0, opts.gid ?? 0);
    try {
      yield* fill(fs, ip, dir);
      yield* dirAdd(fs, dir, n, ip.ino, ftypeOfMode(mode));
    } catch (e) {
      // Undo: give back the inode and whatever it got.
      ip.links = 0;
      yield* fs.releaseInode(ip);
      throw e;
    }
    if (newDir) dir.links++;
    yield* this.touchDir(dir);
    return ip.ino;
  }
}
