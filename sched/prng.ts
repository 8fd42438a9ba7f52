/**
 * prng.ts — the machine's seeded randomness: xoshiro128** (Blackman and Vigna, 2018),
 * seeded through SplitMix32 from one 32-bit seed.
 *
 * Rules: the only source of randomness in a run (getrandom hypercall, fault injection,
 * ISNs). Same seed, same sequence, on every host. Not cryptographic, by design: a
 * simulator wants reproducibility. Independent streams come from `fork(label)`, so adding
 * a consumer does not shift the numbers another consumer sees.
 */

function splitmix32(state: number): [number, number] {
  state = (state + 0x9e3779b9) >>> 0;
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return [(z ^ (z >>> 16)) >>> 0, state];
}

export class Prng {
  #s = new Uint32Array(4);

  constructor(readonly seed: number) {
    let st = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      const [v, ns] = splitmix32(st);
      this.#s[i] = v;
      st = ns;
    }
    if ((this.#s[0] | this.#s[1] | this.#s[2] | this.#s[3]) === 0) this.#s[0] = 1;
  }

  /** The next 32-bit unsigned value. */
  nextU32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A float in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  fill(buf: Uint8Array): void {
    let i = 0;
    for (; i + 4 <= buf.length; i += 4) {
      const v = this.nextU32();
      buf[i] = v;
      buf[i + 1] = v >>> 8;
      buf[i + 2] = v >>> 16;
      buf[i + 3] = v >>> 24;
    }
    if (i < buf.length) {
      let v = this.nextU32();
      for (; i < buf.length; i++, v >>>= 8) buf[i] = v;
    }
  }

  /** An independent stream derived from this seed and a label. */
  fork(label: string): Prng {
    let h = this.seed ^ 0x811c9dc5;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    return new Prng(h >>> 0);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
