import assert from "node:assert/strict";
import counterRetry from "../../scenarios/counter_retry.ts";
import { runScenario } from "../../rumprun/scenario.ts";
import { runSeed } from "../../cli/sim_seed.ts";
import { capture } from "../../cli/determinism.ts";

// Seeds 1..1000 hold two failures, 106 and 378 (bench/sim_sweep.ts sweeps them all).
Deno.test("counter-retry: a sweep of seeds 100..110 finds the planted bug at seed 106 only", async () => {
  const failed: number[] = [];
  for (let seed = 100; seed <= 110; seed++) {
    const r = await runSeed(counterRetry, seed);
    if (!r.passed) failed.push(seed);
    else assert.equal(r.endedBy, "apps");
  }
  assert.deepEqual(failed, [106]);
});

Deno.test("counter-retry: seed 106's replay shows the double count, byte for byte the same", async () => {
  const once = () =>
    capture((k) =>
      runScenario(counterRetry, { seed: 106, console: k.console, pcap: k.pcap, trace: k.tracer })
    );
  const a = await once(), b = await once();
  const text = new TextDecoder().decode(a.out.console).replaceAll("\r\n", "\n");
  assert.match(text, /^client: inc \d+: no reply in 300 ms, retrying$/m);
  assert.match(text, /^client: made 20 increments, server counted 21$/m);
  assert.deepEqual(a.value.failures, ["client exits 0: client exited 1"]);
  assert.deepEqual(a.out, b.out);
});

Deno.test("counter-retry: without the partition the client always agrees with the server", async () => {
  const r = await runScenario({ ...counterRetry, schedule: [] }, { seed: 106 });
  assert.ok(r.passed, r.failures.join("; "));
});
