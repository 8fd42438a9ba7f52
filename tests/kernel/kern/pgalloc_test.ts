import assert from "node:assert/strict";
import { PAGE_SIZE, PageAllocator } from "../../../kernel/kern/pgalloc.ts";
import { Prng } from "../../../sched/mod.ts";

const BASE = 0x100000;

Deno.test("pgalloc: an order-0 request splits the arena's block down, keeping the halves free", () => {
  const pa = new PageAllocator(BASE, 16);
  assert.equal(pa.maxOrder, 4);
  const a = pa.alloc(0);
  assert.equal(a, BASE);
  // 16 = 1 (used) + 1 + 2 + 4 + 8 free
  assert.deepEqual(pa.stats().freeBlocks, [1, 1, 1, 1, 0]);
  assert.equal(pa.freePages, 15);
  assert.equal(pa.alloc(0), BASE + PAGE_SIZE);
  assert.deepEqual(pa.stats().freeBlocks, [0, 1, 1, 1, 0]);
});

Deno.test("pgalloc: freeing both buddies coalesces them back into the whole arena", () => {
  const pa = new PageAllocator(BASE, 16);
  const a = pa.alloc(0), b = pa.alloc(0), c = pa.alloc(2);
  assert.equal(c % (4 * PAGE_SIZE), BASE % (4 * PAGE_SIZE));
  pa.free(b);
  assert.deepEqual(pa.stats().freeBlocks, [1, 1, 0, 1, 0]);
  pa.free(a);
  assert.deepEqual(pa.stats().freeBlocks, [0, 0, 1, 1, 0]);
  pa.free(c);
  assert.deepEqual(pa.stats().freeBlocks, [0, 0, 0, 0, 1]);
  assert.equal(pa.freePages, 16);
});

Deno.test("pgalloc: blocks are aligned to their own size within the arena", () => {
  const pa = new PageAllocator(BASE, 64);
  pa.alloc(0);
  for (const o of [3, 1, 2, 0, 4]) {
    const a = pa.alloc(o);
    assert.notEqual(a, 0);
    assert.equal((a - BASE) % (2 ** o * PAGE_SIZE), 0, `order ${o} at ${a - BASE}`);
  }
});

Deno.test("pgalloc: when the pages run out, alloc returns 0 and counts the failure", () => {
  const pa = new PageAllocator(BASE, 4);
  const got = [pa.alloc(0), pa.alloc(0), pa.alloc(1)];
  assert.ok(got.every((a) => a !== 0));
  assert.equal(pa.alloc(0), 0);
  assert.equal(pa.alloc(5), 0, "an order above the arena's is refused");
  assert.equal(pa.stats().fails, 2);
  pa.free(got[2]);
  assert.notEqual(pa.alloc(0), 0);
});

Deno.test("pgalloc: an arena that is not a power of two is used to its last page", () => {
  const pa = new PageAllocator(BASE, 13); // 8 + 4 + 1
  assert.deepEqual(pa.stats().freeBlocks, [1, 0, 1, 1]);
  const pages = new Set<number>();
  for (let i = 0; i < 13; i++) {
    const a = pa.alloc(0);
    assert.notEqual(a, 0);
    pages.add(a);
  }
  assert.equal(pages.size, 13);
  assert.equal(Math.max(...pages), BASE + 12 * PAGE_SIZE);
  assert.equal(pa.alloc(0), 0);
  for (const a of pages) pa.free(a);
  assert.deepEqual(pa.stats().freeBlocks, [1, 0, 1, 1]);
});

Deno.test("pgalloc: freeing an address that is not an allocated block throws", () => {
  const pa = new PageAllocator(BASE, 8);
  const a = pa.alloc(1);
  assert.throws(() => pa.free(a + PAGE_SIZE), /not allocated/);
  assert.throws(() => pa.free(a + 1), /not a page/);
  pa.free(a);
  assert.throws(() => pa.free(a), /not allocated/);
});

Deno.test("pgalloc: a seeded random workload never hands out a page twice and frees back to whole", () => {
  const npages = 300;
  const pa = new PageAllocator(BASE, npages);
  const prng = new Prng(42);
  const owner = new Int32Array(npages).fill(-1); // shadow map: which block owns each page
  const live: { addr: number; order: number; id: number }[] = [];
  let id = 0;
  for (let step = 0; step < 5000; step++) {
    if (live.length && (prng.below(100) < 45 || pa.freePages === 0)) {
      const [b] = live.splice(prng.below(live.length), 1);
      const p0 = (b.addr - BASE) / PAGE_SIZE;
      for (let p = p0; p < p0 + 2 ** b.order; p++) {
        assert.equal(owner[p], b.id);
        owner[p] = -1;
      }
      pa.free(b.addr);
    } else {
      const order = prng.below(5);
      const addr = pa.alloc(order);
      if (addr === 0) continue;
      const p0 = (addr - BASE) / PAGE_SIZE;
      assert.ok(p0 + 2 ** order <= npages, "block inside the arena");
      for (let p = p0; p < p0 + 2 ** order; p++) {
        assert.equal(owner[p], -1, `page ${p} handed out twice`);
        owner[p] = id;
      }
      live.push({ addr, order, id: id++ });
    }
    const used = owner.reduce((n, o) => n + (o >= 0 ? 1 : 0), 0);
    assert.equal(pa.freePages, npages - used);
  }
  for (const b of live) pa.free(b.addr);
  assert.equal(pa.freePages, npages);
  const fresh = new PageAllocator(BASE, npages);
  assert.deepEqual(pa.stats().freeBlocks, fresh.stats().freeBlocks);
});
