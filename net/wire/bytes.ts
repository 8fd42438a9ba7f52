/**
 * bytes.ts — big-endian (network order) integer reads and writes on a Uint8Array.
 *
 * Rules: plain index arithmetic, no DataView, so an out-of-range read yields garbage rather
 * than a RangeError; the views call these only after their length check, which is what
 * keeps every access in range. Reads return unsigned numbers; writes take the low bits.
 */

export function getU16(b: Uint8Array, off: number): number {
  return (b[off] << 8) | b[off + 1];
}

export function setU16(b: Uint8Array, off: number, v: number): void {
  b[off] = v >>> 8;
  b[off + 1] = v;
}

export function getU32(b: Uint8Array, off: number): number {
  return ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
}

export function setU32(b: Uint8Array, off: number, v: number): void {
  b[off] = v >>> 24;
  b[off + 1] = v >>> 16;
  b[off + 2] = v >>> 8;
  b[off + 3] = v;
}

/** Copies `src` into `dst` at `off` unless it already lies there (a payload built in place). */
export function placeBytes(dst: Uint8Array, off: number, src: Uint8Array): void {
  if (src.buffer === dst.buffer && src.byteOffset === dst.byteOffset + off) return;
  dst.set(src, off);
}
