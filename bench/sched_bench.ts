/**
 * sched_bench.ts — micro-benchmarks of sched/: fiber switches, mutexes, condition
 * variables and the timer heap. Each iteration does N operations; divide by N for the
 * per-operation figure (BENCHMARKS.md does).
 */
import { CondVar, MinHeap, Mutex, Prng, Scheduler } from "../sched/mod.ts";

const N = 10_000;

Deno.bench(`sched: ${N} fiber switches (two fibers yielding)`, { group: "switch" }, () => {
  const s = new Scheduler();
  for (const n of ["a", "b"]) {
    s.spawn(n, function* () {
      for (let i = 0; i < N / 2; i++) yield* s.yield();
    });
  }
  s.runSync();
});

Deno.bench(`sched: ${N} generator resumes (baseline, no scheduler)`, {
  group: "switch",
  baseline: true,
}, () => {
  function* g() {
    for (;;) yield 0;
  }
  const it = g();
  for (let i = 0; i < N; i++) it.next();
});

Deno.bench(`mutex: ${N} uncontended enter/exit pairs`, { group: "mutex" }, () => {
  const s = new Scheduler();
  const m = new Mutex(s);
  s.spawn("a", function* () {
    for (let i = 0; i < N; i++) {
      yield* m.enter();
      m.exit();
    }
  });
  s.runSync();
});

Deno.bench(`mutex: ${N} contended handoffs between two fibers`, { group: "mutex" }, () => {
  const s = new Scheduler();
  const m = new Mutex(s);
  for (const n of ["a", "b"]) {
    s.spawn(n, function* () {
      for (let i = 0; i < N / 2; i++) {
        yield* m.enter();
        yield* s.yield(); // hold it across a switch so the other fiber must wait
        m.exit();
      }
    });
  }
  s.runSync();
});

Deno.bench(`cv: ${N} signal/wait round trips`, { group: "cv" }, () => {
  const s = new Scheduler();
  const m = new Mutex(s);
  const ping = new CondVar(s), pong = new CondVar(s);
  let turn = 0;
  s.spawn("a", function* () {
    yield* m.enter();
    for (let i = 0; i < N; i++) {
      turn = 1;
      ping.signal();
      while (turn === 1) yield* pong.wait(m);
    }
    m.exit();
  });
  s.spawn("b", function* () {
    yield* m.enter();
    for (let i = 0; i < N; i++) {
      while (turn === 0) yield* ping.wait(m);
      turn = 0;
      pong.signal();
    }
    m.exit();
  });
  s.runSync();
});

const keys = (() => {
  const p = new Prng(5);
  return Array.from({ length: N }, () => p.below(1_000_000));
})();

Deno.bench(`timer heap: ${N} inserts then ${N} pops`, { group: "heap" }, () => {
  const h = new MinHeap<number>();
  for (let i = 0; i < N; i++) h.push(keys[i], i);
  while (h.pop());
});
