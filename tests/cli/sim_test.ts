import assert from "node:assert/strict";
import { parseSimArgs, sweep } from "../../cli/sim.ts";
import {
  mergeReports,
  parseReport,
  replayCommand,
  REPORT_FORMAT,
  shardSeeds,
  type SimReport,
  summarize,
} from "../../cli/sim_report.ts";
import { UsageError } from "../../cli/flags.ts";
import { compareRuns, firstDifference } from "../../cli/determinism.ts";
import { runSeed } from "../../cli/sim_seed.ts";
import scenario from "../../scenarios/counter_retry.ts";

const SCENARIO = "scenarios/counter_retry.ts";
const enc = new TextEncoder();

const usage = (args: string[], msg: string) =>
  assert.throws(() => parseSimArgs(args, 4), (e: unknown) => {
    assert.ok(e instanceof UsageError, String(e));
    assert.equal((e as Error).message, msg);
    return true;
  });

Deno.test("sim args: a sweep's defaults, seeds, jobs and shard", () => {
  assert.deepEqual(parseSimArgs([SCENARIO], 4), {
    kind: "sweep",
    module: SCENARIO,
    first: 1,
    last: 100,
    jobs: 4,
    shard: null,
    report: undefined,
    check: false,
  });
  assert.deepEqual(parseSimArgs(["--seeds", "5..9", SCENARIO, "--jobs=2", "--shard", "2/3"], 4), {
    kind: "sweep",
    module: SCENARIO,
    first: 5,
    last: 9,
    jobs: 2,
    shard: { k: 2, n: 3 },
    report: "sim-shard-2-of-3.json",
    check: false,
  });
  assert.deepEqual(parseSimArgs([SCENARIO, "--seed", "7", "--pcap", "a.pcap"], 4), {
    kind: "one",
    module: SCENARIO,
    seed: 7,
    pcap: "a.pcap",
    trace: undefined,
    check: false,
  });
  assert.deepEqual(parseSimArgs(["--merge", "a.json", "b.json"], 4), {
    kind: "merge",
    files: ["a.json", "b.json"],
  });
});

Deno.test("sim args: every bad command line is one line naming the flag", () => {
  usage([], "give a scenario module, e.g. scenarios/counter_retry.ts");
  usage(["a.ts", "b.ts"], "one scenario at a time (got a.ts, b.ts)");
  usage([SCENARIO, "--seeds", "9..5"], "--seeds: 9..5 ends before it starts");
  usage([SCENARIO, "--seeds", "1-5"], `--seeds: "1-5" is not a range A..B`);
  usage(
    [SCENARIO, "--seeds", "1..99999999999"],
    `--seeds: "99999999999" is not a whole number from 0 to 4294967295`,
  );
  usage([SCENARIO, "--seed", "x"], `--seed: "x" is not a whole number from 0 to 4294967295`);
  usage([SCENARIO, "--seed", "1", "--seeds", "1..2"], "--seeds: not with --seed (one run)");
  usage([SCENARIO, "--seed", "1", "--shard", "1/2"], "--shard: not with --seed (one run)");
  usage([SCENARIO, "--pcap", "x.pcap"], "--pcap: only with --seed (one run)");
  usage([SCENARIO, "--jobs", "0"], "--jobs: needs at least 1");
  usage([SCENARIO, "--jobs", "999"], `--jobs: "999" is not a whole number from 0 to 256`);
  usage([SCENARIO, "--shard", "3/2"], `--shard: "3/2" is not K/N with 1 <= K <= N`);
  usage([SCENARIO, "--shard", "0/2"], `--shard: "0/2" is not K/N with 1 <= K <= N`);
  usage([SCENARIO, "--shard", "half"], `--shard: "half" is not K/N with 1 <= K <= N`);
  usage(["--merge"], "--merge: give the shard reports to merge");
  usage([SCENARIO, "--frobnicate"], "unknown option --frobnicate");
  usage([SCENARIO, "--seed"], "option --seed needs a value");
});

Deno.test("sim shards: 1/3, 2/3 and 3/3 cover the range exactly once", () => {
  const all = [1, 2, 3].flatMap((k) => shardSeeds(10, 30, { k, n: 3 })).sort((a, b) => a - b);
  assert.deepEqual(all, shardSeeds(10, 30, null));
  assert.equal(all.length, 21);
  assert.deepEqual(shardSeeds(10, 30, { k: 2, n: 3 }), [11, 14, 17, 20, 23, 26, 29]);
  assert.deepEqual(shardSeeds(1, 2, { k: 3, n: 3 }), [], "a shard may be empty");
});

const report = (runs: SimReport["runs"], shard: SimReport["shard"], wallMs = 100): SimReport => ({
  format: REPORT_FORMAT,
  version: 1,
  scenario: "counter-retry",
  module: SCENARIO,
  first: 100,
  last: 110,
  shard,
  checkDeterminism: false,
  jobs: 1,
  wallMs,
  runs,
});

const withoutWall = (s: string) => s.split("\n").filter((l) => !l.startsWith("wall:")).join("\n");

Deno.test("sim sweep: sharded over three, merged, gives the summary of one sweep", async () => {
  const seeds = shardSeeds(100, 110, null);
  const whole = report(await sweep(SCENARIO, seeds, 2, false), null);
  const shards = [];
  for (let k = 1; k <= 3; k++) {
    // The shards run here, one seed after another (the whole sweep above used workers).
    const runs = [];
    for (const seed of shardSeeds(100, 110, { k, n: 3 })) runs.push(await runSeed(scenario, seed));
    const r = report(runs, { k, n: 3 });
    // Each shard's report goes through its JSON form, as it would between CI jobs.
    shards.push({ name: `s${k}.json`, report: parseReport(JSON.stringify(r), `s${k}.json`) });
  }
  const merged = mergeReports(shards);
  assert.equal(withoutWall(summarize(merged)), withoutWall(summarize(whole)));
  const text = summarize(whole);
  assert.match(text, /^passed 10, failed 1; first failing seed 106$/m);
  assert.match(text, /^FAIL seed 106 \(ended by apps at 20\.347 s\):$/m);
  assert.match(text, /^ {2}client exits 0: client exited 1$/m);
  assert.ok(text.includes(`  replay: ${replayCommand(SCENARIO, 106)}`));
  assert.match(text, /^wall: .* seeds\/s on 1 worker$/m);
});

Deno.test("sim merge: refuses a missing shard, a shard twice, another scenario or range", () => {
  const r = (k: number, extra: Partial<SimReport> = {}) => ({
    name: `s${k}`,
    report: {
      ...report(
        shardSeeds(100, 110, { k, n: 2 }).map((seed) => ({
          seed,
          passed: true,
          failures: [],
          endedBy: "apps",
          virtualNs: 1e9,
          wallMs: 1,
        })),
        { k, n: 2 },
      ),
      ...extra,
    },
  });
  assert.throws(() => mergeReports([r(1)]), /^Error: --merge: shard 2\/2 is missing$/);
  assert.throws(() => mergeReports([r(1), r(1)]), /^Error: s1: shard 1\/2 is given twice$/);
  assert.throws(
    () => mergeReports([r(1), r(2, { scenario: "other" })]),
    /^Error: s2: scenario other differs from s1's counter-retry$/,
  );
  assert.throws(
    () => mergeReports([r(1), r(2, { last: 120 })]),
    /^Error: s2: last 120 differs from s1's 110$/,
  );
  assert.throws(
    () => mergeReports([r(1), r(2, { shard: { k: 2, n: 3 } })]),
    /^Error: s2: is a shard of 3, s1 of 2$/,
  );
  const short = r(2);
  short.report.runs = short.report.runs.slice(1);
  assert.throws(() => mergeReports([r(1), short]), /^Error: --merge: seed 101 was not run$/);
  assert.equal(mergeReports([r(1), r(2)]).runs.length, 11);
  assert.throws(() => parseReport("{", "x.json"), /^Error: x\.json: not JSON$/);
  assert.throws(() => parseReport("{}", "x.json"), /not a rumpsim sim report/);
  assert.throws(
    () => parseReport(JSON.stringify({ format: REPORT_FORMAT, version: 9, runs: [] }), "x"),
    /^Error: x: report version 9, this rumpsim reads 1$/,
  );
});

Deno.test("determinism: the first difference is named by output, byte and line", () => {
  const a = enc.encode("one\ntwo\nthree\n"), b = enc.encode("one\ntwo\nthr3e\n");
  assert.equal(firstDifference("console", a, a), null);
  assert.equal(
    firstDifference("console", a, b),
    `console: first difference at byte 11 (line 3): run 1 "three", run 2 "thr3e"`,
  );
  assert.equal(
    firstDifference("pcap", enc.encode("abc"), enc.encode("abcd")),
    "pcap: run 1 wrote 3 bytes, run 2 4 (equal up to byte 3)",
  );
  const x = { console: a, pcap: new Uint8Array([1, 2]), trace: enc.encode("[]") };
  assert.deepEqual(compareRuns(x, { ...x }), []);
  assert.deepEqual(compareRuns(x, { ...x, pcap: new Uint8Array([1, 3]) }), [
    `pcap: first difference at byte 1 (line 1): run 1 "..", run 2 ".."`,
  ]);
});

async function sim(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "cli/sim.ts", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("deno task sim: a sweep names the failing seed, and its replay command reproduces it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const s = await sim(SCENARIO, "--seeds", "104..108", "--jobs", "2");
    assert.equal(s.code, 1, s.stdout + s.stderr);
    assert.match(s.stdout, /^passed 4, failed 1; first failing seed 106$/m);
    const replay = /^ {2}replay: deno task sim (\S+) (--seed 106 .*)$/m.exec(s.stdout);
    assert.ok(replay, s.stdout);
    const args = replay[2].split(" ").map((a) => a.replace(/^seed-/, `${dir}/seed-`));
    const r = await sim(replay[1], ...args);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^client: made 20 increments, server counted 21$/m);
    assert.match(r.stdout, /^sim: counter-retry seed 106: FAILED \(virtual 20\.347 s\)$/m);
    assert.ok(Deno.statSync(`${dir}/seed-106.pcap`).size > 1000);
    assert.match(Deno.readTextFileSync(`${dir}/seed-106.json`), /^\{"traceEvents":\[/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task sim: shard reports merge on the command line; bad input is one line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const k of [1, 2]) {
      const s = await sim(
        SCENARIO,
        "--seeds",
        "105..107",
        "--shard",
        `${k}/2`,
        "--report",
        `${dir}/s${k}.json`,
      );
      assert.ok(s.code === 0 || s.code === 1, s.stderr);
      assert.match(s.stdout, new RegExp(`^shard ${k}/2: \\d seeds; report in `, "m"));
    }
    const m = await sim("--merge", `${dir}/s1.json`, `${dir}/s2.json`);
    assert.equal(m.code, 1);
    assert.match(m.stdout, /^sim: counter-retry: seeds 105\.\.107, 3 runs$/m);
    assert.match(m.stdout, /^passed 2, failed 1; first failing seed 106$/m);
    const bad = await sim("--merge", `${dir}/s1.json`);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, "sim: --merge: shard 2/2 is missing\n");
    const usage = await sim(SCENARIO, "--shard", "5/2");
    assert.equal(usage.code, 2);
    assert.equal(usage.stderr, `sim: --shard: "5/2" is not K/N with 1 <= K <= N\n`);
    const missing = await sim("scenarios/nope.ts", "--seed", "1");
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^sim: cannot load file:\/\/.*nope\.ts: .*\n$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task sim --check-determinism: a sweep runs each seed twice and finds them equal", async () => {
  const s = await sim(SCENARIO, "--seeds", "1..2", "--jobs", "1", "--check-determinism");
  assert.equal(s.code, 0, s.stdout + s.stderr);
  assert.match(
    s.stdout,
    /^sim: counter-retry: seeds 1\.\.2, 2 runs, each run twice and compared$/m,
  );
  assert.match(s.stdout, /^passed 2, failed 0$/m);
});

Deno.test("deno task boot --check-determinism: a world and an image give identical runs", async () => {
  const run = async (...args: string[]) => {
    const o = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "main.ts", ...args],
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
    }).output();
    return {
      code: o.code,
      stdout: new TextDecoder().decode(o.stdout),
      stderr: new TextDecoder().decode(o.stderr),
    };
  };
  const w = await run(
    "--image",
    "net-demo",
    "--seed",
    "4",
    "--check-determinism",
    "--fault",
    "loss=2%,duplicate=2%,reorder=5%,corrupt=1%,jitter=200us,rate=100mbit",
  );
  assert.equal(w.code, 0, w.stderr);
  assert.match(
    w.stderr,
    /^rumpsim: deterministic: two runs gave identical console \(\d+ bytes\), pcap \(\d+\) and trace \(\d+\)$/m,
  );
  assert.match(w.stdout, /^client: 3 packets transmitted/m);
  const h = await run("--image", "hello", "--check-determinism");
  assert.equal(h.code, 0, h.stderr);
  assert.match(h.stderr, /^rumpsim: deterministic:/m);
  const sh = await run(
    "--image",
    "shell",
    "--check-determinism",
    "--",
    "-c",
    "ls -l /; cat /etc/motd",
  );
  assert.equal(sh.code, 0, sh.stderr);
  assert.match(sh.stderr, /^rumpsim: deterministic:/m);
  const rt = await run("--image", "hello", "--check-determinism", "--realtime");
  assert.equal(rt.code, 2);
  assert.equal(
    rt.stderr,
    "rumpsim: --check-determinism: only virtual-time runs repeat (--realtime takes the host's time)\n",
  );
});

Deno.test("determinism: a run that is not a function of its seed is caught and the difference named", async () => {
  const { checkDeterminism } = await import("../../cli/determinism.ts");
  const { runScenario } = await import("../../rumprun/scenario.ts");
  let seed = 100; // each run takes another seed, as a run reading host randomness would
  const { diffs } = await checkDeterminism((k) =>
    runScenario(scenario, { seed: seed++, console: k.console, pcap: k.pcap, trace: k.tracer })
  );
  assert.equal(diffs.length, 3, diffs.join("\n"));
  assert.match(
    diffs[0],
    /^console: first difference at byte \d+ \(line 1\): run 1 "server: rumpsim: seed 100, virtual time", run 2 "server: rumpsim: seed 101, virtual time"$/,
  );
  assert.match(diffs[1], /^pcap: first difference at byte \d+/);
  assert.match(diffs[2], /^trace: /);
});
