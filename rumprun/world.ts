/**
 * world.ts — several simulated PCs on one clock (two machines on a wire): the idle
 * policy that halts every CPU at once.
 *
 * Rules: machines sharing a scheduler share its event queue; when no thread anywhere is
 * runnable, each machine's PIT is armed for the next deadline and the event queue runs
 * until some CPU takes an interrupt (true) or no event is left (false: nothing can ever
 * happen). Virtual time only: a realtime world is one machine.
 */
import { createMachine, type Machine, PIT_MAX_COUNT } from "../arch/machine.ts";
import type { FaultConfig } from "../arch/netdev/fault.ts";
import { attachNic } from "../arch/netdev/chain.ts";
import { Wire } from "../arch/netdev/wire.ts";
import { PIT_CONTROL, PIT_HZ, PIT_PORT_BASE } from "../arch/pit.ts";
import { type IdlePolicy, Prng, type RunResult, Scheduler, type Tracer } from "../sched/mod.ts";
import type { Image } from "../kernel/syscall/image.ts";
import type { Booted } from "./boot.ts";
import { finish, loadAndBoot, startKernelMain } from "./run.ts";

export function worldIdle(machines: readonly Machine[]): IdlePolicy {
  return {
    idle(s, deadline) {
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
        if (deliver()) return true;
      }
      return false;
    },
  };
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
  machines: [WorldMachine, WorldMachine];
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
  /** Faults on the wire, applied at the first machine's end in both directions. */
  fault?: FaultConfig;
  latencyNs?: number;
  /** Records the run's timeline, each machine a process (`--trace`); the caller closes it. */
  trace?: Tracer;
}

export interface WorldOutcome {
  /** The exit status of the last machine's apps (the client's): its exit ends the run. */
  status: number;
  result: RunResult;
  booted: Booted[];
}

/** Two machines, one wire: boots both on one clock and runs until the last one's apps end. */
export async function runWorld(
  ms: readonly [WorldMachine, WorldMachine],
  opts: WorldOptions = {},
): Promise<WorldOutcome> {
  const seed = opts.seed ?? 1;
  const sched = new Scheduler();
  if (opts.trace) sched.setTracer(opts.trace);
  const prng = new Prng(seed);
  const wire = new Wire(sched, { latencyNs: opts.latencyNs ?? 50_000 });
  const booted: Booted[] = [];
  const machines: Machine[] = [];
  ms.forEach((w, i) => {
    const m = createMachine({
      sched,
      memBytes: opts.memBytes,
      epochMs: opts.epochMs,
      console: opts.console ? linePrefixer(`${w.name}: `, opts.console) : undefined,
    });
    // The first machine's end of the wire carries the capture and the faults.
    attachNic(m, {
      mac: w.mac,
      medium: i === 0 ? wire.a : wire.b,
      ...(i === 0 && opts.fault ? { fault: opts.fault, faultPrng: prng.fork("wire-fault") } : {}),
      pcap: i === 0 ? opts.pcap : undefined,
      label: "wire",
    });
    const b = loadAndBoot(m, w.image, { seed: (seed + i) >>> 0, name: `${w.name}.` });
    // Only the last machine's exit ends the run; another machine's exit stops its own CPU.
    if (i < ms.length - 1) b.user.haltMachine = (reason) => m.cpu.stop(reason);
    startKernelMain(b, w.image);
    machines.push(m);
    booted.push(b);
  });
  sched.idle = worldIdle(machines);
  const result = await sched.run();
  for (const b of booted.slice(0, -1)) b.machine.uart.flush();
  return { status: finish(booted[booted.length - 1], result), result, booted };
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
