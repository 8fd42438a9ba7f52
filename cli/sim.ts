/**
 * sim.ts — `deno task sim`: run a scenario over many seeds, on every core, and say which
 * seed broke which invariant and how to replay it.
 *
 *   deno task sim SCENARIO [--seeds A..B] [--jobs N] [--shard K/N] [--report FILE]
 *                          [--check-determinism]
 *   deno task sim SCENARIO --seed N [--pcap FILE] [--trace FILE] [--check-determinism]
 *   deno task sim --merge REPORT.json...
 *
 * A sweep (default seeds 1..100) hands the seeds one at a time to `--jobs` worker threads
 * (default: every core), shows progress on a terminal, then prints the summary
 * (sim_report.ts): passed, failed, the first failing seed, virtual and wall time per run,
 * and for each failure the one command that replays it. `--shard K/N` runs every N-th seed
 * from the K-th and writes its report (default `sim-shard-K-of-N.json`) for `--merge`.
 * `--seed N` runs one seed in this thread: the console on stdout, the capture and the
 * timeline into files. `--check-determinism` runs each seed twice and compares console,
 * pcap and trace byte for byte.
 *
 * Rules: exit 0 when every run passed, 1 when one failed, 2 for a bad command line (one
 * line naming the flag). The scenario module is imported by each worker from its path.
 */
import { scanFlags, UsageError } from "./flags.ts";
import { loadScenario, scenarioUrl, type SeedResult } from "./sim_seed.ts";
import {
  mergeReports,
  parseReport,
  REPORT_FORMAT,
  REPORT_VERSION,
  shardSeeds,
  type SimReport,
  summarize,
} from "./sim_report.ts";
import { runScenario } from "../rumprun/scenario.ts";
import { checkDeterminism } from "./determinism.ts";
import { openTraceFile, type TraceFile } from "./trace.ts";

const OPTIONS = {
  seed: { type: "string" },
  seeds: { type: "string" },
  jobs: { type: "string" },
  shard: { type: "string" },
  report: { type: "string" },
  merge: { type: "boolean" },
  pcap: { type: "string" },
  trace: { type: "string" },
  "check-determinism": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export const USAGE =
  `usage: deno task sim SCENARIO [--seeds A..B] [--jobs N] [--shard K/N] [--report FILE]
       deno task sim SCENARIO --seed N [--pcap FILE] [--trace FILE]
       deno task sim --merge REPORT.json...

Runs a scenario module (scenarios/*.ts) once per seed and checks its invariants.

options:
  --seeds A..B         the seeds of a sweep (default 1..100)
  --seed N             run one seed here: console on stdout, capture and trace to files
  --jobs N             worker threads (default: every core)
  --shard K/N          run every N-th seed of the range, from the K-th (a CI job matrix)
  --report FILE        write the sweep's JSON report (default with --shard: sim-shard-K-of-N.json)
  --merge              combine shard reports (the files given) and print one summary
  --pcap FILE          with --seed: the captured machine's frames (libpcap)
  --trace FILE         with --seed: the run's timeline (Chrome trace JSON)
  --check-determinism  run each seed twice and compare console, pcap and trace byte for byte
  -h, --help           this text`;

/** What the command line asks for. */
export type SimCommand =
  | { kind: "help" }
  | { kind: "merge"; files: string[] }
  | {
    kind: "one";
    module: string;
    seed: number;
    pcap?: string;
    trace?: string;
    check: boolean;
  }
  | {
    kind: "sweep";
    module: string;
    first: number;
    last: number;
    jobs: number;
    shard: { k: number; n: number } | null;
    report?: string;
    check: boolean;
  };

function parseUint(flag: string, s: string, max = 0xffffffff): number {
  if (!/^\d+$/.test(s) || Number(s) > max) {
    throw new UsageError(`${flag}: "${s}" is not a whole number from 0 to ${max}`);
  }
  return Number(s);
}

/** Parses `deno task sim`'s arguments; throws UsageError with one line. */
export function parseSimArgs(args: string[], cores = navigator.hardwareConcurrency): SimCommand {
  // Positionals (the scenario, the reports to merge) may come before or after the flags.
  const pos: string[] = [], flags: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith("-")) {
      flags.push(a);
      const name = a.replace(/^-+/, "").split("=")[0];
      const spec = (OPTIONS as Record<string, { type: string }>)[name];
      if (spec?.type === "string" && !a.includes("=") && i + 1 < args.length) flags.push(args[++i]);
    } else pos.push(a);
  }
  const { values: v } = scanFlags(flags, OPTIONS);
  if (v.help) return { kind: "help" };
  if (v.merge) {
    if (pos.length === 0) throw new UsageError("--merge: give the shard reports to merge");
    return { kind: "merge", files: pos };
  }
  if (pos.length === 0) {
    throw new UsageError("give a scenario module, e.g. scenarios/counter_retry.ts");
  }
  if (pos.length > 1) throw new UsageError(`one scenario at a time (got ${pos.join(", ")})`);
  const check = v["check-determinism"] ?? false;
  if (v.seed !== undefined) {
    for (const f of ["seeds", "jobs", "shard", "report"] as const) {
      if (v[f] !== undefined) throw new UsageError(`--${f}: not with --seed (one run)`);
    }
    return {
      kind: "one",
      module: pos[0],
      seed: parseUint("--seed", v.seed),
      pcap: v.pcap,
      trace: v.trace,
      check,
    };
  }
  for (const f of ["pcap", "trace"] as const) {
    if (v[f] !== undefined) throw new UsageError(`--${f}: only with --seed (one run)`);
  }
  let first = 1, last = 100;
  if (v.seeds !== undefined) {
    const m = /^(\d+)\.\.(\d+)$/.exec(v.seeds);
    if (!m) throw new UsageError(`--seeds: "${v.seeds}" is not a range A..B`);
    first = parseUint("--seeds", m[1]);
    last = parseUint("--seeds", m[2]);
    if (last < first) throw new UsageError(`--seeds: ${v.seeds} ends before it starts`);
  }
  const jobs = v.jobs !== undefined ? parseUint("--jobs", v.jobs, 256) : Math.max(1, cores);
  if (jobs < 1) throw new UsageError(`--jobs: needs at least 1`);
  let shard: { k: number; n: number } | null = null;
  if (v.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(v.shard);
    const k = Number(m?.[1]), n = Number(m?.[2]);
    if (!m || !(n >= 1 && k >= 1 && k <= n)) {
      throw new UsageError(`--shard: "${v.shard}" is not K/N with 1 <= K <= N`);
    }
    shard = { k, n };
  }
  const report = v.report ?? (shard ? `sim-shard-${shard.k}-of-${shard.n}.json` : undefined);
  return { kind: "sweep", module: pos[0], first, last, jobs, shard, report, check };
}

/** Runs the seeds on `jobs` workers; `progress` is told after each result. */
export async function sweep(
  module: string,
  seeds: number[],
  jobs: number,
  check: boolean,
  progress?: (done: number, failed: number) => void,
): Promise<SeedResult[]> {
  const url = scenarioUrl(module);
  await loadScenario(url); // one clear error here rather than one per worker
  const results: SeedResult[] = [];
  let next = 0, failed = 0;
  const n = Math.min(jobs, seeds.length);
  const workers: Worker[] = [];
  try {
    await Promise.all(Array.from({ length: n }, () =>
      new Promise<void>((resolve, reject) => {
        const w = new Worker(new URL("./sim_worker.ts", import.meta.url).href, { type: "module" });
        workers.push(w);
        const feed = () => {
          if (next >= seeds.length) return resolve();
          w.postMessage({ type: "run", seed: seeds[next++] });
        };
        w.onmessage = (e) => {
          const m = e.data;
          if (m.type === "error") return reject(new Error(m.message));
          if (m.type === "result") {
            results.push(m.result);
            if (!m.result.passed) failed++;
            progress?.(results.length, failed);
          }
          feed();
        };
        w.onerror = (e) => {
          e.preventDefault();
          reject(new Error(`a worker failed: ${e.message}`));
        };
        w.postMessage({ type: "init", url, check });
      })));
  } finally {
    for (const w of workers) w.terminate();
  }
  return results.sort((a, b) => a.seed - b.seed);
}

function progressBar(total: number): (done: number, failed: number) => void {
  if (!Deno.stderr.isTerminal()) return () => {};
  const enc = new TextEncoder();
  let last = -1;
  return (done, failed) => {
    const pct = Math.floor((done * 100) / total);
    if (pct === last && done !== total) return;
    last = pct;
    const w = 30, fill = Math.round((done * w) / total);
    const line = `\r[${"#".repeat(fill)}${" ".repeat(w - fill)}] ${done}/${total} failed ${failed}`;
    Deno.stderr.writeSync(enc.encode(line + (done === total ? "\n" : "")));
  };
}

/** Runs one seed in this thread with its outputs; returns the exit status. */
async function runOne(c: Extract<SimCommand, { kind: "one" }>): Promise<number> {
  const s = await loadScenario(scenarioUrl(c.module));
  const stdout = (b: Uint8Array) => void Deno.stdout.writeSync(b);
  if (c.check) {
    const { diffs, value, first } = await checkDeterminism((k) =>
      runScenario(s, { seed: c.seed, console: k.console, pcap: k.pcap, trace: k.tracer })
    );
    stdout(first.console);
    if (c.pcap) Deno.writeFileSync(c.pcap, first.pcap);
    if (c.trace) Deno.writeFileSync(c.trace, first.trace);
    for (const d of diffs) console.log(`sim: not deterministic: ${d}`);
    if (!diffs.length) {
      console.log("sim: deterministic: console, pcap and trace identical in two runs");
    }
    reportOne(s.name, c.seed, value.passed, value.failures, value.virtualNs);
    return value.passed && !diffs.length ? 0 : 1;
  }
  let pcapFile: Deno.FsFile | null = null;
  let trace: TraceFile | null = null;
  try {
    if (c.pcap) pcapFile = Deno.openSync(c.pcap, { write: true, create: true, truncate: true });
    if (c.trace) trace = openTraceFile(c.trace);
    const r = await runScenario(s, {
      seed: c.seed,
      console: stdout,
      pcap: pcapFile ? (b) => void pcapFile!.writeSync(b) : undefined,
      trace: trace?.tracer,
    });
    reportOne(s.name, c.seed, r.passed, r.failures, r.virtualNs);
    return r.passed ? 0 : 1;
  } finally {
    pcapFile?.close();
    trace?.close();
  }
}

function reportOne(name: string, seed: number, passed: boolean, failures: string[], vns: number) {
  const when = `virtual ${(vns / 1e9).toFixed(3)} s`;
  if (passed) console.log(`sim: ${name} seed ${seed}: passed (${when})`);
  else {
    console.log(`sim: ${name} seed ${seed}: FAILED (${when})`);
    for (const f of failures) console.log(`  ${f}`);
  }
}

/** The command; returns the exit status. */
export async function simMain(args: string[]): Promise<number> {
  let c: SimCommand;
  try {
    c = parseSimArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`sim: ${e.message}`);
    return 2;
  }
  try {
    if (c.kind === "help") {
      console.log(USAGE);
      return 0;
    }
    if (c.kind === "merge") {
      const merged = mergeReports(c.files.map((name) => {
        let text: string;
        try {
          text = Deno.readTextFileSync(name);
        } catch (e) {
          throw new Error(`${name}: ${(e as Error).message.split("\n")[0]}`);
        }
        return { name, report: parseReport(text, name) };
      }));
      console.log(summarize(merged));
      return merged.runs.every((r) => r.passed) ? 0 : 1;
    }
    if (c.kind === "one") return await runOne(c);
    const seeds = shardSeeds(c.first, c.last, c.shard);
    const t0 = performance.now();
    const runs = await sweep(c.module, seeds, c.jobs, c.check, progressBar(seeds.length));
    const report: SimReport = {
      format: REPORT_FORMAT,
      version: REPORT_VERSION,
      scenario: (await loadScenario(scenarioUrl(c.module))).name,
      module: c.module,
      first: c.first,
      last: c.last,
      shard: c.shard,
      checkDeterminism: c.check,
      jobs: Math.min(c.jobs, seeds.length),
      wallMs: performance.now() - t0,
      runs,
    };
    if (c.report) Deno.writeTextFileSync(c.report, JSON.stringify(report, null, 1) + "\n");
    console.log(summarize(report));
    if (c.shard) {
      console.log(`shard ${c.shard.k}/${c.shard.n}: ${runs.length} seeds; report in ${c.report}`);
    }
    return runs.every((r) => r.passed) ? 0 : 1;
  } catch (e) {
    console.error(`sim: ${String((e as Error).message ?? e).split("\n")[0]}`);
    return e instanceof UsageError ? 2 : 1;
  }
}

if (import.meta.main) Deno.exit(await simMain(Deno.args));
