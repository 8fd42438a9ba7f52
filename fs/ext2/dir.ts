/**
 * dir.ts — ext2 directories: blocks of variable-length entries chained by rec_len
 * (struct ext2_dir_entry_2: inode u32, rec_len u16, name_len u8, file_type u8, name).
 *
 * Rules: every block is covered exactly by its entries (the last one's rec_len reaches
 * the block's end); an entry with inode 0 is unused space. Adding reuses an unused entry
 * or splits one whose rec_len exceeds what its name needs, else appends a block;
 * removing merges the entry into the previous one in its block (or zeroes its inode if
 * it is first). Every entry read is checked (rec_len at least 8, a multiple of 4, inside
 * the block, room for the name; inode in range) and a bad one is EIO naming the
 * directory inode, block and offset. The file type byte is written only with the
 * filetype feature (without it the byte is the high half of name_len and stays 0).
 */
import { EIO, Errno } from "../../kernel/kern/errno.ts";
import type { Wait } from "../bdev.ts";
import type { Buf, BufCache } from "../bufcache.ts";
import { type Inode, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT } from "./inode.ts";
import { S_IFREG, S_IFSOCK } from "./inode.ts";

/** Directory entry file types (EXT2_FT_*). */
export const EXT2_FT_UNKNOWN = 0;
export const EXT2_FT_REG_FILE = 1;
export const EXT2_FT_DIR = 2;
export const EXT2_FT_CHRDEV = 3;
export const EXT2_FT_BLKDEV = 4;
export const EXT2_FT_FIFO = 5;
export const EXT2_FT_SOCK = 6;
export const EXT2_FT_SYMLINK = 7;

export const EXT2_NAME_LEN = 255;
const DIRENT_HEADER = 8;

/** The entry file type for an i_mode. */
export function ftypeOfMode(mode: number): number {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return EXT2_FT_REG_FILE;
    case S_IFDIR:
      return EXT2_FT_DIR;
    case S_IFCHR:
      return EXT2_FT_CHRDEV;
    case S_IFBLK:
      return EXT2_FT_BLKDEV;
    case S_IFIFO:
      return EXT2_FT_FIFO;
    case S_IFSOCK:
      return EXT2_FT_SOCK;
    case S_IFLNK:
      return EXT2_FT_SYMLINK;
    default:
      return EXT2_FT_UNKNOWN;
  }
}

/** Bytes an entry with an `nameLen`-byte name needs (EXT2_DIR_REC_LEN). */
export function dirRecLen(nameLen: number): number {
  return (DIRENT_HEADER + nameLen + 3) & ~3;
}

/** What dir.ts needs from the volume. */
export interface DirIo {
  readonly cache: BufCache;
  readonly blockSize: number;
  readonly filetype: boolean;
  readonly inodesCount: number;
  /** Volume block of `dir`'s logical block `lblk` (0 for a hole), allocating if `alloc`. */
  mapBlock(dir: Inode, lblk: number, alloc: boolean): Wait<number>;
}

/** One entry as found on disk. */
export interface RawDirent {
  ino: number;
  name: Uint8Array;
  ftype: number;
  lblk: number;
  off: number;
  recLen: number;
}

interface Slot {
  ino: number;
  recLen: number;
  nameLen: number;
}

function readSlot(io: DirIo, dir: Inode, lblk: number, bp: Buf, off: number): Slot {
  const d = bp.data;
  const ino = (d[off] | d[off + 1] << 8 | d[off + 2] << 16 | d[off + 3] << 24) >>> 0;
  const recLen = d[off + 4] | d[off + 5] << 8;
  const nameLen = d[off + 6];
  const bad = (why: string) => {
    throw new Errno(
      EIO,
      `ext2: directory inode ${dir.ino}, block ${bp.blkno} (logical ${lblk}): bad entry at offset ${off}: ${why}`,
    );
  };
  if (recLen < DIRENT_HEADER) bad(`rec_len ${recLen} is less than 8`);
  if (recLen % 4 !== 0) bad(`rec_len ${recLen} is not a multiple of 4`);
  if (off + recLen > io.blockSize) bad(`rec_len ${recLen} runs past the end of the block`);
  if (DIRENT_HEADER + nameLen > recLen) bad(`name_len ${nameLen} does not fit rec_len ${recLen}`);
  if (ino > io.inodesCount) bad(`inode ${ino} is out of range`);
  if (ino !== 0 && nameLen === 0) bad("an entry in use has an empty name");
  return { ino, recLen, nameLen };
}

function writeSlot(
  io: DirIo,
  d: Uint8Array,
  off: number,
  ino: number,
  recLen: number,
  name: Uint8Array,
  ftype: number,
): void {
  d[off] = ino & 0xff;
  d[off + 1] = (ino >>> 8) & 0xff;
  d[off + 2] = (ino >>> 16) & 0xff;
  d[off + 3] = (ino >>> 24) & 0xff;
  d[off + 4] = recLen & 0xff;
  d[off + 5] = recLen >>> 8;
  d[off + 6] = name.length;
  d[off + 7] = io.filetype ? ftype : 0;
  d.set(name, off + DIRENT_HEADER);
}

function setSlotInode(io: DirIo, d: Uint8Array, off: number, ino: number, ftype: number): void {
  d[off] = ino & 0xff;
  d[off + 1] = (ino >>> 8) & 0xff;
  d[off + 2] = (ino >>> 16) & 0xff;
  d[off + 3] = (ino >>> 24) & 0xff;
  if (io.filetype) d[off + 7] = ftype;
}

function setRecLen(d: Uint8Array, off: number, recLen: number): void {
  d[off + 4] = recLen & 0xff;
  d[off + 5] = recLen >>> 8;
}

function sameName(d: Uint8Array, off: number, len: number, name: Uint8Array): boolean {
  if (len !== name.length) return false;
  for (let i = 0; i < len; i++) if (d[off + DIRENT_HEADER + i] !== name[i]) return false;
  return true;
}

function blockCount(io: DirIo, dir: Inode): number {
  if (dir.size % io.blockSize !== 0) {
    throw new Errno(
      EIO,
      `ext2: directory inode ${dir.ino} has size ${dir.size}, not a multiple of the block size`,
    );
  }
  return dir.size / io.blockSize;
}

/** Reads `dir`'s logical block `lblk` (a hole in a directory is corruption). */
function* dirBlock(io: DirIo, dir: Inode, lblk: number): Wait<Buf> {
  const pblk = yield* io.mapBlock(dir, lblk, false);
  if (pblk === 0) {
    throw new Errno(EIO, `ext2: directory inode ${dir.ino} has a hole at logical block ${lblk}`);
  }
  return yield* io.cache.bread(pblk);
}

/**
 * Calls `visit` on every entry in use, in on-disk order, until it returns true.
 * `visit` must not keep `name` (it is a view into the buffer).
 */
export function* dirScan(
  io: DirIo,
  dir: Inode,
  visit: (e: RawDirent) => boolean | void,
): Wait<boolean> {
  const n = blockCount(io, dir);
  for (let lblk = 0; lblk < n; lblk++) {
    const bp = yield* dirBlock(io, dir, lblk);
    try {
      for (let off = 0; off < io.blockSize;) {
        const s = readSlot(io, dir, lblk, bp, off);
        if (s.ino !== 0) {
          const name = bp.data.subarray(off + DIRENT_HEADER, off + DIRENT_HEADER + s.nameLen);
          const ftype = io.filetype ? bp.data[off + 7] : EXT2_FT_UNKNOWN;
          if (visit({ ino: s.ino, name, ftype, lblk, off, recLen: s.recLen })) return true;
        }
        off += s.recLen;
      }
    } finally {
      io.cache.brelse(bp);
    }
  }
  return false;
}

/** The entry named `name`, or null. */
export function* dirLookup(
  io: DirIo,
  dir: Inode,
  name: Uint8Array,
): Wait<{ ino: number; ftype: number } | null> {
  let found: { ino: number; ftype: number } | null = null;
  yield* dirScan(io, dir, (e) => {
    if (e.name.length !== name.length || !e.name.every((c, i) => c === name[i])) return false;
    found = { ino: e.ino, ftype: e.ftype };
    return true;
  });
  return found;
}

/** Adds entry `name` → `ino`; the caller has checked it does not exist, and writes `dir`. */
export function* dirAdd(
  io: DirIo,
  dir: Inode,
  name: Uint8Array,
  ino: number,
  ftype: number,
): Wait<void> {
  const need = dirRecLen(name.length);
  const n = blockCount(io, dir);
  for (let lblk = 0; lblk < n; lblk++) {
    const bp = yield* dirBlock(io, dir, lblk);
    let done = false;
    try {
      for (let off = 0; off < io.blockSize;) {
        const s = readSlot(io, dir, lblk, bp, off);
        if (s.ino === 0 && s.recLen >= need) {
          writeSlot(io, bp.data, off, ino, s.recLen, name, ftype);
          done = true;
          break;
        }
        const used = s.ino === 0 ? 0 : dirRecLen(s.nameLen);
        if (s.ino !== 0 && s.recLen - used >= need) {
          setRecLen(bp.data, off, used);
          writeSlot(io, bp.data, off + used, ino, s.recLen - used, name, ftype);
          done = true;
          break;
        }
        off += s.recLen;
      }
    } finally {
      if (done) io.cache.bdwrite(bp);
      else io.cache.brelse(bp);
    }
    if (done) return;
  }
  // No room: a new block holding just this entry.
  const pblk = yield* io.mapBlock(dir, n, true);
  const bp = yield* io.cache.getblk(pblk);
  bp.data.fill(0);
  writeSlot(io, bp.data, 0, ino, io.blockSize, name, ftype);
  io.cache.bdwrite(bp);
  dir.size += io.blockSize;
}

/** Removes entry `name`; returns its inode number, or 0 if there was none. */
export function* dirRemove(io: DirIo, dir: Inode, name: Uint8Array): Wait<number> {
  const n = blockCount(io, dir);
  for (let lblk = 0; lblk < n; lblk++) {
    const bp = yield* dirBlock(io, dir, lblk);
    let removed = 0;
    try {
      let prev = -1;
      for (let off = 0; off < io.blockSize;) {
        const s = readSlot(io, dir, lblk, bp, off);
        if (s.ino !== 0 && sameName(bp.data, off, s.nameLen, name)) {
          removed = s.ino;
          if (prev >= 0) {
            const prevLen = bp.data[prev + 4] | bp.data[prev + 5] << 8;
            setRecLen(bp.data, prev, prevLen + s.recLen);
          } else {
            setSlotInode(io, bp.data, off, 0, EXT2_FT_UNKNOWN);
          }
          break;
        }
        prev = off;
        off += s.recLen;
      }
    } finally {
      if (removed) io.cache.bdwrite(bp);
      else io.cache.brelse(bp);
    }
    if (removed) return removed;
  }
  return 0;
}

/** Points existing entry `name` at `ino`; returns the inode it pointed at, or 0 if absent. */
export function* dirReplace(
  io: DirIo,
  dir: Inode,
  name: Uint8Array,
  ino: number,
  ftype: number,
): Wait<number> {
  let where: RawDirent | null = null;
  yield* dirScan(io, dir, (e) => {
    if (e.name.length !== name.length || !e.name.every((c, i) => c === name[i])) return false;
    where = { ...e };
    return true;
  });
  if (!where) return 0;
  const w: RawDirent = where;
  const bp = yield* dirBlock(io, dir, w.lblk);
  setSlotInode(io, bp.data, w.off, ino, ftype);
  io.cache.bdwrite(bp);
  return w.ino;
}

/** True if `dir` has no entries but "." and "..". */
export function* dirIsEmpty(io: DirIo, dir: Inode): Wait<boolean> {
  let other = false;
  yield* dirScan(io, dir, (e) => {
    const dot = e.name.length === 1 && e.name[0] === 0x2e;
    const dotdot = e.name.length === 2 && e.name[0] === 0x2e && e.name[1] === 0x2e;
    if (dot || dotdot) return false;
    other = true;
    return true;
  });
  return !other;
}

/** Fills a new directory's first block with "." → `self` and ".." → `parent`. */
export function initDirBlock(io: DirIo, d: Uint8Array, self: number, parent: number): void {
  d.fill(0);
  const dot = new Uint8Array([0x2e]);
  const dotdot = new Uint8Array([0x2e, 0x2e]);
  const first = dirRecLen(1);
  writeSlot(io, d, 0, self, first, dot, EXT2_FT_DIR);
  writeSlot(io, d, first, parent, io.blockSize - first, dotdot, EXT2_FT_DIR);
}
