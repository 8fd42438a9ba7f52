import assert from "node:assert/strict";
import { Kmem, type KmemStats } from "../../../kernel/kern/kmem.ts";
import { PAGE_SIZE, PageAllocator, type PageStats } from "../../../kernel/kern/pgalloc.ts";
import { Prng } from "../../../sched/mod.ts";
import { runInKernel } from "../../support/kernel.ts";

const BASE = 0x200000;

function kmem(npages: number): Kmem {
  return new Kmem(new PageAllocator(BASE, npages));
}

Deno.test("kmem: small sizes come from power-of-two buckets, each object aligned to its size", () => {
  const m = kmem(16);
  for (const [len, size] of [[1, 16], [16, 16], [17, 32], [100, 128], [2048, 2048]]) {
    const a = m.alloc(len);
    assert.notEqual(a, 0);
    assert.equal(a % size, 0, `${len} bytes at 0x${a.toString(16)}`);
  }
  const b = m.stats().buckets;
  assert.deepEqual(b.map((x) => x.size), [16, 32, 64, 128, 256, 512, 1024, 2048]);
  assert.equal(b[0].inuse, 2);
  assert.equal(b[1].inuse, 1);
  assert.equal(m.inUse, 1 + 16 + 17 + 100 + 2048);
});

Deno.test("kmem: one page holds PAGE_SIZE/size objects and goes back to the page allocator when empty", () => {
  const m = kmem(8);
  const objs = Array.from({ length: PAGE_SIZE / 64 }, () => m.alloc(64));
  assert.equal(new Set(objs.map((a) => a - (a % PAGE_SIZE))).size, 1, "all on one page");
  assert.equal(m.pages.freePages, 7);
  const more = m.alloc(64);
  assert.equal(m.pages.freePages, 6, "a second page for the 65th object");
  m.free(more, 64);
  assert.equal(m.pages.freePages, 7);
  for (const a of objs) m.free(a, 64);
  assert.equal(m.pages.freePages, 8);
  assert.equal(m.inUse, 0);
  assert.equal(m.stats().buckets[2].pages, 0);
});

Deno.test("kmem: sizes above 2 KiB take a run of whole pages", () => {
  const m = kmem(16);
  const a = m.alloc(3000);
  assert.equal(a % PAGE_SIZE, 0);
  assert.equal(m.pages.freePages, 15);
  const b = m.alloc(3 * PAGE_SIZE); // rounded to a 4-page block
  assert.equal(m.pages.freePages, 11);
  assert.equal(m.stats().large.pages, 5);
  m.free(b, 3 * PAGE_SIZE);
  m.free(a, 3000);
  assert.equal(m.pages.freePages, 16);
});

Deno.test("kmem: alignment up to a page is honoured, and free need not repeat it", () => {
  const m = kmem(8);
  const a = m.alloc(8, 512);
  assert.equal(a % 512, 0);
  const p = m.alloc(100, PAGE_SIZE);
  assert.equal(p % PAGE_SIZE, 0);
  assert.equal(m.alloc(8, 2 * PAGE_SIZE), 0, "more than a page of alignment is refused");
  m.free(a, 8);
  m.free(p, 100);
  assert.equal(m.pages.freePages, 8);
});

Deno.test("kmem: out of memory is 0, counted per bucket, and never an exception", () => {
  const m = kmem(2);
  assert.notEqual(m.alloc(2 * PAGE_SIZE), 0);
  assert.equal(m.alloc(16), 0);
  assert.equal(m.alloc(5000), 0);
  assert.equal(m.alloc(0), 0, "zero bytes is not an allocation");
  const s = m.stats();
  assert.equal(s.buckets[0].fails, 1);
  assert.equal(s.large.fails, 1);
});

Deno.test("kmem: a free with the wrong length or a double free throws", () => {
  const m = kmem(8);
  const a = m.alloc(32);
  assert.throws(() => m.free(a, 64), /was not allocated so/);
  const b = m.alloc(32);
  m.free(b, 32);
  assert.throws(() => m.free(b, 32), /freed twice/);
  const big = m.alloc(PAGE_SIZE * 2);
  assert.throws(() => m.free(big, PAGE_SIZE * 4), /was not allocated so/);
});

Deno.test("kmem: a seeded random workload of mixed sizes never overlaps two live objects", () => {
  const npages = 64;
  const m = kmem(npages);
  const prng = new Prng(7);
  const shadow = new Int32Array(npages * PAGE_SIZE).fill(-1);
  const live: { addr: number; len: number; id: number }[] = [];
  const sizes = [1, 8, 16, 24, 40, 64, 100, 200, 500, 1000, 2048, 3000, 9000];
  let id = 0;
  for (let step = 0; step < 4000; step++) {
    if (live.length && prng.below(100) < 45) {
      const [o] = live.splice(prng.below(live.length), 1);
      for (let i = o.addr - BASE; i < o.addr - BASE + o.len; i++) {
        assert.equal(shadow[i], o.id);
        shadow[i] = -1;
      }
      m.free(o.addr, o.len);
    } else {
      const len = sizes[prng.below(sizes.length)];
      const addr = m.alloc(len);
      if (addr === 0) continue;
      for (let i = addr - BASE; i < addr - BASE + len; i++) {
        assert.equal(shadow[i], -1, `byte ${i} of two objects`);
        shadow[i] = id;
      }
      live.push({ addr, len, id: id++ });
    }
  }
  for (const o of live) m.free(o.addr, o.len);
  assert.equal(m.inUse, 0);
  assert.equal(m.pages.freePages, npages);
});

Deno.test("kmem: the kernel's arena is RUMP_MEMLIMIT, and allocations beyond it get 0", () => {
  const run = runInKernel(function* (k) {
    assert.equal(k.kmem.limit, 256 * 1024);
    const a = k.kmemAlloc(128 * 1024);
    const b = k.kmemAlloc(64 * 1024);
    const c = k.kmemAlloc(64 * 1024);
    assert.ok(a && b && c);
    assert.equal(k.kmemAlloc(16), 0);
    assert.equal(k.memInUse, 256 * 1024);
    k.kmemFree(b, 64 * 1024);
    assert.notEqual(k.kmemAlloc(16), 0);
    return true;
  }, { memlimit: "256K" });
  assert.equal(run.value, true);
});

Deno.test("kmem: without a memory limit the arena is three quarters of what malloc can give", () => {
  const run = runInKernel(function* (k) {
    const p = k.pageAlloc();
    assert.equal(p % PAGE_SIZE, 0);
    k.mem[p] = 1; // inside the kernel's address space
    k.pageFree(p);
    return k.kmem.limit;
  }, { memBytes: 1024 * 1024 });
  // 255 pages are free after the platform's page 0; a quarter stays the platform's (DMA).
  assert.equal(run.value, Math.floor((255 * 3) / 4) * PAGE_SIZE);
});

Deno.test("kmem: kern.malloc and vm.pages report the buckets and the pages", () => {
  const run = runInKernel(function* (k) {
    k.kmemAlloc(100);
    k.kmemAlloc(100);
    k.pageAlloc(2);
    return {
      malloc: k.sysctl.read("kern.malloc") as KmemStats,
      pages: k.sysctl.read("vm.pages") as PageStats,
    };
  }, { memlimit: "1M" });
  const { malloc, pages } = run.value!;
  assert.deepEqual(malloc.buckets.find((b) => b.size === 128), {
    size: 128,
    inuse: 2,
    calls: 2,
    fails: 0,
    pages: 1,
  });
  assert.equal(pages.pagesize, 4096);
  assert.equal(pages.total, 256);
  assert.ok(pages.inuse >= 5);
});
