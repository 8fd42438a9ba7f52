import assert from "node:assert/strict";
import { FaultFilter, type FaultOptions } from "../../../arch/netdev/fault.ts";
import { Wire } from "../../../arch/netdev/wire.ts";
import { Prng, Scheduler } from "../../../sched/mod.ts";
import { A, B, frame } from "./frames.ts";

function runAll(s: Scheduler) {
  while (s.events.nextAt() !== Infinity) {
    s.clock.advanceTo(s.events.nextAt());
    s.events.runDue(s.clock.now());
  }
}

/** NIC side → fault → wire end a; wire end b collects what got through (tx direction). */
function setup(opts: FaultOptions, seed = 1) {
  const s = new Scheduler();
  const w = new Wire(null);
  const f = new FaultFilter(w.a, s, new Prng(seed), opts);
  const atNic: Uint8Array[] = [];
  f.connect({ receive: (x) => atNic.push(x) });
  const out: { t: number; f: Uint8Array }[] = [];
  w.b.connect({ receive: (x) => out.push({ t: s.clock.now(), f: x }) });
  return { s, w, f, out, atNic };
}

/** Sends n frames numbered in bytes 14-15 and returns which numbers came out. */
function sendNumbered(t: ReturnType<typeof setup>, n: number): number[] {
  for (let i = 0; i < n; i++) {
    const x = frame(B, A);
    x[14] = i >> 8;
    x[15] = i & 0xff;
    t.f.send(x);
  }
  runAll(t.s);
  return t.out.map((o) => (o.f[14] << 8) | o.f[15]);
}

Deno.test("fault: 20% loss over 10,000 frames is within tolerance and counted", () => {
  const t = setup({ tx: { loss: 0.2 } });
  const got = sendNumbered(t, 10_000);
  const st = t.f.stats("tx");
  assert.equal(st.frames, 10_000);
  assert.equal(st.lost + st.delivered, 10_000);
  assert.equal(got.length, st.delivered);
  assert.ok(Math.abs(st.lost - 2000) < 150, `lost ${st.lost}`);
});

Deno.test("fault: the same seed loses exactly the same frames; another seed does not", () => {
  const a = sendNumbered(setup({ tx: { loss: 0.2 } }, 42), 2000);
  const b = sendNumbered(setup({ tx: { loss: 0.2 } }, 42), 2000);
  const c = sendNumbered(setup({ tx: { loss: 0.2 } }, 43), 2000);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

Deno.test("fault: enabling another fault does not change which frames are lost", () => {
  const a = setup({ tx: { loss: 0.3 } }, 7);
  sendNumbered(a, 1000);
  const b = setup({ tx: { loss: 0.3, duplicate: 0.5 } }, 7);
  sendNumbered(b, 1000);
  const dedup = (xs: number[]) => [...new Set(xs)];
  assert.deepEqual(
    dedup(b.out.map((o) => (o.f[14] << 8) | o.f[15])),
    a.out.map((o) => (o.f[14] << 8) | o.f[15]),
  );
});

Deno.test("fault: duplication delivers a fraction of frames twice", () => {
  const t = setup({ tx: { duplicate: 0.1 } });
  const got = sendNumbered(t, 5000);
  const st = t.f.stats("tx");
  assert.equal(got.length, 5000 + st.duplicated);
  assert.ok(Math.abs(st.duplicated - 500) < 80, `duplicated ${st.duplicated}`);
});

Deno.test("fault: corruption flips exactly one bit and leaves the sender's buffer alone", () => {
  const t = setup({ tx: { corrupt: 1 } });
  const x = frame(B, A, 46, 0);
  const before = x.slice();
  t.f.send(x);
  assert.deepEqual(x, before);
  const y = t.out[0].f;
  let bits = 0;
  for (let i = 0; i < y.length; i++) {
    for (let v = y[i] ^ before[i]; v; v &= v - 1) bits++;
  }
  assert.equal(bits, 1);
  assert.equal(t.f.stats("tx").corrupted, 1);
});

Deno.test("fault: latency with jitter delays every frame within the bounds", () => {
  const t = setup({ tx: { latencyNs: 10_000, jitterNs: 2_000 } });
  sendNumbered(t, 200);
  assert.equal(t.out.length, 200);
  for (const o of t.out) assert.ok(o.t >= 8_000 && o.t <= 12_000, `at ${o.t}`);
  assert.ok(new Set(t.out.map((o) => o.t)).size > 50);
});

Deno.test("fault: reordering lets later frames overtake a delayed one", () => {
  const t = setup({ tx: { reorder: 0.25, reorderDelayNs: 1_000_000 } });
  const got = sendNumbered(t, 400);
  const st = t.f.stats("tx");
  assert.equal(got.length, 400);
  assert.ok(st.reordered > 50 && st.reordered < 150, `reordered ${st.reordered}`);
  assert.notDeepEqual(got, [...got].sort((a, b) => a - b));
  assert.deepEqual([...got].sort((a, b) => a - b), Array.from({ length: 400 }, (_, i) => i));
});

Deno.test("fault: a bandwidth limit paces frames and tail-drops past the queue limit", () => {
  // 60-byte frames at 480 kbit/s: one per millisecond.
  const t = setup({ tx: { bandwidthBps: 480_000, queueLimit: 5 } });
  const got = sendNumbered(t, 8);
  assert.deepEqual(got, [0, 1, 2, 3, 4]);
  assert.deepEqual(t.out.map((o) => o.t), [1e6, 2e6, 3e6, 4e6, 5e6]);
  assert.equal(t.f.stats("tx").queueDrops, 3);
});

Deno.test("fault: a partition drops both directions until healed", () => {
  const t = setup({});
  t.f.partition();
  t.f.send(frame(B, A));
  t.w.b.send(frame(A, B));
  assert.equal(t.out.length + t.atNic.length, 0);
  assert.equal(t.f.stats("tx").partitioned, 1);
  assert.equal(t.f.stats("rx").partitioned, 1);
  t.f.heal();
  t.f.send(frame(B, A));
  t.w.b.send(frame(A, B));
  assert.equal(t.out.length, 1);
  assert.equal(t.atNic.length, 1);
});

Deno.test("fault: held frames come out in order on release", () => {
  const t = setup({});
  t.f.hold("rx");
  for (let i = 0; i < 3; i++) t.w.b.send(frame(A, B, 46, i));
  t.f.send(frame(B, A));
  assert.equal(t.atNic.length, 0);
  assert.equal(t.out.length, 1, "the other direction still flows");
  assert.equal(t.f.heldCount("rx"), 3);
  t.f.release("rx");
  assert.deepEqual(t.atNic.map((x) => x[14]), [0, 1, 2]);
  assert.equal(t.f.stats("rx").held, 3);
});

Deno.test("fault: a bad configuration is refused with the field named", () => {
  const t = setup({});
  assert.throws(() => t.f.configure("tx", { loss: 1.5 }), /fault\.tx\.loss/);
  assert.throws(() => t.f.configure("rx", { queueLimit: 0 }), /fault\.rx\.queueLimit/);
  assert.throws(() => t.f.configure("rx", { latencyNs: -1 }), /fault\.rx\.latencyNs/);
});
