/**
 * checksum.ts — the Internet checksum (RFC 1071) and the IPv4 pseudo-header (RFC 768, RFC
 * 9293 §3.1).
 *
 * Rules: a *sum* is the 16-bit one's complement sum of big-endian words, folded (0..0xFFFF,
 * 0 only when every word is 0); a *checksum* is its complement, as written on the wire.
 * Sums combine by one's complement addition (`combine`) in any order (RFC 1071 §2(A)); a
 * sum of a chunk that starts at an odd offset of the whole must be byte-swapped first
 * (`swap16`, RFC 1071 §2(B)). An odd trailing byte is padded with a zero low byte.
 *
 * Speed: this is on the bulk TCP path. Past a short prefix the bytes are read as native
 * 32-bit words (a Uint32Array over the aligned middle) whose two 16-bit halves are added
 * into two small-integer accumulators (exact for CHUNK_WORDS words, and never leaving
 * int32 arithmetic); 65536 ≡ 1 (mod 65535) makes those sums equal the 16-bit one's
 * complement sum, and the host byte order is undone by one swap at the end (§2(B)).
 */

/** True on little-endian hosts (every host Deno runs on today, but say so once). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Below this many bytes the plain word loop beats setting up a Uint32Array. */
const SHORT = 64;

/** Words per small-integer accumulation: 2^14 × (2^16 − 1) < 2^30. */
const CHUNK_WORDS = 1 << 14;

/** Folds any non-negative integer below 2^53 to a 16-bit one's complement sum. */
export function fold(x: number): number {
  if (x < 0x100000000) {
    // End-around carry twice: below 2^32 that always lands in 0..0xFFFF (0 only for 0).
    x = (x >>> 16) + (x & 0xffff);
    return (x >>> 16) + (x & 0xffff);
  }
  return ((x - 1) % 0xffff) + 1;
}

/** Swaps the bytes of a 16-bit sum (the sum of a chunk placed at an odd offset). */
export function swap16(sum: number): number {
  return ((sum & 0xff) << 8) | (sum >>> 8);
}

/** One's complement addition of two sums. */
export function combine(a: number, b: number): number {
  return fold(a + b);
}

/**
 * The folded one's complement sum of `bytes[start, end)` read as big-endian 16-bit words,
 * plus the partial sum `initial` (e.g. from `pseudoHeaderSum`). Not complemented.
 */
export function onesSum(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
  if (start < 0) start = 0;
  if (end > bytes.length) end = bytes.length;
  let sum = initial;
  let i = start;
  if (end - start >= SHORT) {
    // Head: bytes up to a 4-byte boundary of the underlying buffer, in order from start.
    const head = (4 - ((bytes.byteOffset + i) & 3)) & 3;
    for (let k = 0; k < head; k++, i++) sum += (k & 1) === 0 ? bytes[i] << 8 : bytes[i];
    // Middle: native 32-bit words.
    const words = (end - i) >>> 2;
    const u32 = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
    let mid = 0;
    for (let w0 = 0; w0 < words; w0 += CHUNK_WORDS) {
      const w1 = Math.min(words, w0 + CHUNK_WORDS);
      let a = 0, b = 0;
      for (let w = w0; w < w1; w++) {
        const x = u32[w];
        a += x & 0xffff;
        b += x >>> 16;
      }
      mid = fold(mid + fold(a) + fold(b));
    }
    // A native word at an even distance from start is byte-swapped on a little-endian host;
    // at an odd distance the swap of the distance and the swap of the host cancel.
    const evenDistance = (head & 1) === 0;
    sum += LITTLE_ENDIAN === evenDistance ? swap16(mid) : mid;
    i += words * 4;
    // Tail: the last 0..3 bytes, parity again counted from start.
    for (; i < end; i++) sum += ((i - start) & 1) === 0 ? bytes[i] << 8 : bytes[i];
    return fold(sum);
  }
  const last = end - 1;
  for (; i < last; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  if (i < end) sum += bytes[i] << 8;
  return fold(sum);
}

/**
 * The RFC 1071 checksum of `bytes[start, end)` with the partial sum `initial` added:
 * the value to write into a checksum field (which must be zero while it is computed).
 */
export function checksum(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
  return ~onesSum(bytes, start, end, initial) & 0xffff;
}

/**
 * True if `bytes[start, end)`, checksum field included, sums (with `initial`) to 0xFFFF:
 * the receiver's check (RFC 1071 §1).
 */
export function verifyChecksum(
  bytes: Uint8Array,
  start = 0,
  end = bytes.length,
  initial = 0,
): boolean {
  return onesSum(bytes, start, end, initial) === 0xffff;
}

/**
 * The sum of the IPv4 pseudo-header (RFC 768; RFC 9293 §3.1): source and destination
 * address, zero, protocol, and the transport length (header + data) in bytes.
 */
export function pseudoHeaderSum(src: number, dst: number, proto: number, len: number): number {
  return fold(
    (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + (proto & 0xff) +
      (len & 0xffff),
  );
}

/**
 * The checksum after one 16-bit word of the covered data changes from `oldWord` to
 * `newWord`, without summing again (RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')).
 */
export function updateChecksum(cksum: number, oldWord: number, newWord: number): number {
  return ~fold((~cksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff)) & 0xffff;
}
