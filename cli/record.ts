/**
 * record.ts — `--record FILE` and `--replay FILE`: a realtime run's host inputs logged
 * with the place at which they entered the machine, and the same run again from the log
 * alone, with no host, giving the same console, pcap and trace bytes.
 *
 * What a realtime run takes from the host: the time (every read of the clock) and its
 * inputs — typed console bytes and their end, the user network's host sockets (hostfwd
 * connections accepted, NAT connects answered, bytes read, writes done, datagrams),
 * frames from a tap, a signal (Ctrl-C, SIGTERM). Every input enters through the machine's
 * host work (sched/host_work.ts) as a posted call, and is logged there with its place: the
 * pass of the host-work queue and the call's index in it. A replay hands the machine a
 * clock that returns the logged values in order, and at the start of each pass splices in
 * the calls logged for it, at their indices: the kernel sees the same times and the same
 * input at the same points, so it does the same things, and the pcap and trace (stamped
 * from the same clock) come out the same.
 *
 * The file (JSON, version 2):
 *
 *   { "format": "rumpsim-recording", "version": 2, "rumpsim": "0.1.0",
 *     "image": "httpd", "fingerprint": "<sha-256 of the image's definition>",
 *     "seed": 1, "memBytes": 67108864, "verbose": false, "argv": null, "env": null,
 *     "netdev": { "kind": "user", "hostfwd": [...], "hosts": null }   or
 *               { "kind": "tap", "name": "tap0", "net": null }  or  { "kind": "none" },
 *     "mac": null, "fault": null,           the NIC chain's flags
 *     "epochMs": 1764790000000,             the wall clock at power-on
 *     "clockReads": 12345,
 *     "clock": "<base64 of LEB128 deltas>", every clock read, as the increase over the last
 *     "inputs": [ { "p": 3, "i": 0, "k": "accept", "l": 0, "c": 0 },   pass, index, kind
 *                 { "p": 5, "i": 0, "k": "read", "c": 0, "d": "<base64>" },
 *                 { "p": 9, "i": 1, "k": "console", "d": "<base64>" },
 *                 { "p": 9, "i": 2, "k": "frame", "d": "<base64>" },
 *                 { "p": 12, "i": 0, "k": "signal", "why": "interrupted" } ] }
 *
 * Input kinds: `console` (bytes typed) and `console-end`; `signal`; `frame` (from a tap);
 * the host network's (record_net.ts): `accept`, `connect`, `read`, `write`, `udp-bound`,
 * `udp-msg`, `udp-err`.
 *
 * Rules: a replay refuses, with one line, a file of another format or version, another
 * rumpsim version, or an image whose definition differs. A replay that reads the clock
 * more or fewer times than the recording, misses an input's place, or gets an input its
 * machine has nothing waiting for, has diverged and says so (and a run that reads the
 * clock past the log's end is halted). What the host does with the machine's output
 * (bytes written to a host socket, frames to a tap) is not an input and is not logged.
 */
import type { Clock, HostWait } from "../sched/mod.ts";
import type { HostWork } from "../sched/host_work.ts";
import { HostWaiter, RealtimeClock } from "../host/realtime.ts";
import type { HostNet } from "../host/host_net.ts";
import type { Machine } from "../arch/machine.ts";
import type { Netdev, NetPort } from "../arch/netdev/netdev.ts";
import type { FaultSpec } from "../arch/netdev/fault.ts";
import type { Image } from "../kernel/syscall/image.ts";
import type { HostFwd } from "../slirp/plan.ts";
import { machineHostWork } from "../platform/hw/host_idle.ts";
import type { ConsoleInput } from "./console.ts";
import { decodeBase64Bytes, encodeBase64Bytes } from "./base64.ts";
import { NET_INPUT_KINDS, type NetInput, recordingNet, ReplayNet } from "./record_net.ts";

export const RECORDING_FORMAT = "rumpsim-recording";
export const RECORDING_VERSION = 2;
/** The rumpsim version a recording names (deno.json's). */
export const RUMPSIM_VERSION = "0.1.0";

/** An input without its place. */
export type Input =
  | { k: "console"; d: string }
  | { k: "console-end" }
  | { k: "signal"; why: string }
  | { k: "frame"; d: string }
  | NetInput;

/** An input and its place: pass `p` of the host-work queue, index `i` in it. */
export type RecordedInput = Input & { p: number; i: number };

/** What the machine's NIC was plugged into. */
export type RecordedNetdev =
  | { kind: "none" }
  | { kind: "user"; hostfwd: HostFwd[]; hosts: Record<string, string> | null }
  | { kind: "tap"; name: string; net: { addr: string; mask: string; gw?: string } | null };

/**
 * Where the image came from: the catalogue (by its name), `--image-module FILE`, or
 * `--wasm FILE` (with the module's SHA-256: a replay refuses a module that changed).
 */
export type RecordedSource =
  | { kind: "catalog" }
  | { kind: "module"; path: string }
  | { kind: "wasm"; path: string; sha256: string };

/** The flags of the run a recording names, besides its image. */
export interface RecordedFlags {
  source: RecordedSource;
  seed: number;
  memBytes: number;
  verbose: boolean;
  argv: string[] | null;
  env: Record<string, string> | null;
  netdev: RecordedNetdev;
  mac: string | null;
  fault: FaultSpec | null;
}

export interface Recording extends RecordedFlags {
  format: typeof RECORDING_FORMAT;
  version: number;
  rumpsim: string;
  image: string;
  fingerprint: string;
  epochMs: number;
  clockReads: number;
  clock: string;
  inputs: RecordedInput[];
}

/** The host a realtime run talks to, as the boot harness (boot.ts) and netdevs use it. */
export interface HostIo {
  /** A replay: no host at all (nothing listens on a host port, nothing is announced). */
  readonly replay: boolean;
  /** The machine's clock, its host waiter, its wall-clock time at power-on. */
  readonly time: { clock: Clock; waiter: HostWait; epochMs: number };
  /** The machine booted (its host work exists from now on); `stop` halts the run for a signal. */
  booted(m: Machine, stop: (why: string) => void): void;
  /** The user network's host side, its completions posted to `work`. */
  net(live: (work: HostWork) => HostNet, work: HostWork): HostNet;
  /** A tap as the NIC sees it. */
  medium(tap: Netdev): Netdev;
  /** Console input as the machine takes it. */
  console(c: ConsoleInput): ConsoleInput;
  /** A signal reached the run (in the event loop's context): `stop` halts it. */
  signal(why: string, stop: (why: string) => void): void;
}

/** A live run's host: nothing logged. */
export function liveIo(time: HostIo["time"]): HostIo {
  return {
    replay: false,
    time,
    booted: () => {},
    net: (live, work) => live(work),
    medium: (tap) => tap,
    console: (c) => c,
    signal: (why, stop) => stop(why),
  };
}

/** The SHA-256 of `bytes`, in hex. */
export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const h = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(h, (b) => b.toString(16).padStart(2, "0")).join("");
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
  return await sha256Hex(all);
}

/** LEB128 (unsigned) of each value's increase over the one before: the clock's log. */
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

/** The host side of a recorded run: the live host, each read and input logged. */
export class Recorder implements HostIo {
  readonly replay = false;
  readonly reads: number[] = [];
  readonly inputs: RecordedInput[] = [];
  readonly epochMs = Date.now();
  readonly time: HostIo["time"];
  #work: HostWork | null = null;
  #ended = false;

  constructor() {
    const raw = new RealtimeClock(), reads = this.reads;
    const clock: Clock = {
      realtime: true,
      now: () => {
        // After the run (a trace closing its spans) time stands where the run ended.
        if (this.#ended) return reads.at(-1) ?? 0;
        const v = raw.now();
        reads.push(v);
        return v;
      },
      advanceTo: () => {},
    };
    this.time = { clock, waiter: new HostWaiter(raw), epochMs: this.epochMs };
  }

  booted(m: Machine): void {
    this.#work = machineHostWork(m);
  }

  /** Logs `input` at the place of the host-work call running now. */
  log(input: Input): void {
    const at = this.#work?.at;
    if (!at) throw new Error(`--record: a host input (${input.k}) entered outside host work`);
    this.inputs.push({ ...input, p: at.pass, i: at.index });
  }

  net(live: (work: HostWork) => HostNet, work: HostWork): HostNet {
    return recordingNet(live(work), (i) => this.log(i));
  }

  medium(tap: Netdev): Netdev {
    return {
      connect: (port: NetPort) =>
        tap.connect({
          receive: (frame) => {
            this.log({ k: "frame", d: encodeBase64Bytes(frame) });
            port.receive(frame);
          },
        }),
      send: (frame) => tap.send(frame),
    };
  }

  console(c: ConsoleInput): ConsoleInput {
    return {
      chunk: (b) => {
        this.log({ k: "console", d: encodeBase64Bytes(b) });
        c.chunk(b);
      },
      end: () => {
        this.log({ k: "console-end" });
        c.end();
      },
    };
  }

  signal(why: string, stop: (why: string) => void): void {
    this.log({ k: "signal", why });
    stop(why);
  }

  /** The recording of the run: the clock stops where the run ended. */
  async finish(image: Image, flags: RecordedFlags): Promise<Recording> {
    this.#ended = true;
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

const INPUT_KINDS = new Set(["console", "console-end", "signal", "frame", ...NET_INPUT_KINDS]);

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
  const src = r.source;
  const srcOk = src?.kind === "catalog" ||
    (src?.kind === "module" && typeof src.path === "string") ||
    (src?.kind === "wasm" && typeof src.path === "string" && typeof src.sha256 === "string");
  if (!srcOk) throw new Error(`${name} is a damaged recording (no image source)`);
  const kinds = ["none", "user", "tap"];
  if (typeof r.netdev !== "object" || r.netdev === null || !kinds.includes(r.netdev.kind)) {
    throw new Error(`${name} is a damaged recording (no netdev)`);
  }
  const nd = r.netdev;
  const isPort = (n: unknown) => Number.isInteger(n) && (n as number) >= 0 && (n as number) < 65536;
  if (
    nd.kind === "user" &&
    (!Array.isArray(nd.hostfwd) ||
      !nd.hostfwd.every((f) =>
        typeof f?.hostAddr === "string" && typeof f.guestAddr === "string" &&
        isPort(f.hostPort) && isPort(f.guestPort)
      ))
  ) throw new Error(`${name} is a damaged recording (a bad hostfwd rule)`);
  const netOk = (n: { addr: string; mask: string } | null) =>
    n === null || (typeof n?.addr === "string" && typeof n.mask === "string");
  if (nd.kind === "tap" && (typeof nd.name !== "string" || !netOk(nd.net))) {
    throw new Error(`${name} is a damaged recording (a bad tap)`);
  }
  let last = { p: 0, i: -1 };
  for (const [n, i] of r.inputs.entries()) {
    const placed = Number.isInteger(i?.p) && Number.isInteger(i?.i) && i.i >= 0;
    if (!placed || !INPUT_KINDS.has(i.k)) {
      throw new Error(`${name} is a damaged recording (input ${n} has no place or kind)`);
    }
    if (i.p < last.p || (i.p === last.p && i.i < last.i)) {
      throw new Error(`${name} is a damaged recording (input ${n} is out of order)`);
    }
    last = i;
  }
  return r;
}

/** The host side of a replay: the logged clock, and the logged inputs at their places. */
export class Replayer implements HostIo {
  readonly replay = true;
  readonly time: HostIo["time"];
  readonly #reads: number[];
  #next = 0;
  #sources = 0;
  #input = 0;
  #machine: Machine | null = null;
  #net: ReplayNet | null = null;
  #port: NetPort | null = null;
  #console: ConsoleInput | null = null;
  #stop: ((why: string) => void) | null = null;
  #ended = false;
  /** Why the replay diverged, first reason first. */
  readonly diverged: string[] = [];

  constructor(readonly rec: Recording) {
    this.#reads = decodeDeltas(decodeBase64Bytes(rec.clock), rec.clockReads);
    const sources = () => this.#sources;
    const clock: Clock = { realtime: true, now: () => this.#read(), advanceTo: () => {} };
    const waiter: HostWait = {
      get hostSources() {
        return sources();
      },
      openSource: () => void this.#sources++,
      closeSource: () => {
        if (this.#sources > 0) this.#sources--;
      },
      kick: () => {},
      // Time passes only by the logged clock: a wait returns at once, and the next read
      // says where the recorded run was when its wait ended.
      wait: () => Promise.resolve(),
    };
    this.time = { clock, waiter, epochMs: rec.epochMs };
  }

  booted(m: Machine, stop: (why: string) => void): void {
    this.#machine = m;
    this.#stop = stop;
    machineHostWork(m).inject = (pass, q) => this.#inject(pass, q);
  }

  net(): HostNet {
    return this.#net = new ReplayNet();
  }

  medium(_tap: Netdev): Netdev {
    // It stands for the tap, an open host source for the whole run, as the live one is.
    machineHostWork(this.#machine!).openSource();
    return { connect: (port) => void (this.#port = port), send: () => {} };
  }

  console(c: ConsoleInput): ConsoleInput {
    return this.#console = c;
  }

  signal(why: string, stop: (why: string) => void): void {
    stop(why); // no live signals reach a replay; this is what a logged one does
  }

  /** The next logged clock value; past the end the replay has diverged, and halts. */
  #read(): number {
    if (this.#ended) return this.#reads.at(-1) ?? 0;
    if (this.#next < this.#reads.length) return this.#reads[this.#next++];
    if (this.#next++ === this.#reads.length) {
      this.diverged.push(`the replay read the clock more than the ${this.#reads.length} times`);
      this.#machine?.halt("replay diverged");
    }
    return this.#reads[this.#reads.length - 1] ?? 0;
  }

  /** Splices the inputs logged for `pass` into its queue, at their indices. */
  #inject(pass: number, q: (() => void)[]): void {
    const ins = this.rec.inputs;
    while (this.#input < ins.length && ins[this.#input].p < pass) {
      const i = ins[this.#input++];
      this.diverged.push(`input ${i.k} at pass ${i.p} was never reached`);
    }
    while (this.#input < ins.length && ins[this.#input].p === pass) {
      const index = ins[this.#input].i;
      const group: RecordedInput[] = [];
      while (
        this.#input < ins.length && ins[this.#input].p === pass && ins[this.#input].i === index
      ) group.push(ins[this.#input++]);
      q.splice(Math.min(index, q.length), 0, () => {
        for (const i of group) this.#apply(i);
      });
    }
  }

  #apply(i: RecordedInput): void {
    let why: string | null = null;
    switch (i.k) {
      case "console":
        if (this.#console) this.#console.chunk(decodeBase64Bytes(i.d));
        else why = "console input, but the run has no console input";
        break;
      case "console-end":
        if (this.#console) this.#console.end();
        else why = "console input ended, but the run has no console input";
        break;
      case "signal":
        if (this.#stop) this.#stop(i.why);
        else why = "a signal, but the run cannot stop";
        break;
      case "frame":
        if (this.#port) this.#port.receive(decodeBase64Bytes(i.d));
        else why = "a frame, but no NIC is plugged in";
        break;
      default:
        why = this.#net ? this.#net.apply(i) : `host network input ${i.k}, but no user network`;
    }
    if (why) this.diverged.push(`at pass ${i.p}: ${why}`);
  }

  /** Null when the replay took the log exactly as recorded; else why not. Ends the replay. */
  divergence(): string | null {
    this.#ended = true;
    if (this.diverged.length) return this.diverged[0];
    if (this.#next !== this.#reads.length) {
      return `the replay read the clock ${this.#next} times, the recording ${this.#reads.length}`;
    }
    if (this.#input !== this.rec.inputs.length) {
      return `${this.rec.inputs.length - this.#input} recorded inputs were never reached`;
    }
    return null;
  }
}
