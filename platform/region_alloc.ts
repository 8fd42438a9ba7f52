/**
 * region_alloc.ts — the platform's malloc: first-fit over address ranges, with coalescing.
 *
 * Rules: hands out aligned ranges of the regions it was given (on hw, the usable RAM the
 * multiboot map describes, less what boot reserved); 0 means out of memory (address 0 is
 * never handed out). `free` must name a range exactly as allocated.
 */

interface Span {
  base: number;
  len: number;
}

export class RegionAllocator {
  #free: Span[] = [];
  #used = new Map<number, number>();
  inUse = 0;

  constructor(regions: Span[]) {
    for (const r of regions) this.#insert(Math.max(r.base, 16), r.len - Math.max(0, 16 - r.base));
  }

  alloc(len: number, align = 16): number {
    if (len <= 0) len = 1;
    align = Math.max(align, 16);
    for (let i = 0; i < this.#free.length; i++) {
      const s = this.#free[i];
      const a = Math.ceil(s.base / align) * align;
      const pad = a - s.base;
      if (pad + len > s.len) continue;
      const tail = s.len - pad - len;
      const parts: Span[] = [];
      if (pad) parts.push({ base: s.base, len: pad });
      if (tail) parts.push({ base: a + len, len: tail });
      this.#free.splice(i, 1, ...parts);
      this.#used.set(a, len);
      this.inUse += len;
      return a;
    }
    return 0;
  }

  free(addr: number, len: number): void {
    const l = this.#used.get(addr);
    if (l === undefined) throw new Error(`free of unallocated address 0x${addr.toString(16)}`);
    if (len !== l && len !== 0) {
      throw new Error(`free of 0x${addr.toString(16)}: size ${len} != ${l}`);
    }
    this.#used.delete(addr);
    this.inUse -= l;
    this.#insert(addr, l);
  }

  /** Total free bytes. */
  get available(): number {
    return this.#free.reduce((n, s) => n + s.len, 0);
  }

  #insert(base: number, len: number): void {
    if (len <= 0) return;
    const f = this.#free;
    let i = 0;
    while (i < f.length && f[i].base < base) i++;
    f.splice(i, 0, { base, len });
    // Coalesce with the next, then the previous.
    if (i + 1 < f.length && f[i].base + f[i].len === f[i + 1].base) {
      f[i].len += f[i + 1].len;
      f.splice(i + 1, 1);
    }
    if (i > 0 && f[i - 1].base + f[i - 1].len === f[i].base) {
      f[i - 1].len += f[i].len;
      f.splice(i, 1);
    }
  }
}
