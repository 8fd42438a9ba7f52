/**
 * determinism.ts — `--check-determinism` (madsim's check): run the same thing twice in
 * virtual time, capturing console, pcap and trace in memory, and compare them byte for
 * byte; the first difference is named (which output, byte offset, line, and both lines).
 *
 * Rules: a run given to `checkDeterminism` must write only to the sinks it is handed
 * (nothing of the first run may leak into the second); the report is one line per output.
 */
import { Tracer } from "../sched/mod.ts";
import { UsageError } from "./flags.ts";
import type { FaultSpec } from "../arch/netdev/fault.ts";
import type { Image } from "../kernel/syscall/image.ts";
import { runImage } from "../rumprun/run.ts";
import { isWorld, runWorld, type World } from "../rumprun/world.ts";

/** What one captured run produced. */
export interface Captured {
  console: Uint8Array;
  pcap: Uint8Array;
  trace: Uint8Array;
}

/** The sinks a captured run writes to. */
export interface CaptureSinks {
  console: (b: Uint8Array) => void;
  pcap: (b: Uint8Array) => void;
  tracer: Tracer;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Runs `run` once with in-memory sinks; returns what it wrote and what it returned. */
export async function capture<T>(
  run: (s: CaptureSinks) => Promise<T>,
): Promise<{ out: Captured; value: T }> {
  const con: Uint8Array[] = [], pcap: Uint8Array[] = [];
  let trace = "";
  const tracer = new Tracer((c) => (trace += c));
  const value = await run({
    console: (b) => con.push(b.slice()),
    pcap: (b) => pcap.push(b.slice()),
    tracer,
  });
  tracer.close();
  return {
    out: { console: concat(con), pcap: concat(pcap), trace: new TextEncoder().encode(trace) },
    value,
  };
}

/** The first difference between `a` and `b` as one line, or null when they are equal. */
export function firstDifference(what: string, a: Uint8Array, b: Uint8Array): string | null {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  if (i === n && a.length === b.length) return null;
  let line = 1, start = 0;
  for (let k = 0; k < i; k++) {
    if (a[k] === 10) {
      line++;
      start = k + 1;
    }
  }
  const show = (x: Uint8Array) => {
    let end = x.indexOf(10, start);
    if (end < 0) end = x.length;
    if (end > start && x[end - 1] === 13) end--; // a CR LF line ends at the CR
    const s = new TextDecoder().decode(x.subarray(start, Math.min(end, start + 120)));
    return JSON.stringify(s.replace(/[^\x20-\x7e]/g, "."));
  };
  if (i === n) {
    return `${what}: run 1 wrote ${a.length} bytes, run 2 ${b.length} (equal up to byte ${n})`;
  }
  return `${what}: first difference at byte ${i} (line ${line}): run 1 ${show(a)}, run 2 ${
    show(b)
  }`;
}

/** Compares two captured runs; returns one line per output that differs (none: same). */
export function compareRuns(a: Captured, b: Captured): string[] {
  return (["console", "pcap", "trace"] as const)
    .map((k) => firstDifference(k, a[k], b[k]))
    .filter((x): x is string => x !== null);
}

/** Runs `run` twice and compares; `diffs` is empty when both runs wrote the same bytes. */
export async function checkDeterminism<T>(
  run: (s: CaptureSinks) => Promise<T>,
): Promise<{ diffs: string[]; first: Captured; value: T }> {
  const a = await capture(run);
  const b = await capture(run);
  return { diffs: compareRuns(a.out, b.out), first: a.out, value: a.value };
}

/** What `deno task boot --check-determinism` runs twice: a world or one virtual-time image. */
export type BootTwice = (sinks: CaptureSinks) => Promise<{ status: number }>;

/**
 * `--check-determinism` on boot: runs `boot` twice, prints the first run's console, writes
 * its capture and timeline where asked, and says whether the runs were identical. Returns
 * the run's exit status, or 1 when the runs differ.
 */
export async function checkBootDeterminism(
  boot: BootTwice,
  out: { console: (b: Uint8Array) => void; pcap?: string; trace?: string },
): Promise<number> {
  const { diffs, first, value } = await checkDeterminism(boot);
  out.console(first.console);
  if (out.pcap) Deno.writeFileSync(out.pcap, first.pcap);
  if (out.trace) Deno.writeFileSync(out.trace, first.trace);
  if (diffs.length) {
    for (const d of diffs) console.error(`rumpsim: not deterministic: ${d}`);
    return 1;
  }
  console.error(
    `rumpsim: deterministic: two runs gave identical console (${first.console.length} bytes), ` +
      `pcap (${first.pcap.length}) and trace (${first.trace.length})`,
  );
  return value.status;
}

/** The boot flags a determinism check needs (a subset of the CLI's options). */
export interface BootFlags {
  seed: number;
  memBytes: number;
  epochMs: number | undefined;
  verbose: boolean;
  argv: string[] | undefined;
  env: Record<string, string> | undefined;
  realtime: boolean;
  netdev: string | undefined;
  blk: unknown[];
  nicFault: FaultSpec | undefined;
}

/**
 * The run `--check-determinism` repeats: a world, or a single image in virtual time (an
 * interactive image gets end of file on its console). Throws an Error with one line for a
 * run that cannot be repeated: realtime, a network of the host, a disk the first run
 * changes.
 */
export function bootTwice(o: BootFlags, image: Image | World): BootTwice {
  const why = o.realtime
    ? "--realtime takes the host's time"
    : o.blk.length
    ? "--blk: the first run may change the disk the second reads"
    : !isWorld(image) && (image.config.net?.length || (o.netdev && o.netdev !== "none"))
    ? `image "${image.name}" runs in realtime on a host network`
    : null;
  if (why) throw new UsageError(`--check-determinism: only virtual-time runs repeat (${why})`);
  if (isWorld(image)) {
    return (k) =>
      runWorld(image.machines, {
        seed: o.seed,
        memBytes: o.memBytes,
        epochMs: o.epochMs,
        console: k.console,
        pcap: k.pcap,
        fault: o.nicFault,
        trace: k.tracer,
      });
  }
  const single = o.env
    ? { ...image, config: { ...image.config, env: { ...image.config.env, ...o.env } } }
    : image;
  return (k) =>
    runImage(single, {
      seed: o.seed,
      memBytes: o.memBytes,
      epochMs: o.epochMs,
      mode: "virtual",
      verbose: o.verbose,
      argv: o.argv,
      console: k.console,
      trace: k.tracer,
      onBoot: (b) => {
        if (single.interactive === true && o.argv === undefined) b.kernel.consoleInput(null);
      },
    });
}
