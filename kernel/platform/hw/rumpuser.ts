/**
 * rumpuser.ts (hw) — the hypercall contract on the simulated PC.
 *
 * Rules: memory is the machine's RAM (identity-mapped, as rumprun's hw platform runs);
 * malloc carves the usable ranges of the multiboot memory map; the console is COM1,
 * written a byte at a time through port I/O once the line status says the transmitter
 * is ready; the wall clock is the CMOS RTC read at boot plus the clock since. There are
 * no host files here: the file hypercalls answer ENOSYS, as rumprun's do.
 */
import type { PortBus } from "../../../arch/portio.ts";
import type { Ram } from "../../../arch/ram.ts";
import type { Prng, Scheduler } from "../../../sched/mod.ts";
import { FiberRumpuser } from "../fiber_rumpuser.ts";
import type { RegionAllocator } from "../region_alloc.ts";

const COM1 = 0x3f8;
const LSR = 5;
const LSR_THRE = 0x20;

export interface HwParams {
  ncpu: number;
  hostname: string;
  memlimit: string | null;
  verbose: boolean;
}

export class HwRumpuser extends FiberRumpuser {
  #enc = new TextEncoder();
  #wallBaseNs = 0;

  constructor(
    sched: Scheduler,
    prng: Prng,
    readonly ram: Ram,
    readonly ports: PortBus,
    readonly alloc: RegionAllocator,
    readonly params: HwParams,
  ) {
    super(sched, prng);
  }

  /** Sets the wall clock from the RTC reading taken at boot (ns since the epoch at clock 0). */
  setWallBase(ns: number): void {
    this.#wallBaseNs = ns;
  }

  getparam(name: string): string | null {
    switch (name) {
      case "_RUMPUSER_NCPU":
        return String(this.params.ncpu);
      case "_RUMPUSER_HOSTNAME":
        return this.params.hostname;
      case "RUMP_VERBOSE":
        return this.params.verbose ? "1" : null;
      case "RUMP_MEMLIMIT":
        return this.params.memlimit;
      default:
        return null;
    }
  }

  malloc(len: number, alignment: number): number {
    return this.alloc.alloc(len, alignment);
  }
  free(addr: number, len: number): void {
    this.alloc.free(addr, len);
  }
  memory(): Uint8Array {
    return this.ram.bytes;
  }

  putchar(c: number): void {
    // Poll the line status register until the transmit holding register is empty.
    for (let i = 0; i < 1000 && !(this.ports.inb(COM1 + LSR) & LSR_THRE); i++);
    this.ports.outb(COM1, c & 0xff);
  }

  dprintf(s: string): void {
    for (const b of this.#enc.encode(s)) {
      if (b === 0x0a) this.putchar(0x0d);
      this.putchar(b);
    }
  }

  protected wallBaseNs(): number {
    return this.#wallBaseNs;
  }
}
