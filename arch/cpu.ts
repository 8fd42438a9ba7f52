/**
 * cpu.ts — the x86 CPU as the platform sees it: an IDT, the interrupt flag, traps, HLT.
 *
 * There is no instruction set: code is TypeScript running in fibers. What remains of the
 * CPU is how control reaches the kernel from outside — interrupts and exceptions through
 * a 256-gate IDT — and how an idle CPU waits for them.
 *
 * Rules:
 * - Interrupts are taken only at delivery points (`deliver()`, `hlt()`, `sti()` does not
 *   deliver by itself): with IF set and the PIC's INT up, the CPU acknowledges the PIC and
 *   calls the gate's handler with IF clear, restoring IF afterwards, like an interrupt gate
 *   and IRET.
 * - `trap(vector)` raises an exception. An unhandled vector, a double fault or a machine
 *   check is fatal: the CPU halts with `fatal trap N (#XX name)` given to its halt callback,
 *   and `trap` throws `CpuHalted` (the faulting code does not go on). An interrupt arriving
 *   on an empty gate halts the same way, without throwing.
 * - `hlt()` waits for an interrupt. Virtual mode: run the event queue, advancing the clock
 *   to each event, until an interrupt is delivered (true) or nothing is left to happen
 *   (false). Realtime mode: wait on the host (its HostWait: host/realtime.ts) instead, and never report
 *   false while host sources are open.
 */
import type { HostWait, Scheduler } from "../sched/mod.ts";

/** What the CPU needs of an interrupt controller: the INT pin and the INTA cycle. */
export interface InterruptController {
  pending(): boolean;
  acknowledge(): number;
}

/** What a handler learns about the event that entered it. */
export interface TrapFrame {
  vector: number;
  /** True for a hardware interrupt, false for an exception or software trap. */
  external: boolean;
  /** Exception detail (error code, faulting address...), as the raiser gave it. */
  info?: unknown;
}

export type GateHandler = (frame: TrapFrame) => void;

export interface CpuOptions {
  sched: Scheduler;
  pic: InterruptController;
  /** Called once when the CPU halts for good, with the reason. */
  halt: (reason: string) => void;
  /** Realtime mode's host wait (required when the clock is realtime). */
  waiter?: HostWait;
}

/** Mnemonic and name of the architecture-defined vectors 0–31. */
export const VECTOR_NAMES: readonly (readonly [string, string])[] = [
  ["#DE", "divide error"],
  ["#DB", "debug"],
  ["NMI", "non-maskable interrupt"],
  ["#BP", "breakpoint"],
  ["#OF", "overflow"],
  ["#BR", "bound range exceeded"],
  ["#UD", "invalid opcode"],
  ["#NM", "device not available"],
  ["#DF", "double fault"],
  ["", "coprocessor segment overrun"],
  ["#TS", "invalid TSS"],
  ["#NP", "segment not present"],
  ["#SS", "stack-segment fault"],
  ["#GP", "general protection"],
  ["#PF", "page fault"],
  ["", "reserved"],
  ["#MF", "x87 floating-point error"],
  ["#AC", "alignment check"],
  ["#MC", "machine check"],
  ["#XM", "SIMD floating-point exception"],
  ["#VE", "virtualization exception"],
  ["#CP", "control protection"],
  ["", "reserved"],
  ["", "reserved"],
  ["", "reserved"],
  ["", "reserved"],
  ["", "reserved"],
  ["", "reserved"],
  ["#HV", "hypervisor injection"],
  ["#VC", "VMM communication"],
  ["#SX", "security exception"],
  ["", "reserved"],
];

export const T_DIVIDE = 0;
export const T_NMI = 2;
export const T_DOUBLEFAULT = 8;
export const T_GPFLT = 13;
export const T_PAGEFLT = 14;
export const T_MACHINECHECK = 18;

/** "#GP general protection", "coprocessor segment overrun", "interrupt 0x20". */
export function vectorName(vector: number): string {
  if (vector < 32) {
    const [mn, name] = VECTOR_NAMES[vector];
    return mn ? `${mn} ${name}` : name;
  }
  return `interrupt 0x${vector.toString(16)}`;
}

/** Thrown out of `trap()` when the exception halted the CPU. */
export class CpuHalted extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "CpuHalted";
  }
}

export class Cpu {
  readonly sched: Scheduler;
  readonly pic: InterruptController;
  readonly waiter: HostWait | null;
  /** Entries taken through each vector (interrupts and exceptions). */
  readonly interrupts: number[] = new Array(256).fill(0);
  /** HLT instructions executed. */
  halts = 0;
  #gates: (GateHandler | null)[] = new Array(256).fill(null);
  #if = false;
  #halted: string | null = null;
  #onHalt: (reason: string) => void;

  constructor(opts: CpuOptions) {
    this.sched = opts.sched;
    this.pic = opts.pic;
    this.waiter = opts.waiter ?? null;
    this.#onHalt = opts.halt;
    if (this.sched.clock.realtime && !this.waiter) {
      throw new Error("a CPU on a realtime clock needs a HostWaiter");
    }
  }

  /** Installs (or with null, clears) the handler for `vector`. */
  setGate(vector: number, handler: GateHandler | null): void {
    if (!Number.isInteger(vector) || vector < 0 || vector > 255) {
      throw new RangeError(`no IDT vector ${vector}`);
    }
    this.#gates[vector] = handler;
  }

  gate(vector: number): GateHandler | null {
    return this.#gates[vector] ?? null;
  }

  cli(): void {
    this.#if = false;
  }

  sti(): void {
    this.#if = true;
  }

  get interruptsEnabled(): boolean {
    return this.#if;
  }

  /** The reason the CPU halted for good, or null while it runs. */
  get halted(): string | null {
    return this.#halted;
  }

  /** Halts the CPU for good (the machine is going down); the first reason stays. */
  stop(reason: string): void {
    if (this.#halted === null) this.#halted = reason;
  }

  /** A delivery point: takes one pending interrupt if IF allows; true if one was taken. */
  deliver(): boolean {
    if (!this.#if || this.#halted !== null || !this.pic.pending()) return false;
    const vector = this.pic.acknowledge() & 0xff;
    this.#enter(vector, true, undefined);
    return true;
  }

  /** Raises exception (or software interrupt) `vector`. */
  trap(vector: number, info?: unknown): void {
    if (this.#halted !== null) throw new CpuHalted(this.#halted);
    if (vector === T_DOUBLEFAULT || vector === T_MACHINECHECK || !this.#gates[vector]) {
      this.#fatal(vector);
      throw new CpuHalted(this.#halted!);
    }
    this.#enter(vector, false, info);
  }

  #enter(vector: number, external: boolean, info: unknown): void {
    const h = this.#gates[vector];
    this.interrupts[vector]++;
    if (!h) {
      this.#fatal(vector);
      return;
    }
    const saved = this.#if;
    this.#if = false;
    try {
      h({ vector, external, info });
    } finally {
      this.#if = saved;
    }
  }

  #fatal(vector: number): void {
    if (this.#halted !== null) return;
    const reason = `fatal trap ${vector} (${vectorName(vector)})`;
    this.#halted = reason;
    this.#onHalt(reason);
  }

  /**
   * HLT: waits until an interrupt is delivered (true), or reports that none can ever come
   * (false). Asynchronous only in realtime mode.
   */
  hlt(): boolean | Promise<boolean> {
    this.halts++;
    if (this.deliver()) return true;
    if (this.sched.clock.realtime) return this.#hltRealtime();
    const { clock, events } = this.sched;
    while (this.#halted === null && this.sched.halted === null) {
      const next = events.nextAt();
      if (next === Infinity) return false;
      clock.advanceTo(next);
      events.runDue(clock.now());
      if (this.deliver()) return true;
    }
    return false;
  }

  async #hltRealtime(): Promise<boolean> {
    const { clock, events } = this.sched;
    const waiter = this.waiter!;
    while (this.#halted === null && this.sched.halted === null) {
      events.runDue(clock.now());
      if (this.deliver()) return true;
      const next = events.nextAt();
      if (next === Infinity && waiter.hostSources === 0) return false;
      await waiter.wait(next);
    }
    return false;
  }
}
