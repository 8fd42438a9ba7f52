/**
 * pci.ts (hw) — the PCI hypercalls on the simulated PC: configuration mechanism #1 on
 * ports 0xCF8/0xCFC, x86 port I/O, interrupts through the PIC, DMA memory from RAM.
 *
 * Rules: DMA memory is physically contiguous and identity-mapped (va == pa), as on
 * rumprun's hw platform; an interrupt cookie is the PCI interrupt line the firmware wrote
 * into configuration space.
 */
import type { PortBus } from "../../arch/portio.ts";
import type { DmaSegment, IrqHandler, PciIrqHandle, RumpPci } from "../../kernel/hypercall/pci.ts";
import type { RegionAllocator } from "../region_alloc.ts";
import type { HwIntr } from "./intr.ts";

const CONFIG_ADDRESS = 0xcf8;
const CONFIG_DATA = 0xcfc;

export class HwPci implements RumpPci {
  #cookies = new Map<number, number>();

  constructor(
    readonly ports: PortBus,
    readonly intr: HwIntr,
    readonly alloc: RegionAllocator,
  ) {}

  iospace_init(): number {
    return 0;
  }

  #address(bus: number, dev: number, fun: number, reg: number): number {
    return (0x80000000 | (bus << 16) | (dev << 11) | (fun << 8) | (reg & 0xfc)) >>> 0;
  }

  confread(bus: number, dev: number, fun: number, reg: number): number {
    this.ports.outl(CONFIG_ADDRESS, this.#address(bus, dev, fun, reg));
    return this.ports.inl(CONFIG_DATA) >>> 0;
  }

  confwrite(bus: number, dev: number, fun: number, reg: number, value: number): void {
    this.ports.outl(CONFIG_ADDRESS, this.#address(bus, dev, fun, reg));
    this.ports.outl(CONFIG_DATA, value >>> 0);
  }

  irq_map(_bus: number, _dev: number, _fun: number, intrline: number, cookie: number): number {
    if (intrline < 1 || intrline > 15 || intrline === 2) return 22; // EINVAL
    this.#cookies.set(cookie, intrline);
    return 0;
  }

  irq_establish(cookie: number, handler: IrqHandler): PciIrqHandle | null {
    const irq = this.#cookies.get(cookie);
    if (irq === undefined) return null;
    this.intr.establish(irq, handler);
    return { irq };
  }

  dmalloc(size: number, align: number): DmaSegment | null {
    const a = this.alloc.alloc(size, Math.max(align, 16));
    return a ? { va: a, pa: a, len: size } : null;
  }

  dmafree(seg: DmaSegment): void {
    this.alloc.free(seg.va, seg.len);
  }

  dmamem_map(segs: DmaSegment[]): number {
    return segs[0]?.va ?? 0;
  }

  virt_to_mach(va: number): number {
    return va;
  }

  inb(port: number): number {
    return this.ports.inb(port);
  }
  inw(port: number): number {
    return this.ports.inw(port);
  }
  inl(port: number): number {
    return this.ports.inl(port);
  }
  outb(port: number, v: number): void {
    this.ports.outb(port, v);
  }
  outw(port: number, v: number): void {
    this.ports.outw(port, v);
  }
  outl(port: number, v: number): void {
    this.ports.outl(port, v);
  }
}
