/**
 * inet.ts — address helpers for apps (inet_aton(3) and friends): dotted-quad parsing and
 * the Internet checksum (RFC 1071), so apps that build packets need nothing of net/.
 *
 * Rules: pure. Only the strict dotted-quad form is accepted ("10.0.0.1": four decimal
 * parts 0–255, no leading zeros beyond "0"); names go to the libc's resolver
 * (gethostbyname in kernel/syscall/api.ts).
 */

/** True when `s` is a strict dotted-quad IPv4 address. */
export function isDottedQuad(s: string): boolean {
  const parts = s.split(".");
  if (parts.length !== 4) return false;
  return parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

/**
 * The Internet checksum of `b` (RFC 1071 §4.1): the ones'-complement of the ones'-
 * complement sum of the 16-bit big-endian words, an odd last byte padded with zero.
 */
export function inetChecksum(b: Uint8Array): number {
  let sum = 0;
  const even = b.length & ~1;
  for (let i = 0; i < even; i += 2) sum += (b[i] << 8) | b[i + 1];
  if (b.length & 1) sum += b[b.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
