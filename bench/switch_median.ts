/**
 * switch_median.ts — the median cost of one fiber switch through the scheduler, beside a
 * bare generator resume, over many samples (the target is stated as a median).
 *
 *   deno run bench/switch_median.ts
 */
import { Scheduler } from "../sched/mod.ts";

const N = 10_000, SAMPLES = 301;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function switches(): number {
  const s = new Scheduler();
  for (const n of ["a", "b"]) {
    s.spawn(n, function* () {
      for (let i = 0; i < N / 2; i++) yield* s.yield();
    });
  }
  const t0 = performance.now();
  s.runSync();
  return ((performance.now() - t0) * 1e6) / s.switches;
}

function resumes(): number {
  function* g() {
    for (;;) yield 0;
  }
  const it = g();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) it.next();
  return ((performance.now() - t0) * 1e6) / N;
}

for (let i = 0; i < 30; i++) (switches(), resumes()); // warm up
const sw: number[] = [], gr: number[] = [];
for (let i = 0; i < SAMPLES; i++) (sw.push(switches()), gr.push(resumes()));
console.log(`fiber switch through the scheduler: median ${median(sw).toFixed(1)} ns`);
console.log(`bare generator resume:              median ${median(gr).toFixed(1)} ns`);
