/**
 * `deno task bench` (bench/run_all.ts), run as a user runs it: it finds every benchmark,
 * and refuses a name it does not know. (Spawned, not imported: tests and bench import one
 * another only one way.)
 */
import assert from "node:assert/strict";

const ROOT = new URL("../..", import.meta.url).pathname;

async function task(...args: string[]) {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "bench", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

Deno.test("bench: deno task bench finds every benchmark file, micro and end-to-end", async () => {
  const r = await task("--list");
  assert.equal(r.code, 0, r.err);
  const listed = r.out.trim().split("\n").map((l) => l.split(/\s+/));
  const files: string[] = [];
  for await (const e of Deno.readDir(`${ROOT}bench`)) {
    // run_all.ts's rule: itself and files whose names start with "_" (helpers) are not
    // benchmarks.
    if (e.isFile && e.name.endsWith(".ts") && e.name !== "run_all.ts" && !e.name.startsWith("_")) {
      files.push(`bench/${e.name}`);
    }
  }
  assert.deepEqual(listed.map(([, f]) => f).sort(), files.sort());
  assert.ok(!listed.some(([, f]) => f.startsWith("bench/_")), "a helper is not a benchmark");
  const kind = Object.fromEntries(listed.map(([k, f]) => [f, k]));
  assert.equal(kind["bench/sched_bench.ts"], "micro");
  assert.equal(kind["bench/boot_bench.ts"], "micro");
  assert.equal(kind["bench/net_bulk.ts"], "script");
  assert.equal(kind["bench/switch_median.ts"], "script");
});

Deno.test("bench: an unknown benchmark name is one line and status 2", async () => {
  const r = await task("nope");
  assert.equal(r.code, 2);
  assert.equal(r.err, "bench: no benchmark nope in bench/\n");
});
