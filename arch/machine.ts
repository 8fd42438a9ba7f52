/**
 * machine.ts — the simulated PC put together, and the hardware idle policy.
 *
 * `createMachine` builds, in power-on order: the scheduler on its clock (virtual or
 * realtime; or the one given, so that several machines share one clock), RAM, the port bus, the 8259A pair, the CPU, the 8254, the CMOS RTC (with the
 * memory sizes a BIOS records), the PCI host bridge with its 440FX and PIIX3 functions,
 * and COM1. It sets no idle policy: that is the platform's (platform/hw programs the PIT
 * and halts, which `hwIdle` does).
 *
 * Rules: `halt(reason)` stops everything once (CPU, scheduler), the first reason stays; a
 * fatal trap also prints its reason on the console. Nothing here reads host time: a
 * realtime machine is handed the host's clock, waiter and time (`host`, from host/).
 */
import {
  type Clock,
  type HostWait,
  type IdlePolicy,
  Scheduler,
  VirtualClock,
} from "../sched/mod.ts";
import { Cpu } from "./cpu.ts";
import { i440fx, PciBridge, piix3 } from "./pci.ts";
import { PicPair } from "./pic.ts";
import { Pit, PIT_CONTROL, PIT_HZ, PIT_PORT_BASE } from "./pit.ts";
import { PortBus } from "./portio.ts";
import { DEFAULT_RAM_BYTES, Ram } from "./ram.ts";
import { Rtc } from "./rtc.ts";
import { COM1_IRQ, Uart } from "./uart.ts";

export type MachineMode = "virtual" | "realtime";

export interface MachineOptions {
  memBytes?: number;
  mode?: MachineMode;
  /** Wall-clock time at power-on, ms since the epoch (UTC). Default: 2024-01-01T00:00Z in
   * virtual mode, the host's time in realtime mode. */
  epochMs?: number;
  /** Where COM1's output goes (a view of the UART's buffer, valid during the call only). */
  console?: (bytes: Uint8Array) => void;
  /**
   * An existing scheduler to run on (several machines on one wire share one clock); its
   * clock decides the mode, and `mode` is ignored.
   */
  sched?: Scheduler;
  /**
   * Realtime mode: the host below (host/realtime.ts `hostRealtime()`): its clock (unless
   * `sched` is given), the wait a halted CPU does on it, and the time at power-on.
   */
  host?: { clock: Clock; waiter: HostWait; epochMs: number };
}

export interface Machine {
  mode: MachineMode;
  sched: Scheduler;
  ram: Ram;
  bus: PortBus;
  pic: PicPair;
  cpu: Cpu;
  pit: Pit;
  rtc: Rtc;
  pci: PciBridge;
  uart: Uart;
  /** Realtime mode only. */
  waiter: HostWait | null;
  /** Wall-clock time at power-on, ms since the epoch: the RTC's start, and pcap's. */
  epochMs: number;
  /** Stops the machine; the first reason stays. */
  halt(reason: string): void;
  /** Why the machine halted, or null while it runs. */
  readonly halted: string | null;
}

/** 2024-01-01T00:00:00Z. */
export const DEFAULT_EPOCH_MS = 1704067200000;

export const PCI_SLOT_HOST_BRIDGE = 0;
export const PCI_SLOT_ISA_BRIDGE = 1;

export function createMachine(opts: MachineOptions = {}): Machine {
  const mode: MachineMode = opts.sched
    ? (opts.sched.clock.realtime ? "realtime" : "virtual")
    : opts.mode ?? "virtual";
  if (mode === "realtime" && !opts.host) {
    throw new Error("a realtime machine needs the host's clock and waiter (host/realtime.ts)");
  }
  const consoleSink = opts.console ?? (() => {});
  const clock = opts.sched?.clock ?? (mode === "realtime" ? opts.host!.clock : new VirtualClock());
  const sched = opts.sched ?? new Scheduler({ clock });
  const waiter = mode === "realtime" ? opts.host!.waiter : null;
  const ram = new Ram(opts.memBytes ?? DEFAULT_RAM_BYTES);
  const bus = new PortBus();
  const pic = new PicPair(bus);
  let halted: string | null = null;

  const uart = new Uart(bus, {
    irq: { raise: () => pic.raise(COM1_IRQ), lower: () => pic.lower(COM1_IRQ) },
    sink: consoleSink,
  });
  const halt = (reason: string) => {
    if (halted !== null) return;
    halted = reason;
    uart.flush();
    cpu.stop(reason);
    sched.halt(reason);
    waiter?.kick();
  };
  const cpu = new Cpu({
    sched,
    pic,
    waiter: waiter ?? undefined,
    halt: (reason) => {
      uart.flush();
      consoleSink(new TextEncoder().encode(reason + "\n"));
      halt(reason);
    },
  });
  const pit = new Pit(bus, sched, { raise: () => pic.raise(0), lower: () => pic.lower(0) });
  // Virtual mode: a fixed epoch so runs reproduce; realtime mode: the host's time.
  const epochMs = opts.epochMs ?? (mode === "realtime" ? opts.host!.epochMs : DEFAULT_EPOCH_MS);
  const rtc = new Rtc(bus, clock, epochMs);
  recordMemorySizes(rtc, ram);
  const pci = new PciBridge(bus, pic);
  pci.attach(PCI_SLOT_HOST_BRIDGE, i440fx());
  pci.attach(PCI_SLOT_ISA_BRIDGE, piix3());

  return {
    mode,
    sched,
    ram,
    bus,
    pic,
    cpu,
    pit,
    rtc,
    pci,
    uart,
    waiter,
    epochMs,
    halt,
    get halted() {
      return halted;
    },
  };
}

/** The memory sizes a PC BIOS keeps in CMOS (base, extended, above 16 MiB). */
function recordMemorySizes(rtc: Rtc, ram: Ram): void {
  const extKiB = Math.min(0xffff, Math.max(0, (ram.size - 0x100000) / 1024));
  const above16M = Math.min(0xffff, Math.max(0, Math.floor((ram.size - 0x1000000) / 65536)));
  const put16 = (reg: number, v: number) => {
    rtc.writeRegister(reg, v & 0xff);
    rtc.writeRegister(reg + 1, v >> 8);
  };
  put16(0x15, 640); // base memory, KiB
  put16(0x17, extKiB); // extended memory, KiB
  put16(0x30, extKiB); // the same, as POST found it
  put16(0x34, above16M); // memory above 16 MiB, 64 KiB blocks
}

/** Largest PIT count (a count of 0 is 65536). */
export const PIT_MAX_COUNT = 65536;

/**
 * The hardware idle policy: program PIT channel 0 as a one-shot (mode 4) for the time
 * to the next deadline, at most one full count (~54.9 ms), and halt until an interrupt.
 * Timed fibers are expired by the scheduler after idle returns.
 */
export function hwIdle(machine: Machine): IdlePolicy {
  const { bus, cpu } = machine;
  return {
    idle(s, deadline) {
      if (deadline !== Infinity) {
        const ns = Math.max(0, deadline - s.clock.now());
        const ticks = Math.ceil((ns * PIT_HZ) / 1e9);
        const count = Math.max(1, Math.min(PIT_MAX_COUNT, ticks));
        bus.outb(PIT_CONTROL, 0x38); // channel 0, LSB then MSB, mode 4, binary
        bus.outb(PIT_PORT_BASE, count & 0xff);
        bus.outb(PIT_PORT_BASE, (count >> 8) & 0xff);
      }
      return cpu.hlt();
    },
  };
}
