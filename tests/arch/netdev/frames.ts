/** frames.ts (test support) — small hand-built Ethernet frames for netdev tests. */

/** A frame from `src` to `dst` (MACs as 6-number arrays) with `n` payload bytes. */
export function frame(dst: number[], src: number[], n = 46, fill = 0): Uint8Array {
  const f = new Uint8Array(14 + n);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = 0x88;
  f[13] = 0xb5; // IEEE local experimental EtherType
  f.fill(fill, 14);
  return f;
}

export const A = [0x52, 0x54, 0, 0x12, 0x34, 0x56];
export const B = [0x52, 0x54, 0, 0x12, 0x34, 0x57];
export const C = [0x52, 0x54, 0, 0x12, 0x34, 0x58];
export const BCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

/** An ARP request: who has 10.0.2.2, tell 10.0.2.15 (from A), padded to 60 bytes. */
export function arpRequest(): Uint8Array {
  const f = new Uint8Array(60);
  f.set(BCAST, 0);
  f.set(A, 6);
  f.set([0x08, 0x06], 12);
  f.set([0, 1, 0x08, 0, 6, 4, 0, 1], 14); // Ethernet, IPv4, sizes, request
  f.set(A, 22);
  f.set([10, 0, 2, 15], 28);
  f.set([0, 0, 0, 0, 0, 0], 32);
  f.set([10, 0, 2, 2], 38);
  return f;
}
