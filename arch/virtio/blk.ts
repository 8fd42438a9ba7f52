/**
 * blk.ts — the virtio block device (virtio 1.0 §5.2, legacy interface; virtio 0.9.5
 * appendix D): one request queue (0). Every request is one descriptor chain:
 *
 *   struct virtio_blk_outhdr { type u32; ioprio u32; sector u64 }   (16 bytes, readable)
 *   data: readable for OUT, writable for IN and GET_ID              (whole 512-byte sectors)
 *   status u8                                                        (the last writable byte)
 *
 * Types: IN 0 (read), OUT 1 (write), FLUSH 4, GET_ID 8 (20 bytes of serial). Status: OK 0,
 * IOERR 1, UNSUPP 2. Configuration (§5.2.4, legacy layout): capacity u64 in 512-byte
 * sectors at 0, size_max u32 at 8, seg_max u32 at 12, geometry at 16, blk_size u32 at 20.
 * Features offered: BLK_SIZE (6) always, FLUSH (9) always, RO (5) when the backend is
 * read-only.
 *
 * Rules:
 * - A notify schedules the queue's processing as an event "now"; each request completes in
 *   its own event after the modelled latency (`latencyNs`, default 0), in order — device
 *   work never runs inside the driver's port write.
 * - Out-of-range sectors, data that is not whole sectors, a header shorter than 16 bytes
 *   and a write to a read-only disk complete with IOERR; an unknown type with UNSUPP;
 *   a chain with no writable byte for the status is returned with length 0 and counted
 *   (`badRequests`). A backend that throws completes the request with IOERR. Everything is
 *   counted in `stats`; nothing is thrown out.
 * - A reset drops requests still in flight (their completions are not delivered).
 * - The backend is synchronous; a slow disk is modelled by `latencyNs`, not by waiting.
 */
import type { Scheduler } from "../../sched/mod.ts";
import type { PciFunction } from "../pci.ts";
import type { Ram } from "../ram.ts";
import { VIRTIO_ID_BLOCK, type VirtioDeviceModel, VirtioPciTransport } from "./pci_transport.ts";
import type { DescChain } from "./virtqueue.ts";

/** Feature bits (§5.2.3). */
export const VIRTIO_BLK_F_SIZE_MAX = 1;
export const VIRTIO_BLK_F_SEG_MAX = 2;
export const VIRTIO_BLK_F_RO = 5;
export const VIRTIO_BLK_F_BLK_SIZE = 6;
export const VIRTIO_BLK_F_FLUSH = 9;

/** Request types (§5.2.6). */
export const VIRTIO_BLK_T_IN = 0;
export const VIRTIO_BLK_T_OUT = 1;
export const VIRTIO_BLK_T_FLUSH = 4;
export const VIRTIO_BLK_T_GET_ID = 8;

/** Status values. */
export const VIRTIO_BLK_S_OK = 0;
export const VIRTIO_BLK_S_IOERR = 1;
export const VIRTIO_BLK_S_UNSUPP = 2;

export const VIRTIO_BLK_OUTHDR_LEN = 16;
export const VIRTIO_BLK_ID_BYTES = 20;
export const VIRTIO_BLK_SECTOR_SIZE = 512;
/** Configuration bytes we present: capacity … blk_size. */
export const VIRTIO_BLK_CONFIG_SIZE = 24;
export const VIRTIO_BLK_REQQ = 0;

/** What stores a disk's sectors for the device. Transfers are whole, in-range sectors. */
export interface BlkBackend {
  /** Number of 512-byte sectors. */
  readonly sectors: number;
  readonly readOnly: boolean;
  /** Fills `buf` (a multiple of 512 bytes) from `sector` on. */
  read(sector: number, buf: Uint8Array): void;
  /** Stores `data` (a multiple of 512 bytes) from `sector` on. */
  write(sector: number, data: Uint8Array): void;
  /** Makes every completed write durable. */
  flush(): void;
}

/** A disk held in memory: `bytes` is the disk. */
export class MemBlkBackend implements BlkBackend {
  readonly sectors: number;
  readonly readOnly: boolean;
  flushes = 0;

  constructor(readonly bytes: Uint8Array, opts: { readOnly?: boolean } = {}) {
    this.sectors = Math.floor(bytes.length / VIRTIO_BLK_SECTOR_SIZE);
    this.readOnly = opts.readOnly ?? false;
  }

  /** A zeroed disk of `sectors` sectors. */
  static zeroed(sectors: number): MemBlkBackend {
    return new MemBlkBackend(new Uint8Array(sectors * VIRTIO_BLK_SECTOR_SIZE));
  }

  read(sector: number, buf: Uint8Array): void {
    const at = sector * VIRTIO_BLK_SECTOR_SIZE;
    buf.set(this.bytes.subarray(at, at + buf.length));
  }

  write(sector: number, data: Uint8Array): void {
    if (this.readOnly) throw new Error("memory disk is read-only");
    this.bytes.set(data, sector * VIRTIO_BLK_SECTOR_SIZE);
  }

  flush(): void {
    this.flushes++;
  }
}

/** The legacy request header (struct virtio_blk_outhdr), little-endian. */
export interface BlkReqHeader {
  type: number;
  ioprio: number;
  sector: number;
}

/** Parses a 16-byte request header; null if `b` is shorter. */
export function parseBlkHeader(b: Uint8Array): BlkReqHeader | null {
  if (b.length < VIRTIO_BLK_OUTHDR_LEN) return null;
  const v = new DataView(b.buffer, b.byteOffset, VIRTIO_BLK_OUTHDR_LEN);
  return {
    type: v.getUint32(0, true),
    ioprio: v.getUint32(4, true),
    sector: v.getUint32(12, true) * 4294967296 + v.getUint32(8, true),
  };
}

/** Emits a request header into 16 bytes. */
export function emitBlkHeader(h: BlkReqHeader, out = new Uint8Array(VIRTIO_BLK_OUTHDR_LEN)) {
  const v = new DataView(out.buffer, out.byteOffset, VIRTIO_BLK_OUTHDR_LEN);
  v.setUint32(0, h.type >>> 0, true);
  v.setUint32(4, h.ioprio >>> 0, true);
  v.setUint32(8, h.sector >>> 0, true);
  v.setUint32(12, Math.floor(h.sector / 4294967296), true);
  return out;
}

export interface VirtioBlkOptions {
  ram: Ram;
  sched: Scheduler;
  backend: BlkBackend;
  /** Entries in the request queue; default 128 (QEMU's). */
  queueSize?: number;
  /** Modelled time from a request's pickup to its completion; default 0. */
  latencyNs?: number;
  /** The GET_ID serial (at most 20 bytes); default "rumpsim-blk". */
  serial?: string;
}

export interface VirtioBlkStats {
  reads: number;
  writes: number;
  flushes: number;
  getIds: number;
  bytesRead: number;
  bytesWritten: number;
  /** Requests completed with IOERR (range, alignment, short header, read-only, backend). */
  ioErrors: number;
  /** Requests of an unknown type (UNSUPP). */
  unsupported: number;
  /** Chains with no writable status byte: returned unanswered. */
  badRequests: number;
}

export class VirtioBlk implements VirtioDeviceModel {
  readonly type = VIRTIO_ID_BLOCK;
  /** Mass storage controller, SCSI subclass (what QEMU's virtio-blk-pci reports). */
  readonly classCode = 0x010000;
  readonly queueSizes: readonly number[];
  readonly hostFeatures: number;
  readonly configSize = VIRTIO_BLK_CONFIG_SIZE;
  readonly transport: VirtioPciTransport;
  readonly backend: BlkBackend;
  readonly latencyNs: number;
  readonly stats: VirtioBlkStats = {
    reads: 0,
    writes: 0,
    flushes: 0,
    getIds: 0,
    bytesRead: 0,
    bytesWritten: 0,
    ioErrors: 0,
    unsupported: 0,
    badRequests: 0,
  };
  readonly #sched: Scheduler;
  readonly #serial: Uint8Array;
  readonly #config = new Uint8Array(VIRTIO_BLK_CONFIG_SIZE);
  #pending = false;
  /** Bumped on reset: completions of an older generation are dropped. */
  #generation = 0;

  constructor(opts: VirtioBlkOptions) {
    this.#sched = opts.sched;
    this.backend = opts.backend;
    this.latencyNs = opts.latencyNs ?? 0;
    const n = opts.queueSize ?? 128;
    this.queueSizes = [n];
    this.hostFeatures = ((1 << VIRTIO_BLK_F_BLK_SIZE) | (1 << VIRTIO_BLK_F_FLUSH) |
      (opts.backend.readOnly ? 1 << VIRTIO_BLK_F_RO : 0)) >>> 0;
    this.#serial = new TextEncoder().encode(opts.serial ?? "rumpsim-blk")
      .slice(0, VIRTIO_BLK_ID_BYTES);
    const v = new DataView(this.#config.buffer);
    const cap = opts.backend.sectors;
    v.setUint32(0, cap >>> 0, true);
    v.setUint32(4, Math.floor(cap / 4294967296), true);
    v.setUint32(20, VIRTIO_BLK_SECTOR_SIZE, true);
    this.transport = new VirtioPciTransport(opts.ram, this);
  }

  /** The PCI function to plug into a slot. */
  get pci(): PciFunction {
    return this.transport.fn;
  }

  configRead(offset: number): number {
    return this.#config[offset] ?? 0xff;
  }

  notify(q: number): void {
    if (q === VIRTIO_BLK_REQQ) this.#schedule();
  }

  reset(): void {
    this.#pending = false;
    this.#generation++;
  }

  driverOk(): void {
    this.#schedule();
  }

  #schedule(): void {
    if (this.#pending) return;
    this.#pending = true;
    const gen = this.#generation;
    this.#sched.events.at(this.#sched.clock.now(), () => {
      if (gen !== this.#generation) return;
      this.#pending = false;
      this.#process();
    });
  }

  /** Takes every available chain; each completes in its own event after the latency. */
  #process(): void {
    const t = this.transport;
    if (!t.live) return;
    const q = t.queues[VIRTIO_BLK_REQQ];
    const gen = this.#generation;
    const due = this.#sched.clock.now() + this.latencyNs;
    for (let c = q.pop(); c; c = q.pop()) {
      const chain = c;
      this.#sched.events.at(due, () => {
        if (gen !== this.#generation || !t.live) return;
        q.push(chain.head, this.#execute(chain));
        t.queueInterrupt(VIRTIO_BLK_REQQ);
      });
    }
  }

  /** Carries out one request; returns the bytes written into the chain. */
  #execute(c: DescChain): number {
    const q = this.transport.queues[VIRTIO_BLK_REQQ];
    if (c.writeLen < 1) {
      this.stats.badRequests++;
      return 0;
    }
    const statusAt = c.writeLen - 1;
    const finish = (status: number, dataLen = 0): number => {
      if (status === VIRTIO_BLK_S_IOERR) this.stats.ioErrors++;
      if (status === VIRTIO_BLK_S_UNSUPP) this.stats.unsupported++;
      q.write(c, Uint8Array.of(status), statusAt);
      return dataLen + 1;
    };
    const h = parseBlkHeader(q.read(c, 0, VIRTIO_BLK_OUTHDR_LEN));
    if (!h) return finish(VIRTIO_BLK_S_IOERR);
    const be = this.backend;
    try {
      switch (h.type) {
        case VIRTIO_BLK_T_IN: {
          const len = c.writeLen - 1;
          if (!this.#inRange(h.sector, len)) return finish(VIRTIO_BLK_S_IOERR);
          const buf = new Uint8Array(len);
          be.read(h.sector, buf);
          q.write(c, buf);
          this.stats.reads++;
          this.stats.bytesRead += len;
          return finish(VIRTIO_BLK_S_OK, len);
        }
        case VIRTIO_BLK_T_OUT: {
          const len = c.readLen - VIRTIO_BLK_OUTHDR_LEN;
          if (be.readOnly || !this.#inRange(h.sector, len)) return finish(VIRTIO_BLK_S_IOERR);
          be.write(h.sector, q.read(c, VIRTIO_BLK_OUTHDR_LEN, len));
          this.stats.writes++;
          this.stats.bytesWritten += len;
          return finish(VIRTIO_BLK_S_OK);
        }
        case VIRTIO_BLK_T_FLUSH:
          be.flush();
          this.stats.flushes++;
          return finish(VIRTIO_BLK_S_OK);
        case VIRTIO_BLK_T_GET_ID: {
          // §5.2.6.1: the id is zero-padded to 20 bytes unless the buffer is shorter.
          const id = new Uint8Array(Math.min(VIRTIO_BLK_ID_BYTES, c.writeLen - 1));
          id.set(this.#serial.subarray(0, id.length));
          q.write(c, id);
          this.stats.getIds++;
          return finish(VIRTIO_BLK_S_OK, id.length);
        }
        default:
          return finish(VIRTIO_BLK_S_UNSUPP);
      }
    } catch {
      return finish(VIRTIO_BLK_S_IOERR);
    }
  }

  /** True for a transfer of whole sectors that lies on the disk. */
  #inRange(sector: number, len: number): boolean {
    return len % VIRTIO_BLK_SECTOR_SIZE === 0 &&
      sector + len / VIRTIO_BLK_SECTOR_SIZE <= this.backend.sectors;
  }
}
