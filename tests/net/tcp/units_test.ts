import assert from "node:assert/strict";
import { ByteRing } from "../../../net/tcp/buffer.ts";
import { halfSipHash, IsnGenerator } from "../../../net/tcp/isn.ts";
import { ReassQueue } from "../../../net/tcp/reass.ts";
import { RttEstimator } from "../../../net/tcp/rtt.ts";
import { SackScoreboard } from "../../../net/tcp/sack.ts";

const bytes = (...v: number[]) => new Uint8Array(v);

Deno.test("tcp buffer: bytes wrap around the ring and come out in order", () => {
  const r = new ByteRing(8);
  assert.equal(r.append(bytes(1, 2, 3, 4, 5, 6)), 6);
  const out = new Uint8Array(4);
  assert.equal(r.read(out), 4);
  assert.deepEqual(out, bytes(1, 2, 3, 4));
  assert.equal(r.append(bytes(7, 8, 9, 10, 11, 12, 13)), 6); // limit 8, 2 held
  assert.equal(r.length, 8);
  assert.deepEqual(r.peek(1, 5), bytes(6, 7, 8, 9, 10));
  r.drop(3);
  const all = new Uint8Array(10);
  assert.equal(r.read(all), 5);
  assert.deepEqual(all.subarray(0, 5), bytes(8, 9, 10, 11, 12));
  assert.equal(r.space, 8);
});

Deno.test("tcp reass: overlapping segments are held once and released in order with the FIN", () => {
  const q = new ReassQueue();
  const ok = () => true;
  assert.equal(q.insert(110, bytes(10, 11, 12, 13), false, ok), 4);
  assert.equal(q.insert(108, bytes(8, 9, 10, 11, 12), false, ok), 2); // only 108–109 are new
  assert.equal(q.insert(116, bytes(16), true, ok), 1);
  assert.deepEqual(q.sackBlocks(4), [{ left: 116, right: 117 }, { left: 108, right: 114 }]);
  const out: number[] = [];
  assert.equal(q.pull(100, (d) => out.push(...d)), 100); // hole at 100
  assert.equal(q.insert(100, bytes(0, 1, 2, 3, 4, 5, 6, 7), false, ok), 8);
  assert.equal(q.pull(100, (d) => out.push(...d)), 114);
  assert.deepEqual(out, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  assert.equal(q.finSeq, 117);
  assert.equal(q.insert(114, bytes(14, 15), false, () => false), -1); // memory refused
  assert.equal(q.bytes, 1);
});

Deno.test("tcp sack: the scoreboard merges blocks and finds holes below the highest SACK", () => {
  const sb = new SackScoreboard();
  const una = 1000;
  assert.ok(sb.update([{ left: 3000, right: 4000 }, { left: 2000, right: 2500 }], una, 10000));
  assert.ok(sb.update([{ left: 2500, right: 3000 }], una, 10000)); // joins the two
  assert.deepEqual(sb.blocks, [{ left: 2000, right: 4000 }]);
  assert.equal(sb.sacked, 2000);
  assert.ok(!sb.update([{ left: 500, right: 900 }], una, 10000)); // below SND.UNA: ignored
  sb.highRxt = una;
  assert.deepEqual(sb.nextHole(una, 600), { seq: 1000, len: 600 });
  sb.highRxt = 1600;
  assert.deepEqual(sb.nextHole(una, 600), { seq: 1600, len: 400 });
  assert.equal(sb.rexmitInFlight(una), 600);
  sb.highRxt = 2000;
  assert.equal(sb.nextHole(una, 600), null);
  sb.prune(2500);
  assert.equal(sb.sacked, 1500);
  assert.equal(sb.highSack(2500), 4000);
});

Deno.test("tcp rtt: RFC 6298 — first sample sets SRTT and RTTVAR, RTO is floored and backs off", () => {
  const r = new RttEstimator(1e9, 60e9, 1e9);
  assert.equal(r.rto, 1e9);
  r.sample(100e6);
  assert.equal(r.srtt, 100e6);
  assert.equal(r.rttvar, 50e6);
  assert.equal(r.rto, 1e9); // 300 ms raised to the 1 s floor
  r.sample(4e9);
  assert.equal(r.srtt, 0.875 * 100e6 + 0.125 * 4e9);
  assert.ok(r.rto > 4e9);
  assert.equal(r.backedOff(10), 60e9);
});

Deno.test("tcp isn: ISNs grow with the 4 µs clock and differ between 4-tuples", () => {
  let t = 0;
  let k = 1;
  const g = new IsnGenerator(() => k++ * 0x9e3779b9, () => t);
  const a = g.isn(1, 2, 3, 4);
  t = 4000 * 1000;
  assert.equal((g.isn(1, 2, 3, 4) - a) >>> 0, 1000);
  assert.notEqual(g.isn(1, 2, 3, 5), g.isn(1, 2, 3, 4));
  assert.equal(halfSipHash(1, 2, [3]), halfSipHash(1, 2, [3]));
  assert.notEqual(halfSipHash(1, 2, [3]), halfSipHash(1, 3, [3]));
});
