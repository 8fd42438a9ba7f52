/**
 * isn.ts — initial sequence numbers per RFC 6528: ISN = M + F(localip, localport,
 * remoteip, remoteport, secretkey).
 *
 * Rules: M is a clock ticking every 4 µs (RFC 9293 §3.4.1); F is a keyed hash of the
 * 4-tuple, here HalfSipHash-2-4 (Aumasson–Bernstein's 32-bit SipHash variant) under a
 * 64-bit secret drawn once from the environment's randomness. So successive connections
 * of one 4-tuple get increasing ISNs, while other tuples' ISNs are unpredictable.
 */

function rotl(x: number, b: number): number {
  return (x << b) | (x >>> (32 - b));
}

/** HalfSipHash-2-4 of 32-bit words under the key (k0, k1); a 32-bit result. */
export function halfSipHash(k0: number, k1: number, words: readonly number[]): number {
  let v0 = k0 | 0, v1 = k1 | 0, v2 = 0x6c796765 ^ k0, v3 = 0x74656462 ^ k1;
  const round = () => {
    v0 = (v0 + v1) | 0;
    v1 = rotl(v1, 5) ^ v0;
    v0 = rotl(v0, 16);
    v2 = (v2 + v3) | 0;
    v3 = rotl(v3, 8) ^ v2;
    v0 = (v0 + v3) | 0;
    v3 = rotl(v3, 7) ^ v0;
    v2 = (v2 + v1) | 0;
    v1 = rotl(v1, 13) ^ v2;
    v2 = rotl(v2, 16);
  };
  for (const m of words) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  const b = (words.length * 4) << 24;
  v3 ^= b;
  round();
  round();
  v0 ^= b;
  v2 ^= 0xff;
  round();
  round();
  round();
  round();
  return (v1 ^ v3) >>> 0;
}

export class IsnGenerator {
  readonly #k0: number;
  readonly #k1: number;

  constructor(random32: () => number, readonly now: () => number) {
    this.#k0 = random32();
    this.#k1 = random32();
  }

  /**
   * HalfSipHash of `words` under the same secret (the SYN cache's cookies and the
   * timestamp offsets use it, each with a tag word of its own first).
   */
  keyedHash(words: readonly number[]): number {
    return halfSipHash(this.#k0, this.#k1, words);
  }

  /** The ISN for a connection from laddr:lport to faddr:fport. */
  isn(laddr: number, lport: number, faddr: number, fport: number): number {
    const m = Math.floor(this.now() / 4000);
    const f = halfSipHash(this.#k0, this.#k1, [laddr, faddr, ((lport << 16) | fport) >>> 0]);
    return (m + f) >>> 0;
  }
}
