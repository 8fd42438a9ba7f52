/**
 * record.ts — `--record FILE` and `--replay FILE`: a realtime run's host inputs logged
 * with the point at which they entered, and the same run again in virtual time from the
 * log, giving the same console and trace bytes.
 *
 * What a realtime run takes from the host: the time (every read of the clock) and input
 * that lands while the CPU waits for the host (typed console bytes, their end, Ctrl-C).
 * Recording wraps the machine's clock (each read is logged) and its host waiter (each
 * wait is counted; each input is logged with the number of the wait it landed in).
 * Replaying hands the machine a clock that returns the logged values in order and a waiter
 * that, at wait N, feeds the inputs logged for N and returns at once: the kernel sees the
 * same times and the same input at the same points, so it does the same things.
 *
 * The file (JSON, version 1):
 *
 *   { "format": "rumpsim-recording", "version": 1, "rumpsim": "0.1.0",
 *     "image": "shell", "fingerprint": "<sha-256 of the image's definition>",
 *     "seed": 1, "memBytes": 67108864, "verbose": false, "argv": null, "env": null,
 *     "epochMs": 1764790000000,            the wall clock at power-on
 *     "clockReads": 12345,
 *     "clock": "<base64 of LEB128 deltas>", every clock read, as the increase over the last
 *     "inputs": [ { "wait": 0, "kind": "open" },              console input attached
 *                 { "wait": 3, "kind": "console", "data": "<base64>" },
 *                 { "wait": 9, "kind": "close" },        the input ended (after its ^D)
 *                 { "wait": 12, "kind": "interrupt" } ] } Ctrl-C
 *
 * Rules: recordable runs are realtime runs whose only host input is the console (no
 * network: hostfwd and tap traffic are not recorded); a replay refuses, with one line, a
 * file of another format or version, another rumpsim version, or an image whose definition
 * differs. A replay that reads the clock more or fewer times than the recording, or waits
 * past the last input, has diverged and says so.
 */
import type { Clock, HostWait } from "../sched/mod.ts";
import { HostWaiter, RealtimeClock } from "../host/realtime.ts";
import type { Machine } from "../arch/machine.ts";
import type { Image } from "../kernel/syscall/image.ts";

export const RECORDING_FORMAT = "rumpsim-recording";
export const RECORDING_VERSION = 1;
/** The rumpsim version a recording names (deno.json's). */
export const RUMPSIM_VERSION = "0.1.0";

export type RecordedInput =
  | { wait: number; kind: "open" }
  | { wait: number; kind: "console"; data: string }
  | { wait: number; kind: "close" }
  | { wait: number; kind: "interrupt" };

export interface Recording {
  format: typeof RECORDING_FORMAT;
  version: number;
  rumpsim: string;
  image: string;
  fingerprint: string;
  seed: number;
  memBytes: number;
  verbose: boolean;
  argv: string[] | null;
  env: Record<string, string> | null;
  epochMs: number;
  clockReads: number;
  clock: string;
  inputs: RecordedInput[];
}

function encodeBase64Bytes(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) {
    s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

function decodeBase64Bytes(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

/** A stable digest of what an image is: its components, apps, config and root tree. */
export async function imageFingerprint(image: Image): Promise<string> {
  const def = JSON.stringify({
    name: image.name,
    components: image.components.map((c) => c.name),
    apps: image.apps.map((a) => ({ name: a.app.name, argv: a.argv, env: a.env ?? null })),
    config: image.config,
  });
  const parts = [new TextEncoder().encode(def), image.root ?? new Uint8Array(0)];
  const all = new Uint8Array(parts[0].length + parts[1].length);
  all.set(parts[0]);
  all.set(parts[1], parts[0].length);
  const h = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return Array.from(h, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** LEB128 (unsigned) of each value: the clock's deltas. */
function encodeDeltas(values: number[]): Uint8Array {
  const out: number[] = [];
  let last = 0;
  for (const v of values) {
    let d = v - last;
    last = v;
    do {
      const low = d % 128;
      d = Math.floor(d / 128);
      out.push(d > 0 ? low | 128 : low);
    } while (d > 0);
  }
  return Uint8Array.from(out);
}

function decodeDeltas(b: Uint8Array, count: number): number[] {
  const out: number[] = [];
  let last = 0, i = 0;
  while (out.length < count) {
    let d = 0, scale = 1;
    for (;;) {
      if (i >= b.length) throw new Error("the clock log ends early");
      const x = b[i++];
      d += (x & 127) * scale;
      scale *= 128;
      if (!(x & 128)) break;
    }
    last += d;
    out.push(last);
  }
  return out;
}

/** The host side of a recorded run: its clock and waiter, and the log they fill. */
export class Recorder {
  readonly reads: number[] = [];
  readonly inputs: RecordedInput[] = [];
  readonly epochMs = Date.now();
  waits = 0;
  readonly #raw = new RealtimeClock();
  readonly #waiter = new HostWaiter(this.#raw);

  /** What runImage's `host` takes: the logging clock and the counting waiter. */
  host(): { clock: Clock; waiter: HostWait; epochMs: number } {
    const raw = this.#raw, reads = this.reads, inner = this.#waiter;
    const clock: Clock = {
      realtime: true,
      now: () => {
        const v = raw.now();
        reads.push(v);
        return v;
      },
      advanceTo: () => {},
    };
    const waiter: HostWait = {
      get hostSources() {
        return inner.hostSources;
      },
      openSource: () => inner.openSource(),
      closeSource: () => inner.closeSource(),
      kick: () => inner.kick(),
      wait: (until) => {
        this.waits++;
        return inner.wait(until);
      },
    };
    return { clock, waiter, epochMs: this.epochMs };
  }

  /** Typed input into COM1 (as cli/console.ts's feedConsole), each chunk logged. */
  async feedConsole(m: Machine, input: ReadableStream<Uint8Array>): Promise<void> {
    const w = m.waiter!;
    this.inputs.push({ wait: this.waits, kind: "open" });
    w.openSource();
    const feed = (chunk: Uint8Array) => {
      this.inputs.push({ wait: this.waits, kind: "console", data: encodeBase64Bytes(chunk) });
      m.uart.feed(chunk);
      w.kick();
    };
    try {
      for await (const chunk of input) feed(chunk);
      feed(Uint8Array.of(0x04)); // the input's end reaches the guest as ^D (VEOF)
    } finally {
      this.inputs.push({ wait: this.waits, kind: "close" });
      w.closeSource();
    }
  }

  /** Ctrl-C: logged, then the machine halts. */
  interrupt(halt: () => void): void {
    this.inputs.push({ wait: this.waits, kind: "interrupt" });
    halt();
  }

  /** The recording of the run so far. */
  async finish(
    image: Image,
    flags: Pick<Recording, "seed" | "memBytes" | "verbose" | "argv" | "env">,
  ): Promise<Recording> {
    return {
      format: RECORDING_FORMAT,
      version: RECORDING_VERSION,
      rumpsim: RUMPSIM_VERSION,
      image: image.name,
      fingerprint: await imageFingerprint(image),
      ...flags,
      epochMs: this.epochMs,
      clockReads: this.reads.length,
      clock: encodeBase64Bytes(encodeDeltas(this.reads)),
      inputs: this.inputs,
    };
  }
}

/** Parses and checks a recording file's text; throws an Error with one line. */
export function parseRecording(text: string, name: string): Recording {
  let r: Recording;
  try {
    r = JSON.parse(text);
  } catch {
    throw new Error(`${name} is not a rumpsim recording (not JSON)`);
  }
  if (r?.format !== RECORDING_FORMAT) throw new Error(`${name} is not a rumpsim recording`);
  if (r.version !== RECORDING_VERSION) {
    throw new Error(
      `${name} is a version ${r.version} recording; this rumpsim replays version ${RECORDING_VERSION}`,
    );
  }
  if (r.rumpsim !== RUMPSIM_VERSION) {
    throw new Error(`${name} was recorded by rumpsim ${r.rumpsim}, this is ${RUMPSIM_VERSION}`);
  }
  if (!Array.isArray(r.inputs) || typeof r.clock !== "string" || !(r.clockReads >= 0)) {
    throw new Error(`${name} is a damaged recording (no clock or inputs)`);
  }
  return r;
}

/** The host side of a replay: the logged clock and a waiter that feeds the logged inputs. */
export class Replayer {
  readonly #reads: number[];
  #next = 0;
  #waits = 0;
  #sources = 0;
  #input = 0;
  /** Set when the run read the clock past the recording's end. */
  overrun = false;
  /** The replayed machine (set from runImage's onBoot). */
  machine: Machine | null = null;
  /** What Ctrl-C did in the recorded run (the harness's halt). */
  interrupt: () => void = () => this.machine?.halt("interrupted");

  constructor(readonly rec: Recording) {
    this.#reads = decodeDeltas(decodeBase64Bytes(rec.clock), rec.clockReads);
  }

  /** The machine booted (runImage's onBoot): what entered before its first wait enters now. */
  start(m: Machine): void {
    this.machine = m;
    this.#feed();
  }

  host(): { clock: Clock; waiter: HostWait; epochMs: number } {
    const clock: Clock = {
      realtime: true,
      now: () => this.#read(),
      advanceTo: () => {},
    };
    const sources = () => this.#sources;
    const waiter: HostWait = {
      get hostSources() {
        return sources();
      },
      openSource: () => {},
      closeSource: () => {},
      kick: () => {},
      wait: () => {
        this.#waits++;
        this.#feed();
        return Promise.resolve();
      },
    };
    return { clock, waiter, epochMs: this.rec.epochMs };
  }

  /** The next logged clock value (past the end: the last one, and the replay diverged). */
  #read(): number {
    if (this.#next < this.#reads.length) return this.#reads[this.#next++];
    this.overrun = true;
    this.#next++;
    return this.#reads[this.#reads.length - 1] ?? 0;
  }

  /** Feeds the inputs logged for the current wait, in order. */
  #feed(): void {
    const ins = this.rec.inputs;
    while (this.#input < ins.length && ins[this.#input].wait <= this.#waits) {
      const i = ins[this.#input++];
      if (i.kind === "console") this.machine!.uart.feed(decodeBase64Bytes(i.data));
      else if (i.kind === "open") this.#sources++;
      else if (i.kind === "close") this.#sources--;
      else this.interrupt();
    }
  }

  /** Null when the replay read the clock exactly as the recording did; else why not. */
  divergence(): string | null {
    if (this.overrun || this.#next !== this.#reads.length) {
      return `the replay read the clock ${this.#next} times, the recording ${this.#reads.length}`;
    }
    if (this.#input !== this.rec.inputs.length) {
      return `${this.rec.inputs.length - this.#input} recorded inputs were never reached`;
    }
    return null;
  }
}
