/**
 * virtqueue.ts — the device side of a split virtqueue, read and written in guest RAM by
 * physical address exactly as a virtio device does (virtio 1.0 §2.4, legacy layout
 * §2.4.2 and virtio 0.9.5 §2.3):
 *
 *   desc   at the queue base        size × 16 bytes {addr u64, len u32, flags u16, next u16}
 *   avail  right after the table    {flags u16, idx u16, ring[size] u16, used_event u16}
 *   used   at the next 4096 boundary {flags u16, idx u16, ring[size] {id u32, len u32},
 *                                     avail_event u16}
 *
 * The legacy transport gives the base as a page frame number (base = pfn × 4096).
 *
 * Rules:
 * - The driver owns the RAM; nothing it writes may crash the host. Every address is
 *   checked before use. A bad chain — a descriptor outside RAM, a head or next index past
 *   the table, a loop or a chain longer than the queue, a readable descriptor after a
 *   writable one, an available index that moved by more than the queue size, a bad
 *   indirect table — makes the queue broken: it is counted, `onFault` is told why (the
 *   transport marks the device as needing a reset) and the queue yields nothing more
 *   until it is reset. Nothing is thrown out.
 * - Indices are free-running 16-bit counters; ring slots are index mod size.
 * - Interrupt suppression: `needsInterrupt()` is false while the driver sets
 *   VRING_AVAIL_F_NO_INTERRUPT (no event-index feature is offered).
 */
import type { Ram } from "../ram.ts";

export const VRING_DESC_F_NEXT = 1;
export const VRING_DESC_F_WRITE = 2;
export const VRING_DESC_F_INDIRECT = 4;
export const VRING_AVAIL_F_NO_INTERRUPT = 1;
export const VRING_USED_F_NO_NOTIFY = 1;
/** The legacy interface's ring alignment and page size for the queue address. */
export const VIRTIO_PCI_VRING_ALIGN = 4096;
export const VIRTIO_PCI_QUEUE_ADDR_SHIFT = 12;
/** Largest queue size the spec allows. */
export const VIRTQUEUE_MAX_SIZE = 32768;

export const VRING_DESC_SIZE = 16;

/** Where each part of a queue of `size` entries lies, from `base`. */
export interface VringLayout {
  size: number;
  desc: number;
  avail: number;
  /** Offset of avail.used_event. */
  usedEvent: number;
  used: number;
  /** Offset of used.avail_event. */
  availEvent: number;
  /** Bytes the queue occupies, rounded up to the alignment (legacy vring_size). */
  total: number;
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** The legacy split-ring layout of a queue of `size` entries at `base`. */
export function vringLayout(size: number, base = 0, align = VIRTIO_PCI_VRING_ALIGN): VringLayout {
  const desc = base;
  const avail = desc + VRING_DESC_SIZE * size;
  const usedEvent = avail + 4 + 2 * size;
  const used = base + alignUp(usedEvent + 2 - base, align);
  const availEvent = used + 4 + 8 * size;
  const total = alignUp(availEvent + 2 - base, align);
  return { size, desc, avail, usedEvent, used, availEvent, total };
}

/** One guest buffer of a chain. */
export interface Segment {
  addr: number;
  len: number;
}

/** An available descriptor chain, split into what the device reads and what it writes. */
export interface DescChain {
  /** Head descriptor index: the id the used entry gives back. */
  head: number;
  readable: Segment[];
  writable: Segment[];
  readLen: number;
  writeLen: number;
}

class BadChain extends Error {}

export class Virtqueue {
  readonly index: number;
  readonly size: number;
  /** The queue's page frame number; 0 while not set up. */
  pfn = 0;
  /** The avail index the device has consumed up to (free-running, 16 bits). */
  lastAvail = 0;
  /** Chains popped, used entries pushed. */
  popped = 0;
  pushed = 0;
  /** Bad chains or rings seen (each breaks the queue until reset). */
  faults = 0;
  /** Why the queue broke, or null. */
  broken: string | null = null;
  /** Told once per fault. */
  onFault: (why: string) => void = () => {};
  /** Accept VRING_DESC_F_INDIRECT descriptors (only if the feature was negotiated). */
  indirect = false;
  readonly #ram: Ram;
  readonly #view: DataView;
  #layout: VringLayout | null = null;

  constructor(ram: Ram, index: number, size: number) {
    if (!Number.isInteger(size) || size < 1 || size > VIRTQUEUE_MAX_SIZE || (size & (size - 1))) {
      throw new RangeError(`queue size ${size} is not a power of two up to ${VIRTQUEUE_MAX_SIZE}`);
    }
    this.#ram = ram;
    this.#view = new DataView(ram.buffer);
    this.index = index;
    this.size = size;
  }

  /** The layout in RAM, or null while the queue has no address. */
  get layout(): VringLayout | null {
    return this.#layout;
  }

  /** True once the driver has given an address and the queue is not broken. */
  get ready(): boolean {
    return this.#layout !== null && this.broken === null;
  }

  /** The driver wrote the queue address register (0 disables the queue). */
  setPfn(pfn: number): void {
    this.reset();
    this.pfn = pfn >>> 0;
    if (this.pfn === 0) return;
    const layout = vringLayout(this.size, this.pfn * VIRTIO_PCI_VRING_ALIGN);
    this.#layout = layout;
    if (layout.desc + layout.total > this.#ram.size) {
      this.#fault(`ring at 0x${layout.desc.toString(16)} (${layout.total} bytes) is outside RAM`);
    }
  }

  /** Back to the state after a device reset: no address, indices zero, not broken. */
  reset(): void {
    this.pfn = 0;
    this.#layout = null;
    this.lastAvail = 0;
    this.broken = null;
  }

  #fault(why: string): void {
    this.faults++;
    if (this.broken === null) {
      this.broken = why;
      this.onFault(why);
    }
  }

  /** avail.idx as the driver last wrote it. */
  availIdx(): number {
    return this.#layout ? this.#view.getUint16(this.#layout.avail + 2, true) : 0;
  }

  /** used.idx as the device last wrote it. */
  usedIdx(): number {
    return this.#layout ? this.#view.getUint16(this.#layout.used + 2, true) : 0;
  }

  /** True while the driver has made chains available the device has not taken. */
  hasAvailable(): boolean {
    return this.ready && this.availIdx() !== this.lastAvail;
  }

  /** False while the driver asks for no interrupts (VRING_AVAIL_F_NO_INTERRUPT). */
  needsInterrupt(): boolean {
    if (!this.#layout) return false;
    return (this.#view.getUint16(this.#layout.avail, true) & VRING_AVAIL_F_NO_INTERRUPT) === 0;
  }

  /** Sets or clears VRING_USED_F_NO_NOTIFY (the device asks for no kicks). */
  setNoNotify(on: boolean): void {
    if (!this.ready) return;
    this.#view.setUint16(this.#layout!.used, on ? VRING_USED_F_NO_NOTIFY : 0, true);
  }

  /** Takes the next available chain; null if there is none or the queue is broken. */
  pop(): DescChain | null {
    if (!this.ready) return null;
    const l = this.#layout!;
    const idx = this.availIdx();
    const pending = (idx - this.lastAvail) & 0xffff;
    if (pending === 0) return null;
    if (pending > this.size) {
      this.#fault(`avail index moved by ${pending}, more than the queue size ${this.size}`);
      return null;
    }
    const head = this.#view.getUint16(l.avail + 4 + 2 * (this.lastAvail % this.size), true);
    try {
      const chain = this.#walk(head);
      this.lastAvail = (this.lastAvail + 1) & 0xffff;
      this.popped++;
      return chain;
    } catch (e) {
      if (!(e instanceof BadChain)) throw e;
      this.#fault(e.message);
      return null;
    }
  }

  /** Gives the last popped chain back (the device could not use it yet). */
  unpop(): void {
    this.lastAvail = (this.lastAvail - 1) & 0xffff;
    this.popped--;
  }

  #walk(head: number): DescChain {
    if (head >= this.size) {
      throw new BadChain(`head descriptor ${head} is past the table (${this.size})`);
    }
    const chain: DescChain = { head, readable: [], writable: [], readLen: 0, writeLen: 0 };
    const l = this.#layout!;
    let table = l.desc, tableSize = this.size, i = head, inIndirect = false;
    for (let n = 0;; n++) {
      if (n >= tableSize) {
        throw new BadChain(`descriptor chain from ${head} loops or is longer than ${tableSize}`);
      }
      const d = table + VRING_DESC_SIZE * i;
      const lo = this.#view.getUint32(d, true), hi = this.#view.getUint32(d + 4, true);
      const len = this.#view.getUint32(d + 8, true);
      const flags = this.#view.getUint16(d + 12, true);
      const next = this.#view.getUint16(d + 14, true);
      const addr = hi * 4294967296 + lo;
      if (addr + len > this.#ram.size) {
        throw new BadChain(`descriptor ${i} (0x${addr.toString(16)}, ${len} bytes) is outside RAM`);
      }
      if (flags & VRING_DESC_F_INDIRECT) {
        if (!this.indirect) {
          throw new BadChain(`descriptor ${i} is indirect, which was not negotiated`);
        }
        if (inIndirect || n > 0 || flags & VRING_DESC_F_NEXT) {
          throw new BadChain(`indirect descriptor ${i} is not alone in its chain`);
        }
        if (len === 0 || len % VRING_DESC_SIZE) {
          throw new BadChain(`indirect table of ${len} bytes`);
        }
        table = addr;
        tableSize = len / VRING_DESC_SIZE;
        i = 0;
        n = -1;
        inIndirect = true;
        continue;
      }
      if (flags & VRING_DESC_F_WRITE) {
        chain.writable.push({ addr, len });
        chain.writeLen += len;
      } else {
        if (chain.writable.length) {
          throw new BadChain(`readable descriptor ${i} follows a writable one`);
        }
        chain.readable.push({ addr, len });
        chain.readLen += len;
      }
      if (!(flags & VRING_DESC_F_NEXT)) return chain;
      if (next >= tableSize) throw new BadChain(`descriptor ${i} links to ${next}, past the table`);
      i = next;
    }
  }

  /** Copies `len` bytes of the chain's readable part from `offset` (fewer at its end). */
  read(chain: DescChain, offset: number = 0, len: number = chain.readLen - offset): Uint8Array {
    const out = new Uint8Array(Math.max(0, Math.min(len, chain.readLen - offset)));
    let at = 0, skip = offset;
    for (const s of chain.readable) {
      if (at >= out.length) break;
      if (skip >= s.len) {
        skip -= s.len;
        continue;
      }
      const n = Math.min(s.len - skip, out.length - at);
      out.set(this.#ram.bytes.subarray(s.addr + skip, s.addr + skip + n), at);
      at += n;
      skip = 0;
    }
    return out;
  }

  /**
   * The chain's readable bytes from `offset` to its end: a view of guest RAM when they
   * lie in one descriptor (valid until the chain goes back to the driver), else a copy.
   */
  readView(chain: DescChain, offset = 0): Uint8Array {
    const r = chain.readable;
    if (r.length === 1 && offset <= r[0].len) {
      const s = r[0];
      return this.#ram.bytes.subarray(s.addr + offset, s.addr + s.len);
    }
    return this.read(chain, offset);
  }

  /** Copies `data` into the chain's writable part from `offset`; returns bytes written. */
  write(chain: DescChain, data: Uint8Array, offset = 0): number {
    let at = 0, skip = offset;
    for (const s of chain.writable) {
      if (at >= data.length) break;
      if (skip >= s.len) {
        skip -= s.len;
        continue;
      }
      const n = Math.min(s.len - skip, data.length - at);
      this.#ram.bytes.set(data.subarray(at, at + n), s.addr + skip);
      at += n;
      skip = 0;
    }
    return at;
  }

  /** Returns chain `head` to the driver with `len` bytes written into it. */
  push(head: number, len: number): void {
    if (!this.ready) return;
    const l = this.#layout!;
    const idx = this.usedIdx();
    const e = l.used + 4 + 8 * (idx % this.size);
    this.#view.setUint32(e, head, true);
    this.#view.setUint32(e + 4, len >>> 0, true);
    this.#view.setUint16(l.used + 2, (idx + 1) & 0xffff, true);
    this.pushed++;
  }
}
