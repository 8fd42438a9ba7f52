/**
 * realtime_world.ts — the httpd page's two machines on one wire in realtime: the httpd
 * image and the request panel's client (request_client.ts) share one scheduler on the
 * browser's clock, so a request typed in the page crosses both TCP/IP stacks, both NICs
 * and the wire, paced by the browser's clock.
 *
 * rumprun/world.ts's idle policy is virtual time only; this is its realtime twin: program
 * each PIT one-shot for the next deadline, deliver a pending interrupt on any CPU, run the
 * events that are due, and otherwise await the browser waiter until the next event or a
 * kick (a request fed to the client's COM1). "Nothing can ever happen" needs no event and
 * no open source.
 *
 * Rules: the first machine's NIC carries the capture and the faults (as runWorld's); the
 * client's console is its own sink (the panel's answers), not the page's console.
 */
import { createMachine, type Machine, PIT_MAX_COUNT } from "../arch/machine.ts";
import type { FaultConfig } from "../arch/netdev/fault.ts";
import { attachNic } from "../arch/netdev/chain.ts";
import { Wire } from "../arch/netdev/wire.ts";
import { PIT_CONTROL, PIT_HZ, PIT_PORT_BASE } from "../arch/pit.ts";
import { type IdlePolicy, Prng, type RunResult, Scheduler, type Tracer } from "../sched/mod.ts";
import type { Image } from "../kernel/syscall/image.ts";
import type { Booted } from "../rumprun/boot.ts";
import { finish, loadAndBoot, startKernelMain } from "../rumprun/run.ts";
import type { BrowserWaiter } from "./browser_clock.ts";
import { browserRealtime } from "./browser_clock.ts";

export interface RealtimePairOptions {
  seed: number;
  console: (bytes: Uint8Array) => void;
  clientConsole: (bytes: Uint8Array) => void;
  pcap?: (bytes: Uint8Array) => void;
  fault?: FaultConfig;
  latencyNs?: number;
  trace?: Tracer;
}

export interface RealtimePair {
  server: Booted;
  client: Booted;
  waiter: BrowserWaiter;
  /** Resolves with the server's exit status when the run ends. */
  done: Promise<{ status: number; result: RunResult }>;
  /** Stops both machines. */
  halt(reason: string): void;
}

/** The idle policy of several machines on one realtime clock. */
export function realtimeWorldIdle(machines: readonly Machine[], waiter: BrowserWaiter): IdlePolicy {
  const deliver = () => {
    let any = false;
    for (const m of machines) if (m.halted === null && m.cpu.deliver()) any = true;
    return any;
  };
  return {
    idle(s, deadline) {
      if (deadline !== Infinity) {
        const ns = Math.max(0, deadline - s.clock.now());
        const count = Math.max(1, Math.min(PIT_MAX_COUNT, Math.ceil((ns * PIT_HZ) / 1e9)));
        for (const m of machines) {
          m.bus.outb(PIT_CONTROL, 0x38); // channel 0, LSB then MSB, mode 4 (one-shot)
          m.bus.outb(PIT_PORT_BASE, count & 0xff);
          m.bus.outb(PIT_PORT_BASE, (count >> 8) & 0xff);
        }
      }
      for (const m of machines) m.cpu.halts++;
      const ready = () => deliver() || s.events.runDue(s.clock.now()) > 0;
      if (ready()) return true;
      return (async () => {
        while (s.halted === null) {
          const next = s.events.nextAt();
          if (next === Infinity && waiter.hostSources === 0) return false;
          await waiter.wait(next);
          if (ready()) return true;
        }
        return false;
      })();
    },
  };
}

/** Boots `server` and `client` on one wire in realtime; the client's COM1 is left open. */
export function startRealtimePair(
  server: Image,
  client: Image,
  o: RealtimePairOptions,
): RealtimePair {
  const host = browserRealtime();
  const sched = new Scheduler({ clock: host.clock });
  if (o.trace) sched.setTracer(o.trace);
  const prng = new Prng(o.seed);
  const wire = new Wire(sched, { latencyNs: o.latencyNs ?? 50_000 });
  const machines: Machine[] = [];
  const booted: Booted[] = [];
  const specs = [
    { image: server, mac: "52:54:00:12:34:56", console: o.console, name: undefined },
    { image: client, mac: "52:55:0a:00:02:02", console: o.clientConsole, name: "client." },
  ];
  specs.forEach((w, i) => {
    const m = createMachine({ sched, host, console: w.console });
    attachNic(m, {
      mac: w.mac,
      medium: i === 0 ? wire.a : wire.b,
      ...(i === 0 && o.fault ? { fault: o.fault, faultPrng: prng.fork("wire-fault") } : {}),
      pcap: i === 0 ? o.pcap : undefined,
      label: "wire",
    });
    const b = loadAndBoot(m, w.image, { seed: (o.seed + i) >>> 0, name: w.name });
    // The client's exit stops its own CPU only; the server's exit ends the run.
    if (i > 0) b.user.haltMachine = (reason) => m.cpu.stop(reason);
    startKernelMain(b, w.image);
    machines.push(m);
    booted.push(b);
  });
  sched.idle = realtimeWorldIdle(machines, host.waiter);
  // The panel may send a request at any time: the run waits for it.
  host.waiter.openSource();
  host.waiter.beforeWait = () => {
    for (const m of machines) m.uart.flush();
  };
  const halt = (reason: string) => {
    booted[0].user.exitStatus ??= 0;
    for (const m of machines) m.halt(reason);
    host.waiter.kick();
  };
  const done = sched.run().then((result) => {
    booted[1].machine.uart.flush();
    return { status: finish(booted[0], result), result };
  });
  return { server: booted[0], client: booted[1], waiter: host.waiter, done, halt };
}
