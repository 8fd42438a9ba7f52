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

/**
 * Within a 256-byte-aligned block only the low byte of `lo` varies, so the block is the
 * table row for c = (lo >>> 8 ^ lo >>> 16 ^ lo >>> 24 ^ hi) & 0xff: BLOCKS[c][j] is
 * patternByte of the block's byte j. Fill and check work a block at a time.
 */
const BLOCKS: Uint8Array[] = Array.from({ length: 256 }, (_, c) => {
  const row = new Uint8Array(256);
  for (let j = 0; j < 256; j++) row[j] = (((j ^ c) & 0xff) * 151 + 7) & 0xff;
  return row;
});

function blockRow(i: number): Uint8Array {
  const lo = i % 0x100000000;
  const hi = Math.floor(i / 0x100000000);
  return BLOCKS[((lo >>> 8) ^ (lo >>> 16) ^ (lo >>> 24) ^ hi) & 0xff];
}

/** Fills `buf` with the pattern starting at stream offset `offset`. */
export function fillPattern(buf: Uint8Array, offset: number): void {
  for (let k = 0; k < buf.length;) {
    const i = offset + k;
    const j = i & 0xff;
    const n = Math.min(256 - j, buf.length - k);
    buf.set(blockRow(i).subarray(j, j + n), k);
    k += n;
  }
}

/** The expected bytes, built by fillPattern, for checkPattern to compare word by word. */
let expect = new Int32Array(0);

/** Index in `buf` of the first byte that is not the pattern at `offset`, or -1. */
export function checkPattern(buf: Uint8Array, offset: number): number {
  const words = buf.length >>> 2;
  if ((buf.byteOffset & 3) === 0 && words >= 16) {
    // Fill the expected bytes (block copies), then compare 4 bytes at a time; a mismatch
    // is located byte by byte below, from the word it lies in.
    if (expect.length < words + 1) expect = new Int32Array(words + 1);
    const eb = new Uint8Array(expect.buffer, 0, buf.length);
    fillPattern(eb, offset);
    const got = new Int32Array(buf.buffer, buf.byteOffset, words);
    let w = 0;
    while (w < words && got[w] === expect[w]) w++;
    for (let k = w * 4; k < buf.length; k++) if (buf[k] !== eb[k]) return k;
    return -1;
  }
  for (let k = 0; k < buf.length;) {
    const i = offset + k;
    const j = i & 0xff;
    const n = Math.min(256 - j, buf.length - k);
    const row = blockRow(i);
    for (let m = 0; m < n; m++) if (buf[k + m] !== row[j + m]) return k + m;
    k += n;
  }
  return -1;
}
