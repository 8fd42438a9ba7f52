/**
 * The buffer cache over a recording block device: hits, delayed writes, LRU eviction,
 * held buffers, and bflush writing in block order.
 */
import assert from "node:assert/strict";
import type { BlockDevice, Wait } from "../../fs/bdev.ts";
import { MemBlockDevice } from "../../fs/bdev_mem.ts";
import { BufCache } from "../../fs/bufcache.ts";

function run<T>(g: Generator<unknown, T, unknown>): T {
  const r = g.next();
  if (!r.done) throw new Error("waited");
  return r.value;
}

/** A MemBlockDevice that logs the first sector of every transfer. */
class Recorder implements BlockDevice {
  readonly log: string[] = [];
  constructor(readonly inner: MemBlockDevice) {}
  get sectorSize() {
    return this.inner.sectorSize;
  }
  get sectors() {
    return this.inner.sectors;
  }
  get readOnly() {
    return this.inner.readOnly;
  }
  *read(lba: number, buf: Uint8Array): Wait<void> {
    this.log.push(`r${lba}`);
    yield* this.inner.read(lba, buf);
  }
  *write(lba: number, buf: Uint8Array): Wait<void> {
    this.log.push(`w${lba}`);
    yield* this.inner.write(lba, buf);
  }
  *flush(): Wait<void> {
    this.log.push("flush");
    yield* this.inner.flush();
  }
}

function setup(capacity: number) {
  const mem = MemBlockDevice.zeroed(64); // 32 blocks of 1 KiB
  for (let b = 0; b < 32; b++) mem.bytes[b * 1024] = b;
  const dev = new Recorder(mem);
  return { mem, dev, cache: new BufCache(dev, 1024, capacity) };
}

Deno.test("bufcache: a second bread of a block is served from memory", () => {
  const { dev, cache } = setup(4);
  const a = run(cache.bread(3));
  assert.equal(a.data[0], 3);
  cache.brelse(a);
  const b = run(cache.bread(3));
  assert.equal(b, a);
  cache.brelse(b);
  assert.deepEqual(dev.log, ["r6"]);
  assert.deepEqual(cache.stats.hits, 1);
});

Deno.test("bufcache: bdwrite defers the write until bflush, which writes in block order", () => {
  const { mem, dev, cache } = setup(16);
  for (const b of [9, 2, 5]) {
    const bp = run(cache.bread(b));
    bp.data[1] = 0xaa;
    cache.bdwrite(bp);
  }
  assert.equal(mem.bytes[2 * 1024 + 1], 0);
  assert.equal(cache.dirtyCount(), 3);
  dev.log.length = 0;
  run(cache.bflush());
  assert.deepEqual(dev.log, ["w4", "w10", "w18", "flush"]);
  assert.equal(mem.bytes[9 * 1024 + 1], 0xaa);
  assert.equal(cache.dirtyCount(), 0);
});

Deno.test("bufcache: the least recently used buffer is evicted, written first if dirty", () => {
  const { mem, dev, cache } = setup(2);
  const a = run(cache.bread(1));
  a.data[5] = 7;
  cache.bdwrite(a);
  cache.brelse(run(cache.bread(2)));
  cache.brelse(run(cache.bread(1))); // 1 is now the most recent
  cache.brelse(run(cache.bread(3))); // evicts 2 (clean)
  assert.equal(cache.size, 2);
  cache.brelse(run(cache.bread(4))); // evicts 1 (dirty: written first)
  assert.equal(mem.bytes[1024 + 5], 7);
  assert.deepEqual(dev.log, ["r2", "r4", "r6", "r8", "w2"]);
  assert.equal(cache.stats.evictions, 2);
});

Deno.test("bufcache: held buffers are never evicted; the cache grows past capacity instead", () => {
  const { cache } = setup(2);
  const held = [1, 2, 3, 4].map((b) => run(cache.bread(b)));
  assert.equal(cache.size, 4);
  for (const bp of held) cache.brelse(bp);
  cache.brelse(run(cache.bread(5)));
  assert.equal(cache.size, 2);
});

Deno.test("bufcache: getblk of an uncached block gives zeros without reading", () => {
  const { dev, cache } = setup(4);
  const bp = run(cache.getblk(7));
  assert.ok(bp.data.every((b) => b === 0));
  cache.brelse(bp);
  assert.deepEqual(dev.log, []);
});

Deno.test("bufcache: a block past the device is EIO, and a double release is a bug", () => {
  const { cache } = setup(4);
  assert.throws(() => run(cache.bread(32)), { code: "EIO", message: /block 32 is past the end/ });
  const bp = run(cache.bread(0));
  cache.brelse(bp);
  assert.throws(() => cache.brelse(bp), /brelse of unheld block 0/);
});

Deno.test("bufcache: bwrite writes at once", () => {
  const { mem, cache } = setup(4);
  const bp = run(cache.bread(6));
  bp.data[2] = 9;
  run(cache.bwrite(bp));
  assert.equal(mem.bytes[6 * 1024 + 2], 9);
  assert.equal(cache.dirtyCount(), 0);
});
