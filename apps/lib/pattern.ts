/**
 * pattern.ts — the deterministic byte pattern bulk transfers carry, so a receiver can
 * check every byte without the sender's help.
 *
 * Rules: byte i of a stream depends on i alone and differs for offsets that are multiples
 * of 256 apart, so a lost, duplicated or shifted segment shows as a mismatch (a plain
 * i & 0xff pattern would hide a shift by 256). Pure.
 */

/** Byte `i` of the pattern (i < 2^53). */
export function patternByte(i: number): number {
  const lo = i % 0x100000000;
  const hi = Math.floor(i / 0x100000000);
  const x = (lo ^ (lo >>> 8) ^ (lo >>> 16) ^ (lo >>> 24) ^ hi) & 0xff;
  return (x * 151 + 7) & 0xff;
}

/** Fills `buf` with the pattern starting at stream offset `offset`. */
export function fillPattern(buf: Uint8Array, offset: number): void {
  for (let k = 0; k < buf.length; k++) buf[k] = patternByte(offset + k);
}

/** Index in `buf` of the first byte that is not the pattern at `offset`, or -1. */
export function checkPattern(buf: Uint8Array, offset: number): number {
  for (let k = 0; k < buf.length; k++) if (buf[k] !== patternByte(offset + k)) return k;
  return -1;
}
