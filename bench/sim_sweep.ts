/**
 * sim_sweep.ts — seeds per second of a small scenario on one worker and on every core,
 * the virtual:wall ratio of an idle-heavy scenario, and the 1,000-seed sweep that finds
 * the planted bug of scenarios/counter_retry.ts.
 *
 *   deno run -A bench/sim_sweep.ts [SEEDS]      (default 200 for the speed-up, then 1..1000)
 *
 * Prints the figures BENCHMARKS.md records. counter_retry is idle-heavy: a client makes one
 * request a second for 20 s of virtual time, so most of a run is the clock jumping.
 */
import { sweep } from "../cli/sim.ts";
import { type SimReport, summarize } from "../cli/sim_report.ts";
import type { SeedResult } from "../cli/sim_seed.ts";

const SCENARIO = "scenarios/counter_retry.ts";
const n = Number(Deno.args[0] ?? 200);
const cores = navigator.hardwareConcurrency;

async function timed(seeds: number[], jobs: number) {
  const t0 = performance.now();
  const runs = await sweep(SCENARIO, seeds, jobs, false);
  return { runs, wallMs: performance.now() - t0 };
}

const report = (runs: SeedResult[], jobs: number, wallMs: number, last: number): SimReport => ({
  format: "rumpsim-sim-report",
  version: 1,
  scenario: "counter-retry",
  module: SCENARIO,
  first: 1,
  last,
  shard: null,
  checkDeterminism: false,
  jobs,
  wallMs,
  runs,
});

const seeds = Array.from({ length: n }, (_, i) => i + 1);
await timed(seeds.slice(0, 4), 1); // warm the module cache
const one = await timed(seeds, 1);
const all = await timed(seeds, cores);
const v = one.runs.reduce((s, r) => s + r.virtualNs, 0) / 1e6;
const w = one.runs.reduce((s, r) => s + r.wallMs, 0);
console.log(`counter-retry, ${n} seeds:`);
console.log(
  `  1 worker:   ${(n / (one.wallMs / 1000)).toFixed(1)} seeds/s (${one.wallMs.toFixed(0)} ms)`,
);
console.log(
  `  ${cores} workers:  ${(n / (all.wallMs / 1000)).toFixed(1)} seeds/s (${
    all.wallMs.toFixed(0)
  } ms), ` +
    `speed-up ${(one.wallMs / all.wallMs).toFixed(2)}x`,
);
console.log(
  `  virtual:wall per run on 1 worker: ${(v / w).toFixed(0)}:1 (${
    (v / n / 1000).toFixed(2)
  } s virtual, ${(w / n).toFixed(1)} ms wall)`,
);
const big = await timed(Array.from({ length: 1000 }, (_, i) => i + 1), cores);
console.log(`\nsweep of seeds 1..1000 on ${cores} workers:`);
console.log(summarize(report(big.runs, cores, big.wallMs, 1000)));
