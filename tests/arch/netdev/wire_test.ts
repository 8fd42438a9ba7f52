import assert from "node:assert/strict";
import { Wire } from "../../../arch/netdev/wire.ts";
import { Scheduler } from "../../../sched/mod.ts";
import { A, B, frame } from "./frames.ts";

function runAll(s: Scheduler) {
  while (s.events.nextAt() !== Infinity) {
    s.clock.advanceTo(s.events.nextAt());
    s.events.runDue(s.clock.now());
  }
}

Deno.test("wire: a frame sent into one end comes out of the other, as a copy", () => {
  const w = new Wire(null);
  const got: Uint8Array[] = [];
  w.b.connect({ receive: (f) => got.push(f) });
  const f = frame(B, A);
  w.a.send(f);
  f[20] = 99; // the sender reuses its buffer
  assert.equal(got.length, 1);
  assert.equal(got[0][20], 0);
});

Deno.test("wire: with a latency frames arrive that much later, in order", () => {
  const s = new Scheduler();
  const w = new Wire(s, { latencyNs: 5_000 });
  const got: [number, number][] = [];
  w.a.connect({ receive: (f) => got.push([s.clock.now(), f[14]]) });
  w.b.send(frame(A, B, 46, 1));
  w.b.send(frame(A, B, 46, 2));
  assert.equal(got.length, 0);
  runAll(s);
  assert.deepEqual(got, [[5000, 1], [5000, 2]]);
});

Deno.test("wire: a frame for an unconnected end is dropped and counted", () => {
  const w = new Wire(null);
  w.a.send(frame(B, A));
  assert.equal(w.b.stats.dropped, 1);
});
