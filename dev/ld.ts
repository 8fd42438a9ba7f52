/**
 * ld.ts — the logical disk driver at virtio (NetBSD's ld(4) with ld_virtio,
 * sys/dev/pci/ld_virtio.c) for the legacy virtio-blk device, vendor 0x1AF4 product 0x1001.
 *
 * Attach: bring the transport up (virtio.ts), take the features RO, BLK_SIZE and FLUSH,
 * read the capacity, set up the request queue (0), establish the interrupt, DRIVER_OK,
 * and register the unit as a block device (kern/bdevsw.ts) under its name. It prints
 * NetBSD's size line after the autoconf line: `ld0: 16 MB, 32768 sectors`.
 *
 * Requests: LD_NSLOTS request slots; slot i owns descriptors 3i (the 16-byte header,
 * readable), 3i+1 (data: a bounce buffer of LD_MAXXFER bytes in DMA memory, writable for a
 * read) and 3i+2 (the status byte, writable). A transfer is cut into LD_MAXXFER pieces;
 * as many as there are free slots are queued at once, and the calling thread sleeps on the
 * condvar until the interrupt handler has reaped them.
 *
 * Rules:
 * - The interrupt handler runs on the interrupt thread and never blocks: it reads the ISR,
 *   marks the reaped slots done and broadcasts; the sleeping caller copies the data and
 *   frees its slots. Slots, the queue and the bounce buffers are touched only with the
 *   softc mutex held (the handler never yields, so it needs no lock).
 * - IOERR or UNSUPP from the device is EIO naming the sector; a write to a read-only disk
 *   is EROFS; a transfer that is not whole sectors or runs past the end is EIO.
 * - A device that asks for a reset fails every request in flight and every later one with
 *   EIO (there is no re-initialisation), rather than leaving a caller asleep forever.
 */
import { type BlockDevice, checkTransfer, DEV_BSIZE, type Wait } from "../fs/bdev.ts";
import type { DmaSegment } from "../kernel/hypercall/pci.ts";
import type { Blocking } from "../kernel/hypercall/rumpuser.ts";
import { registerBlockDevice } from "../kernel/kern/bdevsw.ts";
import { EIO, EROFS, Errno } from "../kernel/kern/errno.ts";
import type { Kernel } from "../kernel/kern/kernel.ts";
import { KCondvar, KMutex } from "../kernel/kern/sync.ts";
import type { PciAttachArgs, PciDriver } from "./pci.ts";
import {
  PCI_VENDOR_QUMRANET,
  VIRTIO_CONFIG_S_ACKNOWLEDGE,
  VIRTIO_CONFIG_S_DRIVER,
  VIRTIO_CONFIG_S_NEEDS_RESET,
  VIRTIO_ISR_CONFIG,
  VIRTIO_ISR_QUEUE,
  type VirtioQueue,
  VirtioSoftc,
  VRING_DESC_F_NEXT,
  VRING_DESC_F_WRITE,
} from "./virtio.ts";

export const PCI_PRODUCT_VIRTIO_BLOCK = 0x1001;

// The driver's own copies of the device's constants (virtio 1.0 §5.2).
export const VIRTIO_BLK_F_RO = 5;
export const VIRTIO_BLK_F_BLK_SIZE = 6;
export const VIRTIO_BLK_F_FLUSH = 9;
export const VIRTIO_BLK_T_IN = 0;
export const VIRTIO_BLK_T_OUT = 1;
export const VIRTIO_BLK_T_FLUSH = 4;
export const VIRTIO_BLK_S_OK = 0;
export const VIRTIO_BLK_S_IOERR = 1;
export const VIRTIO_BLK_S_UNSUPP = 2;
const OUTHDR_LEN = 16;
/** Bytes of a slot's header + status area (header at 0, status at 16). */
const CTL_SIZE = 32;

/** Request slots and the largest piece one request carries (NetBSD's MAXPHYS). */
export const LD_NSLOTS = 8;
export const LD_MAXXFER = 64 * 1024;

export interface LdStats {
  reads: number;
  writes: number;
  flushes: number;
  /** Requests the device answered with IOERR or UNSUPP. */
  errors: number;
  intrs: number;
  strayIntrs: number;
  /** Used entries that named no busy slot of ours. */
  badCompletions: number;
}

interface Slot {
  busy: boolean;
  done: boolean;
  status: number;
}

/** One attached disk (struct ld_softc + ld_virtio_softc). */
export class Ld implements BlockDevice {
  readonly sectorSize = DEV_BSIZE;
  readonly stats: LdStats = {
    reads: 0,
    writes: 0,
    flushes: 0,
    errors: 0,
    intrs: 0,
    strayIntrs: 0,
    badCompletions: 0,
  };
  /** Set when the device needed a reset: every request fails. */
  broken = false;
  readonly #slots: Slot[];
  readonly #lock: KMutex;
  readonly #cv: KCondvar;

  constructor(
    readonly k: Kernel,
    readonly sc: VirtioSoftc,
    readonly q: VirtioQueue,
    readonly sectors: number,
    readonly readOnly: boolean,
    readonly ctl: DmaSegment,
    readonly data: DmaSegment,
  ) {
    const n = Math.min(LD_NSLOTS, Math.floor(q.num / 3));
    this.#slots = Array.from({ length: n }, () => ({ busy: false, done: false, status: 0 }));
    this.#lock = new KMutex(k.hyp, `${sc.name}mtx`);
    this.#cv = new KCondvar(k.hyp, `${sc.name}cv`);
    q.limitDescs(0); // descriptors belong to slots, never to the free list
  }

  get name(): string {
    return this.sc.name;
  }

  /** Request slots (how many requests may be in flight). */
  get nslots(): number {
    return this.#slots.length;
  }

  *read(lba: number, buf: Uint8Array): Wait<void> {
    checkTransfer(this, "read", lba, buf);
    if (buf.length === 0) return;
    yield* this.#transfer(VIRTIO_BLK_T_IN, lba, buf);
  }

  *write(lba: number, buf: Uint8Array): Wait<void> {
    if (this.readOnly) {
      throw new Errno(EROFS, `${this.name}: write to a read-only disk at sector ${lba}`);
    }
    checkTransfer(this, "write", lba, buf);
    if (buf.length === 0) return;
    yield* this.#transfer(VIRTIO_BLK_T_OUT, lba, buf);
  }

  *flush(): Wait<void> {
    if (this.readOnly || !this.sc.hasFeature(VIRTIO_BLK_F_FLUSH)) return;
    yield* this.#transfer(VIRTIO_BLK_T_FLUSH, 0, new Uint8Array(0));
  }

  /** Queues `buf` in pieces, as many at once as slots allow, and waits for all of them. */
  *#transfer(type: number, lba: number, buf: Uint8Array): Blocking<void> {
    yield* this.#lock.enter();
    try {
      const mine: { slot: number; off: number; len: number }[] = [];
      let off = 0, started = false;
      let err: Errno | null = null;
      for (;;) {
        let freed = false;
        for (let i = mine.length - 1; i >= 0; i--) {
          const r = mine[i], s = this.#slots[r.slot];
          if (!s.done) continue;
          mine.splice(i, 1);
          if (s.status !== VIRTIO_BLK_S_OK) {
            err ??= this.#error(type, lba + r.off / DEV_BSIZE, s.status);
          } else if (type === VIRTIO_BLK_T_IN) {
            const va = this.data.va + r.slot * LD_MAXXFER;
            buf.set(this.k.mem.subarray(va, va + r.len), r.off);
          }
          s.busy = s.done = false;
          freed = true;
        }
        if (freed) this.#cv.broadcast(); // others may be waiting for a slot
        if (this.broken && !err) err = new Errno(EIO, `${this.name}: the device needs a reset`);
        const more = !started || off < buf.length;
        if (mine.length === 0 && (err || !more)) break;
        while (!err && (!started || off < buf.length)) {
          const slot = this.#slots.findIndex((s) => !s.busy);
          if (slot < 0) break;
          const len = Math.min(LD_MAXXFER, buf.length - off);
          this.#start(slot, type, lba + off / DEV_BSIZE, buf.subarray(off, off + len));
          mine.push({ slot, off, len });
          off += len;
          started = true;
        }
        yield* this.#cv.wait(this.#lock);
      }
      if (err) throw err;
    } finally {
      this.#lock.exit();
    }
  }

  /** Fills slot `i`'s descriptors for one request and kicks the device. */
  #start(i: number, type: number, sector: number, piece: Uint8Array): void {
    const s = this.#slots[i];
    s.busy = true;
    s.done = false;
    const mem = this.k.mem, pci = this.sc.pa.pci, q = this.q;
    const hdr = this.ctl.va + i * CTL_SIZE;
    const v = new DataView(mem.buffer, mem.byteOffset + hdr, CTL_SIZE);
    v.setUint32(0, type, true);
    v.setUint32(4, 0, true);
    v.setUint32(8, sector >>> 0, true);
    v.setUint32(12, Math.floor(sector / 4294967296), true);
    mem[hdr + OUTHDR_LEN] = 0xff; // the device overwrites it
    const d = 3 * i;
    if (piece.length === 0) {
      q.setDesc(d, pci.virt_to_mach(hdr), OUTHDR_LEN, VRING_DESC_F_NEXT, d + 2);
    } else {
      const va = this.data.va + i * LD_MAXXFER;
      if (type === VIRTIO_BLK_T_OUT) mem.set(piece, va);
      q.setDesc(d, pci.virt_to_mach(hdr), OUTHDR_LEN, VRING_DESC_F_NEXT, d + 1);
      const dflags = VRING_DESC_F_NEXT | (type === VIRTIO_BLK_T_IN ? VRING_DESC_F_WRITE : 0);
      q.setDesc(d + 1, pci.virt_to_mach(va), piece.length, dflags, d + 2);
    }
    q.setDesc(d + 2, pci.virt_to_mach(hdr + OUTHDR_LEN), 1, VRING_DESC_F_WRITE);
    q.enqueue(d);
    if (type === VIRTIO_BLK_T_IN) this.stats.reads++;
    else if (type === VIRTIO_BLK_T_OUT) this.stats.writes++;
    else this.stats.flushes++;
    this.sc.notify(q);
  }

  #error(type: number, sector: number, status: number): Errno {
    this.stats.errors++;
    const op = type === VIRTIO_BLK_T_IN
      ? "reading"
      : type === VIRTIO_BLK_T_OUT
      ? "writing"
      : "flushing";
    const why = status === VIRTIO_BLK_S_UNSUPP ? "not supported" : "I/O error";
    const at = type === VIRTIO_BLK_T_FLUSH ? "" : ` sector ${sector}`;
    const msg = `${this.name}: error ${op}${at}: ${why}`;
    this.k.printf(`${msg}\n`);
    return new Errno(EIO, msg);
  }

  /** The interrupt handler (ld_virtio_intr); nonzero if the device had something. */
  intr(): number {
    const isr = this.sc.readIsr();
    if (isr === 0) {
      this.stats.strayIntrs++;
      return 0;
    }
    this.stats.intrs++;
    if (isr & VIRTIO_ISR_CONFIG && this.sc.status() & VIRTIO_CONFIG_S_NEEDS_RESET) {
      if (!this.broken) this.k.printf(`${this.name}: device needs a reset; disk stopped\n`);
      this.broken = true;
      for (const s of this.#slots) {
        if (s.busy && !s.done) [s.done, s.status] = [true, VIRTIO_BLK_S_IOERR];
      }
    }
    if (isr & VIRTIO_ISR_QUEUE) {
      for (let e = this.q.dequeue(); e; e = this.q.dequeue()) {
        const s = e.head % 3 === 0 ? this.#slots[e.head / 3] : undefined;
        if (!s || !s.busy || s.done) {
          this.stats.badCompletions++;
          continue;
        }
        s.done = true;
        s.status = this.k.mem[this.ctl.va + (e.head / 3) * CTL_SIZE + OUTHDR_LEN];
      }
    }
    this.#cv.broadcast();
    return 1;
  }
}

const softcs = new WeakMap<Kernel, Map<string, Ld>>();

/** The attached ld units of a kernel, by name (for tests and statistics). */
export function ldUnits(k: Kernel): Map<string, Ld> {
  let m = softcs.get(k);
  if (!m) softcs.set(k, m = new Map());
  return m;
}

/** NetBSD's format_bytes, the part we need: "16 MB", "512 KB", "2 GB". */
export function formatSize(bytes: number): string {
  for (const [unit, n] of [["GB", 2 ** 30], ["MB", 2 ** 20], ["KB", 2 ** 10]] as const) {
    if (bytes >= n) return `${Math.floor(bytes / n)} ${unit}`;
  }
  return `${bytes} bytes`;
}

/** ld_virtio_attach (never waits; a generator because PciDriver.attach may). */
// deno-lint-ignore require-yield
function* attach(k: Kernel, pa: PciAttachArgs, unit: string): Blocking<void> {
  const sc = new VirtioSoftc(k, pa, unit);
  const fail = (why: string) => {
    k.printf(`${unit}: ${why}\n`);
    sc.fail();
  };
  sc.reset();
  sc.setStatus(VIRTIO_CONFIG_S_ACKNOWLEDGE);
  sc.setStatus(VIRTIO_CONFIG_S_DRIVER);
  sc.negotiate(
    (1 << VIRTIO_BLK_F_RO) | (1 << VIRTIO_BLK_F_BLK_SIZE) | (1 << VIRTIO_BLK_F_FLUSH),
  );
  const sectors = sc.configRead32(4) * 4294967296 + sc.configRead32(0);
  if (sc.hasFeature(VIRTIO_BLK_F_BLK_SIZE)) {
    const bs = sc.configRead32(20);
    if (bs !== DEV_BSIZE) return fail(`sector size ${bs} is not supported (only ${DEV_BSIZE})`);
  }
  const readOnly = sc.hasFeature(VIRTIO_BLK_F_RO);
  const q = sc.allocQueue(0, "request");
  if (!q) return fail("cannot set up the virtqueue");
  if (q.num < 3) return fail(`request queue of ${q.num} entries is too small`);
  const nslots = Math.min(LD_NSLOTS, Math.floor(q.num / 3));
  const ctl = pa.pci.dmalloc(nslots * CTL_SIZE, 64);
  const data = ctl && pa.pci.dmalloc(nslots * LD_MAXXFER, 4096);
  if (!ctl || !data) return fail("cannot allocate request buffers");
  const ld = new Ld(k, sc, q, sectors, readOnly, ctl, data);
  if (!sc.establishInterrupt(() => ld.intr())) {
    return fail(`cannot establish the interrupt on line ${pa.intrLine}`);
  }
  sc.driverOk();
  k.printf(
    `${unit}: ${formatSize(sectors * DEV_BSIZE)}, ${sectors} sectors${
      readOnly ? ", read-only" : ""
    }\n`,
  );
  ldUnits(k).set(unit, ld);
  registerBlockDevice(k, unit, ld);
}

/** The PCI driver: matches the transitional virtio-blk function. */
export const ldVirtioDriver: PciDriver = {
  name: "ld",
  match(pa) {
    return pa.vendor === PCI_VENDOR_QUMRANET && pa.product === PCI_PRODUCT_VIRTIO_BLOCK ? 1 : 0;
  },
  attach,
};
