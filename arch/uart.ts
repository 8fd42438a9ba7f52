/**
 * uart.ts — a National Semiconductor 16550A UART, COM1 at 0x3F8–0x3FF on IRQ 4.
 *
 * Registers by offset (DLAB is LCR bit 7): 0 RBR/THR (DLL with DLAB), 1 IER (DLM with
 * DLAB), 2 IIR on read / FCR on write, 3 LCR, 4 MCR, 5 LSR, 6 MSR, 7 SCR.
 *
 * Rules:
 * - Transmission is immediate: a byte written to THR is on the wire at once, so LSR always
 *   shows THRE and TEMT, and with ETBEI a THR-empty interrupt follows every write. Output
 *   goes to `sink`, buffered and flushed at each newline and by `flush()`. A string
 *   written to THR (`rep outsb`, `writeString`) is exactly that many byte writes.
 * - Input arrives through `feed(bytes)`. The line is flow-controlled: bytes wait in a
 *   backlog and enter the RX FIFO (16 bytes, or the 1-byte holding register with FIFOs
 *   off) as the guest reads, so host input is never lost to overrun. Data at or above the
 *   FIFO trigger level interrupts as "received data available", data below it as
 *   "character timeout" (the 4-character delay is not modelled).
 * - IIR reports the highest-priority cause (line status, received data, THR empty, modem
 *   status); reading IIR clears a THR-empty cause, LSR clears error bits, MSR clears
 *   deltas. As on a PC, the interrupt reaches the PIC only while MCR OUT2 is set.
 * - Loopback (MCR bit 4) sends THR to RBR and reflects MCR in MSR.
 */
import type { PortBus } from "./portio.ts";

export const COM1_BASE = 0x3f8;
export const COM1_IRQ = 4;

export const UART_IER_ERBFI = 0x01; // received data available
export const UART_IER_ETBEI = 0x02; // THR empty
export const UART_IER_ELSI = 0x04; // receiver line status
export const UART_IER_EDSSI = 0x08; // modem status
export const UART_IIR_NONE = 0x01;
export const UART_LCR_DLAB = 0x80;
export const UART_MCR_DTR = 0x01;
export const UART_MCR_RTS = 0x02;
export const UART_MCR_OUT1 = 0x04;
export const UART_MCR_OUT2 = 0x08;
export const UART_MCR_LOOP = 0x10;
export const UART_LSR_DR = 0x01;
export const UART_LSR_OE = 0x02;
export const UART_LSR_THRE = 0x20;
export const UART_LSR_TEMT = 0x40;

const TRIGGER = [1, 4, 8, 14];
const FLUSH_AT = 4096;

export interface UartOptions {
  base?: number;
  /** The IRQ line (COM1: IRQ 4 on the PIC). */
  irq?: { raise(): void; lower(): void } | null;
  /**
   * Where transmitted bytes go: a view of the UART's own buffer, valid until the call
   * returns (a sink that keeps bytes copies them).
   */
  sink?: (bytes: Uint8Array) => void;
  name?: string;
}

export class Uart {
  readonly base: number;
  ier = 0;
  lcr = 0x03; // 8N1
  mcr = 0;
  scr = 0;
  /** Divisor latch: 12 is 9600 baud from the 1.8432 MHz crystal. */
  divisor = 12;
  fifoEnabled = false;
  /** Bytes sent, bytes received by the guest, bytes lost to loopback overrun. */
  txBytes = 0;
  rxBytes = 0;
  overruns = 0;

  #rx: number[] = [];
  #backlog: number[] = [];
  #backlogHead = 0;
  #trigger = 1;
  #lsrErrors = 0;
  #thri = false; // a THR-empty interrupt is waiting
  #msrDelta = 0;
  #msrLoop = 0;
  /** Transmitted bytes not yet handed to the sink. */
  #tx = new Uint8Array(FLUSH_AT);
  #txLen = 0;
  #irqOut = false;
  readonly #irq: { raise(): void; lower(): void } | null;
  readonly #sink: (bytes: Uint8Array) => void;

  constructor(bus: PortBus | null, opts: UartOptions = {}) {
    this.base = opts.base ?? COM1_BASE;
    this.#irq = opts.irq ?? null;
    this.#sink = opts.sink ?? (() => {});
    bus?.register(opts.name ?? "com1", this.base, 8, {
      read: (port) => this.read(port - this.base),
      write: (port, _size, v) => this.write(port - this.base, v & 0xff),
      writeString: (port, bytes, start, end) =>
        this.writeString(port - this.base, bytes, start, end),
    });
  }

  get baud(): number {
    return this.divisor === 0 ? 0 : Math.floor(115200 / this.divisor);
  }

  /** Bytes fed but not yet read by the guest. */
  get rxWaiting(): number {
    return this.#rx.length + this.#backlog.length - this.#backlogHead;
  }

  /** Input from the outside world. */
  feed(bytes: Uint8Array): void {
    for (const b of bytes) this.#backlog.push(b);
    this.#refill();
    this.#update();
  }

  /** Hands buffered output to the sink (a view of the UART's buffer: see `sink`). */
  flush(): void {
    if (this.#txLen === 0) return;
    const out = this.#tx.subarray(0, this.#txLen);
    this.#txLen = 0;
    this.#sink(out);
  }

  #capacity(): number {
    return this.fifoEnabled ? 16 : 1;
  }

  #refill(): void {
    const cap = this.#capacity();
    while (this.#rx.length < cap && this.#backlogHead < this.#backlog.length) {
      this.#rx.push(this.#backlog[this.#backlogHead++]);
    }
    if (this.#backlogHead === this.#backlog.length) {
      this.#backlog.length = 0;
      this.#backlogHead = 0;
    } else if (this.#backlogHead > 4096) {
      this.#backlog = this.#backlog.slice(this.#backlogHead);
      this.#backlogHead = 0;
    }
  }

  #transmit(b: number): void {
    this.txBytes++;
    if (this.mcr & UART_MCR_LOOP) {
      if (this.#rx.length < this.#capacity()) this.#rx.push(b);
      else {
        this.#lsrErrors |= UART_LSR_OE;
        this.overruns++;
      }
      return;
    }
    this.#tx[this.#txLen++] = b;
    if (b === 0x0a || this.#txLen >= FLUSH_AT) this.flush();
  }

  #msr(): number {
    if (!(this.mcr & UART_MCR_LOOP)) return 0xb0 | this.#msrDelta; // CTS, DSR, DCD
    return this.#msrLoop | this.#msrDelta;
  }

  #loopLines(): number {
    const m = this.mcr;
    return (m & UART_MCR_RTS ? 0x10 : 0) | (m & UART_MCR_DTR ? 0x20 : 0) |
      (m & UART_MCR_OUT1 ? 0x40 : 0) | (m & UART_MCR_OUT2 ? 0x80 : 0);
  }

  /** The interrupt identification, without side effects. */
  #iir(): number {
    const fifo = this.fifoEnabled ? 0xc0 : 0;
    const ier = this.ier;
    if ((ier & UART_IER_ELSI) && this.#lsrErrors) return fifo | 0x06;
    if ((ier & UART_IER_ERBFI) && this.#rx.length > 0) {
      if (!this.fifoEnabled || this.#rx.length >= this.#trigger) return fifo | 0x04;
      return fifo | 0x0c;
    }
    if ((ier & UART_IER_ETBEI) && this.#thri) return fifo | 0x02;
    if ((ier & UART_IER_EDSSI) && this.#msrDelta) return fifo | 0x00;
    return fifo | UART_IIR_NONE;
  }

  #update(): void {
    const out = (this.#iir() & UART_IIR_NONE) === 0 && (this.mcr & UART_MCR_OUT2) !== 0;
    if (out === this.#irqOut) return;
    this.#irqOut = out;
    if (out) this.#irq?.raise();
    else this.#irq?.lower();
  }

  /** A register read at `offset` (0–7). */
  read(offset: number): number {
    const v = this.#read(offset);
    this.#update();
    return v;
  }

  #read(offset: number): number {
    const dlab = (this.lcr & UART_LCR_DLAB) !== 0;
    switch (offset) {
      case 0: {
        if (dlab) return this.divisor & 0xff;
        const b = this.#rx.shift();
        if (b === undefined) return 0;
        this.rxBytes++;
        this.#refill();
        return b;
      }
      case 1:
        return dlab ? this.divisor >> 8 : this.ier;
      case 2: {
        const iir = this.#iir();
        if ((iir & 0x0f) === 0x02) this.#thri = false;
        return iir;
      }
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5: {
        const lsr = (this.#rx.length ? UART_LSR_DR : 0) | UART_LSR_THRE | UART_LSR_TEMT |
          this.#lsrErrors;
        this.#lsrErrors = 0;
        return lsr;
      }
      case 6: {
        const msr = this.#msr();
        this.#msrDelta = 0;
        return msr;
      }
      default:
        return this.scr;
    }
  }

  /** A register write at `offset` (0–7). */
  write(offset: number, v: number): void {
    this.#write(offset, v);
    this.#update();
  }

  /** Byte writes of bytes[start, end) at `offset`, one after another (`rep outsb`). */
  writeString(offset: number, bytes: Uint8Array, start: number, end: number): void {
    if (offset !== 0 || (this.lcr & UART_LCR_DLAB) !== 0) {
      for (let i = start; i < end; i++) this.write(offset, bytes[i]);
      return;
    }
    // THR: each byte is on the wire at once (the rules above), so the run is N transmits;
    // out of loopback they are copied a line at a time, handed on where #transmit would.
    if (this.mcr & UART_MCR_LOOP) {
      for (let i = start; i < end; i++) this.#transmit(bytes[i]);
    } else {
      // A FIFO's worth (what a driver writes at a time) is copied faster byte by byte
      // than through views; a newline or a full buffer hands the bytes on.
      const tx = this.#tx;
      let len = this.#txLen;
      for (let i = start; i < end; i++) {
        const c = bytes[i];
        tx[len++] = c;
        if (c === 0x0a || len === FLUSH_AT) {
          this.#txLen = len;
          this.flush();
          len = 0;
        }
      }
      this.#txLen = len;
      this.txBytes += end - start;
    }
    if (end > start) this.#thri = true;
    this.#update();
  }

  #write(offset: number, v: number): void {
    const dlab = (this.lcr & UART_LCR_DLAB) !== 0;
    switch (offset) {
      case 0:
        if (dlab) this.divisor = (this.divisor & 0xff00) | v;
        else {
          this.#transmit(v);
          this.#thri = true; // the THR is empty again at once
        }
        return;
      case 1:
        if (dlab) this.divisor = (this.divisor & 0xff) | v << 8;
        else {
          if ((v & UART_IER_ETBEI) && !(this.ier & UART_IER_ETBEI)) this.#thri = true;
          this.ier = v & 0x0f;
        }
        return;
      case 2: { // FCR
        const enable = (v & 0x01) !== 0;
        if (enable !== this.fifoEnabled) {
          this.fifoEnabled = enable;
          this.#rx.length = 0;
        }
        if (enable) {
          if (v & 0x02) this.#rx.length = 0;
          this.#trigger = TRIGGER[v >> 6];
        }
        this.#refill();
        return;
      }
      case 3:
        this.lcr = v;
        return;
      case 4: {
        const before = this.#loopLines();
        this.mcr = v & 0x1f;
        if (this.mcr & UART_MCR_LOOP) {
          const after = this.#loopLines();
          const changed = before ^ after;
          // Delta CTS, DSR, DCD on any change; trailing-edge RI only when RI falls.
          this.#msrDelta |= (changed & 0x10 ? 0x01 : 0) | (changed & 0x20 ? 0x02 : 0) |
            (changed & 0x80 ? 0x08 : 0) | ((before & 0x40) && !(after & 0x40) ? 0x04 : 0);
          this.#msrLoop = after;
        }
        return;
      }
      case 5:
      case 6:
        return; // LSR and MSR are read-only
      default:
        this.scr = v;
    }
  }
}
