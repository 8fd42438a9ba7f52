/**
 * seq.ts — TCP sequence number arithmetic modulo 2^32 (RFC 9293 §3.4).
 *
 * Rules: sequence numbers are unsigned 32-bit numbers; comparisons hold when the two
 * numbers are less than 2^31 apart (the window is far smaller), by the sign of their
 * difference taken as a signed 32-bit integer — `a < b` means `(a − b) mod 2^32 ≥ 2^31`.
 * Every result that is a sequence number is returned unsigned (`>>> 0`).
 */

/** a < b. */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** a ≤ b. */
export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

/** a > b. */
export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

/** a ≥ b. */
export function seqGe(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

/** a + n (n may be negative), wrapped to 32 bits. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** The signed distance a − b, in [−2^31, 2^31) (bytes from b up to a). */
export function seqSub(a: number, b: number): number {
  return (a - b) | 0;
}

/** The later of a and b. */
export function seqMax(a: number, b: number): number {
  return seqLt(a, b) ? b >>> 0 : a >>> 0;
}

/** The earlier of a and b. */
export function seqMin(a: number, b: number): number {
  return seqLt(a, b) ? a >>> 0 : b >>> 0;
}

/** start ≤ s < start + len: s lies in a window of `len` bytes (RFC 9293 §3.10.7.4). */
export function seqInWindow(s: number, start: number, len: number): boolean {
  const d = (s - start) >>> 0;
  return d < len;
}
