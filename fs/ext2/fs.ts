/**
 * fs.ts — a mounted ext2 file system's state and the steps every operation shares:
 * mounting (superblock, features, groups, root), getting and putting inodes, making and
 * releasing inodes, mapping blocks, writing the superblock back, sync and unmount.
 *
 * Rules: the superblock and group descriptors live in memory and are written back
 * through the buffer cache (superblock on sync/unmount and at a read-write mount, which
 * clears s_state's "valid" bit until a clean unmount sets it again). Inodes are read from
 * and written to the inode table on every operation (no inode cache: the buffer cache
 * holds the blocks), so one operation's in-memory copy is the only one. An inode whose
 * last link goes while a holder has it open is kept ("orphan") until released, or until
 * unmount. The file system is not reentrant: the caller runs one operation at a time.
 */
import { EINVAL, EIO, EROFS, Errno } from "../../kernel/kern/errno.ts";
import type { BlockDevice, Wait } from "../bdev.ts";
import { BufCache } from "../bufcache.ts";
import { Allocator } from "./alloc.ts";
import { bmap, bmapAlloc, type BmapContext, truncateBlocks } from "./bmap.ts";
import type { DirIo } from "./dir.ts";
import { Groups } from "./group.ts";
import { type Inode, InodeTable, isDir, isFastSymlink, isLnk, isReg } from "./inode.ts";
import {
  checkFeatures,
  checkSuperblock,
  EXT2_ERROR_FS,
  EXT2_ROOT_INO,
  EXT2_VALID_FS,
  INCOMPAT_FILETYPE,
  SUPERBLOCK_OFFSET,
  SUPERBLOCK_SIZE,
  SuperblockView,
} from "./superblock.ts";

export interface MountOptions {
  /** Mount read-only even if the device and features allow writing. */
  readOnly?: boolean;
  /** Wall-clock time in nanoseconds since the epoch (the clock hypercall's RELWALL). */
  now: () => number;
  /** Buffers the cache keeps (default 256). */
  cacheBlocks?: number;
}

/** Extended attribute block header magic (EXT2_EXT_ATTR_MAGIC). */
const EXT2_XATTR_MAGIC = 0xea020000;

export class Ext2Fs implements BmapContext, DirIo {
  readonly alloc: Allocator;
  readonly itable: InodeTable;
  readonly blockSize: number;
  readonly filetype: boolean;
  readonly inodesCount: number;
  /** Things a mount noticed but could live with (not cleanly unmounted, read-only features). */
  readonly warnings: string[] = [];
  readOnly: boolean;
  mounted = true;
  /** s_state as found at mount; restored at unmount (valid only if it was valid then). */
  private mountState = 0;
  /** Open references per inode (see `hold`). */
  private readonly holds = new Map<number, number>();
  /** Inodes with no links left, kept until their last hold goes. */
  private readonly orphans = new Set<number>();

  private constructor(
    readonly dev: BlockDevice,
    readonly sb: SuperblockView,
    readonly groups: Groups,
    readonly cache: BufCache,
    readonly now: () => number,
    readOnly: boolean,
  ) {
    this.alloc = new Allocator(sb, groups, cache);
    this.itable = new InodeTable(sb, groups, cache);
    this.blockSize = sb.blockSize;
    this.filetype = sb.hasIncompat(INCOMPAT_FILETYPE);
    this.inodesCount = sb.inodesCount;
    this.readOnly = readOnly;
  }

  static *mount(dev: BlockDevice, opts: MountOptions): Wait<Ext2Fs> {
    const devBytes = dev.sectors * dev.sectorSize;
    if (devBytes < SUPERBLOCK_OFFSET + SUPERBLOCK_SIZE) {
      throw new Errno(EIO, `ext2: device of ${devBytes} bytes is too small to hold a superblock`);
    }
    const raw = new Uint8Array(SUPERBLOCK_SIZE);
    yield* dev.read(SUPERBLOCK_OFFSET / dev.sectorSize, raw);
    const sb = new SuperblockView(raw);
    checkSuperblock(sb, devBytes);
    const roFeatures = checkFeatures(sb);
    const cache = new BufCache(dev, sb.blockSize, opts.cacheBlocks ?? 256);
    const groups = new Groups(sb, cache);
    yield* groups.load();
    const readOnly = !!opts.readOnly || dev.readOnly || roFeatures !== "";
    const fs = new Ext2Fs(dev, sb, groups, cache, opts.now, readOnly);
    if (roFeatures) {
      fs.warnings.push(`unsupported read-only-compatible features (${roFeatures}): read-only`);
    }
    if (!(sb.state & EXT2_VALID_FS)) {
      fs.warnings.push("file system was not cleanly unmounted; run e2fsck");
    }
    if (sb.state & EXT2_ERROR_FS) fs.warnings.push("file system has errors; run e2fsck");
    const root = yield* fs.itable.read(EXT2_ROOT_INO);
    if (!isDir(root) || root.links === 0) {
      throw new Errno(
        EIO,
        `ext2: root inode 2 is not a directory (mode 0o${root.mode.toString(8)})`,
      );
    }
    fs.mountState = sb.state;
    if (!readOnly) {
      sb.state = sb.state & ~EXT2_VALID_FS;
      sb.mntCount = sb.mntCount + 1;
      sb.mtime = fs.nowSec();
      yield* fs.writeSuper();
      yield* cache.bflush();
    }
    return fs;
  }

  /** The clock in whole seconds (ext2's resolution); never 0, which means "unset". */
  nowSec(): number {
    return Math.max(1, Math.floor(this.now() / 1e9));
  }

  checkMounted(): void {
    if (!this.mounted) throw new Errno(EIO, "ext2: the volume is unmounted");
  }

  checkWritable(): void {
    this.checkMounted();
    if (this.readOnly) throw new Errno(EROFS, "ext2: the volume is mounted read-only");
  }

  /** Reads inode `ino`, which must be in use (linked, or an orphan still held). */
  *iget(ino: number): Wait<Inode> {
    this.checkMounted();
    const ip = yield* this.itable.read(ino);
    if (ip.links === 0 && !this.orphans.has(ino)) {
      throw new Errno(EIO, `ext2: inode ${ino} is not in use (no links)`);
    }
    if (ip.mode === 0) throw new Errno(EIO, `ext2: inode ${ino} has no file type (mode 0)`);
    return ip;
  }

  *iput(ip: Inode): Wait<void> {
    yield* this.itable.write(ip);
  }

  /** Default goal for a file's blocks: the start of its inode's group. */
  goalFor(ip: Inode): number {
    return this.groups.firstBlock(this.groups.groupOfInode(ip.ino));
  }

  *mapBlock(ip: Inode, lblk: number, alloc: boolean): Wait<number> {
    if (!alloc) return yield* bmap(this, ip, lblk);
    let goal = this.goalFor(ip);
    if (lblk > 0) {
      const prev = yield* bmap(this, ip, lblk - 1);
      if (prev !== 0) goal = prev + 1;
    }
    return (yield* bmapAlloc(this, ip, lblk, goal)).pblk;
  }

  /** Allocates and writes a new inode of `mode` near `parentIno`. */
  *newInode(parentIno: number, mode: number, uid: number, gid: number): Wait<Inode> {
    const dir = (mode & 0o170000) === 0o040000;
    const ino = yield* this.alloc.allocInode(parentIno, dir);
    const old = yield* this.itable.read(ino);
    const t = this.nowSec();
    const ip: Inode = {
      ino,
      mode,
      uid,
      gid,
      size: 0,
      atime: t,
      ctime: t,
      mtime: t,
      dtime: 0,
      links: dir ? 2 : 1,
      blocks: 0,
      flags: 0,
      block: new Array(15).fill(0),
      generation: (old.generation + 1) >>> 0,
      fileAcl: 0,
    };
    yield* this.itable.writeNew(ip);
    return ip;
  }

  /** True if `ip`'s i_block holds block pointers (not a symlink target or device number). */
  hasBlockPointers(ip: Inode): boolean {
    return isReg(ip) || isDir(ip) || (isLnk(ip) && !isFastSymlink(ip, this.blockSize));
  }

  /** Frees an unlinked inode: its blocks, its xattr block reference, then the inode. */
  *releaseInode(ip: Inode): Wait<void> {
    if (this.holds.has(ip.ino)) {
      this.orphans.add(ip.ino);
      ip.links = 0;
      yield* this.iput(ip);
      return;
    }
    this.orphans.delete(ip.ino);
    if (this.hasBlockPointers(ip)) yield* truncateBlocks(this, ip, 0);
    if (ip.fileAcl !== 0) yield* this.dropXattrBlock(ip);
    ip.links = 0;
    ip.size = 0;
    ip.dtime = this.nowSec();
    yield* this.iput(ip);
    yield* this.alloc.freeInode(ip.ino, isDir(ip));
  }

  private *dropXattrBlock(ip: Inode): Wait<void> {
    const b = ip.fileAcl;
    if (b < this.sb.firstDataBlock || b >= this.sb.blocksCount) {
      throw new Errno(EIO, `ext2: inode ${ip.ino}: xattr block ${b} is outside the volume`);
    }
    const bp = yield* this.cache.bread(b);
    const dv = new DataView(bp.data.buffer, bp.data.byteOffset, 8);
    if (dv.getUint32(0, true) !== EXT2_XATTR_MAGIC) {
      this.cache.brelse(bp);
      throw new Errno(EIO, `ext2: inode ${ip.ino}: xattr block ${b} has a bad magic number`);
    }
    const refs = dv.getUint32(4, true);
    if (refs > 1) {
      dv.setUint32(4, refs - 1, true);
      this.cache.bdwrite(bp);
    } else {
      this.cache.brelse(bp);
      yield* this.alloc.freeBlocks([b]);
    }
    ip.blocks = Math.max(0, ip.blocks - this.blockSize / 512);
    ip.fileAcl = 0;
  }

  /** Notes an open reference to `ino`: its storage outlives its last link until `release`. */
  hold(ino: number): void {
    this.holds.set(ino, (this.holds.get(ino) ?? 0) + 1);
  }

  /** Drops a reference from `hold`; frees the inode if it was the last one of an orphan. */
  *release(ino: number): Wait<void> {
    const n = this.holds.get(ino);
    if (n === undefined) throw new Errno(EINVAL, `ext2: inode ${ino} is not held`);
    if (n > 1) {
      this.holds.set(ino, n - 1);
      return;
    }
    this.holds.delete(ino);
    if (this.orphans.has(ino) && !this.readOnly && this.mounted) {
      const ip = yield* this.itable.read(ino);
      yield* this.releaseInode(ip);
    }
  }

  /** Copies the in-memory superblock into its block (delayed write). */
  *writeSuper(): Wait<void> {
    this.sb.wtime = this.nowSec();
    const sbBlock = Math.floor(SUPERBLOCK_OFFSET / this.blockSize);
    const off = SUPERBLOCK_OFFSET % this.blockSize;
    const bp = yield* this.cache.bread(sbBlock);
    bp.data.set(this.sb.bytes.subarray(0, SUPERBLOCK_SIZE), off);
    this.cache.bdwrite(bp);
  }

  *sync(): Wait<void> {
    this.checkMounted();
    if (this.readOnly) return;
    yield* this.writeSuper();
    yield* this.cache.bflush();
  }

  /** Frees orphans, marks the file system clean and writes everything out. */
  *unmount(): Wait<void> {
    this.checkMounted();
    if (!this.readOnly) {
      this.holds.clear();
      for (const ino of [...this.orphans]) {
        const ip = yield* this.itable.read(ino);
        yield* this.releaseInode(ip);
      }
      this.sb.state = this.mountState;
      yield* this.writeSuper();
      yield* this.cache.bflush();
    }
    this.mounted = false;
  }
}
