/**
 * record_run.ts — the two harnesses of record.ts: `deno task boot --record FILE` (a realtime
 * run whose host inputs are logged) and `deno task boot --replay FILE` (the logged run
 * again, from the file alone, in virtual time).
 *
 * Both print the guest's console the same way (batched onto stdout, CR LF as LF unless
 * stdout is a terminal) and Ctrl-C's line at the same point, so the two stdouts compare
 * byte for byte; `--trace` gives the same timeline for both.
 *
 * Rules: the recording is written when the run ends, on every path out (Ctrl-C included);
 * a replay takes its image, seed, memory, argv and env from the file, and refuses a file
 * of another version or an image that differs with one line (a UsageError).
 */
import type { Image } from "../kernel/syscall/image.ts";
import type { Booted } from "../rumprun/boot.ts";
import { runImage } from "../rumprun/run.ts";
import { batchedStdout } from "./console.ts";
import { UsageError } from "./flags.ts";
import { imageFingerprint, parseRecording, Recorder, type Recording, Replayer } from "./record.ts";
import type { TraceFile } from "./trace.ts";

export interface RecordFlags {
  seed: number;
  memBytes: number;
  verbose: boolean;
  argv: string[] | undefined;
  env: Record<string, string> | undefined;
  trace: TraceFile | null;
}

const INTERRUPTED = "\nrumpsim: interrupted, halting";

function withEnv(image: Image, env: Record<string, string> | undefined | null): Image {
  return env
    ? { ...image, config: { ...image.config, env: { ...image.config.env, ...env } } }
    : image;
}

/**
 * Boots `image` (the catalogue's, before `--env`) in realtime with `input` on COM1 and logs
 * every host input into `file`; returns the exit status.
 */
export async function recordRealtime(
  image: Image,
  input: ReadableStream<Uint8Array>,
  file: string,
  f: RecordFlags,
): Promise<number> {
  const rec = new Recorder();
  const out = batchedStdout();
  let booted: Booted | null = null;
  const onSigint = () => {
    const b = booted;
    if (!b) return;
    rec.interrupt(() => {
      out.flush();
      console.log(INTERRUPTED);
      b.user.exitStatus ??= 0;
      b.machine.halt("interrupted");
    });
  };
  Deno.addSignalListener("SIGINT", onSigint);
  try {
    const r = await runImage(withEnv(image, f.env), {
      seed: f.seed,
      memBytes: f.memBytes,
      mode: "realtime",
      verbose: f.verbose,
      argv: f.argv,
      console: out.write,
      trace: f.trace?.tracer,
      host: rec.host(),
      onBoot: (b) => {
        booted = b;
        void rec.feedConsole(b.machine, input);
      },
    });
    return r.status;
  } finally {
    out.flush();
    Deno.removeSignalListener("SIGINT", onSigint);
    const recording = await rec.finish(image, {
      seed: f.seed,
      memBytes: f.memBytes,
      verbose: f.verbose,
      argv: f.argv ?? null,
      env: f.env ?? null,
    });
    Deno.writeTextFileSync(file, JSON.stringify(recording) + "\n");
    console.error(
      `rumpsim: recorded ${recording.clockReads} clock reads and ${recording.inputs.length} ` +
        `inputs to ${file}`,
    );
  }
}

/** Reads a recording; a missing or bad file is a UsageError with one line. */
export function readRecording(path: string): Recording {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    throw new UsageError(`--replay: cannot read ${path}: ${(e as Error).message.split("\n")[0]}`);
  }
  try {
    return parseRecording(text, path);
  } catch (e) {
    throw new UsageError(`--replay: ${(e as Error).message}`);
  }
}

/** Runs `rec` again on `image` (the catalogue's image it names); returns the exit status. */
export async function replayRecording(
  rec: Recording,
  image: Image,
  path: string,
  trace: TraceFile | null,
): Promise<number> {
  if (await imageFingerprint(image) !== rec.fingerprint) {
    throw new UsageError(
      `--replay: ${path} was recorded with another build of image "${rec.image}" (its definition differs)`,
    );
  }
  const rp = new Replayer(rec);
  const out = batchedStdout();
  let status: number;
  try {
    const r = await runImage(withEnv(image, rec.env), {
      seed: rec.seed,
      memBytes: rec.memBytes,
      mode: "realtime",
      verbose: rec.verbose,
      argv: rec.argv ?? undefined,
      console: out.write,
      trace: trace?.tracer,
      host: rp.host(),
      onBoot: (b) => {
        rp.interrupt = () => {
          out.flush();
          console.log(INTERRUPTED);
          b.user.exitStatus ??= 0;
          b.machine.halt("interrupted");
        };
        rp.start(b.machine);
      },
    });
    status = r.status;
  } finally {
    out.flush();
  }
  const why = rp.divergence();
  if (why) {
    console.error(`rumpsim: --replay: the run diverged from ${path}: ${why}`);
    return 1;
  }
  return status;
}
