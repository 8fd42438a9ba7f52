import assert from "node:assert/strict";
import { HostWaiter, RealtimeClock } from "../../arch/realtime.ts";

Deno.test("realtime: the clock is realtime and never goes backwards", () => {
  const c = new RealtimeClock();
  assert.equal(c.realtime, true);
  const a = c.now();
  c.advanceTo(a + 1e12); // cannot move host time
  const b = c.now();
  assert.ok(b >= a && b < a + 1e12);
  assert.ok(Number.isInteger(b));
});

Deno.test("realtime: a kick ends a wait that only a kick can end", async () => {
  const w = new HostWaiter(new RealtimeClock());
  const p = w.wait(Infinity);
  queueMicrotask(() => w.kick());
  await p;
  assert.equal(w.kicks, 1);
  assert.equal(w.waits, 1);
});

Deno.test("realtime: a kick with nobody waiting is kept for the next wait", async () => {
  const w = new HostWaiter(new RealtimeClock());
  w.kick();
  await w.wait(Infinity);
  assert.equal(w.waits, 1);
});

Deno.test("realtime: a wait for a time already past resolves", async () => {
  const c = new RealtimeClock();
  const w = new HostWaiter(c);
  await w.wait(0);
  assert.equal(w.waits, 1);
});

Deno.test("realtime: host sources are reference-counted and closing the last one kicks", async () => {
  const w = new HostWaiter(new RealtimeClock());
  w.openSource();
  w.openSource();
  assert.equal(w.hostSources, 2);
  w.closeSource();
  assert.equal(w.kicks, 0);
  const p = w.wait(Infinity);
  w.closeSource();
  await p;
  assert.equal(w.hostSources, 0);
  w.closeSource();
  assert.equal(w.hostSources, 0, "never negative");
});
