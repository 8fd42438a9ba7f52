/**
 * pgalloc.ts — the kernel's page allocator: a binary buddy allocator of 4 KiB pages over
 * one arena of kernel memory (what uvm_pagealloc is to NetBSD, in the simplest form).
 *
 * Rules: the arena is taken once, from the malloc hypercall, when the kernel starts; the
 * allocator never asks the platform again. A block of order `o` is 2^o pages, aligned to
 * its own size relative to the arena's base; its buddy is the block whose offset differs
 * only in bit `o`. Freeing a block merges it with its buddy while the buddy is free and of
 * the same order (coalescing); allocating splits a larger block in halves, keeping the
 * upper half free (splitting). An arena that is not a power of two is covered by the
 * largest aligned blocks that fit. Out of pages is `0`, never an exception: callers turn
 * it into ENOMEM or ENOBUFS. Free lists are doubly linked through per-page arrays and used
 * as stacks, so the order of hand-outs is defined (deterministic runs).
 */

export const PAGE_SHIFT = 12;
/** Bytes in a page. */
export const PAGE_SIZE = 1 << PAGE_SHIFT;
/** The largest block order any arena uses (2^20 pages = 4 GiB). */
export const MAX_ORDER_LIMIT = 20;

const NONE = -1;

/** Counters for `vm.pages` and vmstat-style listings. */
export interface PageStats {
  pagesize: number;
  /** Pages in the arena. */
  total: number;
  free: number;
  inuse: number;
  /** Free blocks of each order, index = order. */
  freeBlocks: number[];
  /** Successful allocations and failed ones (out of pages or a too-large request). */
  allocs: number;
  fails: number;
  frees: number;
}

export class PageAllocator {
  /** Address of the arena's first page. */
  readonly base: number;
  /** Pages in the arena. */
  readonly npages: number;
  /** The largest order a block may have here. */
  readonly maxOrder: number;
  /** Per page: the order of the free block it heads, or NONE. */
  readonly #freeOrder: Int8Array;
  /** Per page: the order of the allocated block it heads, or NONE. */
  readonly #usedOrder: Int8Array;
  /** Free-list links, per page (only meaningful for heads of free blocks). */
  readonly #next: Int32Array;
  readonly #prev: Int32Array;
  /** Head page of each order's free list, or NONE. */
  readonly #head: Int32Array;
  #freeBlocks: number[];
  #freePages = 0;
  allocs = 0;
  fails = 0;
  frees = 0;

  /** Manages `npages` pages starting at `base` (page aligned). */
  constructor(base: number, npages: number) {
    if (base % PAGE_SIZE !== 0) {
      throw new Error(`pgalloc: arena base 0x${base.toString(16)} is not page aligned`);
    }
    this.base = base;
    this.npages = Math.max(0, Math.floor(npages));
    let mo = 0;
    while (mo < MAX_ORDER_LIMIT && 2 ** (mo + 1) <= this.npages) mo++;
    this.maxOrder = mo;
    this.#freeOrder = new Int8Array(this.npages).fill(NONE);
    this.#usedOrder = new Int8Array(this.npages).fill(NONE);
    this.#next = new Int32Array(this.npages);
    this.#prev = new Int32Array(this.npages);
    this.#head = new Int32Array(mo + 1).fill(NONE);
    this.#freeBlocks = new Array(mo + 1).fill(0);
    // Cover the arena with the largest aligned blocks that fit, from the top down so that
    // the low addresses end up first on each free list.
    const blocks: [number, number][] = [];
    for (let p = 0; p < this.npages;) {
      let o = mo;
      while (o > 0 && (p % 2 ** o !== 0 || p + 2 ** o > this.npages)) o--;
      blocks.push([p, o]);
      p += 2 ** o;
    }
    for (let i = blocks.length - 1; i >= 0; i--) this.#push(blocks[i][0], blocks[i][1]);
  }

  /** The order of the smallest block holding `n` pages (n ≥ 1). */
  static orderFor(n: number): number {
    let o = 0;
    while (2 ** o < n) o++;
    return o;
  }

  /** Allocates a block of 2^order pages; returns its address, or 0 when there is none. */
  alloc(order = 0): number {
    if (!Number.isInteger(order) || order < 0 || order > this.maxOrder) {
      this.fails++;
      return 0;
    }
    let o = order;
    while (o <= this.maxOrder && this.#head[o] === NONE) o++;
    if (o > this.maxOrder) {
      this.fails++;
      return 0;
    }
    const p = this.#head[o];
    this.#unlink(p, o);
    // Split: keep the lower half, free the upper half, until the order fits.
    while (o > order) {
      o--;
      this.#push(p + 2 ** o, o);
    }
    this.#usedOrder[p] = order;
    this.allocs++;
    return this.base + p * PAGE_SIZE;
  }

  /** Frees a block `alloc` returned; its order is remembered. */
  free(addr: number): void {
    const p = this.#pageOf(addr);
    let o = this.#usedOrder[p];
    if (o === NONE) {
      throw new Error(`pgalloc: free of 0x${addr.toString(16)}, which is not allocated`);
    }
    this.#usedOrder[p] = NONE;
    this.frees++;
    let head = p;
    while (o < this.maxOrder) {
      const buddy = head ^ (2 ** o);
      if (buddy + 2 ** o > this.npages || this.#freeOrder[buddy] !== o) break;
      this.#unlink(buddy, o);
      head = Math.min(head, buddy);
      o++;
    }
    this.#push(head, o);
  }

  /** The order of the allocated block at `addr`, or -1 if none starts there. */
  orderOf(addr: number): number {
    const off = addr - this.base;
    if (off < 0 || off % PAGE_SIZE !== 0 || off / PAGE_SIZE >= this.npages) return NONE;
    return this.#usedOrder[off / PAGE_SIZE];
  }

  /** True if `addr` lies inside the arena. */
  contains(addr: number): boolean {
    return addr >= this.base && addr < this.base + this.npages * PAGE_SIZE;
  }

  get freePages(): number {
    return this.#freePages;
  }

  stats(): PageStats {
    return {
      pagesize: PAGE_SIZE,
      total: this.npages,
      free: this.#freePages,
      inuse: this.npages - this.#freePages,
      freeBlocks: [...this.#freeBlocks],
      allocs: this.allocs,
      fails: this.fails,
      frees: this.frees,
    };
  }

  #pageOf(addr: number): number {
    const off = addr - this.base;
    if (off < 0 || off % PAGE_SIZE !== 0 || off / PAGE_SIZE >= this.npages) {
      throw new Error(`pgalloc: 0x${addr.toString(16)} is not a page of the arena`);
    }
    return off / PAGE_SIZE;
  }

  #push(p: number, o: number): void {
    const h = this.#head[o];
    this.#next[p] = h;
    this.#prev[p] = NONE;
    if (h !== NONE) this.#prev[h] = p;
    this.#head[o] = p;
    this.#freeOrder[p] = o;
    this.#freeBlocks[o]++;
    this.#freePages += 2 ** o;
  }

  #unlink(p: number, o: number): void {
    const n = this.#next[p], pr = this.#prev[p];
    if (pr !== NONE) this.#next[pr] = n;
    else this.#head[o] = n;
    if (n !== NONE) this.#prev[n] = pr;
    this.#freeOrder[p] = NONE;
    this.#freeBlocks[o]--;
    this.#freePages -= 2 ** o;
  }
}
