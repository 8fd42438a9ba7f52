import assert from "node:assert/strict";
import { MinHeap, Prng } from "../../sched/mod.ts";

Deno.test("heap: pops in key order, ties in insertion order", () => {
  const h = new MinHeap<string>();
  h.push(5, "e");
  h.push(1, "a1");
  h.push(3, "c");
  h.push(1, "a2");
  h.push(2, "b");
  const out: string[] = [];
  for (let e = h.pop(); e; e = h.pop()) out.push(e.value);
  assert.deepEqual(out, ["a1", "a2", "b", "c", "e"]);
  assert.equal(h.peekKey(), Infinity);
});

Deno.test("heap: removing from the middle keeps the order of the rest", () => {
  const h = new MinHeap<number>();
  const rng = new Prng(7);
  const entries = Array.from({ length: 200 }, (_, i) => h.push(rng.below(50), i));
  const removed = new Set<number>();
  for (let i = 0; i < 200; i += 3) {
    assert.ok(h.remove(entries[i]));
    removed.add(i);
  }
  assert.ok(!h.remove(entries[0]), "a second removal is refused");
  let last = -1, lastSeq = -1;
  let n = 0;
  for (let e = h.pop(); e; e = h.pop()) {
    assert.ok(!removed.has(e.value));
    assert.ok(e.key > last || (e.key === last && e.seq > lastSeq));
    last = e.key;
    lastSeq = e.seq;
    n++;
  }
  assert.equal(n, 200 - removed.size);
});

Deno.test("prng: the same seed gives the same sequence; forks are independent", () => {
  const a = new Prng(42), b = new Prng(42), c = new Prng(43);
  const sa = Array.from({ length: 8 }, () => a.nextU32());
  const sb = Array.from({ length: 8 }, () => b.nextU32());
  const sc = Array.from({ length: 8 }, () => c.nextU32());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
  assert.deepEqual(new Prng(42).fork("x").nextU32(), new Prng(42).fork("x").nextU32());
  assert.notEqual(new Prng(42).fork("x").nextU32(), new Prng(42).fork("y").nextU32());
});

Deno.test("prng: xoshiro128** output for seed 1 is pinned", () => {
  // Pinned so that a change of generator (which would change every recorded run) is seen.
  const p = new Prng(1);
  const got = Array.from({ length: 4 }, () => p.nextU32());
  assert.deepEqual(got, pinned);
});
const pinned = [2442144158, 3238099751, 3819917871, 2104621829];

Deno.test("prng: below(n) is roughly uniform", () => {
  const p = new Prng(99);
  const counts = new Array(10).fill(0);
  for (let i = 0; i < 100_000; i++) counts[p.below(10)]++;
  for (const c of counts) assert.ok(c > 9_500 && c < 10_500, `bucket count ${c}`);
});
