/**
 * world.ts — several simulated PCs on one clock: N machines on a wire (two) or a learning
 * switch (any number), the idle policy that halts every CPU at once, and `bootWorldMachine`,
 * the one way a machine of a world is made, plugged in and booted (scenario.ts uses it too).
 *
 * Rules: machines sharing a scheduler share its event queue; when no thread anywhere is
 * runnable, each machine's PIT is armed for the next deadline and the event queue runs
 * until some CPU takes an interrupt (true) or no event is left (false: nothing can ever
 * happen). Virtual time only: a realtime world is one machine. Machine i boots with seed
 * `seed + i`; two machines default to a wire, more to a switch; the last machine's exit
 * ends `runWorld`, another machine's exit stops only its own CPU. A host that must stay
 * reachable during a run (the page's worker) passes `yieldToHost`: the run then awaits what
 * it returns before an idle, which gives the host's event loop a turn (a Halt can arrive)
 * without changing anything the machines do; without it the run never awaits.
 */
import { createMachine, type Machine, PIT_MAX_COUNT } from "../arch/machine.ts";
import type { FaultSpec } from "../arch/netdev/fault.ts";
import { attachNic } from "../arch/netdev/chain.ts";
import { Wire } from "../arch/netdev/wire.ts";
import { Switch } from "../arch/netdev/switch.ts";
import type { Netdev } from "../arch/netdev/netdev.ts";
import type { NicChain } from "../arch/netdev/chain.ts";
import { PIT_CONTROL, PIT_HZ, PIT_PORT_BASE } from "../arch/pit.ts";
import { type IdlePolicy, Prng, type RunResult, Scheduler, type Tracer } from "../sched/mod.ts";
import type { Image } from "../kernel/syscall/image.ts";
import type { Booted } from "./boot.ts";
import { finish, loadAndBoot, startKernelMain } from "./run.ts";

/**
 * The idle policy of machines on one scheduler (`machines` may grow while it runs).
 * `kicked`, if given, is asked after each event: true ends the halt even though no CPU took
 * an interrupt (an event that booted a machine or woke a thread from outside the machines).
 * `yieldToHost`, if given, is asked first: a promise it returns is awaited before the idle
 * (WorldOptions.yieldToHost); a halt that came meanwhile ends the idle with false.
 */
export function worldIdle(
  machines: readonly Machine[],
  kicked?: () => boolean,
  yieldToHost?: () => Promise<void> | null,
): IdlePolicy {
  const policy: IdlePolicy = {
    idle(s, deadline) {
      const turn = yieldToHost?.();
      // After the host's turn, an idle as if it had not happened, unless a halt came in it.
      if (turn) return turn.then(() => s.halted === null && idle(s, deadline));
      return idle(s, deadline);
    },
  };
  const idle = (s: Scheduler, deadline: number): boolean => {
    if (deadline !== Infinity) {
      const ticks = Math.ceil((Math.max(0, deadline - s.clock.now()) * PIT_HZ) / 1e9);
      const count = Math.max(1, Math.min(PIT_MAX_COUNT, ticks));
      for (const m of machines) {
        m.bus.outb(PIT_CONTROL, 0x38); // channel 0, LSB then MSB, mode 4 (one-shot)
        m.bus.outb(PIT_PORT_BASE, count & 0xff);
        m.bus.outb(PIT_PORT_BASE, (count >> 8) & 0xff);
      }
    }
    for (const m of machines) m.cpu.halts++;
    const deliver = () => {
      let any = false;
      for (const m of machines) if (m.cpu.deliver()) any = true;
      return any;
    };
    if (deliver()) return true;
    const { clock, events } = s;
    while (s.halted === null) {
      const next = events.nextAt();
      if (next === Infinity) return false;
      clock.advanceTo(next);
      events.runDue(clock.now());
      if (deliver() || kicked?.()) return true;
    }
    return false;
  };
  return policy;
}

export interface WorldMachine {
  /** Console prefix and thread-name prefix: "server", "client". */
  name: string;
  image: Image;
  mac: string;
}

/** A runnable unit of several machines: what `--image net-demo` boots. */
export interface World {
  kind: "world";
  name: string;
  description: string;
  machines: readonly WorldMachine[];
}

export function isWorld(x: unknown): x is World {
  return typeof x === "object" && x !== null && (x as World).kind === "world";
}

export interface WorldOptions {
  seed?: number;
  memBytes?: number;
  /** Wall-clock time at power-on of every machine, ms since 1970 (default 2024-01-01). */
  epochMs?: number;
  /** Console bytes of every machine, each line prefixed with the machine's name. */
  console?: (bytes: Uint8Array) => void;
  /** Capture of the wire (libpcap, nanosecond timestamps), seen from the first machine's NIC. */
  pcap?: (bytes: Uint8Array) => void;
  /** A capture per machine, seen from its own NIC (`--pcap NAME=FILE`); over `pcap`. */
  pcapOf?: (machine: string, index: number) => ((bytes: Uint8Array) => void) | undefined;
  /** Faults on the link at the first machine's NIC: both directions, or `{ tx, rx }`. */
  fault?: FaultSpec;
  /** The wire's latency (default 50 µs); a switch forwards at once. */
  latencyNs?: number;
  /** What the machines plug into: a wire (two machines, the default for two) or a switch. */
  link?: "wire" | "switch";
  /** Records the run's timeline, each machine a process (`--trace`); the caller closes it. */
  trace?: Tracer;
  /** Called once every machine is booted, before the clock runs: to halt them, feed them. */
  onBoot?: (booted: readonly Booted[]) => void;
  /**
   * Asked before each idle (when no thread is runnable): a promise it returns is awaited
   * first, so the host's event loop runs (the page's worker takes its Halt message there).
   * The machines see no difference; output is the same bytes as without it.
   */
  yieldToHost?: () => Promise<void> | null;
}

export interface WorldOutcome {
  /** The exit status of the last machine's apps (the client's): its exit ends the run. */
  status: number;
  result: RunResult;
  booted: Booted[];
}

/** Machines on one clock, on a wire or a switch: boots them all and runs until the last one's apps end. */
export async function runWorld(
  ms: readonly WorldMachine[],
  opts: WorldOptions = {},
): Promise<WorldOutcome> {
  const seed = opts.seed ?? 1;
  const sched = new Scheduler();
  if (opts.trace) sched.setTracer(opts.trace);
  const prng = new Prng(seed);
  const link = opts.link ?? (ms.length === 2 ? "wire" : "switch");
  if (link === "wire" && ms.length !== 2) {
    throw new RangeError(`a wire joins two machines, not ${ms.length}`);
  }
  if (ms.length < 1) throw new RangeError("a world needs a machine");
  const wire = link === "wire" ? new Wire(sched, { latencyNs: opts.latencyNs ?? 50_000 }) : null;
  const sw = link === "switch" ? new Switch(sched, ms.length) : null;
  const booted: Booted[] = [];
  const machines: Machine[] = [];
  ms.forEach((w, i) => {
    // The first machine's end of the link carries the capture and the faults.
    const { booted: b } = bootWorldMachine(sched, w, {
      seed: (seed + i) >>> 0,
      memBytes: opts.memBytes,
      epochMs: opts.epochMs,
      console: opts.console,
      medium: wire ? (i === 0 ? wire.a : wire.b) : sw!.port(i),
      label: link,
      ...(i === 0 && opts.fault
        ? { fault: opts.fault, faultPrng: prng.fork(`${link}-fault`) }
        : {}),
      pcap: opts.pcapOf?.(w.name, i) ?? (i === 0 ? opts.pcap : undefined),
      // Only the last machine's exit ends the run; another machine's exit stops its own CPU.
      onExit: i < ms.length - 1 ? (m, reason) => m.cpu.stop(reason) : undefined,
    });
    machines.push(b.machine);
    booted.push(b);
  });
  sched.idle = worldIdle(machines, undefined, opts.yieldToHost);
  opts.onBoot?.(booted);
  const result = await sched.run();
  for (const b of booted.slice(0, -1)) b.machine.uart.flush();
  return { status: finish(booted[booted.length - 1], result), result, booted };
}

/** How `bootWorldMachine` makes, plugs in and boots one machine of a world. */
export interface WorldBootOptions {
  seed: number;
  memBytes?: number;
  epochMs?: number;
  /** The world's console: this machine's lines get its name as prefix. */
  console?: (bytes: Uint8Array) => void;
  /** What the NIC plugs into (a wire's end, a switch port); none: no NIC. */
  medium?: Netdev;
  /** The link's kind, naming the fault filter's stream. */
  label?: string;
  fault?: NicChainOptionsFault;
  faultPrng?: Prng;
  pcap?: (bytes: Uint8Array) => void;
  /** Thread-name prefix; default `${name}.`. */
  threadPrefix?: string;
  /** Replaces what the machine's exit does (default: halt the whole scheduler). */
  onExit?: (m: Machine, reason: string) => void;
  /** Called after the NIC, before boot: attach disks here. */
  beforeBoot?: (m: Machine) => void;
}

type NicChainOptionsFault = Parameters<typeof attachNic>[1]["fault"];

/** Makes machine `w` on `sched`, plugs its NIC into `o.medium` and boots it (apps started). */
export function bootWorldMachine(
  sched: Scheduler,
  w: WorldMachine,
  o: WorldBootOptions,
): { booted: Booted; chain: NicChain | null } {
  const m = createMachine({
    sched,
    memBytes: o.memBytes,
    epochMs: o.epochMs,
    console: o.console ? linePrefixer(`${w.name}: `, o.console) : undefined,
  });
  const chain = o.medium
    ? attachNic(m, {
      mac: w.mac,
      medium: o.medium,
      ...(o.fault ? { fault: o.fault, faultPrng: o.faultPrng } : {}),
      pcap: o.pcap,
      label: o.label ?? "wire",
    })
    : null;
  o.beforeBoot?.(m);
  const b = loadAndBoot(m, w.image, { seed: o.seed, name: o.threadPrefix ?? `${w.name}.` });
  if (o.onExit) b.user.haltMachine = (reason) => o.onExit!(m, reason);
  startKernelMain(b, w.image);
  return { booted: b, chain };
}

/** Wraps a console sink so that every line starts with `prefix`. */
export function linePrefixer(
  prefix: string,
  out: (b: Uint8Array) => void,
): (b: Uint8Array) => void {
  const enc = new TextEncoder(), dec = new TextDecoder();
  let atStart = true;
  return (bytes) => {
    const s = dec.decode(bytes, { stream: true });
    let o = "";
    for (const ch of s) {
      if (atStart) o += prefix;
      o += ch;
      atStart = ch === "\n";
    }
    out(enc.encode(o));
  };
}
