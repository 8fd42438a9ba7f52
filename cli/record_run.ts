/**
 * record_run.ts — the two ends of record.ts on the command line: `deno task boot --record
 * FILE` (a realtime run through the one boot harness, boot.ts, with a Recorder as its
 * host) and `deno task boot --replay FILE` (the logged run again, from the file alone,
 * through the same harness with a Replayer as its host and the same netdev, which opens
 * nothing on the host).
 *
 * Both print the guest's console the same way (batched onto stdout, CR LF as LF unless
 * stdout is a terminal) and a signal's line at the same point, so the two stdouts compare
 * byte for byte, apart from the lines the harness prints about the host (the hostfwd
 * banner and where to connect, which a replay has no host port for). `--trace` and
 * `--pcap` give the same timeline and capture for both.
 *
 * Rules: the recording is written when the run ends, on every path out (a signal
 * included); a replay takes its image, seed, memory, argv, env, netdev and NIC flags from
 * the file, and refuses a file of another version or an image that differs with one line
 * (a UsageError).
 */
import type { Image } from "../kernel/syscall/image.ts";
import { bootRealtime, type RealtimeRun } from "./boot.ts";
import { UsageError } from "./flags.ts";
import { noNetdev, type RealtimeNetdev, tapNetdev, userNetdev } from "./netdev.ts";
import {
  imageFingerprint,
  parseRecording,
  type RecordedFlags,
  Recorder,
  type Recording,
  Replayer,
  sha256Hex,
} from "./record.ts";
import { loadImage, loadImageModule } from "./catalog.ts";
import { isWorld, type World } from "../rumprun/world.ts";
import type { Catalog } from "./cli.ts";
import type { TraceFile } from "./trace.ts";

function withEnv(image: Image, env: Record<string, string> | undefined | null): Image {
  return env
    ? { ...image, config: { ...image.config, env: { ...image.config.env, ...env } } }
    : image;
}

/**
 * Boots `image` (the catalogue's, before `--env`, which `flags` carries) in realtime on
 * `netdev` and logs every host input into `file`; returns the exit status.
 */
export async function recordRealtime(
  image: Image,
  netdev: RealtimeNetdev,
  file: string,
  flags: RecordedFlags,
  run: Omit<RealtimeRun, "io" | "disk" | "sysproxy">,
): Promise<number> {
  const rec = new Recorder();
  try {
    return await bootRealtime(withEnv(image, flags.env), netdev, { ...run, disk: null, io: rec });
  } finally {
    const recording = await rec.finish(image, flags);
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

/** The image a recording names, from where it came; a one-line UsageError if it cannot be. */
export async function replayImage(rec: Recording, c: Catalog, path: string): Promise<Image> {
  const src = rec.source;
  let image: Image | World;
  if (src.kind === "wasm") {
    if (!c.wasmImage) throw new UsageError("--replay: --wasm is not linked into this bundle");
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = Deno.readFileSync(src.path);
    } catch (e) {
      throw new UsageError(
        `--replay: cannot read ${src.path}: ${(e as Error).message.split("\n")[0]}`,
      );
    }
    if (await sha256Hex(bytes) !== src.sha256) {
      throw new UsageError(`--replay: ${src.path} is not the module ${path} was recorded with`);
    }
    const { wasmImage } = await c.wasmImage();
    image = wasmImage({ wasm: src.path, netdev: rec.netdev.kind, argv: rec.argv ?? undefined });
  } else if (src.kind === "module") {
    image = await loadImageModule(src.path);
  } else {
    if (!Object.hasOwn(c.images, rec.image)) {
      throw new UsageError(`--replay: ${path} names image "${rec.image}", which is not here`);
    }
    image = await loadImage(c.images[rec.image]);
  }
  if (isWorld(image)) throw new UsageError(`--replay: "${rec.image}" is a world`);
  return image;
}

/** The netdev a recording names, opening nothing on the host. */
async function replayNetdev(rec: Recording, c: Catalog, path: string): Promise<RealtimeNetdev> {
  const nd = rec.netdev;
  const missing = (kind: string) =>
    new UsageError(`--replay: ${path} needs --netdev ${kind}, which is not linked in here`);
  if (nd.kind === "user") {
    if (!c.userNet) throw missing("user");
    return userNetdev(await c.userNet(), nd.hostfwd, nd.hosts ?? undefined, true);
  }
  if (nd.kind === "tap") {
    if (!c.tapNet) throw missing("tap");
    return tapNetdev(await c.tapNet(), nd.name, nd.net ?? undefined, true);
  }
  return noNetdev(null);
}

/** Runs `rec` again on `image` (the catalogue's image it names); returns the exit status. */
export async function replayRecording(
  rec: Recording,
  image: Image,
  c: Catalog,
  path: string,
  out: { trace: TraceFile | null; pcap: ((b: Uint8Array) => void) | undefined },
): Promise<number> {
  if (await imageFingerprint(image) !== rec.fingerprint) {
    throw new UsageError(
      `--replay: ${path} was recorded with another build of image "${rec.image}" (its definition differs)`,
    );
  }
  const rp = new Replayer(rec);
  const status = await bootRealtime(withEnv(image, rec.env), await replayNetdev(rec, c, path), {
    seed: rec.seed,
    memBytes: rec.memBytes,
    verbose: rec.verbose,
    argv: rec.argv ?? undefined,
    chain: { pcap: out.pcap, fault: rec.fault ?? undefined, mac: rec.mac ?? undefined },
    disk: null,
    trace: out.trace,
    io: rp,
  });
  const why = rp.divergence();
  if (why) {
    console.error(`rumpsim: --replay: the run diverged from ${path}: ${why}`);
    return 1;
  }
  return status;
}
