import assert from "node:assert/strict";
import { HostWaiter, RealtimeClock } from "../../host/realtime.ts";

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

Deno.test("realtime: a timer kept after a kick does not keep the host process alive", async () => {
  const url = new URL("../../host/realtime.ts", import.meta.url).href;
  const script = `import { HostWaiter, RealtimeClock } from "${url}";
    const c = new RealtimeClock(), w = new HostWaiter(c);
    const p = w.wait(c.now() + 3600e9); // an hour
    w.kick();
    await p;`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    signal: AbortSignal.timeout(60_000), // far sooner than the hour; only a hang hits it
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
});

Deno.test("realtime: later timed waits still end on time after a kept timer", async () => {
  const c = new RealtimeClock();
  const w = new HostWaiter(c);
  const MINUTE = 60_000 * 1e6;
  const p = w.wait(c.now() + MINUTE);
  w.kick();
  await p; // the minute's timer is kept for reuse
  const t0 = c.now();
  await w.wait(t0 + 2e6); // earlier than the kept timer: a timer of its own ends it
  assert.ok(c.now() >= t0 + 2e6);
  const p2 = w.wait(c.now() + 2 * MINUTE); // later: the kept timer serves, so a kick ends it
  w.kick();
  await p2;
  assert.equal(w.waits, 3);
  assert.equal(w.kicks, 2);
});
