/**
 * bmap.ts — mapping a file's logical blocks to volume blocks through i_block: 12 direct
 * pointers, then a single, a double and a triple indirect block of 32-bit pointers
 * (NetBSD's ext2fs_bmap.c, ufs_bmaparray).
 *
 * Rules: a zero pointer is a hole (reads as zeros). Every pointer read is checked to lie
 * inside the volume; one that does not is EIO naming the inode and logical block, and
 * only that operation fails. Allocation fills the path on demand (indirect blocks come
 * zeroed) and counts every block it adds in the in-memory inode's i_blocks; the caller
 * writes the inode back. `truncateBlocks` frees everything from a logical block on,
 * including indirect blocks left empty.
 */
import { EFBIG, EIO, Errno } from "../../kernel/kern/errno.ts";
import type { Wait } from "../bdev.ts";
import type { BufCache } from "../bufcache.ts";
import type { Allocator } from "./alloc.ts";
import type { Groups } from "./group.ts";
import { EXT2_IND_BLOCK, EXT2_NDIR_BLOCKS, type Inode } from "./inode.ts";
import type { SuperblockView } from "./superblock.ts";

export interface BmapContext {
  readonly sb: SuperblockView;
  readonly groups: Groups;
  readonly cache: BufCache;
  readonly alloc: Allocator;
}

/** Number of logical blocks i_block can address with `bs`-byte blocks. */
export function maxLogicalBlocks(bs: number): number {
  const a = bs / 4;
  return EXT2_NDIR_BLOCKS + a + a * a + a * a * a;
}

/** The i_block slot and the index in each indirect level for logical block `lblk`. */
export function blockPath(bs: number, lblk: number): { slot: number; indices: number[] } {
  const a = bs / 4;
  if (lblk < EXT2_NDIR_BLOCKS) return { slot: lblk, indices: [] };
  let rel = lblk - EXT2_NDIR_BLOCKS;
  let span = 1;
  for (let level = 1; level <= 3; level++) {
    span *= a;
    if (rel < span) {
      const indices: number[] = [];
      for (let per = span / a; per >= 1; per /= a) {
        indices.push(Math.floor(rel / per) % a);
        if (per === 1) break;
      }
      return { slot: EXT2_IND_BLOCK + level - 1, indices };
    }
    rel -= span;
  }
  throw new Errno(EFBIG, `ext2: logical block ${lblk} is beyond the triple indirect block`);
}

function checkPtr(ctx: BmapContext, ip: Inode, ptr: number, lblk: number, what: string): void {
  if (ptr !== 0 && (ptr < ctx.sb.firstDataBlock || ptr >= ctx.sb.blocksCount)) {
    throw new Errno(
      EIO,
      `ext2: inode ${ip.ino}: ${what} pointer ${ptr} for logical block ${lblk} is past the end of the volume (${ctx.sb.blocksCount} blocks)`,
    );
  }
}

function readPtr(data: Uint8Array, i: number): number {
  return (data[4 * i] | data[4 * i + 1] << 8 | data[4 * i + 2] << 16 | data[4 * i + 3] << 24) >>> 0;
}
function writePtr(data: Uint8Array, i: number, v: number): void {
  data[4 * i] = v & 0xff;
  data[4 * i + 1] = (v >>> 8) & 0xff;
  data[4 * i + 2] = (v >>> 16) & 0xff;
  data[4 * i + 3] = (v >>> 24) & 0xff;
}

/** The volume block holding logical block `lblk` of `ip`, or 0 for a hole. */
export function* bmap(ctx: BmapContext, ip: Inode, lblk: number): Wait<number> {
  const bs = ctx.sb.blockSize;
  if (lblk >= maxLogicalBlocks(bs)) return 0;
  const { slot, indices } = blockPath(bs, lblk);
  let ptr = ip.block[slot];
  checkPtr(ctx, ip, ptr, lblk, indices.length ? "indirect block" : "block");
  for (let k = 0; k < indices.length && ptr !== 0; k++) {
    const bp = yield* ctx.cache.bread(ptr);
    ptr = readPtr(bp.data, indices[k]);
    ctx.cache.brelse(bp);
    checkPtr(ctx, ip, ptr, lblk, k + 1 < indices.length ? "indirect block" : "block");
  }
  return ptr;
}

/** Allocates a zeroed block near `goal`, counting it in `ip`. */
function* allocZeroed(ctx: BmapContext, ip: Inode, goal: number): Wait<number> {
  const b = yield* ctx.alloc.allocBlock(goal);
  const bp = yield* ctx.cache.getblk(b);
  bp.data.fill(0);
  ctx.cache.bdwrite(bp);
  ip.blocks += ctx.sb.blockSize / 512;
  return b;
}

/**
 * The volume block for logical block `lblk`, allocating it (zeroed) and any missing
 * indirect blocks near `goal`. `fresh` is true if the data block is new.
 */
export function* bmapAlloc(
  ctx: BmapContext,
  ip: Inode,
  lblk: number,
  goal: number,
): Wait<{ pblk: number; fresh: boolean }> {
  const bs = ctx.sb.blockSize;
  const { slot, indices } = blockPath(bs, lblk);
  let ptr = ip.block[slot];
  checkPtr(ctx, ip, ptr, lblk, indices.length ? "indirect block" : "block");
  let fresh = false;
  if (ptr === 0) {
    ptr = yield* allocZeroed(ctx, ip, goal);
    ip.block[slot] = ptr;
    fresh = indices.length === 0;
  }
  for (let k = 0; k < indices.length; k++) {
    const bp = yield* ctx.cache.bread(ptr);
    let next = readPtr(bp.data, indices[k]);
    try {
      checkPtr(ctx, ip, next, lblk, k + 1 < indices.length ? "indirect block" : "block");
      if (next === 0) {
        next = yield* allocZeroed(ctx, ip, ptr + 1);
        writePtr(bp.data, indices[k], next);
        bp.dirty = true;
        fresh = k === indices.length - 1;
      }
    } finally {
      ctx.cache.brelse(bp);
    }
    ptr = next;
  }
  return { pblk: ptr, fresh };
}

/** Frees every block of `ip` from logical block `keep` on (all of them for 0). */
export function* truncateBlocks(ctx: BmapContext, ip: Inode, keep: number): Wait<void> {
  const bs = ctx.sb.blockSize;
  const a = bs / 4;
  const freed: number[] = [];

  // Frees the subtree under `blk` (level 0 = a data block).
  function* freeTree(blk: number, level: number, lblk: number): Wait<void> {
    if (level > 0) {
      const bp = yield* ctx.cache.bread(blk);
      const ptrs: number[] = [];
      for (let i = 0; i < a; i++) ptrs.push(readPtr(bp.data, i));
      ctx.cache.brelse(bp);
      const per = a ** (level - 1);
      for (let i = 0; i < a; i++) {
        if (ptrs[i] === 0) continue;
        checkPtr(ctx, ip, ptrs[i], lblk + i * per, level > 1 ? "indirect block" : "block");
        yield* freeTree(ptrs[i], level - 1, lblk + i * per);
      }
    }
    freed.push(blk);
  }

  // Frees what lies at or past relative block `keepRel` under indirect block `blk`;
  // returns true if `blk` itself was freed (nothing left under it).
  function* trimTree(blk: number, level: number, base: number, keepRel: number): Wait<boolean> {
    const per = a ** (level - 1);
    const bp = yield* ctx.cache.bread(blk);
    let empty = true;
    try {
      for (let i = 0; i < a; i++) {
        const child = readPtr(bp.data, i);
        if (child === 0) continue;
        const start = i * per;
        checkPtr(ctx, ip, child, base + start, level > 1 ? "indirect block" : "block");
        if (start >= keepRel) {
          yield* freeTree(child, level - 1, base + start);
          writePtr(bp.data, i, 0);
          bp.dirty = true;
        } else if (level > 1 && start + per > keepRel) {
          if (yield* trimTree(child, level - 1, base + start, keepRel - start)) {
            writePtr(bp.data, i, 0);
            bp.dirty = true;
          } else empty = false;
        } else empty = false;
      }
    } finally {
      ctx.cache.brelse(bp);
    }
    if (empty) freed.push(blk);
    return empty;
  }

  for (let i = Math.max(keep, 0); i < EXT2_NDIR_BLOCKS; i++) {
    if (ip.block[i] !== 0) {
      checkPtr(ctx, ip, ip.block[i], i, "block");
      freed.push(ip.block[i]);
      ip.block[i] = 0;
    }
  }
  let base = EXT2_NDIR_BLOCKS;
  let span = 1;
  for (let level = 1; level <= 3; level++) {
    span *= a;
    const slot = EXT2_IND_BLOCK + level - 1;
    const ptr = ip.block[slot];
    if (ptr !== 0) {
      checkPtr(ctx, ip, ptr, base, "indirect block");
      if (keep <= base) {
        yield* freeTree(ptr, level, base);
        ip.block[slot] = 0;
      } else if (keep < base + span) {
        if (yield* trimTree(ptr, level, base, keep - base)) ip.block[slot] = 0;
      }
    }
    base += span;
  }
  if (freed.length > 0) {
    yield* ctx.alloc.freeBlocks(freed);
    ip.blocks = Math.max(0, ip.blocks - freed.length * (bs / 512));
  }
}
