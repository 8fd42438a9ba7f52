/**
 * pic.ts — the PC's two Intel 8259A programmable interrupt controllers.
 *
 * The master answers at 0x20/0x21, the slave at 0xA0/0xA1 and is cascaded on master input
 * 2, so IRQ 8–15 rank where IRQ2 would. The PIIX's edge/level control registers (ELCR,
 * 0x4D0/0x4D1) make single inputs level-triggered.
 *
 * Rules, from the 8259A data sheet:
 * - Initialisation: ICW1 on the command port (bit 4 set) resets the chip (IMR, IRR, ISR
 *   cleared, IRQ7 lowest priority, edge sense reset) and is followed by ICW2 (vector base),
 *   ICW3 unless SNGL (master: bitmap of inputs with slaves; slave: its id) and ICW4 if IC4
 *   (8086 mode, AEOI). Afterwards data-port writes are OCW1 (the IMR); command-port writes
 *   are OCW2 (EOI and rotation) or OCW3 (bit 3: read IRR/ISR, poll, special mask).
 * - Edge-triggered inputs latch a request on a rising edge; the request vanishes if the
 *   line falls before the CPU acknowledges. Level-triggered inputs request while the line
 *   is high.
 * - The INT output is a latch: raised when an unmasked request outranks every level in
 *   service, dropped only by the INTA cycle (or ICW1). If the request has vanished by then
 *   (line fell, input masked) the chip answers with its IRQ7 vector and sets no ISR bit:
 *   a spurious interrupt. The slave's INT drives master input 2.
 * - Priority is fixed (IRQ0 highest) until a rotate command moves it. In fully nested mode
 *   a request is delivered only when it outranks every level in service.
 * - A spurious request on the slave gives the slave's base+7, but the master has already
 *   acknowledged input 2 and set that ISR bit: the OS sends the master an EOI, as on a PC.
 * - Power-on state is what a PC BIOS leaves: master at vector 0x08, slave at 0x70, cascade
 *   on input 2, 8086 mode, every input masked.
 */
import type { PortBus, PortSize } from "./portio.ts";

/** One 8259A. */
export class Pic8259 {
  /** Interrupt request, in-service and mask registers. */
  irr = 0;
  isr = 0;
  imr = 0xff;
  /** ICW2: vector of input 0 (low 3 bits are zero). */
  vectorBase = 0;
  /** ICW3 as written: the master's slave bitmap or the slave's id. */
  icw3 = 0;
  /** ICW1 LTIM: every input level-triggered. */
  levelTriggered = false;
  /** ELCR: inputs that are level-triggered one by one. */
  elcr = 0;
  autoEoi = false;
  mode8086 = true;
  specialMask = false;

  /** Called when the INT output changes (the slave's drives master input 2). */
  onInt: ((level: boolean) => void) | null = null;

  #int = false;
  #lines = 0;
  #initStep = 0; // 0: ready; 2, 3, 4: the next data-port write is that ICW
  #single = false;
  #ic4 = false;
  #readIsr = false;
  #poll = false;
  #lowest = 7; // the lowest-priority input; rotation moves it
  #rotateAutoEoi = false;

  constructor(readonly name: string) {}

  /** True while an initialisation sequence is in progress. */
  get initializing(): boolean {
    return this.#initStep !== 0;
  }

  #isLevel(bit: number): boolean {
    return this.levelTriggered || (this.elcr & bit) !== 0;
  }

  /** Input line goes high; returns true on a rising edge. */
  raise(input: number): boolean {
    const bit = 1 << input;
    if (this.#lines & bit) {
      if (this.#isLevel(bit) && !(this.irr & bit)) {
        this.irr |= bit;
        this.#service();
      }
      return false;
    }
    this.#lines |= bit;
    this.irr |= bit;
    this.#service();
    return true;
  }

  /** Writes the ELCR: inputs in `mask` become level-triggered (a high line requests). */
  setElcr(mask: number): void {
    this.elcr = mask & 0xff;
    const highLevel = this.#lines & this.elcr;
    if (highLevel & ~this.irr) {
      this.irr |= highLevel;
      this.#service();
    }
  }

  /** Input line goes low: a request not yet acknowledged vanishes. */
  lower(input: number): void {
    const bit = 1 << input;
    this.#lines &= ~bit;
    this.irr &= ~bit;
  }

  /** The input the chip would present now, or -1. */
  #best(): number {
    if (this.#initStep !== 0) return -1;
    const req = this.irr & ~this.imr & 0xff;
    if (req === 0) return -1;
    for (let p = 0; p < 8; p++) {
      const input = (this.#lowest + 1 + p) & 7;
      const bit = 1 << input;
      if (this.specialMask) {
        if (req & bit & ~this.isr) return input;
        continue;
      }
      if (this.isr & bit) return -1; // an equal or higher level is in service
      if (req & bit) return input;
    }
    return -1;
  }

  /** The INT output. */
  int(): boolean {
    return this.#int;
  }

  #setInt(level: boolean): void {
    if (this.#int === level) return;
    this.#int = level;
    this.onInt?.(level);
  }

  /** Re-evaluates the requests: raises INT when one should be presented. */
  #service(): void {
    if (!this.#int && this.#best() >= 0) this.#setInt(true);
  }

  /** The chip's part of an INTA cycle: the input acknowledged, or -1 when spurious. */
  inta(): number {
    this.#setInt(false);
    const input = this.#best();
    if (input < 0) {
      this.#service();
      return -1;
    }
    const bit = 1 << input;
    this.irr &= ~bit;
    if (this.#isLevel(bit) && (this.#lines & bit)) this.irr |= bit;
    if (this.autoEoi) {
      if (this.#rotateAutoEoi) this.#lowest = input;
    } else {
      this.isr |= bit;
    }
    this.#service();
    return input;
  }

  /** The highest-priority input in service, or -1. */
  #highestInService(): number {
    for (let p = 0; p < 8; p++) {
      const input = (this.#lowest + 1 + p) & 7;
      if (this.isr & (1 << input)) return input;
    }
    return -1;
  }

  writeCommand(v: number): void {
    if (v & 0x10) this.#icw1(v);
    else if (v & 0x08) this.#ocw3(v);
    else this.#ocw2(v);
    this.#service();
  }

  writeData(v: number): void {
    this.#writeData(v);
    this.#service();
  }

  #writeData(v: number): void {
    switch (this.#initStep) {
      case 0:
        this.imr = v; // OCW1
        return;
      case 2:
        this.vectorBase = v & 0xf8;
        this.#initStep = this.#single ? (this.#ic4 ? 4 : 0) : 3;
        return;
      case 3:
        this.icw3 = v;
        this.#initStep = this.#ic4 ? 4 : 0;
        return;
      case 4:
        this.mode8086 = (v & 0x01) !== 0;
        this.autoEoi = (v & 0x02) !== 0;
        this.#initStep = 0;
        return;
    }
  }

  readCommand(): number {
    if (this.#poll) {
      this.#poll = false;
      const input = this.inta();
      return input < 0 ? 0 : 0x80 | input;
    }
    return this.#readIsr ? this.isr : this.irr;
  }

  readData(): number {
    return this.imr;
  }

  #icw1(v: number): void {
    this.#ic4 = (v & 0x01) !== 0;
    this.#single = (v & 0x02) !== 0;
    this.levelTriggered = (v & 0x08) !== 0;
    this.imr = 0;
    this.irr = 0;
    this.isr = 0;
    this.#lines = 0; // edge sense reset: a high line must fall and rise again
    this.#lowest = 7;
    this.specialMask = false;
    this.#readIsr = false;
    this.#poll = false;
    this.#rotateAutoEoi = false;
    this.autoEoi = false;
    this.mode8086 = false;
    this.#initStep = 2;
    this.#setInt(false);
  }

  #ocw2(v: number): void {
    const level = v & 7;
    switch (v >> 5) {
      case 0: // rotate in AEOI mode (clear)
        this.#rotateAutoEoi = false;
        return;
      case 4: // rotate in AEOI mode (set)
        this.#rotateAutoEoi = true;
        return;
      case 1: // non-specific EOI
      case 5: { // rotate on non-specific EOI
        const input = this.#highestInService();
        if (input < 0) return;
        this.isr &= ~(1 << input);
        if (v & 0x80) this.#lowest = input;
        return;
      }
      case 3: // specific EOI
      case 7: // rotate on specific EOI
        this.isr &= ~(1 << level);
        if (v & 0x80) this.#lowest = level;
        return;
      case 6: // set priority
        this.#lowest = level;
        return;
      default: // 2: no operation
        return;
    }
  }

  #ocw3(v: number): void {
    if (v & 0x40) this.specialMask = (v & 0x20) !== 0;
    if (v & 0x04) this.#poll = true;
    if (v & 0x02) this.#readIsr = (v & 0x01) !== 0;
  }
}

/** The two cascaded 8259As of a PC, on their ports, with per-IRQ counters. */
export class PicPair {
  readonly master = new Pic8259("master");
  readonly slave = new Pic8259("slave");
  /** Rising edges seen, interrupts delivered, spurious acknowledgements, per IRQ 0–15. */
  readonly raised: number[] = new Array(16).fill(0);
  readonly delivered: number[] = new Array(16).fill(0);
  readonly spurious: number[] = new Array(16).fill(0);

  constructor(bus?: PortBus) {
    this.slave.onInt = (level) => level ? this.master.raise(2) : this.master.lower(2);
    // What the BIOS leaves behind: 0x08 / 0x70, cascade on IRQ2, 8086 mode, all masked.
    for (
      const [chip, base, icw3] of [[this.master, 0x08, 0x04], [this.slave, 0x70, 0x02]] as const
    ) {
      chip.writeCommand(0x11);
      chip.writeData(base);
      chip.writeData(icw3);
      chip.writeData(0x01);
      chip.writeData(0xff);
    }
    if (bus) this.attach(bus);
  }

  /** Registers the command/data ports and the ELCR on `bus`. */
  attach(bus: PortBus): void {
    const chipPorts = (chip: Pic8259, base: number) => ({
      read: (port: number, _size: PortSize) => port === base ? chip.readCommand() : chip.readData(),
      write: (port: number, _size: PortSize, v: number) =>
        port === base ? chip.writeCommand(v & 0xff) : chip.writeData(v & 0xff),
    });
    bus.register("pic-master", 0x20, 2, chipPorts(this.master, 0x20));
    bus.register("pic-slave", 0xa0, 2, chipPorts(this.slave, 0xa0));
    bus.register("elcr", 0x4d0, 2, {
      read: (port) => port === 0x4d0 ? this.master.elcr : this.slave.elcr,
      write: (port, _size, v) => {
        if (port === 0x4d0) this.master.setElcr(v & 0xf8); // IRQ 0, 1, 2 are always edge
        else this.slave.setElcr(v & 0xde); // IRQ 8 and 13 are always edge
      },
    });
  }

  #chip(irq: number): Pic8259 {
    if (!Number.isInteger(irq) || irq < 0 || irq > 15) throw new RangeError(`no IRQ ${irq}`);
    return irq < 8 ? this.master : this.slave;
  }

  /** IRQ line `irq` goes high. */
  raise(irq: number): void {
    if (this.#chip(irq).raise(irq & 7)) this.raised[irq]++;
  }

  /** IRQ line `irq` goes low. */
  lower(irq: number): void {
    this.#chip(irq).lower(irq & 7);
  }

  /** The master's INT pin to the CPU: an interrupt awaits acknowledgement. */
  pending(): boolean {
    return this.master.int();
  }

  /** The INTA cycle: returns the vector; spurious requests give base+7 of the chip. */
  acknowledge(): number {
    const m = this.master;
    const input = m.inta();
    if (input < 0) {
      this.spurious[7]++;
      return m.vectorBase + 7;
    }
    if (input === 2 && (m.icw3 & 0x04)) {
      const sl = this.slave;
      const s = sl.inta();
      if (s < 0) {
        this.spurious[15]++;
        return sl.vectorBase + 7;
      }
      this.delivered[8 + s]++;
      return sl.vectorBase + s;
    }
    this.delivered[input]++;
    return m.vectorBase + input;
  }
}
