import assert from "node:assert/strict";
import { Scheduler, type Wait } from "../../sched/mod.ts";

function trace(s: Scheduler, log: string[], name: string, steps: number) {
  return s.spawn(name, function* () {
    for (let i = 0; i < steps; i++) {
      log.push(`${name}${i}`);
      yield* s.yield();
    }
  });
}

Deno.test("sched: runnable fibers take turns in FIFO order when they yield", () => {
  const s = new Scheduler();
  const log: string[] = [];
  trace(s, log, "a", 3);
  trace(s, log, "b", 2);
  assert.deepEqual(s.runSync(), { kind: "exited" });
  assert.deepEqual(log, ["a0", "b0", "a1", "b1", "a2"]);
});

Deno.test("sched: sleepers wake in deadline order and the virtual clock jumps to each", () => {
  const s = new Scheduler();
  const log: [string, number][] = [];
  for (const [n, d] of [["late", 300], ["early", 100], ["mid", 200]] as const) {
    s.spawn(n, function* () {
      yield* s.sleep(d);
      log.push([n, s.clock.now()]);
    });
  }
  s.runSync();
  assert.deepEqual(log, [["early", 100], ["mid", 200], ["late", 300]]);
});

Deno.test("sched: equal deadlines wake in the order the fibers blocked", () => {
  const s = new Scheduler();
  const log: string[] = [];
  for (const n of ["x", "y", "z"]) {
    s.spawn(n, function* () {
      yield* s.sleepUntil(50);
      log.push(n);
    });
  }
  s.runSync();
  assert.deepEqual(log, ["x", "y", "z"]);
});

Deno.test("sched: a timed block reports a timeout, a wake before the deadline does not", () => {
  const s = new Scheduler();
  const out: [string, boolean, number][] = [];
  const waiter = s.spawn("waiter", function* () {
    s.prepareBlock(1000, "wait");
    out.push(["first", yield* s.block(), s.clock.now()]);
    s.prepareBlock(s.clock.now() + 1000, "wait");
    out.push(["second", yield* s.block(), s.clock.now()]);
  });
  s.spawn("waker", function* () {
    yield* s.sleep(400);
    s.wake(waiter);
  });
  s.runSync();
  assert.deepEqual(out, [["first", false, 400], ["second", true, 1400]]);
});

Deno.test("sched: a wake between prepare and block cancels the block", () => {
  const s = new Scheduler();
  let timedOut: boolean | null = null;
  s.spawn("self", function* () {
    s.prepareBlock(undefined, "never");
    s.wake(s.self());
    timedOut = yield* s.block();
  });
  assert.deepEqual(s.runSync(), { kind: "exited" });
  assert.equal(timedOut, false);
});

Deno.test("sched: waking a running or runnable fiber is a no-op", () => {
  const s = new Scheduler();
  const log: string[] = [];
  const a = s.spawn("a", function* () {
    s.wake(s.self());
    log.push("a");
    yield* s.yield();
    log.push("a2");
  });
  s.spawn("b", function* () {
    s.wake(a); // a is runnable here
    log.push("b");
  });
  s.runSync();
  assert.deepEqual(log, ["a", "b", "a2"]);
  assert.equal(a.switches, 2);
});

Deno.test("sched: join waits for a joinable fiber and returns its value", () => {
  const s = new Scheduler();
  let got: unknown;
  s.spawn("parent", function* () {
    const child = s.spawn("child", function* () {
      yield* s.sleep(5000);
      return 42;
    }, { joinable: true });
    got = yield* s.join(child);
  });
  s.runSync();
  assert.equal(got, 42);
  assert.equal(s.clock.now(), 5000);
  assert.equal(s.fibers().length, 0, "every fiber was reaped");
});

Deno.test("sched: join of a fiber that already exited collects the zombie", () => {
  const s = new Scheduler();
  let got: unknown;
  const child = s.spawn("child", function* () {
    return "done";
  }, { joinable: true });
  s.spawn("parent", function* () {
    yield* s.sleep(10);
    assert.equal(child.stateName, "zombie");
    got = yield* s.join(child);
  });
  s.runSync();
  assert.equal(got, "done");
});

Deno.test("sched: a run with nothing runnable and nothing pending ends as a deadlock report", () => {
  const s = new Scheduler();
  s.spawn("reader", function* () {
    s.prepareBlock(undefined, "sbwait");
    yield* s.block();
  });
  s.spawn("sleeper", function* () {
    yield* s.sleep(10);
    s.prepareBlock(undefined, "forever");
    yield* s.block();
  });
  const r = s.runSync();
  assert.equal(r.kind, "deadlock");
  if (r.kind !== "deadlock") return;
  assert.deepEqual(r.blocked.map((b) => [b.name, b.wchan]), [["reader", "sbwait"], [
    "sleeper",
    "forever",
  ]]);
});

Deno.test("sched: a fiber yielding a non-request value is stopped with a clear error", () => {
  const s = new Scheduler();
  s.spawn("bad", function* () {
    yield 5 as unknown as never; // a `yield` where `yield*` was meant
  });
  const r = s.runSync();
  assert.equal(r.kind, "halted");
  assert.match(String((s.haltError as Error).message), /not a scheduler request/);
});

Deno.test("sched: events fire at their time and may wake fibers", () => {
  const s = new Scheduler();
  let woke = -1;
  const f = s.spawn("irq-waiter", function* () {
    s.prepareBlock(undefined, "irq");
    yield* s.block();
    woke = s.clock.now();
  });
  s.events.at(777, () => s.wake(f));
  s.runSync();
  assert.equal(woke, 777);
});

Deno.test("sched: halt stops the run with its reason", () => {
  const s = new Scheduler();
  s.spawn("forever", function* (): Wait {
    for (;;) yield* s.sleep(1);
  });
  s.spawn("stopper", function* () {
    yield* s.sleep(100);
    s.halt("enough");
  });
  assert.deepEqual(s.runSync(), { kind: "halted", reason: "enough" });
  assert.equal(s.clock.now(), 100);
});

Deno.test("sched: daemons do not keep the machine running", () => {
  const s = new Scheduler();
  s.spawn("daemon", function* () {
    s.prepareBlock(undefined, "intr");
    yield* s.block();
  }, { daemon: true });
  s.spawn("app", function* () {
    yield* s.sleep(3);
  });
  assert.deepEqual(s.runSync(), { kind: "exited" });
});

Deno.test("sched: per-fiber counters count switches", () => {
  const s = new Scheduler();
  const f = trace(s, [], "t", 4);
  s.runSync();
  assert.equal(f.switches, 5);
  assert.equal(s.switches, 5);
});

Deno.test("sched: run() gives the same result as runSync() in virtual mode", async () => {
  const s = new Scheduler();
  s.spawn("a", function* () {
    yield* s.sleep(10);
  });
  assert.deepEqual(await s.run(), { kind: "exited" });
  assert.equal(s.clock.now(), 10);
});

Deno.test("sched: kill destroys a sleeping, a runnable and a blocked fiber where they stand", () => {
  const s = new Scheduler();
  const log: string[] = [];
  const sleeper = s.spawn("sleeper", function* () {
    try {
      yield* s.sleep(1000);
      log.push("sleeper woke");
    } finally {
      log.push("sleeper unwound"); // a crash unwinds nothing
    }
  });
  const blocked = s.spawn("blocked", function* () {
    s.prepareBlock(undefined, "forever");
    yield* s.block();
    log.push("blocked woke");
  });
  const joinable = s.spawn("joinable", function* () {
    yield* s.sleep(5000);
    return 1;
  }, { joinable: true });
  s.spawn("killer", function* () {
    yield* s.sleep(10);
    const runnable = s.spawn("runnable", function* () {
      log.push("runnable ran");
    });
    s.kill(runnable);
    s.kill(sleeper);
    s.kill(blocked);
    s.kill(joinable);
    assert.throws(() => s.kill(s.self()), /cannot kill itself/);
    try {
      yield* s.join(joinable);
    } catch (e) {
      log.push(`join: ${(e as Error).message}`);
    }
    s.wake(blocked); // a wake of a destroyed fiber is nothing
  });
  assert.deepEqual(s.runSync(), { kind: "exited" });
  assert.deepEqual(log, ["join: fiber joinable was destroyed"]);
  assert.equal(s.clock.now(), 10, "the sleepers' timers went with them");
  assert.deepEqual(s.fibers().map((f) => f.name), []);
});
