/**
 * blk_fault.ts — a fault-injecting wrapper around a virtio-blk backend: sector ranges that
 * fail with EIO (the device completes the request with VIRTIO_BLK_S_IOERR), and ranges
 * where writes are torn (only a prefix of the request's sectors reaches the disk, then the
 * request fails).
 *
 *   const disk = new FaultyBlkBackend(inner, prng, { eio: [{ first: 100, last: 199 }] });
 *   disk.configure({ torn: [{ first: 0, last: 7, op: "write" }] });   // change it later
 *
 * Rules:
 * - A request fails when any sector of it lies in a faulty range for its operation (a
 *   range without `op` fails reads and writes); nothing of a failed read is copied, and a
 *   failed write that is not torn changes nothing.
 * - A torn write stores its first k whole sectors (k drawn from the seeded Prng, 0 ≤ k <
 *   the request's sectors) and then fails: what a power cut in the middle of a multi-sector
 *   write leaves behind.
 * - Every decision comes from the Prng it is given; every fault is counted in `stats`.
 *   The backend's size and read-only flag are the inner one's.
 */
import type { Prng } from "../../sched/mod.ts";
import { type BlkBackend, VIRTIO_BLK_SECTOR_SIZE } from "./blk.ts";

/** Sectors `first..last` (inclusive), for reads, writes or both (no `op`). */
export interface SectorRange {
  first: number;
  last: number;
  op?: "read" | "write";
}

export interface BlkFaultConfig {
  /** Requests touching these ranges fail with EIO. */
  eio?: SectorRange[];
  /** Writes touching these ranges store a prefix of their sectors, then fail. */
  torn?: SectorRange[];
  /** Modelled time per request (the device's `latencyNs`). */
  latencyNs?: number;
}

export interface BlkFaultStats {
  readErrors: number;
  writeErrors: number;
  tornWrites: number;
}

/** Thrown for a faulted request (the device turns any backend throw into IOERR). */
export class BlkFaultError extends Error {}

/** Throws a RangeError naming the first bad field of `c`. */
export function validateBlkFaultConfig(c: BlkFaultConfig, where = "blk"): void {
  for (const k of ["eio", "torn"] as const) {
    for (const r of c[k] ?? []) {
      if (!(Number.isSafeInteger(r.first) && Number.isSafeInteger(r.last))) {
        throw new RangeError(`${where}.${k}: sectors must be whole numbers`);
      }
      if (r.first < 0 || r.last < r.first) {
        throw new RangeError(`${where}.${k}: ${r.first}-${r.last} is not a sector range`);
      }
      if (k === "torn" && r.op === "read") {
        throw new RangeError(`${where}.torn: only writes can be torn`);
      }
    }
  }
  const l = c.latencyNs;
  if (l !== undefined && !(l >= 0 && Number.isFinite(l))) {
    throw new RangeError(`${where}.latencyNs: ${l} must be a finite number at least 0`);
  }
}

function hits(ranges: SectorRange[] | undefined, op: "read" | "write", s: number, n: number) {
  return (ranges ?? []).some((r) =>
    (r.op === undefined || r.op === op) && s <= r.last && s + n - 1 >= r.first
  );
}

export class FaultyBlkBackend implements BlkBackend {
  readonly stats: BlkFaultStats = { readErrors: 0, writeErrors: 0, tornWrites: 0 };
  #cfg: BlkFaultConfig = {};
  readonly #rng: Prng;

  constructor(readonly inner: BlkBackend, prng: Prng, cfg: BlkFaultConfig = {}) {
    this.#rng = prng.fork("blk-fault");
    this.configure(cfg);
  }

  get sectors(): number {
    return this.inner.sectors;
  }

  get readOnly(): boolean {
    return this.inner.readOnly;
  }

  /** Replaces the faults (the counters stay). */
  configure(cfg: BlkFaultConfig): void {
    validateBlkFaultConfig(cfg);
    this.#cfg = { ...cfg };
  }

  config(): BlkFaultConfig {
    return { ...this.#cfg };
  }

  read(sector: number, buf: Uint8Array): void {
    if (hits(this.#cfg.eio, "read", sector, buf.length / VIRTIO_BLK_SECTOR_SIZE)) {
      this.stats.readErrors++;
      throw new BlkFaultError(`injected EIO reading sector ${sector}`);
    }
    this.inner.read(sector, buf);
  }

  write(sector: number, data: Uint8Array): void {
    const n = data.length / VIRTIO_BLK_SECTOR_SIZE;
    if (hits(this.#cfg.eio, "write", sector, n)) {
      this.stats.writeErrors++;
      throw new BlkFaultError(`injected EIO writing sector ${sector}`);
    }
    if (hits(this.#cfg.torn, "write", sector, n)) {
      const k = this.#rng.below(n);
      if (k > 0) this.inner.write(sector, data.subarray(0, k * VIRTIO_BLK_SECTOR_SIZE));
      this.stats.tornWrites++;
      throw new BlkFaultError(`injected torn write at sector ${sector} (${k} of ${n} stored)`);
    }
    this.inner.write(sector, data);
  }

  flush(): void {
    this.inner.flush();
  }
}
