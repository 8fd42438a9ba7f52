/**
 * rumpuser.ts (hw) — the hypercall contract on the simulated PC.
 *
 * Rules: memory is the machine's RAM (identity-mapped, as rumprun's hw platform runs);
 * malloc carves the usable ranges of the multiboot memory map; the console is COM1
 * through port I/O: once the line status says the transmitter is empty, up to a FIFO's
 * worth of bytes (16: boot turned the 16550's FIFOs on) goes out with one `rep outsb`,
 * as com(4) fills the FIFO per transmit-empty; the wall clock is the CMOS RTC read at boot plus the clock since. There are
 * no host files here: the file hypercalls answer ENOSYS, as rumprun's do.
 */
import type { PortBus } from "../../arch/portio.ts";
import type { Ram } from "../../arch/ram.ts";
import type { Prng, Scheduler } from "../../sched/mod.ts";
import { FiberRumpuser } from "../fiber_rumpuser.ts";
import type { RegionAllocator } from "../region_alloc.ts";

const COM1 = 0x3f8;
const LSR = 5;
const LSR_THRE = 0x20;
/** The 16550A's transmit FIFO depth (FIFOs are enabled by boot.ts's consInit). */
const TX_FIFO = 16;

export interface HwParams {
  ncpu: number;
  hostname: string;
  memlimit: string | null;
  verbose: boolean;
}

export class HwRumpuser extends FiberRumpuser {
  #enc = new TextEncoder();
  /** Scratch for dwrite's LF → CR LF (the UART copies what it is given at once). */
  #crlf = new Uint8Array(256);
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

  /** Polls the line status register until the transmitter (and its FIFO) is empty. */
  #waitTxEmpty(): void {
    for (let i = 0; i < 1000 && !(this.ports.inb(COM1 + LSR) & LSR_THRE); i++);
  }

  putchar(c: number): void {
    this.#waitTxEmpty();
    this.ports.outb(COM1, c & 0xff);
  }

  dprintf(s: string): void {
    this.dwrite(this.#enc.encode(s));
  }

  dwrite(src: Uint8Array): void {
    let lfs = 0;
    for (let i = 0; i < src.length; i++) if (src[i] === 0x0a) lfs++;
    let out = src;
    if (lfs > 0) {
      // A terminal wants CR LF (built in a scratch buffer: the UART takes bytes at once).
      if (this.#crlf.length < src.length + lfs) this.#crlf = new Uint8Array(2 * (src.length + lfs));
      out = this.#crlf.subarray(0, src.length + lfs);
      for (let i = 0, j = 0; i < src.length; i++) {
        if (src[i] === 0x0a) out[j++] = 0x0d;
        out[j++] = src[i];
      }
    }
    for (let off = 0; off < out.length; off += TX_FIFO) {
      this.#waitTxEmpty();
      this.ports.outsb(COM1, out, off, Math.min(off + TX_FIFO, out.length));
    }
  }

  protected wallBaseNs(): number {
    return this.#wallBaseNs;
  }
}
