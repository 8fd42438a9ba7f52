import assert from "node:assert/strict";
import { MemBlkBackend } from "../../../arch/virtio/blk.ts";
import { BlkFaultError, FaultyBlkBackend } from "../../../arch/virtio/blk_fault.ts";
import { Prng } from "../../../sched/mod.ts";

const SECTOR = 512;
const sectors = (n: number, fill: number) => new Uint8Array(n * SECTOR).fill(fill);

Deno.test("blk fault: a request touching an EIO range fails and changes nothing", () => {
  const mem = MemBlkBackend.zeroed(64);
  const d = new FaultyBlkBackend(mem, new Prng(1), { eio: [{ first: 10, last: 19 }] });
  assert.throws(() => d.write(8, sectors(4, 7)), BlkFaultError, "sectors 8..11 overlap 10..19");
  assert.ok(mem.bytes.every((b) => b === 0), "a failed write stores nothing");
  const buf = sectors(1, 0xee);
  assert.throws(() => d.read(19, buf), BlkFaultError);
  assert.ok(buf.every((b) => b === 0xee), "a failed read copies nothing");
  d.write(20, sectors(1, 5)); // just past the range
  d.read(9, buf); // just before it
  assert.equal(mem.bytes[20 * SECTOR], 5);
  assert.deepEqual(d.stats, { readErrors: 1, writeErrors: 1, tornWrites: 0 });
});

Deno.test("blk fault: an EIO range for writes lets reads through, and configure replaces it", () => {
  const d = new FaultyBlkBackend(MemBlkBackend.zeroed(8), new Prng(1), {
    eio: [{ first: 0, last: 7, op: "write" }],
  });
  d.read(0, sectors(8, 0));
  assert.throws(() => d.write(3, sectors(1, 1)), /injected EIO writing sector 3/);
  d.configure({});
  d.write(3, sectors(1, 1));
  assert.deepEqual(d.stats, { readErrors: 0, writeErrors: 1, tornWrites: 0 });
});

Deno.test("blk fault: a torn write stores a prefix of whole sectors, then fails", () => {
  let storedSome = false;
  for (let seed = 1; seed <= 20; seed++) {
    const mem = MemBlkBackend.zeroed(16);
    const d = new FaultyBlkBackend(mem, new Prng(seed), { torn: [{ first: 4, last: 4 }] });
    assert.throws(() => d.write(0, sectors(8, 9)), /injected torn write at sector 0 \((\d) of 8/);
    const written = Array.from({ length: 8 }, (_, i) => mem.bytes[i * SECTOR] === 9);
    const k = written.indexOf(false);
    assert.ok(k >= 0 && k < 8, "never the whole request");
    assert.ok(written.slice(k).every((w) => !w), "a prefix, nothing after it");
    for (let i = 0; i < k * SECTOR; i++) assert.equal(mem.bytes[i], 9, "whole sectors");
    if (k > 0) storedSome = true;
    assert.equal(d.stats.tornWrites, 1);
  }
  assert.ok(storedSome, "some seeds store part of the write");
});

Deno.test("blk fault: the same seed tears the same way", () => {
  const run = (seed: number) => {
    const mem = MemBlkBackend.zeroed(64);
    const d = new FaultyBlkBackend(mem, new Prng(seed), { torn: [{ first: 0, last: 63 }] });
    for (let s = 0; s < 64; s += 8) assert.throws(() => d.write(s, sectors(8, s + 1)));
    return mem.bytes;
  };
  assert.deepEqual(run(5), run(5));
});

Deno.test("blk fault: bad ranges are refused naming the field", () => {
  const mem = MemBlkBackend.zeroed(8);
  assert.throws(
    () => new FaultyBlkBackend(mem, new Prng(1), { eio: [{ first: 5, last: 2 }] }),
    /^RangeError: blk\.eio: 5-2 is not a sector range$/,
  );
  assert.throws(
    () => new FaultyBlkBackend(mem, new Prng(1), { torn: [{ first: 1, last: 2, op: "read" }] }),
    /only writes can be torn/,
  );
  assert.throws(
    () => new FaultyBlkBackend(mem, new Prng(1), { latencyNs: -1 }),
    /blk\.latencyNs: -1 must be a finite number at least 0/,
  );
});
