/**
 * pci.ts — the PCI host bridge (configuration mechanism #1) and PCI functions on bus 0.
 *
 * 0xCF8 is CONFIG_ADDRESS (enable bit 31, bus 23:16, device 15:11, function 10:8,
 * register 7:2); 0xCFC–0xCFF is CONFIG_DATA, read and written 8, 16 or 32 bits at a time
 * at the byte offset the port selects (PCI Local Bus 3.0 §3.2.2.3.2).
 *
 * Rules:
 * - Only bus 0 exists; a disabled address, another bus, or an empty slot reads all-ones
 *   and ignores writes, which is how enumeration finds nothing there.
 * - A function's 256-byte configuration space holds the type 0 header (§6.1). Writable:
 *   command bits I/O space, memory space, bus master and interrupt disable; cache line
 *   size and latency timer; the BARs (address bits only, so writing all-ones and reading
 *   back gives ~(size-1) | type bits — the sizing protocol of §6.2.5.1); interrupt line;
 *   and the device-specific bytes from 0x40. Everything else is read-only.
 * - With the I/O space bit set, each I/O BAR holding a base decodes its range: the range
 *   is registered on the port bus and moves when the BAR or the command register changes.
 *   A range that collides with another is left unmapped and counted, never thrown.
 *   Memory BARs are kept but decode nothing (this machine has no MMIO).
 * - `setIrq(level)` drives the function's INTx pin; the bridge wires it to the PIC IRQ
 *   chosen at attach time, ORed with every other function on that IRQ, and writes that IRQ
 *   into the interrupt line register as the BIOS would.
 */
import type { PortBus, PortSize } from "./portio.ts";

export const PCI_CONFIG_ADDRESS = 0xcf8;
export const PCI_CONFIG_DATA = 0xcfc;

export const PCI_VENDOR_ID = 0x00;
export const PCI_DEVICE_ID = 0x02;
export const PCI_COMMAND = 0x04;
export const PCI_STATUS = 0x06;
export const PCI_REVISION = 0x08;
export const PCI_CLASS_PROG = 0x09;
export const PCI_CACHE_LINE_SIZE = 0x0c;
export const PCI_LATENCY_TIMER = 0x0d;
export const PCI_HEADER_TYPE = 0x0e;
export const PCI_BAR0 = 0x10;
export const PCI_SUBSYSTEM_VENDOR_ID = 0x2c;
export const PCI_SUBSYSTEM_ID = 0x2e;
export const PCI_INTERRUPT_LINE = 0x3c;
export const PCI_INTERRUPT_PIN = 0x3d;

export const PCI_COMMAND_IO = 0x0001;
export const PCI_COMMAND_MEMORY = 0x0002;
export const PCI_COMMAND_MASTER = 0x0004;
export const PCI_COMMAND_INTX_DISABLE = 0x0400;
export const PCI_STATUS_INTERRUPT = 0x0008;

export interface BarSpec {
  kind: "io" | "mem";
  /** A power of two: at least 4 for I/O, 16 for memory. */
  size: number;
  prefetchable?: boolean;
}

export interface PciFunctionSpec {
  vendor: number;
  device: number;
  /** Base class, subclass and programming interface: 0x020000 is an Ethernet controller. */
  classCode: number;
  revision?: number;
  headerType?: number;
  subsystemVendor?: number;
  subsystemId?: number;
  /** 0: none, 1–4: INTA#–INTD#. */
  interruptPin?: number;
  command?: number;
  status?: number;
  bars?: (BarSpec | null)[];
}

/** Device-model hooks for accesses to the function's I/O BARs. */
export interface PciIoHooks {
  ioRead?(bar: number, offset: number, size: PortSize): number;
  ioWrite?(bar: number, offset: number, size: PortSize, value: number): void;
}

/** What the bridge gives a function when it is attached. */
export interface PciAttachment {
  bus: PortBus | null;
  name: string;
  irq: (level: boolean) => void;
}

const ONES = [0, 0xff, 0xffff, 0, 0xffffffff];

export class PciFunction {
  readonly config: Uint8Array = new Uint8Array(256);
  readonly bars: readonly (BarSpec | null)[];
  /** Name while attached: "pci0:3:0". */
  name = "pci";
  /** I/O ranges that could not be mapped because they collided. */
  conflicts = 0;
  /** The INTx pin as the device drives it. */
  irqLevel = false;
  readonly #view: DataView;
  readonly #hooks: PciIoHooks;
  #att: PciAttachment | null = null;
  #mapped: (number | null)[] = [null, null, null, null, null, null];
  #irqOut = false;

  constructor(spec: PciFunctionSpec, hooks: PciIoHooks = {}) {
    this.#view = new DataView(this.config.buffer);
    this.#hooks = hooks;
    const bars = (spec.bars ?? []).slice(0, 6);
    while (bars.length < 6) bars.push(null);
    for (const b of bars) {
      if (!b) continue;
      const min = b.kind === "io" ? 4 : 16;
      if (b.size < min || (b.size & (b.size - 1)) !== 0 || (b.kind === "io" && b.size > 256)) {
        throw new RangeError(`BAR of ${b.size} bytes is not a valid ${b.kind} BAR size`);
      }
    }
    this.bars = bars;
    const v = this.#view;
    v.setUint16(PCI_VENDOR_ID, spec.vendor, true);
    v.setUint16(PCI_DEVICE_ID, spec.device, true);
    v.setUint16(PCI_COMMAND, spec.command ?? 0, true);
    v.setUint16(PCI_STATUS, spec.status ?? 0, true);
    v.setUint32(
      PCI_REVISION,
      ((spec.classCode & 0xffffff) << 8 | (spec.revision ?? 0)) >>> 0,
      true,
    );
    this.config[PCI_HEADER_TYPE] = spec.headerType ?? 0;
    v.setUint16(PCI_SUBSYSTEM_VENDOR_ID, spec.subsystemVendor ?? 0, true);
    v.setUint16(PCI_SUBSYSTEM_ID, spec.subsystemId ?? 0, true);
    this.config[PCI_INTERRUPT_LINE] = 0xff;
    this.config[PCI_INTERRUPT_PIN] = spec.interruptPin ?? 0;
    for (let i = 0; i < 6; i++) v.setUint32(PCI_BAR0 + 4 * i, this.#typeBits(i), true);
  }

  get command(): number {
    return this.#view.getUint16(PCI_COMMAND, true);
  }

  get interruptLine(): number {
    return this.config[PCI_INTERRUPT_LINE];
  }

  /** The base programmed into BAR `i` (address bits only). */
  barBase(i: number): number {
    const b = this.bars[i];
    if (!b) return 0;
    return (this.#view.getUint32(PCI_BAR0 + 4 * i, true) & this.#addrMask(i)) >>> 0;
  }

  /** The port where I/O BAR `i` is decoded now, or null. */
  ioBase(i: number): number | null {
    return this.#mapped[i] ?? null;
  }

  #typeBits(i: number): number {
    const b = this.bars[i];
    if (!b) return 0;
    return b.kind === "io" ? 1 : (b.prefetchable ? 0x8 : 0);
  }

  #addrMask(i: number): number {
    const b = this.bars[i]!;
    return (~(b.size - 1) & (b.kind === "io" ? ~3 : ~0xf)) >>> 0;
  }

  /** Device model: a read of I/O BAR `bar` at `offset`. All-ones unless overridden. */
  ioRead(bar: number, offset: number, size: PortSize): number {
    return this.#hooks.ioRead ? this.#hooks.ioRead(bar, offset, size) : ONES[size];
  }

  /** Device model: a write to I/O BAR `bar` at `offset`. Ignored unless overridden. */
  ioWrite(bar: number, offset: number, size: PortSize, value: number): void {
    this.#hooks.ioWrite?.(bar, offset, size, value);
  }

  /** A configuration read of `size` bytes at `reg`, little-endian. */
  readConfig(reg: number, size: PortSize): number {
    let v = 0;
    for (let i = 0; i < size && reg + i < 256; i++) v |= this.config[reg + i] << (8 * i);
    return v >>> 0;
  }

  /** A configuration write; only writable bits change. */
  writeConfig(reg: number, size: PortSize, value: number): void {
    let remap = false;
    const intxBefore = this.command & PCI_COMMAND_INTX_DISABLE;
    for (let i = 0; i < size && reg + i < 256; i++) {
      const off = reg + i;
      const b = (value >>> (8 * i)) & 0xff;
      if (off === PCI_COMMAND) {
        this.config[off] = (this.config[off] & ~0x07) | (b & 0x07);
        remap = true;
      } else if (off === PCI_COMMAND + 1) {
        this.config[off] = (this.config[off] & ~0x04) | (b & 0x04);
      } else if (off === PCI_CACHE_LINE_SIZE || off === PCI_LATENCY_TIMER) {
        this.config[off] = b;
      } else if (off >= PCI_BAR0 && off < PCI_BAR0 + 24) {
        const n = (off - PCI_BAR0) >> 2;
        if (!this.bars[n]) continue;
        const at = PCI_BAR0 + 4 * n;
        const sh = 8 * (off & 3);
        const merged = (this.#view.getUint32(at, true) & ~(0xff << sh)) | (b << sh);
        this.#view.setUint32(at, ((merged & this.#addrMask(n)) | this.#typeBits(n)) >>> 0, true);
        remap = true;
      } else if (off === PCI_INTERRUPT_LINE || off >= 0x40) {
        this.config[off] = b;
      }
    }
    if (remap) this.#remap();
    if ((this.command & PCI_COMMAND_INTX_DISABLE) !== intxBefore) this.#updateIrq();
  }

  /** Drives the function's interrupt pin (INTx#, level). */
  setIrq(level: boolean): void {
    this.irqLevel = level;
    const st = this.config[PCI_STATUS];
    this.config[PCI_STATUS] = level ? st | PCI_STATUS_INTERRUPT : st & ~PCI_STATUS_INTERRUPT;
    this.#updateIrq();
  }

  #updateIrq(): void {
    const out = this.irqLevel && !(this.command & PCI_COMMAND_INTX_DISABLE);
    if (out === this.#irqOut) return;
    this.#irqOut = out;
    this.#att?.irq(out);
  }

  /** Called by the bridge when the function is plugged in or pulled out (null). */
  attached(att: PciAttachment | null): void {
    if (this.#att) {
      if (this.#irqOut) this.#att.irq(false);
      this.#irqOut = false;
      for (let i = 0; i < 6; i++) this.#unmap(i);
    }
    this.#att = att;
    if (att) {
      this.name = att.name;
      this.#remap();
      this.#updateIrq();
    }
  }

  #unmap(i: number): void {
    if (this.#mapped[i] === null) return;
    this.#att?.bus?.unregister(`${this.name}.bar${i}`);
    this.#mapped[i] = null;
  }

  #remap(): void {
    const bus = this.#att?.bus;
    if (!bus) return;
    const ioOn = (this.command & PCI_COMMAND_IO) !== 0;
    for (let i = 0; i < 6; i++) {
      const b = this.bars[i];
      if (!b || b.kind !== "io") continue;
      const base = this.barBase(i);
      const want = ioOn && base !== 0 && base + b.size <= 0x10000 ? base : null;
      if (want === this.#mapped[i]) continue;
      this.#unmap(i);
      if (want === null) continue;
      const bar = i;
      try {
        bus.register(`${this.name}.bar${i}`, want, b.size, {
          read: (port, size) => this.ioRead(bar, port - want, size),
          write: (port, size, value) => this.ioWrite(bar, port - want, size, value),
        });
        this.#mapped[i] = want;
      } catch {
        this.conflicts++;
      }
    }
  }
}

/** The host bridge: configuration mechanism #1 and the slots of bus 0. */
export class PciBridge {
  #address = 0;
  #fns = new Map<number, PciFunction>(); // key: slot << 3 | func
  #irqUsers = new Map<number, number>(); // PIC IRQ → functions asserting it
  readonly bus: PortBus | null;
  readonly pic: { raise(irq: number): void; lower(irq: number): void } | null;

  constructor(
    bus: PortBus | null,
    pic: { raise(irq: number): void; lower(irq: number): void } | null,
  ) {
    this.bus = bus;
    this.pic = pic;
    bus?.register("pci-conf-addr", PCI_CONFIG_ADDRESS, 4, {
      read: (port, size) => port === PCI_CONFIG_ADDRESS && size === 4 ? this.#address : ONES[size],
      write: (port, size, v) => {
        if (port === PCI_CONFIG_ADDRESS && size === 4) this.#address = (v & 0x80fffffc) >>> 0;
      },
    });
    bus?.register("pci-conf-data", PCI_CONFIG_DATA, 4, {
      read: (port, size) => this.#data(port, size, null),
      write: (port, size, v) => {
        this.#data(port, size, v);
      },
    });
  }

  /** CONFIG_ADDRESS as last written. */
  get address(): number {
    return this.#address;
  }

  #data(port: number, size: PortSize, value: number | null): number {
    const a = this.#address;
    const off = port - PCI_CONFIG_DATA;
    if (!(a & 0x80000000) || ((a >> 16) & 0xff) !== 0 || off + size > 4) return ONES[size];
    const fn = this.#fns.get((a >> 8) & 0xff);
    if (!fn) return ONES[size];
    const reg = (a & 0xfc) + off;
    if (value === null) return fn.readConfig(reg, size);
    fn.writeConfig(reg, size, value);
    return 0;
  }

  /**
   * Plugs `fn` into bus 0 at `slot`/`func`, its interrupt pin wired to PIC `irq` (which
   * the interrupt line register then shows). Without `irq` the pin is not connected.
   */
  attach(slot: number, fn: PciFunction, func = 0, irq?: number): void {
    if (
      !Number.isInteger(slot) || slot < 0 || slot > 31 || !Number.isInteger(func) ||
      func < 0 || func > 7
    ) {
      throw new RangeError(`no PCI slot ${slot} function ${func}`);
    }
    const key = slot << 3 | func;
    if (this.#fns.has(key)) throw new Error(`PCI slot ${slot} function ${func} is taken`);
    this.#fns.set(key, fn);
    if (irq !== undefined) fn.config[PCI_INTERRUPT_LINE] = irq;
    fn.attached({
      bus: this.bus,
      name: `pci0:${slot}:${func}`,
      irq: irq === undefined ? () => {} : (level) => this.#wire(irq, level),
    });
  }

  /** Pulls a function out (hot unplug); false if the slot was empty. */
  detach(slot: number, func = 0): boolean {
    const key = slot << 3 | func;
    const fn = this.#fns.get(key);
    if (!fn) return false;
    fn.attached(null);
    this.#fns.delete(key);
    return true;
  }

  get(slot: number, func = 0): PciFunction | undefined {
    return this.#fns.get(slot << 3 | func);
  }

  /** Every function, in slot and function order. */
  functions(): { slot: number; func: number; fn: PciFunction }[] {
    return [...this.#fns.entries()].sort((a, b) => a[0] - b[0])
      .map(([k, fn]) => ({ slot: k >> 3, func: k & 7, fn }));
  }

  /** Wired-OR of every function's pin on one PIC input. */
  #wire(irq: number, level: boolean): void {
    const n = (this.#irqUsers.get(irq) ?? 0) + (level ? 1 : -1);
    this.#irqUsers.set(irq, n);
    if (level && n === 1) this.pic?.raise(irq);
    else if (!level && n === 0) this.pic?.lower(irq);
  }
}

/** Slot 0: the Intel 440FX host bridge (PMC). */
export function i440fx(): PciFunction {
  return new PciFunction({
    vendor: 0x8086,
    device: 0x1237,
    classCode: 0x060000,
    revision: 0x02,
    command: PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER,
    status: 0x0280,
  });
}

/** Slot 1: the Intel PIIX3 PCI-to-ISA bridge (function 0 of a multi-function device). */
export function piix3(): PciFunction {
  return new PciFunction({
    vendor: 0x8086,
    device: 0x7000,
    classCode: 0x060100,
    headerType: 0x80,
    command: PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER,
    status: 0x0200,
  });
}
