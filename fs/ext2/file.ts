/**
 * file.ts — the contents of regular files and symlinks: read, write (allocating on
 * demand, holes read as zeros), truncate (freeing blocks past the end and zeroing the
 * tail of the last one), and symlink targets (fast: in i_block when shorter than 60
 * bytes; slow: in one data block).
 *
 * Rules: callers pass an inode they read with `Ext2Fs.iget` and this code writes it back
 * when it changes it. A write that runs out of space part way keeps what it wrote and
 * returns the short count; with nothing written it throws. Sizes past what i_block can
 * address are EFBIG; a size over 2 GiB turns on the large_file feature.
 */
import { EFBIG, EINVAL, EIO, Errno } from "../../kernel/kern/errno.ts";
import type { Wait } from "../bdev.ts";
import { bmap, bmapAlloc, maxLogicalBlocks, truncateBlocks } from "./bmap.ts";
import type { Ext2Fs } from "./fs.ts";
import { EXT2_N_BLOCKS, type Inode, isFastSymlink } from "./inode.ts";
import { RO_COMPAT_LARGE_FILE } from "./superblock.ts";

/** Largest file size this volume supports. */
export function maxFileSize(fs: Ext2Fs): number {
  return Math.min(maxLogicalBlocks(fs.blockSize) * fs.blockSize, 2 ** 41 - 1);
}

function checkRange(fs: Ext2Fs, off: number, len: number): void {
  if (!Number.isSafeInteger(off) || off < 0) throw new Errno(EINVAL, `ext2: bad offset ${off}`);
  if (off + len > maxFileSize(fs)) {
    throw new Errno(EFBIG, `ext2: a file may not extend past ${maxFileSize(fs)} bytes`);
  }
}

/** Reads up to `buf.length` bytes at `off`; returns the count (0 at or past the end). */
export function* readData(fs: Ext2Fs, ip: Inode, off: number, buf: Uint8Array): Wait<number> {
  if (!Number.isSafeInteger(off) || off < 0) throw new Errno(EINVAL, `ext2: bad offset ${off}`);
  if (off >= ip.size) return 0;
  const n = Math.min(buf.length, ip.size - off);
  const bs = fs.blockSize;
  let done = 0;
  while (done < n) {
    const pos = off + done;
    const lblk = Math.floor(pos / bs);
    const inBlock = pos % bs;
    const chunk = Math.min(bs - inBlock, n - done);
    const pblk = yield* bmap(fs, ip, lblk);
    if (pblk === 0) {
      buf.fill(0, done, done + chunk);
    } else {
      const bp = yield* fs.cache.bread(pblk);
      buf.set(bp.data.subarray(inBlock, inBlock + chunk), done);
      fs.cache.brelse(bp);
    }
    done += chunk;
  }
  return n;
}

/** Writes `data` at `off`, growing the file as needed; returns the count written. */
export function* writeData(fs: Ext2Fs, ip: Inode, off: number, data: Uint8Array): Wait<number> {
  checkRange(fs, off, data.length);
  const bs = fs.blockSize;
  let done = 0;
  let goal = fs.goalFor(ip);
  if (off > 0 && data.length > 0) {
    const prev = yield* bmap(fs, ip, Math.floor((off - 1) / bs));
    if (prev !== 0) goal = prev + 1;
  }
  let failure: unknown = null;
  try {
    while (done < data.length) {
      const pos = off + done;
      const lblk = Math.floor(pos / bs);
      const inBlock = pos % bs;
      const chunk = Math.min(bs - inBlock, data.length - done);
      const { pblk } = yield* bmapAlloc(fs, ip, lblk, goal);
      const bp = chunk === bs ? yield* fs.cache.getblk(pblk) : yield* fs.cache.bread(pblk);
      bp.data.set(data.subarray(done, done + chunk), inBlock);
      fs.cache.bdwrite(bp);
      goal = pblk + 1;
      done += chunk;
    }
  } catch (e) {
    failure = e;
  }
  if (off + done > ip.size) setSize(fs, ip, off + done);
  if (done > 0) ip.mtime = ip.ctime = fs.nowSec();
  yield* fs.iput(ip);
  if (failure !== null && done === 0) throw failure;
  return done;
}

function setSize(fs: Ext2Fs, ip: Inode, size: number): void {
  ip.size = size;
  if (size > 0x7fffffff && !fs.sb.hasRoCompat(RO_COMPAT_LARGE_FILE)) {
    fs.sb.featureRoCompat = fs.sb.featureRoCompat | RO_COMPAT_LARGE_FILE;
  }
}

/** Zeroes bytes [from, end of its block) of the block holding `from`, if mapped. */
function* zeroTail(fs: Ext2Fs, ip: Inode, from: number): Wait<void> {
  const bs = fs.blockSize;
  if (from % bs === 0) return;
  const pblk = yield* bmap(fs, ip, Math.floor(from / bs));
  if (pblk === 0) return;
  const bp = yield* fs.cache.bread(pblk);
  bp.data.fill(0, from % bs);
  fs.cache.bdwrite(bp);
}

/** Sets the file's size, freeing blocks past a smaller one. */
export function* truncateData(fs: Ext2Fs, ip: Inode, size: number): Wait<void> {
  checkRange(fs, size, 0);
  const bs = fs.blockSize;
  if (size < ip.size) {
    yield* truncateBlocks(fs, ip, Math.ceil(size / bs));
    yield* zeroTail(fs, ip, size);
  } else if (size > ip.size) {
    yield* zeroTail(fs, ip, ip.size);
  }
  setSize(fs, ip, size);
  ip.mtime = ip.ctime = fs.nowSec();
  yield* fs.iput(ip);
}

/** Stores a new symlink's target in `ip` (fast if it fits in i_block) and writes `ip`. */
export function* writeSymlinkTarget(fs: Ext2Fs, ip: Inode, target: Uint8Array): Wait<void> {
  if (target.length < EXT2_N_BLOCKS * 4) {
    const raw = new Uint8Array(EXT2_N_BLOCKS * 4);
    raw.set(target);
    const dv = new DataView(raw.buffer);
    for (let i = 0; i < EXT2_N_BLOCKS; i++) ip.block[i] = dv.getUint32(4 * i, true);
    ip.size = target.length;
    yield* fs.iput(ip);
    return;
  }
  yield* writeData(fs, ip, 0, target);
}

/** A symlink's target bytes. */
export function* readSymlinkTarget(fs: Ext2Fs, ip: Inode): Wait<Uint8Array> {
  if (isFastSymlink(ip, fs.blockSize)) {
    if (ip.size >= EXT2_N_BLOCKS * 4) {
      throw new Errno(EIO, `ext2: fast symlink inode ${ip.ino} has size ${ip.size}`);
    }
    const raw = new Uint8Array(EXT2_N_BLOCKS * 4);
    const dv = new DataView(raw.buffer);
    for (let i = 0; i < EXT2_N_BLOCKS; i++) dv.setUint32(4 * i, ip.block[i], true);
    return raw.slice(0, ip.size);
  }
  if (ip.size > fs.blockSize) {
    throw new Errno(EIO, `ext2: symlink inode ${ip.ino} has size ${ip.size}, over one block`);
  }
  const out = new Uint8Array(ip.size);
  yield* readData(fs, ip, 0, out);
  return out;
}
