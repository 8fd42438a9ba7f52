/**
 * superblock.ts — the ext2 superblock: a view over its 1024 bytes (byte 1024 of the
 * volume), the feature flags, and the checks a mount makes before trusting it.
 *
 * Rules: the view reads and writes named little-endian fields in place, so fields this
 * code does not know survive a write-back untouched. `checkSuperblock` rejects anything
 * that would make later arithmetic read outside the volume, with EIO and a message naming
 * the bad field; `checkFeatures` refuses unknown INCOMPAT features and reports unknown
 * RO_COMPAT ones (the volume is then mounted read-only).
 * Layout: e2fsprogs lib/ext2fs/ext2_fs.h, "The Second Extended File System" (Poirier).
 */
import { EIO, Errno } from "../../kernel/kern/errno.ts";

export const SUPERBLOCK_OFFSET = 1024;
export const SUPERBLOCK_SIZE = 1024;
export const EXT2_MAGIC = 0xef53;
export const EXT2_GOOD_OLD_REV = 0;
export const EXT2_DYNAMIC_REV = 1;
export const EXT2_GOOD_OLD_INODE_SIZE = 128;
export const EXT2_GOOD_OLD_FIRST_INO = 11;
export const EXT2_ROOT_INO = 2;

/** s_state bits. */
export const EXT2_VALID_FS = 0x0001; // cleanly unmounted
export const EXT2_ERROR_FS = 0x0002; // errors detected

/** COMPAT features: safe to ignore, for reading and writing. */
export const COMPAT_DIR_PREALLOC = 0x0001;
export const COMPAT_IMAGIC_INODES = 0x0002;
export const COMPAT_HAS_JOURNAL = 0x0004;
export const COMPAT_EXT_ATTR = 0x0008;
export const COMPAT_RESIZE_INODE = 0x0010;
export const COMPAT_DIR_INDEX = 0x0020;

/** INCOMPAT features: a driver that does not know one must not mount. */
export const INCOMPAT_COMPRESSION = 0x0001;
export const INCOMPAT_FILETYPE = 0x0002; // directory entries carry a file type byte
export const INCOMPAT_RECOVER = 0x0004;
export const INCOMPAT_JOURNAL_DEV = 0x0008;
export const INCOMPAT_META_BG = 0x0010;
export const INCOMPAT_EXTENTS = 0x0040;
export const INCOMPAT_64BIT = 0x0080;
export const INCOMPAT_FLEX_BG = 0x0200;
export const SUPPORTED_INCOMPAT = INCOMPAT_FILETYPE;

/** RO_COMPAT features: a driver that does not know one may only read. */
export const RO_COMPAT_SPARSE_SUPER = 0x0001; // superblock backups only in groups 0, 1, 3^n, 5^n, 7^n
export const RO_COMPAT_LARGE_FILE = 0x0002; // i_size_high holds the top 32 bits of a file size
export const RO_COMPAT_BTREE_DIR = 0x0004;
export const SUPPORTED_RO_COMPAT = RO_COMPAT_SPARSE_SUPER | RO_COMPAT_LARGE_FILE;

const INCOMPAT_NAMES: Record<number, string> = {
  0x0001: "compression",
  0x0002: "filetype",
  0x0004: "needs_recovery",
  0x0008: "journal_dev",
  0x0010: "meta_bg",
  0x0040: "extent",
  0x0080: "64bit",
  0x0100: "mmp",
  0x0200: "flex_bg",
  0x0400: "ea_inode",
  0x1000: "dirdata",
  0x2000: "metadata_csum_seed",
  0x4000: "large_dir",
  0x8000: "inline_data",
  0x10000: "encrypt",
  0x20000: "casefold",
};
const RO_COMPAT_NAMES: Record<number, string> = {
  0x0001: "sparse_super",
  0x0002: "large_file",
  0x0004: "btree_dir",
  0x0008: "huge_file",
  0x0010: "uninit_bg",
  0x0020: "dir_nlink",
  0x0040: "extra_isize",
  0x0100: "quota",
  0x0200: "bigalloc",
  0x0400: "metadata_csum",
  0x1000: "read-only",
  0x2000: "project",
  0x8000: "verity",
};

function featureNames(bits: number, names: Record<number, string>): string {
  const out: string[] = [];
  for (let b = 1; b !== 0 && b <= bits; b = (b << 1) >>> 0) {
    if (bits & b) out.push(names[b] ?? `0x${b.toString(16)}`);
  }
  return out.join(", ");
}

/** A view over the superblock's 1024 bytes. */
export class SuperblockView {
  private readonly dv: DataView;
  constructor(readonly bytes: Uint8Array) {
    if (bytes.length < SUPERBLOCK_SIZE) throw new Errno(EIO, "ext2: superblock is truncated");
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, SUPERBLOCK_SIZE);
  }
  private u16(o: number): number {
    return this.dv.getUint16(o, true);
  }
  private u32(o: number): number {
    return this.dv.getUint32(o, true);
  }
  private set16(o: number, v: number): void {
    this.dv.setUint16(o, v, true);
  }
  private set32(o: number, v: number): void {
    this.dv.setUint32(o, v >>> 0, true);
  }

  get inodesCount(): number {
    return this.u32(0);
  }
  get blocksCount(): number {
    return this.u32(4);
  }
  get rBlocksCount(): number {
    return this.u32(8);
  }
  get freeBlocksCount(): number {
    return this.u32(12);
  }
  set freeBlocksCount(v: number) {
    this.set32(12, v);
  }
  get freeInodesCount(): number {
    return this.u32(16);
  }
  set freeInodesCount(v: number) {
    this.set32(16, v);
  }
  get firstDataBlock(): number {
    return this.u32(20);
  }
  get logBlockSize(): number {
    return this.u32(24);
  }
  get blocksPerGroup(): number {
    return this.u32(32);
  }
  get inodesPerGroup(): number {
    return this.u32(40);
  }
  get mtime(): number {
    return this.u32(44);
  }
  set mtime(v: number) {
    this.set32(44, v);
  }
  get wtime(): number {
    return this.u32(48);
  }
  set wtime(v: number) {
    this.set32(48, v);
  }
  get mntCount(): number {
    return this.u16(52);
  }
  set mntCount(v: number) {
    this.set16(52, v & 0xffff);
  }
  get magic(): number {
    return this.u16(56);
  }
  get state(): number {
    return this.u16(58);
  }
  set state(v: number) {
    this.set16(58, v);
  }
  get revLevel(): number {
    return this.u32(76);
  }
  /** First non-reserved inode (11 before revision 1). */
  get firstIno(): number {
    return this.revLevel >= EXT2_DYNAMIC_REV ? this.u32(84) : EXT2_GOOD_OLD_FIRST_INO;
  }
  /** Bytes per on-disk inode (128 before revision 1). */
  get inodeSize(): number {
    return this.revLevel >= EXT2_DYNAMIC_REV ? this.u16(88) : EXT2_GOOD_OLD_INODE_SIZE;
  }
  get featureCompat(): number {
    return this.revLevel >= EXT2_DYNAMIC_REV ? this.u32(92) : 0;
  }
  get featureIncompat(): number {
    return this.revLevel >= EXT2_DYNAMIC_REV ? this.u32(96) : 0;
  }
  get featureRoCompat(): number {
    return this.revLevel >= EXT2_DYNAMIC_REV ? this.u32(100) : 0;
  }
  set featureRoCompat(v: number) {
    this.set32(100, v);
  }
  /** Blocks reserved after the group descriptors for growing the table (resize_inode). */
  get reservedGdtBlocks(): number {
    return this.featureCompat & COMPAT_RESIZE_INODE ? this.u16(206) : 0;
  }
  /** i_extra_isize new large inodes should get (0 if unset). */
  get wantExtraIsize(): number {
    return this.u16(350);
  }
  get blockSize(): number {
    return 1024 << this.logBlockSize;
  }
  get groupCount(): number {
    return Math.ceil((this.blocksCount - this.firstDataBlock) / this.blocksPerGroup);
  }
  hasIncompat(f: number): boolean {
    return (this.featureIncompat & f) !== 0;
  }
  hasRoCompat(f: number): boolean {
    return (this.featureRoCompat & f) !== 0;
  }
  hasCompat(f: number): boolean {
    return (this.featureCompat & f) !== 0;
  }
}

/** Checks the superblock's geometry against itself and a device of `deviceBytes`. */
export function checkSuperblock(sb: SuperblockView, deviceBytes: number): void {
  const bad = (what: string) => {
    throw new Errno(EIO, `ext2: bad superblock: ${what}`);
  };
  if (sb.magic !== EXT2_MAGIC) {
    bad(`magic is 0x${sb.magic.toString(16)}, not 0xef53 (not an ext2 file system)`);
  }
  if (sb.revLevel > EXT2_DYNAMIC_REV) bad(`revision ${sb.revLevel} is newer than 1`);
  if (sb.logBlockSize > 2) bad(`block size 1024 << ${sb.logBlockSize} is not 1, 2 or 4 KiB`);
  const bs = sb.blockSize;
  if (sb.firstDataBlock !== (bs === 1024 ? 1 : 0)) {
    bad(`first data block ${sb.firstDataBlock} does not suit ${bs}-byte blocks`);
  }
  const isz = sb.inodeSize;
  if (isz < 128 || isz > bs || (isz & (isz - 1)) !== 0) bad(`inode size ${isz}`);
  if (sb.blocksPerGroup === 0 || sb.blocksPerGroup > 8 * bs) {
    bad(`blocks per group ${sb.blocksPerGroup}`);
  }
  if (sb.inodesPerGroup === 0 || sb.inodesPerGroup > 8 * bs) {
    bad(`inodes per group ${sb.inodesPerGroup}`);
  }
  if (sb.blocksCount <= sb.firstDataBlock) bad(`block count ${sb.blocksCount}`);
  if (sb.inodesCount !== sb.groupCount * sb.inodesPerGroup) {
    bad(`inode count ${sb.inodesCount} is not ${sb.groupCount} groups × ${sb.inodesPerGroup}`);
  }
  if (sb.firstIno <= EXT2_ROOT_INO || sb.firstIno > sb.inodesCount) {
    bad(`first inode ${sb.firstIno}`);
  }
  if (sb.freeBlocksCount > sb.blocksCount) bad(`free block count ${sb.freeBlocksCount}`);
  if (sb.freeInodesCount > sb.inodesCount) bad(`free inode count ${sb.freeInodesCount}`);
  const needed = sb.blocksCount * bs;
  if (deviceBytes < needed) {
    throw new Errno(
      EIO,
      `ext2: device is truncated: it holds ${deviceBytes} bytes but the file system needs ${needed} (${sb.blocksCount} blocks of ${bs})`,
    );
  }
}

/**
 * Checks the feature flags: throws EIO for unknown INCOMPAT features; returns the names
 * of unknown RO_COMPAT features ("" if none), which force a read-only mount.
 */
export function checkFeatures(sb: SuperblockView): string {
  const incompat = sb.featureIncompat & ~SUPPORTED_INCOMPAT;
  if (incompat !== 0) {
    throw new Errno(
      EIO,
      `ext2: unsupported incompatible features: ${
        featureNames(incompat >>> 0, INCOMPAT_NAMES)
      } (this is an ext3/ext4 file system or newer than this driver)`,
    );
  }
  const ro = sb.featureRoCompat & ~SUPPORTED_RO_COMPAT;
  return ro === 0 ? "" : featureNames(ro >>> 0, RO_COMPAT_NAMES);
}

/** True if group `g` holds a superblock backup (all do without sparse_super). */
export function groupHasSuper(sb: SuperblockView, g: number): boolean {
  if (g <= 1 || !sb.hasRoCompat(RO_COMPAT_SPARSE_SUPER)) return true;
  if (g % 2 === 0) return false;
  for (const base of [3, 5, 7]) {
    let p = base;
    while (p < g) p *= base;
    if (p === g) return true;
  }
  return false;
}
