/**
 * rumpuser.ts (hosted) — the hypercall contract on Deno: the kernel's memory is an
 * ArrayBuffer, the console is a host stream, the wall clock is the host's (or a fixed
 * epoch in virtual mode, so runs reproduce).
 *
 * Rules: the only code of the hosted platform that touches the host (with host_files.ts,
 * the file and block I/O calls on the host's files); threads, locks and time come from
 * sched/ through FiberRumpuser.
 */
import type { Prng, Scheduler } from "../../sched/mod.ts";
import type { BioDone, Blocking, FileInfo, IoVec } from "../../kernel/hypercall/rumpuser.ts";
import { FiberRumpuser } from "../fiber_rumpuser.ts";
import { HostFiles } from "./host_files.ts";
import { RegionAllocator } from "../region_alloc.ts";

/** The wall clock at power-on in virtual mode: fixed, so runs reproduce (as on hw). */
export const VIRTUAL_EPOCH_MS = 1704067200000;

export interface HostedOptions {
  /** Bytes of kernel memory (default 64 MiB). */
  memBytes?: number;
  /** Wall-clock ms at clock zero; the host's time in realtime mode, else 2024-01-01T00:00Z. */
  epochMs?: number;
  ncpu?: number;
  hostname?: string;
  memlimit?: string;
  verbose?: boolean;
  /** Where console bytes go (default: the host's stdout). */
  console?: (bytes: Uint8Array) => void;
}

export class HostedRumpuser extends FiberRumpuser {
  readonly #mem: Uint8Array;
  readonly #alloc: RegionAllocator;
  readonly #epochNs: number;
  readonly #console: (bytes: Uint8Array) => void;
  readonly #enc = new TextEncoder();
  /** The host files the kernel has open (open/bio/iovread/...). */
  readonly files: HostFiles;

  constructor(sched: Scheduler, prng: Prng, readonly opts: HostedOptions = {}) {
    super(sched, prng);
    const size = opts.memBytes ?? 64 * 1024 * 1024;
    this.#mem = new Uint8Array(size);
    this.#alloc = new RegionAllocator([{ base: 4096, len: size - 4096 }]);
    this.#epochNs = (opts.epochMs ?? (sched.clock.realtime ? Date.now() : VIRTUAL_EPOCH_MS)) * 1e6;
    this.#console = opts.console ?? ((b) => Deno.stdout.writeSync(b));
    this.files = new HostFiles(sched, () => this.#mem);
  }

  override open(path: string, mode: number): number {
    return this.files.open(path, mode);
  }
  override close(fd: number): number {
    return this.files.close(fd);
  }
  override getfileinfo(path: string): FileInfo | number {
    return this.files.getfileinfo(path);
  }
  override bio(fd: number, op: number, addr: number, len: number, off: number, done: BioDone) {
    this.files.bio(fd, op, addr, len, off, done);
  }
  override iovread(fd: number, iov: IoVec[], off: number): Blocking<number> {
    return this.files.iovread(fd, iov, off);
  }
  override iovwrite(fd: number, iov: IoVec[], off: number): Blocking<number> {
    return this.files.iovwrite(fd, iov, off);
  }
  override syncfd(fd: number, flags: number, start: number, len: number): Blocking<number> {
    return this.files.syncfd(fd, flags, start, len);
  }

  getparam(name: string): string | null {
    switch (name) {
      case "_RUMPUSER_NCPU":
        return String(this.opts.ncpu ?? 1);
      case "_RUMPUSER_HOSTNAME":
        return this.opts.hostname ?? "rumpsim-hosted";
      case "RUMP_VERBOSE":
        return this.opts.verbose ? "1" : null;
      case "RUMP_MEMLIMIT":
        return this.opts.memlimit ?? null;
      default:
        return null;
    }
  }

  malloc(len: number, alignment: number): number {
    return this.#alloc.alloc(len, alignment);
  }
  free(addr: number, len: number): void {
    this.#alloc.free(addr, len);
  }
  memory(): Uint8Array {
    return this.#mem;
  }
  putchar(c: number): void {
    this.#console(Uint8Array.of(c));
  }
  dprintf(s: string): void {
    this.#console(this.#enc.encode(s));
  }
  dwrite(bytes: Uint8Array): void {
    this.#console(bytes.slice());
  }
  protected wallBaseNs(): number {
    return this.#epochNs;
  }
}
