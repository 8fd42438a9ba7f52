/**
 * pci.ts — the PCI hypercalls (rumpcomp_pci) plus x86 port I/O for bus_space.
 *
 * Types only. The hw platform implements them on the simulated PC's configuration
 * mechanism #1, PIC and RAM; drivers in kernel/dev reach devices only through these.
 * Interrupt handlers registered with `irq_establish` run on the interrupt fiber holding
 * a virtual CPU and never block; they return nonzero if their device had work.
 */

export interface PciIrqHandle {
  readonly irq: number;
}

export interface DmaSegment {
  /** Kernel virtual address (index into the kernel's memory). */
  va: number;
  /** Machine (physical, bus) address the device uses. */
  pa: number;
  len: number;
}

export type IrqHandler = () => number;

export interface RumpPci {
  iospace_init(): number;
  /** A 32-bit configuration read; all-ones where no function answers. */
  confread(bus: number, dev: number, fun: number, reg: number): number;
  confwrite(bus: number, dev: number, fun: number, reg: number, value: number): void;
  /** Binds `cookie` to the function's interrupt line; 0 or an errno. */
  irq_map(bus: number, dev: number, fun: number, intrline: number, cookie: number): number;
  /** Registers `handler` for the interrupt `cookie` was mapped to. */
  irq_establish(cookie: number, handler: IrqHandler): PciIrqHandle | null;
  /** DMA-safe memory, physically contiguous; null when out of memory. */
  dmalloc(size: number, align: number): DmaSegment | null;
  dmafree(seg: DmaSegment): void;
  /** Maps DMA segments into kernel virtual memory (identity here); returns the va. */
  dmamem_map(segs: DmaSegment[]): number;
  virt_to_mach(va: number): number;

  // x86 bus_space on I/O ports (NetBSD's x86 bus_space_read/write_{1,2,4})
  inb(port: number): number;
  inw(port: number): number;
  inl(port: number): number;
  outb(port: number, v: number): void;
  outw(port: number, v: number): void;
  outl(port: number, v: number): void;
}
