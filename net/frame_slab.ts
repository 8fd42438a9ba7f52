/**
 * frame_slab.ts — cheap private buffers for frames and datagrams: each is carved from a
 * larger ArrayBuffer (a slab) instead of getting an ArrayBuffer of its own, which costs a
 * host allocation and garbage-collector work per frame on the bulk path.
 *
 * Rules:
 *   - A carved region is never handed out twice: the slab only moves forward and a full
 *     slab is dropped (the garbage collector frees it once no carved view is alive), so a
 *     buffer is as private as a fresh `new Uint8Array(n)` and starts zeroed.
 *   - Every region starts at an 8-byte boundary after a guard of GUARD_BYTES that belongs
 *     to it alone, so `prepend` (ether.ts), which frames a datagram in place whenever its
 *     buffer has room in front, never reaches a neighbour.
 *   - Requests above `maxCarve` get an ArrayBuffer of their own.
 */

/** Slab size: some 40 Ethernet frames. */
export const SLAB_BYTES = 64 * 1024;

/** Bytes in front of each region that are its own (at least MAX_LINKHDR). */
export const GUARD_BYTES = 16;

export class FrameSlab {
  #slab = new Uint8Array(0);
  #used = 0;

  constructor(readonly slabBytes = SLAB_BYTES, readonly maxCarve = 2048) {}

  /** A zeroed buffer of `n` bytes that nothing else will ever see. */
  alloc(n: number): Uint8Array {
    if (n > this.maxCarve) return new Uint8Array(n);
    let at = this.#used + GUARD_BYTES;
    if (at + n > this.#slab.length) {
      this.#slab = new Uint8Array(this.slabBytes);
      at = GUARD_BYTES;
    }
    this.#used = (at + n + 7) & ~7;
    return this.#slab.subarray(at, at + n);
  }

  /** A private copy of `src` (Uint8Array.prototype.slice, carved). */
  copy(src: Uint8Array): Uint8Array {
    const b = this.alloc(src.length);
    b.set(src);
    return b;
  }
}
