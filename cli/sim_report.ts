/**
 * sim_report.ts — a sweep's report: the JSON written per shard (`--report FILE`), the
 * merge of shard reports (`deno task sim --merge A.json B.json ...`), and the summary
 * printed for a sweep or a merge (the same text for both).
 *
 *   { "format": "rumpsim-sim-report", "version": 1, "scenario": "counter-retry",
 *     "module": "scenarios/counter_retry.ts", "first": 1, "last": 1000,
 *     "shard": { "k": 1, "n": 3 } | null, "checkDeterminism": false, "jobs": 2,
 *     "wallMs": 14000, "runs": [ { "seed", "passed", "failures", "endedBy", "virtualNs",
 *     "wallMs" }, ... ] }
 *
 * Shard K of N takes the seeds first + K-1, first + K-1 + N, ... of the range. A merge
 * refuses reports of other scenarios, ranges or shard counts, a shard given twice, and a
 * seed missing or present twice; each refusal is one line.
 *
 * Rules: the summary's lines depend only on the runs' results (seeds, verdicts, virtual
 * times), except the one line that starts with "wall:", so a merge of shards prints what
 * one unsharded sweep prints but for that line.
 */
import type { SeedResult } from "./sim_seed.ts";

export const REPORT_FORMAT = "rumpsim-sim-report";
export const REPORT_VERSION = 1;

export interface SimReport {
  format: typeof REPORT_FORMAT;
  version: number;
  scenario: string;
  /** The scenario module as given on the command line (the replay command uses it). */
  module: string;
  first: number;
  last: number;
  shard: { k: number; n: number } | null;
  checkDeterminism: boolean;
  jobs: number;
  /** Wall time of the whole sweep, ms. */
  wallMs: number;
  runs: SeedResult[];
}

/** The seeds of `first..last` shard K of N takes (every N-th, starting at the K-th). */
export function shardSeeds(first: number, last: number, shard: { k: number; n: number } | null) {
  const seeds: number[] = [];
  const k = shard ? shard.k - 1 : 0, n = shard ? shard.n : 1;
  for (let s = first + k; s <= last; s += n) seeds.push(s);
  return seeds;
}

/** The command that reruns one seed with its console, capture and timeline. */
export function replayCommand(module: string, seed: number, check = false): string {
  const q = /^[\w./:@+-]+$/.test(module) ? module : `'${module.replaceAll("'", "'\\''")}'`;
  return `deno task sim ${q} --seed ${seed} --pcap seed-${seed}.pcap --trace seed-${seed}.json${
    check ? " --check-determinism" : ""
  }`;
}

const fmtS = (ns: number) => `${(ns / 1e9).toFixed(3)} s`;

/** The summary of a sweep (or of merged shards): lines, without a trailing newline. */
export function summarize(r: SimReport): string {
  const runs = [...r.runs].sort((a, b) => a.seed - b.seed);
  const failed = runs.filter((x) => !x.passed);
  const lines = [
    `sim: ${r.scenario}: seeds ${r.first}..${r.last}, ${runs.length} runs${
      r.checkDeterminism ? ", each run twice and compared" : ""
    }`,
    `passed ${runs.length - failed.length}, failed ${failed.length}` +
    (failed.length ? `; first failing seed ${failed[0].seed}` : ""),
  ];
  if (runs.length) {
    const v = runs.map((x) => x.virtualNs);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    lines.push(
      `virtual time per run: mean ${fmtS(mean)}, min ${fmtS(Math.min(...v))}, max ${
        fmtS(Math.max(...v))
      }`,
    );
    const w = runs.map((x) => x.wallMs);
    const wm = w.reduce((a, b) => a + b, 0) / w.length;
    const vsum = v.reduce((a, b) => a + b, 0) / 1e6, wsum = w.reduce((a, b) => a + b, 0);
    lines.push(
      `wall: ${wm.toFixed(1)} ms per run (min ${Math.min(...w).toFixed(1)}, max ${
        Math.max(...w).toFixed(1)
      }), virtual:wall ${(vsum / Math.max(wsum, 1e-9)).toFixed(0)}:1, ${
        (runs.length / Math.max(r.wallMs / 1000, 1e-9)).toFixed(1)
      } seeds/s on ${r.jobs} worker${r.jobs === 1 ? "" : "s"}`,
    );
  }
  for (const f of failed) {
    lines.push(`FAIL seed ${f.seed} (ended by ${f.endedBy} at ${fmtS(f.virtualNs)}):`);
    for (const why of f.failures) lines.push(`  ${why}`);
    lines.push(`  replay: ${replayCommand(r.module, f.seed, r.checkDeterminism)}`);
  }
  return lines.join("\n");
}

/** Parses and checks one report file's text; throws an Error with one line. */
export function parseReport(text: string, name: string): SimReport {
  let r: SimReport;
  try {
    r = JSON.parse(text);
  } catch {
    throw new Error(`${name}: not JSON`);
  }
  if (r?.format !== REPORT_FORMAT) throw new Error(`${name}: not a rumpsim sim report`);
  if (r.version !== REPORT_VERSION) {
    throw new Error(`${name}: report version ${r.version}, this rumpsim reads ${REPORT_VERSION}`);
  }
  if (!Array.isArray(r.runs)) throw new Error(`${name}: has no runs`);
  return r;
}

/** Combines shard reports into the report of one sweep; throws an Error with one line. */
export function mergeReports(reports: { name: string; report: SimReport }[]): SimReport {
  if (reports.length === 0) throw new Error("--merge: give the shard reports to merge");
  const [a] = reports;
  const n = a.report.shard?.n ?? 1;
  const seen = new Set<number>();
  for (const { name, report: r } of reports) {
    for (const k of ["scenario", "first", "last", "checkDeterminism"] as const) {
      if (r[k] !== a.report[k]) {
        throw new Error(`${name}: ${k} ${r[k]} differs from ${a.name}'s ${a.report[k]}`);
      }
    }
    if ((r.shard?.n ?? 1) !== n) {
      throw new Error(`${name}: is a shard of ${r.shard?.n ?? 1}, ${a.name} of ${n}`);
    }
    const k = r.shard?.k ?? 1;
    if (seen.has(k)) throw new Error(`${name}: shard ${k}/${n} is given twice`);
    seen.add(k);
  }
  for (let k = 1; k <= n; k++) {
    if (!seen.has(k)) throw new Error(`--merge: shard ${k}/${n} is missing`);
  }
  const runs = reports.flatMap((x) => x.report.runs).sort((x, y) => x.seed - y.seed);
  const want = shardSeeds(a.report.first, a.report.last, null);
  if (runs.length !== want.length || runs.some((x, i) => x.seed !== want[i])) {
    const got = new Set<number>();
    for (const x of runs) {
      if (got.has(x.seed)) throw new Error(`--merge: seed ${x.seed} was run twice`);
      got.add(x.seed);
    }
    const miss = want.find((s) => !got.has(s));
    throw new Error(`--merge: seed ${miss ?? "?"} was not run`);
  }
  return {
    ...a.report,
    shard: null,
    jobs: reports.reduce((s, x) => s + x.report.jobs, 0),
    wallMs: Math.max(...reports.map((x) => x.report.wallMs)),
    runs,
  };
}
