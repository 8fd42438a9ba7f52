/**
 * no_keepalive_runs.ts — three `ab -c 10` runs without keep-alive against the default httpd
 * image through hostfwd, back to back with nothing between them, after a warm-up and 62 s
 * (its TIME-WAITs gone); with `--churn N`, N connections first and 12 s of quiet. Prints each
 * run's rate and the simulator's CPU per request, to tell the machine's run-to-run noise from
 * a decline that connections left behind would cause (load_cases.ts's case (c) interleaves
 * Deno.serve runs instead).
 *
 *   deno run -A bench/no_keepalive_runs.ts [--churn 20000] [--secs 15]
 */
import { parseArgs } from "node:util";
import { ab, cpuSeconds, waitFor } from "./_host_proc.ts";

const { values: opts } = parseArgs({
  args: Deno.args,
  options: { churn: { type: "string", default: "0" }, secs: { type: "string", default: "15" } },
});
const CHURN = Number(opts.churn), SECS = Number(opts.secs);
if (!(CHURN >= 0) || !(SECS > 0)) {
  console.error("no_keepalive_runs: usage: no_keepalive_runs.ts [--churn N] [--secs S]");
  Deno.exit(2);
}
const PORT = 18293;
const url = `http://127.0.0.1:${PORT}/hello.txt`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const proc = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", "main.ts", "--hostfwd", `tcp:127.0.0.1:${PORT}-:80`],
  cwd: new URL("..", import.meta.url).pathname,
  stdout: "null",
  stderr: "null",
}).spawn();
try {
  await waitFor(url, 2000, 10);
  await ab(url, { conns: 10, n: 2000 }); // warm-up
  await sleep(62_000);
  if (CHURN > 0) {
    await ab(url, { conns: 10, n: CHURN });
    await sleep(12_000);
  }
  const rates: number[] = [];
  for (let i = 0; i < 3; i++) {
    const c0 = await cpuSeconds(proc.pid);
    const r = await ab(url, { conns: 10, secs: SECS });
    const c1 = await cpuSeconds(proc.pid);
    rates.push(r.rps);
    const us = c0 === null || c1 === null ? NaN : (c1 - c0) * 1e6 / r.complete;
    console.log(
      `run ${i + 1}: ${r.rps.toFixed(0)} req/s, simulator CPU ${us.toFixed(0)} µs/request, ` +
        `longest ${r.longest} ms, failed ${r.failed}`,
    );
  }
  const spread = 1 - Math.min(...rates) / Math.max(...rates);
  console.log(`churn ${CHURN}: spread ${(100 * spread).toFixed(0)}%`);
} finally {
  proc.kill("SIGINT");
  await proc.status;
}
