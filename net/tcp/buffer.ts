/**
 * buffer.ts — a byte ring: the send and receive buffers of a connection (so_snd, so_rcv).
 *
 * Rules: bytes go in and out with Uint8Array.set and subarray only, never a per-byte loop.
 * `limit` is the buffer's size as the application sees it (SO_SNDBUF / SO_RCVBUF); the
 * backing store starts empty and doubles as needed up to the limit, so an idle connection
 * costs nothing. Offsets are from the oldest byte. `peek` returns a view when the range is
 * contiguous and otherwise a copy in a scratch array that the next `peek` reuses.
 * Cleared rings give their smallest stores to a bounded spare list that new rings take
 * first (an mbuf cluster pool in miniature): short connections then allocate no store,
 * and V8 sees no stream of short-lived ArrayBuffers. Bytes past `length` are never read,
 * so a reused store needs no zeroing.
 */

const MIN_STORE = 4096;
/** The store of every empty ring (never written: `#ensure` replaces it first). */
const NO_STORE = new Uint8Array(0);
/** Spare MIN_STORE stores, at most SPARE_MAX of them (1 MiB). */
const spares: Uint8Array<ArrayBuffer>[] = [];
const SPARE_MAX = 256;

export class ByteRing {
  #buf = NO_STORE;
  #head = 0;
  #len = 0;
  #scratch = NO_STORE;

  constructor(public limit: number) {}

  /** Bytes held. */
  get length(): number {
    return this.#len;
  }

  /** Bytes of backing store held (0 for an idle or cleared ring). */
  get storeBytes(): number {
    return this.#buf.length + this.#scratch.length;
  }

  /** Bytes that may still be added. */
  get space(): number {
    return Math.max(0, this.limit - this.#len);
  }

  /** Appends as much of `src` as fits; returns the count. */
  append(src: Uint8Array): number {
    const n = Math.min(src.length, this.space);
    if (n === 0) return 0;
    this.#ensure(this.#len + n);
    const cap = this.#buf.length;
    const tail = (this.#head + this.#len) % cap;
    const first = Math.min(n, cap - tail);
    this.#buf.set(n === src.length && first === n ? src : src.subarray(0, first), tail);
    if (first < n) this.#buf.set(src.subarray(first, n), 0);
    this.#len += n;
    return n;
  }

  /** `len` bytes starting `off` bytes in, as a view or a scratch copy. */
  peek(off: number, len: number): Uint8Array {
    const cap = this.#buf.length;
    if (len === 0) return this.#buf.subarray(0, 0);
    const start = (this.#head + off) % cap;
    if (start + len <= cap) return this.#buf.subarray(start, start + len);
    if (this.#scratch.length < len) this.#scratch = new Uint8Array(Math.max(len, 2048));
    const out = this.#scratch.subarray(0, len);
    const first = cap - start;
    out.set(this.#buf.subarray(start, cap), 0);
    out.set(this.#buf.subarray(0, len - first), first);
    return out;
  }

  /** Copies the oldest bytes into `dst` and removes them; returns the count. */
  read(dst: Uint8Array): number {
    const n = Math.min(dst.length, this.#len);
    if (n === 0) return 0;
    const cap = this.#buf.length;
    const first = Math.min(n, cap - this.#head);
    dst.set(this.#buf.subarray(this.#head, this.#head + first), 0);
    if (first < n) dst.set(this.#buf.subarray(0, n - first), first);
    this.drop(n);
    return n;
  }

  /** Removes the oldest `n` bytes. */
  drop(n: number): void {
    n = Math.min(n, this.#len);
    this.#len -= n;
    this.#head = this.#len === 0 ? 0 : (this.#head + n) % this.#buf.length;
  }

  /** Empties the ring and frees its store. */
  clear(): void {
    if (this.#buf.length === MIN_STORE && spares.length < SPARE_MAX) spares.push(this.#buf);
    this.#buf = NO_STORE;
    this.#scratch = NO_STORE;
    this.#head = this.#len = 0;
  }

  #ensure(need: number): void {
    const cap = this.#buf.length;
    if (need <= cap) return;
    let ncap = Math.max(cap * 2, MIN_STORE);
    while (ncap < need) ncap *= 2;
    const size = Math.max(need, Math.min(ncap, Math.max(this.limit, need)));
    const nbuf = size === MIN_STORE && spares.length > 0 ? spares.pop()! : new Uint8Array(size);
    if (this.#len > 0) {
      const first = Math.min(this.#len, cap - this.#head);
      nbuf.set(this.#buf.subarray(this.#head, this.#head + first), 0);
      if (first < this.#len) nbuf.set(this.#buf.subarray(0, this.#len - first), first);
    }
    this.#buf = nbuf;
    this.#head = 0;
  }
}
