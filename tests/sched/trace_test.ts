import assert from "node:assert/strict";
import { Scheduler, Tracer, usec } from "../../sched/mod.ts";
import { checkNesting, parseTrace } from "../support/trace_check.ts";

/** Runs `setup` on a traced scheduler; returns the trace text, its events and the scheduler. */
function traced(setup: (s: Scheduler, t: Tracer) => void, flushBytes?: number) {
  const chunks: string[] = [];
  const t = new Tracer((c) => chunks.push(c), { flushBytes });
  const s = new Scheduler();
  s.setTracer(t);
  setup(s, t);
  s.runSync();
  t.close();
  const text = chunks.join("");
  return { text, events: parseTrace(text), s, t, chunks };
}

function pingPong(s: Scheduler) {
  for (const n of ["a", "b"]) {
    s.spawn(n, function* () {
      for (let i = 0; i < 5; i++) yield* s.yield();
    });
  }
}

Deno.test("trace: usec writes nanoseconds as exact microsecond decimals", () => {
  assert.equal(usec(0), "0");
  assert.equal(usec(1000), "1");
  assert.equal(usec(1_234_567), "1234.567");
  assert.equal(usec(1_000_050), "1000.05");
  assert.equal(usec(7), "0.007");
  assert.equal(usec(2 ** 50), "1125899906842.624");
});

Deno.test("trace: every switch-in has its switch-out on the fiber's track, one per scheduler switch", () => {
  const { events, s, t } = traced(pingPong);
  checkNesting(events);
  const ins = events.filter((e) => e.ph === "B" && e.cat === "sched");
  assert.equal(ins.length, s.switches);
  assert.equal(t.switchIns, s.switches);
  const names = events.filter((e) => e.ph === "M" && e.name === "thread_name");
  assert.deepEqual(names.map((e) => e.args!.name), ["idle and events", "a", "b"]);
  const outs = events.filter((e) => e.ph === "E" && e.name === "running");
  assert.deepEqual(
    outs.map((e) => e.args!.why),
    [...Array(10).fill("yield"), "exit", "exit"],
  );
});

Deno.test("trace: a block names its wchan, a wake names its waker, a timeout is marked", () => {
  const { events } = traced((s) => {
    const sleeper = s.spawn("sleeper", function* () {
      s.prepareBlock(undefined, "tsleep");
      yield* s.block();
      yield* s.sleep(5000);
    });
    s.spawn("waker", function* () {
      s.wake(sleeper);
      yield* s.yield();
    });
  });
  checkNesting(events);
  const block = events.find((e) => e.ph === "E" && e.args?.why === "block");
  assert.equal(block?.args?.wchan, "tsleep");
  const wake = events.find((e) => e.name === "wakeup");
  assert.deepEqual([wake?.tid, wake?.args], [1, { by: "waker", by_tid: 2 }]);
  const timeout = events.find((e) => e.name === "timeout");
  assert.deepEqual([timeout?.tid, timeout?.ts, timeout?.args], [1, 5, { wchan: "sleep" }]);
  const idle = events.filter((e) => e.ph === "X" && e.name === "idle");
  assert.deepEqual(idle.map((e) => [e.pid, e.tid, e.ts, e.dur]), [[0, 0, 0, 5]]);
});

Deno.test("trace: events from the event queue are marked, named by their function", () => {
  const { events } = traced((s) => {
    const f = s.spawn("waiter", function* () {
      s.prepareBlock(undefined, "device");
      yield* s.block();
    });
    s.events.at(2500, function deviceDone() {
      s.wake(f);
    });
  });
  const ev = events.find((e) => e.cat === "event");
  assert.deepEqual([ev?.ts, ev?.args], [2.5, { fn: "deviceDone" }]);
  const wake = events.find((e) => e.name === "wakeup");
  assert.deepEqual(wake?.args, { by: null }, "a wake from an event has no waker");
});

Deno.test("trace: a span that outlives a block keeps the running slices nested inside it", () => {
  const { events } = traced((s, t) => {
    s.spawn("app", function* () {
      const me = s.self();
      t.begin(me, "read", "syscall");
      yield* s.sleep(1000);
      t.end(me, { errno: 35 });
    });
  });
  checkNesting(events);
  const track = events.filter((e) => e.tid === 1 && (e.ph === "B" || e.ph === "E"));
  assert.deepEqual(
    track.map((e) => `${e.ph} ${e.name} ${e.ts}`),
    [
      "B running 0",
      "E running 0",
      "B read 0",
      "B running 0",
      "E running 0", // blocks in sleep
      "B running 1", // woken by its deadline
      "E running 1",
      "E read 1",
      "B running 1",
      "E running 1", // exits
    ],
  );
  assert.deepEqual(track.find((e) => e.ph === "E" && e.name === "read")?.args, { errno: 35 });
  assert.equal(events.filter((e) => e.ph === "B" && e.cat === "sched").length, 2);
});

Deno.test("trace: close ends spans left open, and processes group fibers by machine", () => {
  const chunks: string[] = [];
  const t = new Tracer((c) => chunks.push(c));
  const s = new Scheduler();
  s.setTracer(t);
  assert.equal(t.beginProcess("server"), 1);
  s.spawn("server.main", function* () {
    t.begin(s.self(), "accept", "syscall");
    s.prepareBlock(undefined, "accept");
    yield* s.block(); // never woken
  }, { daemon: true });
  assert.equal(t.beginProcess("client"), 2);
  s.spawn("client.main", function* () {
    s.spawn("client.child", function* () {});
    yield* s.yield();
  });
  s.runSync();
  t.close();
  t.close();
  const events = parseTrace(chunks.join(""));
  checkNesting(events);
  const pidOf = (n: string) =>
    events.find((e) => e.ph === "M" && e.name === "thread_name" && e.args!.name === n)?.pid;
  assert.deepEqual(
    ["server.main", "client.main", "client.child"].map(pidOf),
    [1, 2, 2],
    "a fiber spawned by a fiber joins its parent's process",
  );
  const accept = events.filter((e) => e.name === "accept");
  assert.deepEqual(accept.map((e) => e.ph), ["B", "E"]);
  assert.deepEqual(accept[1].args, { unfinished: true });
});

Deno.test("trace: the same run gives the same bytes, however it is chunked", () => {
  const run = (flush?: number) =>
    traced((s) => {
      pingPong(s);
      s.spawn("sleepy", function* () {
        for (let i = 1; i < 4; i++) yield* s.sleep(i * 333);
      });
    }, flush);
  const a = run(), b = run(), c = run(200);
  assert.equal(a.text, b.text);
  assert.equal(a.text, c.text);
  assert.ok(c.chunks.length > 5, "a small buffer streams in many chunks");
  assert.ok(c.chunks.slice(0, -1).every((x) => x.length < 200 + 300));
});

Deno.test("trace: a scheduler without a tracer records nothing and runs as before", () => {
  const s = new Scheduler();
  pingPong(s);
  assert.equal(s.tracer, null);
  assert.deepEqual(s.runSync(), { kind: "exited" });
  assert.equal(s.switches, 12);
});
