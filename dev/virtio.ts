/**
 * virtio.ts — the driver side of the legacy virtio PCI transport and of split virtqueues
 * (NetBSD's virtio(4), sys/dev/pci/virtio.c and virtio_pci.c): what every virtio driver
 * (vioif, ld at virtio) does to bring its device up, through the PCI hypercalls alone.
 *
 * Bring-up, in the order virtio 1.0 §3.1.2 (legacy) gives: reset (status 0), ACKNOWLEDGE,
 * DRIVER, read the host features and write the subset the driver understands, set up
 * each queue (select, read its size, allocate the ring in DMA memory — page-aligned,
 * zeroed, laid out as §2.4 — and write its page frame number), then DRIVER_OK. On an
 * error the driver sets FAILED.
 *
 * Rules: the device reads the rings by physical address, the kernel writes them through
 * its own mapping (identity on hw: the DMA segment's va indexes `k.mem`). Nothing here
 * blocks: notify is one port write, the reaper only reads the used ring. The caller
 * serialises access to a queue (a driver's transmit and interrupt paths never yield).
 * Constants are the driver's own copies: drivers never import the device models.
 */
import type { DmaSegment } from "../kernel/hypercall/pci.ts";
import type { Kernel } from "../kernel/kern/kernel.ts";
import { enableDevice, ioBar, type PciAttachArgs } from "./pci.ts";

// Legacy register offsets in BAR0 (virtio 1.0 §4.1.4.8).

/** PCI vendor of virtio devices (Qumranet, now Red Hat). */
export const PCI_VENDOR_QUMRANET = 0x1af4;
export const VIRTIO_PCI_HOST_FEATURES = 0x00;
export const VIRTIO_PCI_GUEST_FEATURES = 0x04;
export const VIRTIO_PCI_QUEUE_PFN = 0x08;
export const VIRTIO_PCI_QUEUE_NUM = 0x0c;
export const VIRTIO_PCI_QUEUE_SEL = 0x0e;
export const VIRTIO_PCI_QUEUE_NOTIFY = 0x10;
export const VIRTIO_PCI_STATUS = 0x12;
export const VIRTIO_PCI_ISR = 0x13;
export const VIRTIO_PCI_CONFIG = 0x14;
export const VIRTIO_PCI_QUEUE_ADDR_SHIFT = 12;
export const VIRTIO_PAGE_SIZE = 4096;

export const VIRTIO_CONFIG_S_ACKNOWLEDGE = 1;
export const VIRTIO_CONFIG_S_DRIVER = 2;
export const VIRTIO_CONFIG_S_DRIVER_OK = 4;
export const VIRTIO_CONFIG_S_NEEDS_RESET = 64;
export const VIRTIO_CONFIG_S_FAILED = 128;

export const VIRTIO_ISR_QUEUE = 1;
export const VIRTIO_ISR_CONFIG = 2;

export const VRING_DESC_F_NEXT = 1;
export const VRING_DESC_F_WRITE = 2;
export const VRING_AVAIL_F_NO_INTERRUPT = 1;
export const VRING_USED_F_NO_NOTIFY = 1;

/** Bytes of a legacy ring of `num` entries (vring_size with 4096 alignment). */
export function vringSize(num: number): number {
  const a = (n: number) => Math.ceil(n / VIRTIO_PAGE_SIZE) * VIRTIO_PAGE_SIZE;
  return a(16 * num + 2 * (3 + num)) + a(2 * 3 + 8 * num);
}

/** A used-ring entry as the reaper returns it. */
export interface UsedEntry {
  head: number;
  len: number;
}

/** One split virtqueue as the driver sees it (struct virtqueue). */
export class VirtioQueue {
  readonly index: number;
  readonly num: number;
  readonly seg: DmaSegment;
  /** Kernel addresses of the three parts. */
  readonly desc: number;
  readonly avail: number;
  readonly used: number;
  /** Entries taken from the used ring (free-running 16 bits). */
  lastUsed = 0;
  #availIdx = 0;
  #free: number[];
  readonly #v: DataView;

  constructor(mem: Uint8Array, index: number, num: number, seg: DmaSegment) {
    this.index = index;
    this.num = num;
    this.seg = seg;
    this.#v = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
    this.desc = seg.va;
    this.avail = seg.va + 16 * num;
    this.used = seg.va +
      Math.ceil((16 * num + 2 * (3 + num)) / VIRTIO_PAGE_SIZE) * VIRTIO_PAGE_SIZE;
    this.#free = [];
    for (let i = num - 1; i >= 0; i--) this.#free.push(i);
  }

  /** Descriptors not in use. */
  get numFree(): number {
    return this.#free.length;
  }

  /** Takes a free descriptor; -1 when none is left. Lowest index first. */
  allocDesc(): number {
    return this.#free.pop() ?? -1;
  }

  freeDesc(i: number): void {
    this.#free.push(i);
  }

  /** Restricts the free list to descriptors [0, n) (a driver with n buffers). */
  limitDescs(n: number): void {
    this.#free = this.#free.filter((i) => i < n);
  }

  /** Fills descriptor `i`: a buffer at machine address `pa`. */
  setDesc(i: number, pa: number, len: number, flags: number, next = 0): void {
    const d = this.desc + 16 * i;
    this.#v.setUint32(d, pa >>> 0, true);
    this.#v.setUint32(d + 4, Math.floor(pa / 4294967296), true);
    this.#v.setUint32(d + 8, len >>> 0, true);
    this.#v.setUint16(d + 12, flags, true);
    this.#v.setUint16(d + 14, next, true);
  }

  /** Makes the chain at `head` available to the device (the caller then kicks). */
  enqueue(head: number): void {
    this.#v.setUint16(this.avail + 4 + 2 * (this.#availIdx % this.num), head, true);
    this.#availIdx = (this.#availIdx + 1) & 0xffff;
    this.#v.setUint16(this.avail + 2, this.#availIdx, true);
  }

  /** True while the device has returned chains not yet reaped. */
  hasUsed(): boolean {
    return this.#v.getUint16(this.used + 2, true) !== this.lastUsed;
  }

  /** The used-ring reaper: the next completed chain, or null. */
  dequeue(): UsedEntry | null {
    if (!this.hasUsed()) return null;
    const e = this.used + 4 + 8 * (this.lastUsed % this.num);
    this.lastUsed = (this.lastUsed + 1) & 0xffff;
    return { head: this.#v.getUint32(e, true), len: this.#v.getUint32(e + 4, true) };
  }

  /** Asks the device for interrupts on this queue, or not (VRING_AVAIL_F_NO_INTERRUPT). */
  setInterrupts(on: boolean): void {
    this.#v.setUint16(this.avail, on ? 0 : VRING_AVAIL_F_NO_INTERRUPT, true);
  }

  /** False while the device says it needs no kick (VRING_USED_F_NO_NOTIFY). */
  needsKick(): boolean {
    return (this.#v.getUint16(this.used, true) & VRING_USED_F_NO_NOTIFY) === 0;
  }
}

/** One virtio device's transport state (struct virtio_softc). */
export class VirtioSoftc {
  readonly iobase: number;
  /** The features both sides agreed on. */
  features = 0;
  readonly queues: VirtioQueue[] = [];

  constructor(readonly k: Kernel, readonly pa: PciAttachArgs, readonly name: string) {
    enableDevice(pa);
    this.iobase = ioBar(pa, 0);
  }

  #in8(r: number): number {
    return this.pa.pci.inb(this.iobase + r);
  }

  #out8(r: number, v: number): void {
    this.pa.pci.outb(this.iobase + r, v);
  }

  /** Writes 0 to the status: the device forgets everything. */
  reset(): void {
    this.#out8(VIRTIO_PCI_STATUS, 0);
  }

  status(): number {
    return this.#in8(VIRTIO_PCI_STATUS);
  }

  /** ORs `bits` into the device status. */
  setStatus(bits: number): void {
    this.#out8(VIRTIO_PCI_STATUS, this.status() | bits);
  }

  /** Reads the host features, accepts those in `wanted`; returns the agreed set. */
  negotiate(wanted: number): number {
    const host = this.pa.pci.inl(this.iobase + VIRTIO_PCI_HOST_FEATURES) >>> 0;
    this.features = (host & wanted) >>> 0;
    this.pa.pci.outl(this.iobase + VIRTIO_PCI_GUEST_FEATURES, this.features);
    return this.features;
  }

  hasFeature(bit: number): boolean {
    return ((this.features >>> bit) & 1) === 1;
  }

  /**
   * Sets up queue `index`: its ring in zeroed, page-aligned DMA memory, its address given
   * to the device. Returns null (having printed why) if the queue is missing or memory is out.
   */
  allocQueue(index: number, what: string): VirtioQueue | null {
    const pci = this.pa.pci;
    pci.outw(this.iobase + VIRTIO_PCI_QUEUE_SEL, index);
    const num = pci.inw(this.iobase + VIRTIO_PCI_QUEUE_NUM);
    if (num === 0 || num === 0xffff || (num & (num - 1)) !== 0) {
      this.k.printf(`${this.name}: ${what} queue ${index} does not exist (size ${num})\n`);
      return null;
    }
    const size = vringSize(num);
    const seg = pci.dmalloc(size, VIRTIO_PAGE_SIZE);
    if (!seg) {
      this.k.printf(`${this.name}: cannot allocate ${size} bytes for the ${what} queue\n`);
      return null;
    }
    this.k.mem.fill(0, seg.va, seg.va + size);
    const q = new VirtioQueue(this.k.mem, index, num, seg);
    const pa = pci.virt_to_mach(seg.va);
    pci.outl(this.iobase + VIRTIO_PCI_QUEUE_PFN, Math.floor(pa / VIRTIO_PAGE_SIZE));
    this.queues[index] = q;
    return q;
  }

  /** Kicks the device about queue `q` (unless it asked not to be). */
  notify(q: VirtioQueue): void {
    if (q.needsKick()) this.pa.pci.outw(this.iobase + VIRTIO_PCI_QUEUE_NOTIFY, q.index);
  }

  /** Reads (and so clears) the ISR, which lowers the interrupt line. */
  readIsr(): number {
    return this.#in8(VIRTIO_PCI_ISR);
  }

  configRead8(off: number): number {
    return this.#in8(VIRTIO_PCI_CONFIG + off);
  }

  configRead16(off: number): number {
    return this.pa.pci.inw(this.iobase + VIRTIO_PCI_CONFIG + off);
  }

  configRead32(off: number): number {
    return this.pa.pci.inl(this.iobase + VIRTIO_PCI_CONFIG + off) >>> 0;
  }

  /** Routes the function's interrupt to `handler` (run on the interrupt thread). */
  establishInterrupt(handler: () => number): boolean {
    const { pci, bus, dev, fun, intrLine } = this.pa;
    const cookie = (bus << 8) | (dev << 3) | fun;
    if (pci.irq_map(bus, dev, fun, intrLine, cookie) !== 0) return false;
    return pci.irq_establish(cookie, handler) !== null;
  }

  driverOk(): void {
    this.setStatus(VIRTIO_CONFIG_S_DRIVER_OK);
  }

  /** Gives up on the device: status FAILED. */
  fail(): void {
    this.setStatus(VIRTIO_CONFIG_S_FAILED);
  }
}
