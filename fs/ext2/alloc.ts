/**
 * alloc.ts — allocating and freeing blocks and inodes in the groups' bitmaps.
 *
 * Rules: a bitmap bit is set exactly when its block or inode is in use; every change to
 * a bitmap changes the group descriptor's free count (and used-directory count) and the
 * superblock's free count in the same call, so the three never disagree. Blocks are
 * placed at or after a goal (the block after the file's last one, or the inode's own
 * group), files' inodes in their parent's group, directories' inodes in a group with an
 * above-average share of free inodes, spreading the tree as ext2's allocator does.
 * A bitmap that contradicts its descriptor, or freeing what is already free, is
 * corruption: EIO naming the group or block.
 */
import { EIO, ENOSPC, Errno } from "../../kernel/kern/errno.ts";
import type { Wait } from "../bdev.ts";
import type { BufCache } from "../bufcache.ts";
import type { Groups } from "./group.ts";
import type { SuperblockView } from "./superblock.ts";

/** Index of the first clear bit in [start, n), then in [0, start); -1 if none. */
export function findClearBit(map: Uint8Array, start: number, n: number): number {
  const scan = (from: number, to: number): number => {
    let i = from;
    while (i < to) {
      if ((i & 7) === 0 && map[i >> 3] === 0xff) {
        i += 8;
        continue;
      }
      if ((map[i >> 3] & (1 << (i & 7))) === 0) return i;
      i++;
    }
    return -1;
  };
  const a = scan(start, n);
  return a >= 0 ? a : scan(0, Math.min(start, n));
}

export function testBit(map: Uint8Array, i: number): boolean {
  return (map[i >> 3] & (1 << (i & 7))) !== 0;
}
export function setBit(map: Uint8Array, i: number): void {
  map[i >> 3] |= 1 << (i & 7);
}
export function clearBit(map: Uint8Array, i: number): void {
  map[i >> 3] &= ~(1 << (i & 7));
}

export class Allocator {
  constructor(
    readonly sb: SuperblockView,
    readonly groups: Groups,
    readonly cache: BufCache,
  ) {}

  /** Allocates one block at or after `goal` (any block if none is free there). */
  *allocBlock(goal: number): Wait<number> {
    const { sb, groups } = this;
    if (goal < sb.firstDataBlock || goal >= sb.blocksCount) goal = sb.firstDataBlock;
    const g0 = groups.groupOfBlock(goal);
    for (let i = 0; i < groups.count; i++) {
      const g = (g0 + i) % groups.count;
      const d = groups.descs[g];
      if (d.freeBlocksCount === 0) continue;
      const start = i === 0 ? goal - groups.firstBlock(g) : 0;
      const bp = yield* this.cache.bread(d.blockBitmap);
      const bit = findClearBit(bp.data, start, groups.blocksIn(g));
      if (bit < 0) {
        this.cache.brelse(bp);
        throw new Errno(
          EIO,
          `ext2: group ${g} says ${d.freeBlocksCount} blocks are free but its block bitmap (block ${d.blockBitmap}) is full`,
        );
      }
      setBit(bp.data, bit);
      this.cache.bdwrite(bp);
      d.freeBlocksCount--;
      sb.freeBlocksCount = sb.freeBlocksCount - 1;
      yield* groups.store(g);
      return groups.firstBlock(g) + bit;
    }
    throw new Errno(ENOSPC, "ext2: no free blocks");
  }

  /** Frees blocks (in any order). */
  *freeBlocks(blocks: number[]): Wait<void> {
    const { sb, groups } = this;
    const sorted = [...blocks].sort((a, b) => a - b);
    let i = 0;
    while (i < sorted.length) {
      const g = groups.groupOfBlock(sorted[i]);
      const d = groups.descs[g];
      const bp = yield* this.cache.bread(d.blockBitmap);
      let freed = 0;
      try {
        for (; i < sorted.length && groups.groupOfBlock(sorted[i]) === g; i++) {
          const b = sorted[i];
          if (b < sb.firstDataBlock || b >= sb.blocksCount) {
            throw new Errno(EIO, `ext2: freeing block ${b}, which is outside the volume`);
          }
          const bit = b - groups.firstBlock(g);
          if (!testBit(bp.data, bit)) {
            throw new Errno(EIO, `ext2: freeing block ${b}, which is already free`);
          }
          clearBit(bp.data, bit);
          freed++;
        }
      } finally {
        if (freed > 0) this.cache.bdwrite(bp);
        else this.cache.brelse(bp);
        d.freeBlocksCount += freed;
        sb.freeBlocksCount = sb.freeBlocksCount + freed;
        if (freed > 0) yield* groups.store(g);
      }
    }
  }

  /** Allocates an inode for a new file (`dir` false) or directory under `parentIno`. */
  *allocInode(parentIno: number, dir: boolean): Wait<number> {
    const { sb, groups } = this;
    const g = this.pickInodeGroup(groups.groupOfInode(parentIno), dir);
    if (g < 0) throw new Errno(ENOSPC, "ext2: no free inodes");
    const d = groups.descs[g];
    const bp = yield* this.cache.bread(d.inodeBitmap);
    const start = g === 0 ? sb.firstIno - 1 : 0;
    let bit = findClearBit(bp.data, start, sb.inodesPerGroup);
    if (g === 0 && bit >= 0 && bit < start) bit = -1; // never hand out a reserved inode
    if (bit < 0) {
      this.cache.brelse(bp);
      throw new Errno(
        EIO,
        `ext2: group ${g} says ${d.freeInodesCount} inodes are free but its inode bitmap (block ${d.inodeBitmap}) is full`,
      );
    }
    setBit(bp.data, bit);
    this.cache.bdwrite(bp);
    d.freeInodesCount--;
    if (dir) d.usedDirsCount++;
    sb.freeInodesCount = sb.freeInodesCount - 1;
    yield* groups.store(g);
    return g * sb.inodesPerGroup + bit + 1;
  }

  /** Frees inode `ino` (a directory if `dir`). */
  *freeInode(ino: number, dir: boolean): Wait<void> {
    const { sb, groups } = this;
    const g = groups.groupOfInode(ino);
    const d = groups.descs[g];
    const bp = yield* this.cache.bread(d.inodeBitmap);
    const bit = (ino - 1) % sb.inodesPerGroup;
    if (!testBit(bp.data, bit)) {
      this.cache.brelse(bp);
      throw new Errno(EIO, `ext2: freeing inode ${ino}, which is already free`);
    }
    clearBit(bp.data, bit);
    this.cache.bdwrite(bp);
    d.freeInodesCount++;
    if (dir && d.usedDirsCount > 0) d.usedDirsCount--;
    sb.freeInodesCount = sb.freeInodesCount + 1;
    yield* groups.store(g);
  }

  /** The group for a new inode, or -1 if no group has a free inode. */
  private pickInodeGroup(parentGroup: number, dir: boolean): number {
    const { groups, sb } = this;
    const n = groups.count;
    if (dir) {
      // ext2's find_group_dir: a group with at least the average free inodes, the one
      // with the most free blocks among those.
      const avg = sb.freeInodesCount / n;
      let best = -1;
      for (let i = 0; i < n; i++) {
        const g = (parentGroup + i) % n;
        const d = groups.descs[g];
        if (d.freeInodesCount === 0 || d.freeInodesCount < avg) continue;
        if (best < 0 || d.freeBlocksCount > groups.descs[best].freeBlocksCount) best = g;
      }
      if (best >= 0) return best;
    }
    for (let i = 0; i < n; i++) {
      const g = (parentGroup + i) % n;
      if (groups.descs[g].freeInodesCount > 0) return g;
    }
    return -1;
  }
}
