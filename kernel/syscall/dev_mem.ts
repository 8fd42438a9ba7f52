/**
 * dev_mem.ts — the memory pseudo-devices of NetBSD's mem(4) that a shell needs: null
 * (discards what is written, reads end of file at once) and zero (discards what is
 * written, reads as many zero bytes as asked). A file system that has device nodes (fs/
 * devfs) calls these from its read and write operations.
 *
 * Rules: pure functions of the buffer; they never wait and never fail. The device numbers
 * are NetBSD/amd64's: mem is character major 2, null minor 2, zero minor 12.
 */

/** One character device: its name, number, and transfer functions. */
export interface MemDev {
  readonly name: string;
  /** makedev(major, minor) as NetBSD packs it for small numbers: major << 8 | minor. */
  readonly rdev: number;
  /** Fills `buf` as a read would; returns the byte count (0 is end of file). */
  read(buf: Uint8Array): number;
  /** Takes `buf` as a write would; returns the byte count. */
  write(buf: Uint8Array): number;
}

const MEM_MAJOR = 2;

function makedev(major: number, minor: number): number {
  return (major << 8) | minor;
}

/** /dev/null. */
export const devNull: MemDev = {
  name: "null",
  rdev: makedev(MEM_MAJOR, 2),
  read: () => 0,
  write: (buf) => buf.length,
};

/** /dev/zero. */
export const devZero: MemDev = {
  name: "zero",
  rdev: makedev(MEM_MAJOR, 12),
  read(buf) {
    buf.fill(0);
    return buf.length;
  },
  write: (buf) => buf.length,
};

/** The devices, in directory order. */
export const MEM_DEVICES: readonly MemDev[] = [devNull, devZero];
