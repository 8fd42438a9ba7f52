/**
 * group.ts — block group descriptors: where each group's bitmaps and inode table are and
 * how many blocks, inodes and directories it has free or in use.
 *
 * Rules: the table starts in the block after the superblock and is 32 bytes per group;
 * the descriptors live in memory while mounted (read once at mount, checked against the
 * volume), and a change is written back to the primary table with `storeGroup` (backups
 * in other groups are left alone, as every ext2 driver does). Groups have
 * `blocksPerGroup` blocks except the last, which has the rest.
 */
import { EIO, Errno } from "../../kernel/kern/errno.ts";
import type { Wait } from "../bdev.ts";
import type { BufCache } from "../bufcache.ts";
import { groupHasSuper, type SuperblockView } from "./superblock.ts";

export const GROUP_DESC_SIZE = 32;

/** One group descriptor (struct ext2_group_desc). */
export interface GroupDesc {
  blockBitmap: number;
  inodeBitmap: number;
  inodeTable: number;
  freeBlocksCount: number;
  freeInodesCount: number;
  usedDirsCount: number;
}

export function parseGroupDesc(b: Uint8Array, off: number): GroupDesc {
  const dv = new DataView(b.buffer, b.byteOffset + off, GROUP_DESC_SIZE);
  return {
    blockBitmap: dv.getUint32(0, true),
    inodeBitmap: dv.getUint32(4, true),
    inodeTable: dv.getUint32(8, true),
    freeBlocksCount: dv.getUint16(12, true),
    freeInodesCount: dv.getUint16(14, true),
    usedDirsCount: dv.getUint16(16, true),
  };
}

/** Writes the descriptor's fields over its 32 bytes, leaving the reserved bytes as they are. */
export function emitGroupDesc(g: GroupDesc, b: Uint8Array, off: number): void {
  const dv = new DataView(b.buffer, b.byteOffset + off, GROUP_DESC_SIZE);
  dv.setUint32(0, g.blockBitmap, true);
  dv.setUint32(4, g.inodeBitmap, true);
  dv.setUint32(8, g.inodeTable, true);
  dv.setUint16(12, g.freeBlocksCount, true);
  dv.setUint16(14, g.freeInodesCount, true);
  dv.setUint16(16, g.usedDirsCount, true);
}

/** Geometry shared by the allocator and the inode table code. */
export class Groups {
  readonly descs: GroupDesc[] = [];
  readonly count: number;
  readonly gdtBlock: number;
  readonly gdtBlocks: number;

  constructor(readonly sb: SuperblockView, readonly cache: BufCache) {
    this.count = sb.groupCount;
    this.gdtBlock = sb.firstDataBlock + 1;
    this.gdtBlocks = Math.ceil((this.count * GROUP_DESC_SIZE) / sb.blockSize);
  }

  /** First block of group `g`. */
  firstBlock(g: number): number {
    return this.sb.firstDataBlock + g * this.sb.blocksPerGroup;
  }

  /** Number of blocks in group `g` (the last group may be short). */
  blocksIn(g: number): number {
    return Math.min(this.sb.blocksPerGroup, this.sb.blocksCount - this.firstBlock(g));
  }

  /** Group holding block `b`. */
  groupOfBlock(b: number): number {
    return Math.floor((b - this.sb.firstDataBlock) / this.sb.blocksPerGroup);
  }

  /** Group holding inode `ino`. */
  groupOfInode(ino: number): number {
    return Math.floor((ino - 1) / this.sb.inodesPerGroup);
  }

  /** Number of blocks in group `g` used by its superblock copy, descriptors and reserve. */
  metaBlocksAtStart(g: number): number {
    return groupHasSuper(this.sb, g) ? 1 + this.gdtBlocks + this.sb.reservedGdtBlocks : 0;
  }

  /** Reads and checks every descriptor. */
  *load(): Wait<void> {
    const bs = this.sb.blockSize;
    const itBlocks = Math.ceil((this.sb.inodesPerGroup * this.sb.inodeSize) / bs);
    const total = this.sb.blocksCount;
    for (let i = 0; i < this.gdtBlocks; i++) {
      const bp = yield* this.cache.bread(this.gdtBlock + i);
      try {
        for (let off = 0; off < bs; off += GROUP_DESC_SIZE) {
          const g = i * (bs / GROUP_DESC_SIZE) + off / GROUP_DESC_SIZE;
          if (g >= this.count) break;
          this.descs.push(parseGroupDesc(bp.data, off));
        }
      } finally {
        this.cache.brelse(bp);
      }
    }
    let freeBlocks = 0, freeInodes = 0;
    for (let g = 0; g < this.count; g++) {
      const d = this.descs[g];
      const bad = (what: string) => {
        throw new Errno(EIO, `ext2: group ${g} descriptor is corrupt: ${what}`);
      };
      const meta = this.gdtBlock + this.gdtBlocks;
      if (d.blockBitmap < meta || d.blockBitmap >= total) bad(`block bitmap at ${d.blockBitmap}`);
      if (d.inodeBitmap < meta || d.inodeBitmap >= total) bad(`inode bitmap at ${d.inodeBitmap}`);
      if (d.inodeTable < meta || d.inodeTable + itBlocks > total) {
        bad(`inode table at ${d.inodeTable}`);
      }
      if (d.freeBlocksCount > this.blocksIn(g)) bad(`free block count ${d.freeBlocksCount}`);
      if (d.freeInodesCount > this.sb.inodesPerGroup) {
        bad(`free inode count ${d.freeInodesCount}`);
      }
      freeBlocks += d.freeBlocksCount;
      freeInodes += d.freeInodesCount;
    }
    // The superblock's totals are hints that are allowed to lag; the groups are the truth.
    this.sb.freeBlocksCount = freeBlocks;
    this.sb.freeInodesCount = freeInodes;
  }

  /** Writes descriptor `g` back to the primary table (delayed write). */
  *store(g: number): Wait<void> {
    const per = this.sb.blockSize / GROUP_DESC_SIZE;
    const bp = yield* this.cache.bread(this.gdtBlock + Math.floor(g / per));
    emitGroupDesc(this.descs[g], bp.data, (g % per) * GROUP_DESC_SIZE);
    this.cache.bdwrite(bp);
  }
}
