/**
 * guest.ts — one running WebAssembly program as the import modules see it: its process's
 * system calls, its linear memory, its Asyncify driver, and the helpers that copy values
 * across the boundary.
 *
 * Rules: linear memory is the program's address space; the imports read arguments out of
 * it and write results into it, always through a fresh view (memory.grow detaches the
 * old buffer). An import is wrapped either as `direct` (never waits) or `blocking` (its
 * work is a generator run by Asyncify, which may suspend the program on its fiber). Both
 * wrappers turn a thrown `Errno` into WASI's errno as the return value, and a pointer
 * outside memory into EFAULT; anything else (exit, a kernel bug) passes through.
 */
import { isErrno, type Sys, type Wait } from "../kernel/syscall/api.ts";
import type { Asyncify } from "./asyncify.ts";
import { toWasiErrno, WASI } from "./wasi_errno.ts";

/** proc_exit (or a raised signal): unwinds the wasm stack to the loader with a status. */
export class GuestExit {
  constructor(readonly status: number) {}
}

const dec = new TextDecoder();
const enc = new TextEncoder();

export class Guest {
  memory!: WebAssembly.Memory;
  asyncify!: Asyncify;
  /** Absolute path of each descriptor opened by path (the preopen, path_open): *at calls. */
  readonly paths = new Map<number, string>();
  /** The preopened directory's descriptor (`/`), -1 when the image has no file system. */
  preopen = -1;

  constructor(
    readonly sys: Sys,
    readonly name: string,
    readonly argv: string[],
    readonly env: Record<string, string>,
  ) {}

  #buf: ArrayBufferLike | null = null;
  #u8: Uint8Array = new Uint8Array(0);
  #dv: DataView = new DataView(new ArrayBuffer(0));

  /** Views of memory, made again only when memory.grow has replaced its buffer. */
  #views(): void {
    const b = this.memory.buffer;
    if (b !== this.#buf) {
      this.#buf = b;
      this.#u8 = new Uint8Array(b);
      this.#dv = new DataView(b);
    }
  }
  get u8(): Uint8Array {
    this.#views();
    return this.#u8;
  }
  get dv(): DataView {
    this.#views();
    return this.#dv;
  }

  /** `len` bytes at `ptr`, a view into memory (valid until the program runs again). */
  bytes(ptr: number, len: number): Uint8Array {
    const m = this.u8;
    if (ptr < 0 || len < 0 || ptr + len > m.length) throw new RangeError("EFAULT");
    return m.subarray(ptr, ptr + len);
  }
  /** A UTF-8 string of `len` bytes at `ptr`. */
  str(ptr: number, len: number): string {
    return dec.decode(this.bytes(ptr, len));
  }
  /** Writes `s` NUL-terminated at `ptr`; returns the bytes written. */
  putCString(ptr: number, s: string): number {
    const b = enc.encode(s + "\0");
    this.bytes(ptr, b.length).set(b);
    return b.length;
  }

  u32(ptr: number): number {
    return this.dv.getUint32(ptr, true);
  }
  setU32(ptr: number, v: number): void {
    this.dv.setUint32(ptr, v >>> 0, true);
  }
  setU64(ptr: number, v: bigint | number): void {
    this.dv.setBigUint64(ptr, BigInt(v), true);
  }

  /** The (ptr, len) pairs of an iovec array. */
  iovs(ptr: number, n: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    const dv = this.dv;
    for (let i = 0; i < n; i++) {
      out.push([dv.getUint32(ptr + 8 * i, true), dv.getUint32(ptr + 8 * i + 4, true)]);
    }
    return out;
  }

  /** The bytes an iovec array names, gathered into one copy. */
  gather(ptr: number, n: number): Uint8Array {
    if (n === 1) {
      const dv = this.dv;
      const p = dv.getUint32(ptr, true), l = dv.getUint32(ptr + 4, true);
      const m = this.#u8;
      if (p + l > m.length) throw new RangeError("EFAULT");
      const out = new Uint8Array(l);
      if (l <= 64) {
        for (let i = 0; i < l; i++) out[i] = m[p + i]; // cheaper than a view for a few bytes
      } else {
        out.set(m.subarray(p, p + l));
      }
      return out;
    }
    const v = this.iovs(ptr, n);
    const total = v.reduce((s, [, l]) => s + l, 0);
    const out = new Uint8Array(total);
    let off = 0;
    for (const [p, l] of v) {
      out.set(this.bytes(p, l), off);
      off += l;
    }
    return out;
  }

  /** Copies `src` out over an iovec array (as far as it reaches). */
  scatter(ptr: number, n: number, src: Uint8Array): void {
    let off = 0;
    for (const [p, l] of this.iovs(ptr, n)) {
      if (off >= src.length) break;
      const k = Math.min(l, src.length - off);
      this.bytes(p, k).set(src.subarray(off, off + k));
      off += k;
    }
  }

  /** An import that never waits. */
  direct<A extends unknown[]>(f: (...a: A) => number): (...a: A) => number {
    return (...a: A) => {
      try {
        return f(...a);
      } catch (e) {
        return errnoOf(e);
      }
    };
  }

  /** An import whose work may wait: run through Asyncify on the program's fiber. */
  blocking<A extends unknown[]>(f: (...a: A) => Wait<number>): (...a: A) => number {
    return (...a: A) => {
      try {
        return this.asyncify.call(f(...a));
      } catch (e) {
        return errnoOf(e);
      }
    };
  }
}

/** WASI's errno for an exception an import's work threw; rethrows what is not an error. */
export function errnoOf(e: unknown): number {
  if (isErrno(e)) return toWasiErrno(e.errno);
  if (e instanceof RangeError && !/call stack/i.test(e.message)) return WASI.EFAULT;
  throw e;
}
