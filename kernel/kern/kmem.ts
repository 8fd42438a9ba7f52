/**
 * kmem.ts — kernel memory: power-of-two buckets carved from pages (NetBSD's kmem(9) over
 * its pool caches, in the simplest form), and the arena they all come from.
 *
 * Rules: sizes 16 B … 2 KiB come from buckets of power-of-two objects; each bucket takes
 * whole pages from the page allocator, cuts them into equal objects (each aligned to its
 * size) and gives a page back as soon as none of its objects is in use. Larger sizes take
 * a run of whole pages (a buddy block). `alloc` returns 0 when memory is out — it never
 * throws for that; callers turn it into ENOMEM/ENOBUFS. `free` must give the length that
 * was asked for (kmem_free(9)'s rule); a wrong length or a double free is a kernel bug
 * and throws (the alignment need not be repeated). The arena is taken once at boot:
 * min(RUMP_MEMLIMIT, the largest block malloc can give) — without a limit, three quarters
 * of that block, the rest staying the platform's for DMA — so the memory limit is
 * enforced by the arena's size. Alignment above a page is not supported (virtqueues need
 * 4 KiB, which every page run has).
 */
import type { Rumpuser } from "../hypercall/rumpuser.ts";
import { PAGE_SIZE, PageAllocator, type PageStats } from "./pgalloc.ts";
import type { Sysctl } from "./sysctl.ts";

/** The smallest and the largest bucket sizes. */
export const KMEM_MIN = 16;
export const KMEM_MAX = 2048;

/** One bucket's counters (vmstat -m). */
export interface BucketStats {
  size: number;
  /** Objects in use. */
  inuse: number;
  /** Successful allocations ever. */
  calls: number;
  /** Allocations that found no memory. */
  fails: number;
  /** Pages the bucket holds now. */
  pages: number;
}

/** Counters for `kern.malloc`. */
export interface KmemStats {
  /** Bytes asked for and not yet freed. */
  inuse: number;
  /** Bytes of the arena. */
  limit: number;
  buckets: BucketStats[];
  /** Allocations larger than a bucket (whole page runs). */
  large: { inuse: number; calls: number; fails: number; pages: number };
}

/** A page carved into objects of one size. */
interface Slab {
  addr: number;
  /** Offsets of free objects, used as a stack. */
  free: number[];
  inuse: number;
  /** Whether the slab is on its bucket's list of slabs with free objects. */
  partial: boolean;
  bucket: Bucket;
}

class Bucket {
  /** Slabs with at least one free object; the first is used first. */
  readonly partial: Slab[] = [];
  inuse = 0;
  calls = 0;
  fails = 0;
  pages = 0;
  constructor(readonly size: number) {}
}

export class Kmem {
  readonly pages: PageAllocator;
  readonly #buckets: Bucket[] = [];
  /** Slabs by page address. */
  readonly #slabs = new Map<number, Slab>();
  /** Bytes asked for and not yet freed. */
  inUse = 0;
  #large = { inuse: 0, calls: 0, fails: 0, pages: 0 };

  constructor(pages: PageAllocator) {
    this.pages = pages;
    for (let s = KMEM_MIN; s <= KMEM_MAX; s *= 2) this.#buckets.push(new Bucket(s));
  }

  /**
   * Takes the arena from the platform: the largest page-aligned block malloc gives, at
   * most `limit` bytes (RUMP_MEMLIMIT, Infinity for none) and at most `ceiling` bytes.
   */
  static fromHypercall(hyp: Rumpuser, limit: number, ceiling: number): Kmem {
    const want = Math.floor(Math.min(limit, ceiling) / PAGE_SIZE);
    // Binary search for the largest page count malloc can give (it may be fragmented).
    let lo = 0, hi = want, base = 0;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      const a = hyp.malloc(mid * PAGE_SIZE, PAGE_SIZE);
      if (a !== 0) {
        hyp.free(a, mid * PAGE_SIZE);
        lo = mid;
      } else hi = mid - 1;
    }
    // Leave a quarter of what malloc can give to the platform: DMA memory for device
    // rings and buffers comes from the same allocator (rumpcomp_pci_dmalloc).
    if (lo > 0 && limit === Infinity) lo = Math.floor((lo * 3) / 4);
    if (lo > 0) base = hyp.malloc(lo * PAGE_SIZE, PAGE_SIZE);
    return new Kmem(new PageAllocator(base === 0 ? PAGE_SIZE : base, base === 0 ? 0 : lo));
  }

  /** Allocates `len` bytes aligned to `align` (≤ a page); returns the address or 0. */
  alloc(len: number, align = 8): number {
    if (!(len > 0) || align > PAGE_SIZE) return 0;
    const size = Math.max(len, align);
    if (size > KMEM_MAX) {
      const a = this.pages.alloc(PageAllocator.orderFor(Math.ceil(len / PAGE_SIZE)));
      if (a === 0) {
        this.#large.fails++;
        return 0;
      }
      this.#large.calls++;
      this.#large.inuse++;
      this.#large.pages += 2 ** this.pages.orderOf(a);
      this.inUse += len;
      return a;
    }
    const b = this.#bucketFor(size);
    let s = b.partial[0];
    if (!s) {
      const page = this.pages.alloc(0);
      if (page === 0) {
        b.fails++;
        return 0;
      }
      s = { addr: page, free: [], inuse: 0, partial: true, bucket: b };
      for (let off = PAGE_SIZE - b.size; off >= 0; off -= b.size) s.free.push(off);
      this.#slabs.set(page, s);
      b.partial.push(s);
      b.pages++;
    }
    const off = s.free.pop()!;
    s.inuse++;
    if (s.free.length === 0) {
      b.partial.shift();
      s.partial = false;
    }
    b.inuse++;
    b.calls++;
    this.inUse += len;
    return s.addr + off;
  }

  /** Frees `len` bytes at `addr`, as allocated by `alloc(len, align)`. */
  free(addr: number, len: number): void {
    const page = addr - ((addr - this.pages.base) % PAGE_SIZE);
    const s = len <= KMEM_MAX ? this.#slabs.get(page) : undefined;
    if (!s) {
      const order = this.pages.orderOf(addr);
      if (order < 0 || order !== PageAllocator.orderFor(Math.ceil(Math.max(len, 1) / PAGE_SIZE))) {
        throw new Error(`kmem_free: 0x${addr.toString(16)} (${len} bytes) was not allocated so`);
      }
      this.#large.pages -= 2 ** order;
      this.#large.inuse--;
      this.pages.free(addr);
      this.inUse -= len;
      return;
    }
    const b = s.bucket;
    const off = addr - page;
    if (off % b.size !== 0 || len > b.size) {
      throw new Error(`kmem_free: 0x${addr.toString(16)} (${len} bytes) was not allocated so`);
    }
    if (s.free.includes(off)) throw new Error(`kmem_free: 0x${addr.toString(16)} freed twice`);
    s.free.push(off);
    s.inuse--;
    b.inuse--;
    this.inUse -= len;
    if (s.inuse === 0) {
      // The page is empty: give it back to the page allocator.
      if (s.partial) b.partial.splice(b.partial.indexOf(s), 1);
      this.#slabs.delete(page);
      this.pages.free(page);
      b.pages--;
    } else if (!s.partial) {
      s.partial = true;
      b.partial.push(s);
    }
  }

  /** Bytes the arena holds. */
  get limit(): number {
    return this.pages.npages * PAGE_SIZE;
  }

  stats(): KmemStats {
    return {
      inuse: this.inUse,
      limit: this.limit,
      buckets: this.#buckets.map((b) => ({
        size: b.size,
        inuse: b.inuse,
        calls: b.calls,
        fails: b.fails,
        pages: b.pages,
      })),
      large: { ...this.#large },
    };
  }

  pageStats(): PageStats {
    return this.pages.stats();
  }

  /** Registers `kern.malloc` and `vm.pages`. */
  registerSysctl(sysctl: Sysctl): void {
    sysctl.register("kern.malloc", () => this.stats());
    sysctl.register("vm.pages", () => this.pageStats());
  }

  #bucketFor(size: number): Bucket {
    let i = 0;
    while (this.#buckets[i].size < size) i++;
    return this.#buckets[i];
  }
}
