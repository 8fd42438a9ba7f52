/**
 * sim_scale.ts — a scenario of N machines on one switch (scenarios/swarm.ts): wall time,
 * virtual:wall ratio and memory per simulated machine, for N = 10, 50, 100.
 *
 *   deno run -A --v8-flags=--expose-gc bench/sim_scale.ts [N...]
 *
 * Memory is sampled in the middle of the run (a scheduled call at 0.9 s of virtual time,
 * every machine booted and its apps running): the process's resident set and V8's heap,
 * minus what they were before the scenario was built, divided by N. Guest RAM is 16 MiB
 * per machine; untouched pages of its ArrayBuffer are not resident.
 */
import { swarm } from "../scenarios/swarm.ts";
import { runScenario } from "../rumprun/scenario.ts";

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const sizes = Deno.args.length ? Deno.args.map(Number) : [10, 50, 100];
const MiB = 1024 * 1024;
for (const n of sizes) {
  gc();
  const before = Deno.memoryUsage();
  let mid = before;
  const s = swarm(n);
  const t0 = performance.now();
  const r = await runScenario({
    ...s,
    schedule: [{
      at: 0.9e9,
      do: "call",
      name: "sample",
      fn: () => (gc(), mid = Deno.memoryUsage()),
    }],
  }, { seed: 1 });
  const wall = performance.now() - t0;
  console.log(
    `${String(n).padStart(3)} machines: ${r.passed ? "passed" : "FAILED"}, virtual ${
      (r.virtualNs / 1e9).toFixed(3)
    } s, wall ${wall.toFixed(0)} ms, virtual:wall ${(r.virtualNs / 1e6 / wall).toFixed(2)}:1, ` +
      `rss ${((mid.rss - before.rss) / n / MiB).toFixed(2)} MiB/machine, heap ${
        ((mid.heapUsed - before.heapUsed) / n / MiB).toFixed(2)
      } MiB/machine`,
  );
}
