/**
 * pci_transport.ts — the legacy virtio PCI transport (virtio 1.0 §4.1.4.8 "legacy
 * interface", virtio 0.9.5 §2.1): a PCI function with vendor 0x1AF4, device 0x1000 +
 * (type − 1) for the transitional IDs (0x1000 net, 0x1001 blk), subsystem id = device
 * type, revision 0, and its registers in I/O BAR0:
 *
 *   0x00 host features (32, RO)    0x04 guest features (32)     0x08 queue address PFN (32)
 *   0x0C queue size (16, RO)       0x0E queue select (16)       0x10 queue notify (16)
 *   0x12 device status (8)         0x13 ISR status (8, read-to-clear)
 *   0x14 device-specific configuration (no MSI-X, so it starts here)
 *
 * Rules:
 * - Writing 0 to the status resets the device: features, queues, ISR and the interrupt
 *   line go back to power-on state and the device model is told (`reset`).
 * - Guest features keep only bits the device offered.
 * - Reading the ISR returns it, clears it and deasserts INTx; bit 0 is "a queue was
 *   used", bit 1 "the configuration changed".
 * - A broken virtqueue sets DEVICE_NEEDS_RESET (64) in the status and signals a
 *   configuration change; the device does no more queue work until it is reset.
 * - Accesses of an odd size or at no register's start are ignored (writes) or read as
 *   all-ones, and counted; none throws.
 * - Device work never runs inside a port access: the model schedules it as an event.
 */
import { PciFunction } from "../pci.ts";
import type { PortSize } from "../portio.ts";
import type { Ram } from "../ram.ts";
import { Virtqueue } from "./virtqueue.ts";

export const VIRTIO_PCI_VENDOR = 0x1af4;
/** Transitional device IDs: 0x1000 + type − 1. */
export const VIRTIO_PCI_DEVICE_NET = 0x1000;
export const VIRTIO_PCI_DEVICE_BLK = 0x1001;

/** Device types (virtio 1.0 §5). */
export const VIRTIO_ID_NET = 1;
export const VIRTIO_ID_BLOCK = 2;

// Legacy register offsets in BAR0.
export const VIRTIO_PCI_HOST_FEATURES = 0x00;
export const VIRTIO_PCI_GUEST_FEATURES = 0x04;
export const VIRTIO_PCI_QUEUE_PFN = 0x08;
export const VIRTIO_PCI_QUEUE_NUM = 0x0c;
export const VIRTIO_PCI_QUEUE_SEL = 0x0e;
export const VIRTIO_PCI_QUEUE_NOTIFY = 0x10;
export const VIRTIO_PCI_STATUS = 0x12;
export const VIRTIO_PCI_ISR = 0x13;
export const VIRTIO_PCI_CONFIG = 0x14;

// Device status bits (§2.1).
export const VIRTIO_CONFIG_S_ACKNOWLEDGE = 1;
export const VIRTIO_CONFIG_S_DRIVER = 2;
export const VIRTIO_CONFIG_S_DRIVER_OK = 4;
export const VIRTIO_CONFIG_S_FEATURES_OK = 8;
export const VIRTIO_CONFIG_S_NEEDS_RESET = 64;
export const VIRTIO_CONFIG_S_FAILED = 128;

// ISR bits.
export const VIRTIO_PCI_ISR_QUEUE = 1;
export const VIRTIO_PCI_ISR_CONFIG = 2;

/** What a device model (net, blk) gives the transport. */
export interface VirtioDeviceModel {
  /** Device type (VIRTIO_ID_NET ...). */
  readonly type: number;
  /** PCI class code, e.g. 0x020000 for an Ethernet controller. */
  readonly classCode: number;
  /** One entry per queue: its size (a power of two). */
  readonly queueSizes: readonly number[];
  /** Feature bits offered (the low 32; legacy has no more). */
  readonly hostFeatures: number;
  /** Bytes of device-specific configuration. */
  readonly configSize: number;
  /** One byte of the device configuration. */
  configRead(offset: number): number;
  configWrite?(offset: number, value: number): void;
  /** The driver kicked queue `q` (called in the port access; schedule the work). */
  notify(q: number): void;
  /** The device was reset by the driver. */
  reset(): void;
  /** DRIVER_OK was set. */
  driverOk?(): void;
}

function barSize(configSize: number): number {
  let n = 32;
  while (n < VIRTIO_PCI_CONFIG + configSize) n *= 2;
  return n;
}

const ONES = [0, 0xff, 0xffff, 0, 0xffffffff];

export class VirtioPciTransport {
  readonly fn: PciFunction;
  readonly queues: Virtqueue[];
  guestFeatures = 0;
  status = 0;
  isr = 0;
  queueSelect = 0;
  /** Register accesses that named no register or had the wrong size. */
  badAccesses = 0;
  /** Notifications of a queue that does not exist. */
  badNotifies = 0;
  /** Device resets the driver asked for. */
  resets = 0;
  /** Interrupts raised (ISR bits set while the line was low). */
  interrupts = 0;
  readonly #dev: VirtioDeviceModel;

  constructor(ram: Ram, dev: VirtioDeviceModel) {
    this.#dev = dev;
    this.fn = new PciFunction({
      vendor: VIRTIO_PCI_VENDOR,
      device: 0x1000 + dev.type - 1,
      classCode: dev.classCode,
      revision: 0,
      subsystemVendor: VIRTIO_PCI_VENDOR,
      subsystemId: dev.type,
      interruptPin: 1,
      bars: [{ kind: "io", size: barSize(dev.configSize) }],
    }, {
      ioRead: (bar, off, size) => (bar === 0 ? this.#read(off, size) : ONES[size]),
      ioWrite: (bar, off, size, v) => {
        if (bar === 0) this.#write(off, size, v);
      },
    });
    this.queues = dev.queueSizes.map((n, i) => {
      const q = new Virtqueue(ram, i, n);
      q.onFault = () => this.needsReset();
      return q;
    });
  }

  /** True once the driver has set DRIVER_OK and the device does not need a reset. */
  get live(): boolean {
    return (this.status & VIRTIO_CONFIG_S_DRIVER_OK) !== 0 &&
      (this.status & (VIRTIO_CONFIG_S_NEEDS_RESET | VIRTIO_CONFIG_S_FAILED)) === 0;
  }

  /** True if the driver accepted feature `bit`. */
  hasFeature(bit: number): boolean {
    return ((this.guestFeatures >>> bit) & 1) === 1;
  }

  /** Signals used buffers on queue `q`, unless the driver suppressed its interrupts. */
  queueInterrupt(q: number): void {
    if (!this.queues[q]?.needsInterrupt()) return;
    this.#raise(VIRTIO_PCI_ISR_QUEUE);
  }

  /** Signals a configuration change (link status, a needed reset). */
  configInterrupt(): void {
    this.#raise(VIRTIO_PCI_ISR_CONFIG);
  }

  /** The device hit a bad ring: it stops and asks the driver for a reset. */
  needsReset(): void {
    if (this.status & VIRTIO_CONFIG_S_NEEDS_RESET) return;
    this.status |= VIRTIO_CONFIG_S_NEEDS_RESET;
    this.configInterrupt();
  }

  #raise(bits: number): void {
    if (this.isr === 0) this.interrupts++;
    this.isr |= bits;
    this.fn.setIrq(true);
  }

  #reset(): void {
    this.guestFeatures = 0;
    this.status = 0;
    this.isr = 0;
    this.queueSelect = 0;
    for (const q of this.queues) q.reset();
    this.fn.setIrq(false);
    this.resets++;
    this.#dev.reset();
  }

  #read(off: number, size: PortSize): number {
    if (off >= VIRTIO_PCI_CONFIG) {
      let v = 0;
      for (let i = 0; i < size; i++) {
        const o = off - VIRTIO_PCI_CONFIG + i;
        v |= (o < this.#dev.configSize ? this.#dev.configRead(o) : 0xff) << (8 * i);
      }
      return v >>> 0;
    }
    const q = this.queues[this.queueSelect];
    switch (off) {
      case VIRTIO_PCI_HOST_FEATURES:
        if (size === 4) return this.#dev.hostFeatures >>> 0;
        break;
      case VIRTIO_PCI_GUEST_FEATURES:
        if (size === 4) return this.guestFeatures >>> 0;
        break;
      case VIRTIO_PCI_QUEUE_PFN:
        if (size === 4) return q ? q.pfn : 0;
        break;
      case VIRTIO_PCI_QUEUE_NUM:
        if (size === 2) return q ? q.size : 0;
        break;
      case VIRTIO_PCI_QUEUE_SEL:
        if (size === 2) return this.queueSelect;
        break;
      case VIRTIO_PCI_STATUS:
        if (size === 1) return this.status;
        break;
      case VIRTIO_PCI_ISR:
        if (size === 1) {
          const v = this.isr;
          this.isr = 0;
          this.fn.setIrq(false);
          return v;
        }
        break;
    }
    this.badAccesses++;
    return ONES[size];
  }

  #write(off: number, size: PortSize, v: number): void {
    if (off >= VIRTIO_PCI_CONFIG) {
      for (let i = 0; i < size; i++) {
        const o = off - VIRTIO_PCI_CONFIG + i;
        if (o < this.#dev.configSize) this.#dev.configWrite?.(o, (v >>> (8 * i)) & 0xff);
      }
      return;
    }
    switch (off) {
      case VIRTIO_PCI_GUEST_FEATURES:
        if (size !== 4) break;
        this.guestFeatures = (v & this.#dev.hostFeatures) >>> 0;
        return;
      case VIRTIO_PCI_QUEUE_PFN:
        if (size !== 4) break;
        this.queues[this.queueSelect]?.setPfn(v);
        return;
      case VIRTIO_PCI_QUEUE_SEL:
        if (size !== 2) break;
        this.queueSelect = v & 0xffff;
        return;
      case VIRTIO_PCI_QUEUE_NOTIFY:
        if (size !== 2) break;
        if (v < this.queues.length) this.#dev.notify(v);
        else this.badNotifies++;
        return;
      case VIRTIO_PCI_STATUS: {
        if (size !== 1) break;
        if (v === 0) {
          this.#reset();
          return;
        }
        const was = this.status;
        this.status = (v & ~VIRTIO_CONFIG_S_NEEDS_RESET) | (was & VIRTIO_CONFIG_S_NEEDS_RESET);
        if (!(was & VIRTIO_CONFIG_S_DRIVER_OK) && this.status & VIRTIO_CONFIG_S_DRIVER_OK) {
          this.#dev.driverOk?.();
        }
        return;
      }
    }
    this.badAccesses++;
  }
}
