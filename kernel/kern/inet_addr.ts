/**
 * inet_addr.ts — IPv4 addresses as text (the kernel's own inet_addr, as NetBSD's libkern
 * has one): checks and parses the dotted quads that configs and command lines give.
 *
 * Rules: a dotted quad is four decimal parts joined by dots, with nothing before or
 * after; a part is one or two digits (a leading zero is allowed: "05" is 5, not octal) or
 * three digits from 100 to 255. Parsing never throws: bad text is `null` (or false), and
 * the caller words the error. An address is an unsigned 32-bit number, first part most significant
 * (10.0.0.1 is 0x0A000001).
 */

const DOTTED_QUAD = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** True if `s` is a dotted-quad IPv4 address ("10.0.2.15"). */
export function isIpv4Text(s: string): boolean {
  return DOTTED_QUAD.test(s);
}

/** The address `s` spells as an unsigned 32-bit number, or null if it is not a dotted quad. */
export function parseIpv4Text(s: string): number | null {
  if (!isIpv4Text(s)) return null;
  let a = 0;
  for (const part of s.split(".")) a = a * 256 + Number(part);
  return a;
}
