import assert from "node:assert/strict";
import { CondVar, Mutex, RwLock, Scheduler } from "../../sched/mod.ts";

Deno.test("mutex: waiters acquire in FIFO order and the owner is recorded", () => {
  const s = new Scheduler();
  const m = new Mutex(s, "m");
  const order: string[] = [];
  s.spawn("holder", function* () {
    yield* m.enter();
    assert.equal(m.owner, s.self());
    assert.ok(m.held());
    yield* s.sleep(100);
    m.exit();
  });
  for (const n of ["w1", "w2", "w3"]) {
    s.spawn(n, function* () {
      yield* m.enter();
      order.push(n);
      m.exit();
    });
  }
  s.runSync();
  assert.deepEqual(order, ["w1", "w2", "w3"]);
  assert.equal(m.contended, 3);
  assert.equal(m.owner, null);
});

Deno.test("mutex: tryEnter fails while held; exit by a non-owner is an error", () => {
  const s = new Scheduler();
  const m = new Mutex(s);
  let tried: boolean | null = null;
  let err: unknown;
  s.spawn("a", function* () {
    yield* m.enter();
    yield* s.sleep(10);
    m.exit();
  });
  s.spawn("b", function* () {
    tried = m.tryEnter();
    try {
      m.exit();
    } catch (e) {
      err = e;
    }
  });
  s.runSync();
  assert.equal(tried, false);
  assert.match(String(err), /does not own/);
});

Deno.test("rwlock: readers share, a writer excludes, a queued writer blocks new readers", () => {
  const s = new Scheduler();
  const rw = new RwLock(s);
  const log: string[] = [];
  s.spawn("r1", function* () {
    yield* rw.enter("reader");
    log.push(`r1 in ${s.clock.now()}`);
    yield* s.sleep(10);
    rw.exit();
  });
  s.spawn("r2", function* () {
    yield* rw.enter("reader");
    log.push(`r2 in ${s.clock.now()}`);
    yield* s.sleep(20);
    rw.exit();
  });
  s.spawn("w", function* () {
    yield* rw.enter("writer");
    log.push(`w in ${s.clock.now()}`);
    yield* s.sleep(5);
    rw.exit();
  });
  s.spawn("r3", function* () {
    yield* rw.enter("reader");
    log.push(`r3 in ${s.clock.now()}`);
    rw.exit();
  });
  s.runSync();
  assert.deepEqual(log, ["r1 in 0", "r2 in 0", "w in 20", "r3 in 25"]);
});

Deno.test("rwlock: tryUpgrade only for the sole reader; downgrade admits queued readers", () => {
  const s = new Scheduler();
  const rw = new RwLock(s);
  const log: string[] = [];
  s.spawn("a", function* () {
    yield* rw.enter("reader");
    log.push(`upgrade alone: ${rw.tryUpgrade()}`);
    assert.ok(rw.held("writer"));
    yield* s.sleep(10); // b queues as a reader meanwhile
    rw.downgrade();
    assert.ok(rw.held("reader"));
    yield* s.yield();
    log.push(`readers after downgrade: ${rw.readers.size}`);
    rw.exit();
  });
  s.spawn("b", function* () {
    yield* rw.enter("reader");
    log.push("b reads");
    yield* s.yield();
    rw.exit();
  });
  s.runSync();
  assert.deepEqual(log, ["upgrade alone: true", "b reads", "readers after downgrade: 2"]);
});

Deno.test("rwlock: tryUpgrade fails with two readers", () => {
  const s = new Scheduler();
  const rw = new RwLock(s);
  let up: boolean | null = null;
  s.spawn("a", function* () {
    yield* rw.enter("reader");
    yield* s.yield();
    up = rw.tryUpgrade();
    rw.exit();
  });
  s.spawn("b", function* () {
    yield* rw.enter("reader");
    yield* s.yield();
    yield* s.yield();
    rw.exit();
  });
  s.runSync();
  assert.equal(up, false);
});

Deno.test("cv: signal wakes the longest waiter; broadcast wakes all in order", () => {
  const s = new Scheduler();
  const m = new Mutex(s);
  const cv = new CondVar(s);
  const log: string[] = [];
  for (const n of ["a", "b", "c"]) {
    s.spawn(n, function* () {
      yield* m.enter();
      yield* cv.wait(m);
      assert.ok(m.held(), "the mutex is held again after wait");
      log.push(n);
      m.exit();
    });
  }
  s.spawn("signaller", function* () {
    yield* s.sleep(1);
    cv.signal();
    yield* s.sleep(1);
    assert.ok(cv.hasWaiters());
    cv.broadcast();
  });
  s.runSync();
  assert.deepEqual(log, ["a", "b", "c"]);
  assert.ok(!cv.hasWaiters());
});

Deno.test("cv: timedWait returns true at the deadline and leaves the wait queue", () => {
  const s = new Scheduler();
  const m = new Mutex(s);
  const cv = new CondVar(s);
  let r: boolean | null = null;
  s.spawn("w", function* () {
    yield* m.enter();
    r = yield* cv.timedWait(m, 250);
    m.exit();
  });
  s.runSync();
  assert.equal(r, true);
  assert.equal(s.clock.now(), 250);
  assert.ok(!cv.hasWaiters());
});

Deno.test("cv: a signal before the deadline makes timedWait return false", () => {
  const s = new Scheduler();
  const m = new Mutex(s);
  const cv = new CondVar(s);
  let r: boolean | null = null;
  s.spawn("w", function* () {
    yield* m.enter();
    r = yield* cv.timedWait(m, 1000);
    m.exit();
  });
  s.spawn("sig", function* () {
    yield* s.sleep(10);
    cv.signal();
  });
  s.runSync();
  assert.equal(r, false);
  assert.equal(s.clock.now(), 10);
});
