/**
 * bufcache.ts — the buffer cache: a bounded set of file-system blocks kept in memory over
 * a BlockDevice (NetBSD's vfs_bio.c, xv6's bio.c).
 *
 * Rules:
 * - `bread` returns a held buffer with the block's contents; `getblk` a held buffer whose
 *   old contents do not matter (zero-filled if not cached), for a block about to be
 *   overwritten whole. Every held buffer is given back exactly once, by `brelse` (clean
 *   or unchanged), `bdwrite` (delayed write: dirty, written later) or `bwrite` (written now).
 * - At most one buffer per block; a block's buffer is shared by every holder.
 * - Unheld buffers form an LRU; when more than `capacity` buffers exist the least
 *   recently used unheld one is evicted (written first if dirty). Held buffers are never
 *   evicted, so the cache may grow past `capacity` while many are held.
 * - `bflush` writes every dirty buffer in ascending block order, then flushes the device.
 * - Block numbers are in units of `blockSize`; a block past the device is EIO.
 */
import { EIO, Errno } from "../kernel/kern/errno.ts";
import type { BlockDevice, Wait } from "./bdev.ts";

export class Buf {
  /** How many holders have it (bread/getblk not yet matched by a release). */
  refs = 0;
  /** Modified since it was read or last written. */
  dirty = false;
  constructor(readonly blkno: number, readonly data: Uint8Array) {}
}

export interface BufCacheStats {
  hits: number;
  misses: number;
  writes: number;
  evictions: number;
}

export class BufCache {
  readonly stats: BufCacheStats = { hits: 0, misses: 0, writes: 0, evictions: 0 };
  /** All buffers by block number; Map order is the LRU order (oldest first). */
  private readonly bufs = new Map<number, Buf>();
  private readonly sectorsPerBlock: number;

  constructor(
    readonly dev: BlockDevice,
    readonly blockSize: number,
    readonly capacity = 256,
  ) {
    if (blockSize % dev.sectorSize !== 0) {
      throw new Errno(EIO, `block size ${blockSize} is not a multiple of the sector size`);
    }
    this.sectorsPerBlock = blockSize / dev.sectorSize;
  }

  /** Number of blocks the device holds. */
  get deviceBlocks(): number {
    return Math.floor(this.dev.sectors / this.sectorsPerBlock);
  }

  /** The buffer of block `blkno`, read from the device unless cached. */
  *bread(blkno: number): Wait<Buf> {
    const cached = this.lookup(blkno);
    if (cached) return cached;
    this.stats.misses++;
    this.checkRange(blkno);
    const data = new Uint8Array(this.blockSize);
    yield* this.dev.read(blkno * this.sectorsPerBlock, data);
    // Another holder may have brought the block in while the read waited.
    const raced = this.lookup(blkno);
    if (raced) return raced;
    return yield* this.insert(new Buf(blkno, data));
  }

  /** The buffer of block `blkno` without reading it: zero-filled unless cached. */
  *getblk(blkno: number): Wait<Buf> {
    const cached = this.lookup(blkno);
    if (cached) return cached;
    this.stats.misses++;
    this.checkRange(blkno);
    return yield* this.insert(new Buf(blkno, new Uint8Array(this.blockSize)));
  }

  /** Gives back an unmodified (or already written) buffer. */
  brelse(bp: Buf): void {
    if (bp.refs <= 0) throw new Error(`bufcache: brelse of unheld block ${bp.blkno}`);
    bp.refs--;
  }

  /** Marks the buffer dirty and gives it back; it is written on eviction or bflush. */
  bdwrite(bp: Buf): void {
    bp.dirty = true;
    this.brelse(bp);
  }

  /** Writes the buffer now and gives it back. */
  *bwrite(bp: Buf): Wait<void> {
    try {
      yield* this.writeOut(bp);
    } finally {
      this.brelse(bp);
    }
  }

  /** Writes every dirty buffer in block order, then flushes the device. */
  *bflush(): Wait<void> {
    const dirty = [...this.bufs.values()].filter((b) => b.dirty).sort((a, b) => a.blkno - b.blkno);
    for (const bp of dirty) {
      if (bp.dirty) yield* this.writeOut(bp);
    }
    yield* this.dev.flush();
  }

  /** Number of dirty buffers. */
  dirtyCount(): number {
    let n = 0;
    for (const b of this.bufs.values()) if (b.dirty) n++;
    return n;
  }

  /** Number of buffers in memory. */
  get size(): number {
    return this.bufs.size;
  }

  /** Drops every clean, unheld buffer (after the device changed underneath, in tests). */
  invalidateClean(): void {
    for (const [blkno, b] of [...this.bufs]) {
      if (!b.dirty && b.refs === 0) this.bufs.delete(blkno);
    }
  }

  private lookup(blkno: number): Buf | null {
    const bp = this.bufs.get(blkno);
    if (!bp) return null;
    this.stats.hits++;
    // Move to the most-recently-used end.
    this.bufs.delete(blkno);
    this.bufs.set(blkno, bp);
    bp.refs++;
    return bp;
  }

  private *insert(bp: Buf): Wait<Buf> {
    bp.refs = 1;
    this.bufs.set(bp.blkno, bp);
    yield* this.evict();
    return bp;
  }

  private *evict(): Wait<void> {
    while (this.bufs.size > this.capacity) {
      let victim: Buf | null = null;
      for (const b of this.bufs.values()) {
        if (b.refs === 0) {
          victim = b;
          break;
        }
      }
      if (!victim) return;
      if (victim.dirty) {
        victim.refs++; // hold it while the write may wait
        try {
          yield* this.writeOut(victim);
        } finally {
          victim.refs--;
        }
        if (victim.refs !== 0 || victim.dirty) continue; // picked up meanwhile
      }
      this.bufs.delete(victim.blkno);
      this.stats.evictions++;
    }
  }

  private *writeOut(bp: Buf): Wait<void> {
    this.checkRange(bp.blkno);
    bp.dirty = false;
    try {
      yield* this.dev.write(bp.blkno * this.sectorsPerBlock, bp.data);
    } catch (e) {
      bp.dirty = true;
      throw e;
    }
    this.stats.writes++;
  }

  private checkRange(blkno: number): void {
    if (!Number.isInteger(blkno) || blkno < 0 || blkno >= this.deviceBlocks) {
      throw new Errno(
        EIO,
        `block ${blkno} is past the end of the device (${this.deviceBlocks} blocks of ${this.blockSize} bytes)`,
      );
    }
  }
}
