/**
 * inode.ts — ext2 on-disk inodes: the repr (parse/emit over an inode table slot) and the
 * inode table (finding an inode's slot by number).
 *
 * Rules: `emitInode` writes only the fields this driver knows, over the slot's existing
 * bytes, so extended fields (extra_isize area, xattrs in large inodes) survive; a new
 * inode gets a zeroed slot first (`initInode`). Sizes are 64-bit for regular files
 * (i_size_high, the large_file feature) and 32-bit otherwise; uid/gid are 32-bit (low 16
 * bits in the classic field, high 16 in osd2). Times are seconds since the epoch.
 * Inode numbers start at 1; numbers below s_first_ino are reserved (2 is the root).
 */
import { EINVAL, Errno } from "../../kernel/kern/errno.ts";
import type { Wait } from "../bdev.ts";
import type { BufCache } from "../bufcache.ts";
import type { Groups } from "./group.ts";
import { EXT2_GOOD_OLD_INODE_SIZE, type SuperblockView } from "./superblock.ts";

/** File type bits of i_mode: ext2 uses sys/stat.h's values. */
export {
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_IFSOCK,
} from "../../kernel/syscall/api.ts";
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from "../../kernel/syscall/api.ts";

export const EXT2_NDIR_BLOCKS = 12; // direct pointers in i_block
export const EXT2_IND_BLOCK = 12;
export const EXT2_DIND_BLOCK = 13;
export const EXT2_TIND_BLOCK = 14;
export const EXT2_N_BLOCKS = 15;
/** i_flags: the directory has an htree index (dir_index); cleared when we modify it. */
export const EXT2_INDEX_FL = 0x1000;
/** Most links an inode may have (EXT2_LINK_MAX). */
export const EXT2_LINK_MAX = 32000;

export interface Inode {
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  atime: number;
  ctime: number;
  mtime: number;
  dtime: number;
  links: number;
  /** i_blocks: 512-byte sectors held, data, indirect and xattr blocks together. */
  blocks: number;
  flags: number;
  /** i_block: 12 direct, single, double and triple indirect pointers (or a fast symlink). */
  block: number[];
  generation: number;
  /** i_file_acl: the extended attribute block, 0 if none. */
  fileAcl: number;
}

export function isDir(ip: Inode): boolean {
  return (ip.mode & S_IFMT) === S_IFDIR;
}
export function isReg(ip: Inode): boolean {
  return (ip.mode & S_IFMT) === S_IFREG;
}
export function isLnk(ip: Inode): boolean {
  return (ip.mode & S_IFMT) === S_IFLNK;
}

/** True if i_block holds the target itself (a symlink with no data block of its own). */
export function isFastSymlink(ip: Inode, blockSize: number): boolean {
  const xattrSectors = ip.fileAcl !== 0 ? blockSize / 512 : 0;
  return isLnk(ip) && ip.blocks - xattrSectors === 0;
}

export function parseInode(ino: number, b: Uint8Array): Inode {
  const dv = new DataView(b.buffer, b.byteOffset, EXT2_GOOD_OLD_INODE_SIZE);
  const mode = dv.getUint16(0, true);
  const sizeHigh = (mode & S_IFMT) === S_IFREG ? dv.getUint32(108, true) : 0;
  const block: number[] = [];
  for (let i = 0; i < EXT2_N_BLOCKS; i++) block.push(dv.getUint32(40 + 4 * i, true));
  return {
    ino,
    mode,
    uid: (dv.getUint16(2, true) | (dv.getUint16(120, true) << 16)) >>> 0,
    size: dv.getUint32(4, true) + sizeHigh * 2 ** 32,
    atime: dv.getUint32(8, true),
    ctime: dv.getUint32(12, true),
    mtime: dv.getUint32(16, true),
    dtime: dv.getUint32(20, true),
    gid: (dv.getUint16(24, true) | (dv.getUint16(122, true) << 16)) >>> 0,
    links: dv.getUint16(26, true),
    blocks: dv.getUint32(28, true),
    flags: dv.getUint32(32, true),
    block,
    generation: dv.getUint32(100, true),
    fileAcl: dv.getUint32(104, true),
  };
}

export function emitInode(ip: Inode, b: Uint8Array): void {
  const dv = new DataView(b.buffer, b.byteOffset, EXT2_GOOD_OLD_INODE_SIZE);
  dv.setUint16(0, ip.mode, true);
  dv.setUint16(2, ip.uid & 0xffff, true);
  dv.setUint32(4, ip.size % 2 ** 32, true);
  dv.setUint32(8, ip.atime >>> 0, true);
  dv.setUint32(12, ip.ctime >>> 0, true);
  dv.setUint32(16, ip.mtime >>> 0, true);
  dv.setUint32(20, ip.dtime >>> 0, true);
  dv.setUint16(24, ip.gid & 0xffff, true);
  dv.setUint16(26, ip.links, true);
  dv.setUint32(28, ip.blocks, true);
  dv.setUint32(32, ip.flags >>> 0, true);
  for (let i = 0; i < EXT2_N_BLOCKS; i++) dv.setUint32(40 + 4 * i, ip.block[i] >>> 0, true);
  dv.setUint32(100, ip.generation >>> 0, true);
  dv.setUint32(104, ip.fileAcl, true);
  // i_size_high for regular files; i_dir_acl (0) for everything else.
  dv.setUint32(108, (ip.mode & S_IFMT) === S_IFREG ? Math.floor(ip.size / 2 ** 32) : 0, true);
  dv.setUint16(120, ip.uid >>> 16, true);
  dv.setUint16(122, ip.gid >>> 16, true);
}

/** Zeroes a slot for a new inode, setting i_extra_isize in large inodes. */
export function initInodeSlot(b: Uint8Array, extraIsize: number): void {
  b.fill(0);
  if (b.length > EXT2_GOOD_OLD_INODE_SIZE) {
    new DataView(b.buffer, b.byteOffset, b.length).setUint16(128, extraIsize, true);
  }
}

/** Reads and writes inodes in the groups' inode tables through the buffer cache. */
export class InodeTable {
  constructor(
    readonly sb: SuperblockView,
    readonly groups: Groups,
    readonly cache: BufCache,
  ) {}

  /** i_extra_isize for new inodes. */
  get extraIsize(): number {
    const room = this.sb.inodeSize - EXT2_GOOD_OLD_INODE_SIZE;
    if (room <= 0) return 0;
    const want = this.sb.wantExtraIsize;
    return want >= 4 && want <= room && want % 4 === 0 ? want : Math.min(32, room);
  }

  /** The block and byte offset of inode `ino`'s slot. */
  locate(ino: number): { blkno: number; off: number } {
    if (!Number.isInteger(ino) || ino < 1 || ino > this.sb.inodesCount) {
      throw new Errno(EINVAL, `ext2: inode ${ino} is out of range 1..${this.sb.inodesCount}`);
    }
    const g = this.groups.groupOfInode(ino);
    const index = (ino - 1) % this.sb.inodesPerGroup;
    const byte = index * this.sb.inodeSize;
    const bs = this.sb.blockSize;
    return {
      blkno: this.groups.descs[g].inodeTable + Math.floor(byte / bs),
      off: byte % bs,
    };
  }

  *read(ino: number): Wait<Inode> {
    const { blkno, off } = this.locate(ino);
    const bp = yield* this.cache.bread(blkno);
    try {
      return parseInode(ino, bp.data.subarray(off, off + this.sb.inodeSize));
    } finally {
      this.cache.brelse(bp);
    }
  }

  *write(ip: Inode): Wait<void> {
    const { blkno, off } = this.locate(ip.ino);
    const bp = yield* this.cache.bread(blkno);
    emitInode(ip, bp.data.subarray(off, off + this.sb.inodeSize));
    this.cache.bdwrite(bp);
  }

  /** Zeroes inode `ino`'s slot and writes `ip` into it (a newly allocated inode). */
  *writeNew(ip: Inode): Wait<void> {
    const { blkno, off } = this.locate(ip.ino);
    const bp = yield* this.cache.bread(blkno);
    const slot = bp.data.subarray(off, off + this.sb.inodeSize);
    initInodeSlot(slot, this.extraIsize);
    emitInode(ip, slot);
    this.cache.bdwrite(bp);
  }
}
