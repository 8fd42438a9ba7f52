/**
 * callout_test.ts — the callout wheel: due order (time, then scheduling order), re-arming,
 * stopping, and the softclock thread told only when the earliest deadline moves closer.
 * A seeded run of random operations is checked against a plain sorted list.
 */
import assert from "node:assert/strict";
import { CalloutWheel } from "../../../kernel/kern/callout.ts";
import type { KCondvar, KMutex } from "../../../kernel/kern/sync.ts";

function wheel() {
  const t = { now: 0, signals: 0 };
  const cv = { signal: () => void t.signals++ } as unknown as KCondvar;
  const w = new CalloutWheel(() => t.now, {} as KMutex, cv);
  return { t, w };
}

Deno.test("callout: callouts run in time order, ties in the order they were scheduled", () => {
  const { t, w } = wheel();
  const ran: string[] = [];
  for (const [name, at] of [["c", 30], ["a", 10], ["b1", 20], ["b2", 20], ["b3", 20]] as const) {
    w.create(name, () => ran.push(name)).scheduleAt(at);
  }
  t.now = 20;
  assert.equal(w.runDue(), 4);
  assert.deepEqual(ran, ["a", "b1", "b2", "b3"]);
  assert.equal(w.nextAt(), 30);
  t.now = 100;
  w.runDue();
  assert.deepEqual(ran, ["a", "b1", "b2", "b3", "c"]);
  assert.equal(w.nextAt(), Infinity);
  assert.equal(w.fired, 5);
});

Deno.test("callout: re-arming moves a callout, stop disarms it and says whether it was pending", () => {
  const { t, w } = wheel();
  const ran: string[] = [];
  const a = w.create("a", () => ran.push("a"));
  const b = w.create("b", () => ran.push("b"));
  a.scheduleAt(10);
  b.scheduleAt(20);
  a.scheduleAt(30); // re-armed: now after b
  assert.equal(w.nextAt(), 20);
  assert.equal(b.stop(), true);
  assert.equal(b.stop(), false);
  assert.equal(b.pending(), false);
  t.now = 25;
  assert.equal(w.runDue(), 0);
  t.now = 30;
  w.runDue();
  assert.deepEqual(ran, ["a"]);
  assert.equal(a.pending(), false);
});

Deno.test("callout: a callout armed from a callout runs in the same pass when it is already due", () => {
  const { t, w } = wheel();
  const ran: string[] = [];
  const second = w.create("second", () => ran.push("second"));
  w.create("first", () => {
    ran.push("first");
    second.schedule(0);
  }).scheduleAt(5);
  t.now = 5;
  assert.equal(w.runDue(), 2);
  assert.deepEqual(ran, ["first", "second"]);
});

Deno.test("callout: the softclock thread is signalled only for a new earliest deadline", () => {
  const { t, w } = wheel();
  w.create("a", () => {}).scheduleAt(100);
  assert.equal(t.signals, 1);
  w.create("b", () => {}).scheduleAt(200);
  assert.equal(t.signals, 1, "a later deadline does not wake it");
  w.create("c", () => {}).scheduleAt(50);
  assert.equal(t.signals, 2);
});

Deno.test("callout: 20,000 random arms, re-arms and stops fire exactly like a sorted list", () => {
  const { t, w } = wheel();
  let x = 12345;
  const rand = (n: number) => {
    x = (x * 1103515245 + 12345) >>> 0;
    return (x >>> 8) % n;
  };
  const ran: number[] = [];
  const cs = Array.from({ length: 64 }, (_, i) => w.create(`c${i}`, () => ran.push(i)));
  // The model: pending (when, seq, id) in a list sorted on the spot.
  let seq = 0;
  const model = new Map<number, { when: number; seq: number }>();
  const expect: number[] = [];
  for (let step = 0; step < 20000; step++) {
    const i = rand(cs.length);
    const op = rand(10);
    if (op < 6) {
      const when = t.now + rand(50);
      cs[i].scheduleAt(when);
      model.set(i, { when, seq: seq++ });
    } else if (op < 8) {
      assert.equal(cs[i].stop(), model.delete(i));
    } else {
      t.now += rand(20);
      const due = [...model].filter(([, m]) => m.when <= t.now)
        .sort((a, b) => a[1].when - b[1].when || a[1].seq - b[1].seq);
      for (const [id] of due) {
        model.delete(id);
        expect.push(id);
      }
      w.runDue();
      assert.deepEqual(ran, expect);
      const next = Math.min(...[...model.values()].map((m) => m.when));
      assert.equal(w.nextAt(), next);
    }
  }
  assert.ok(ran.length > 1000);
});
