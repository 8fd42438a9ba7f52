/**
 * tmpfs_data.ts — a tmpfs regular file's bytes, kept in 4 KiB pages of guest memory
 * (what NetBSD keeps in a uvm anonymous object).
 *
 * Rules: pages come from the kernel page allocator (`k.pageAlloc`) and live in `k.mem`; the
 * file holds only their addresses, with holes (never-written ranges) unallocated and read
 * as zeros. Every page counts against the mount's limit; past it, or when the kernel is
 * out of memory, a write stops short (ENOSPC if nothing was written). Bytes past the file
 * size within its last page are always zero, so growing a file never exposes old data.
 */
import { EFBIG, ENOSPC, Errno } from "../../kernel/kern/errno.ts";
import type { TmpfsMount } from "./tmpfs_node.ts";

export const TMPFS_PAGE = 4096;
/** Largest file size (like a 64-bit off_t, but exact in a JS number). */
export const TMPFS_MAXFILESIZE = 2 ** 40;

export class TmpfsData {
  size = 0;
  /** Page addresses by page index; 0 or absent is a hole. */
  readonly #pages: number[] = [];

  constructor(readonly tm: TmpfsMount) {}

  /** Pages allocated. */
  get pageCount(): number {
    let n = 0;
    for (const a of this.#pages) if (a) n++;
    return n;
  }

  #allocPage(): number {
    const tm = this.tm;
    if (tm.pagesInUse >= tm.maxPages) return 0;
    const a = tm.k.pageAlloc(0);
    if (a === 0) return 0;
    tm.k.mem.fill(0, a, a + TMPFS_PAGE);
    tm.pagesInUse++;
    return a;
  }

  #freePage(i: number): void {
    const a = this.#pages[i];
    if (!a) return;
    this.tm.k.pageFree(a);
    this.tm.pagesInUse--;
    this.#pages[i] = 0;
  }

  read(buf: Uint8Array, off: number): number {
    if (off >= this.size) return 0;
    const n = Math.min(buf.length, this.size - off);
    const mem = this.tm.k.mem;
    let done = 0;
    while (done < n) {
      const pos = off + done;
      const pi = Math.floor(pos / TMPFS_PAGE);
      const po = pos - pi * TMPFS_PAGE;
      const len = Math.min(TMPFS_PAGE - po, n - done);
      const a = this.#pages[pi];
      if (a) buf.set(mem.subarray(a + po, a + po + len), done);
      else buf.fill(0, done, done + len);
      done += len;
    }
    return n;
  }

  write(buf: Uint8Array, off: number): number {
    if (off + buf.length > TMPFS_MAXFILESIZE) throw new Errno(EFBIG, "past the largest file size");
    const mem = this.tm.k.mem;
    let done = 0;
    while (done < buf.length) {
      const pos = off + done;
      const pi = Math.floor(pos / TMPFS_PAGE);
      const po = pos - pi * TMPFS_PAGE;
      const len = Math.min(TMPFS_PAGE - po, buf.length - done);
      let a = this.#pages[pi];
      if (!a) {
        a = this.#allocPage();
        if (a === 0) break;
        this.#pages[pi] = a;
      }
      mem.set(buf.subarray(done, done + len), a + po);
      done += len;
    }
    if (done === 0 && buf.length > 0) throw new Errno(ENOSPC, "tmpfs is full");
    if (off + done > this.size) this.size = off + done;
    return done;
  }

  /** Sets the size; shrinking frees whole pages past it and zeroes the rest of the last. */
  truncate(len: number): void {
    if (len > TMPFS_MAXFILESIZE) throw new Errno(EFBIG, "past the largest file size");
    if (len < this.size) {
      const keep = Math.ceil(len / TMPFS_PAGE);
      for (let i = keep; i < this.#pages.length; i++) this.#freePage(i);
      this.#pages.length = Math.min(this.#pages.length, keep);
      const po = len % TMPFS_PAGE;
      const a = po ? this.#pages[keep - 1] : 0;
      if (a) this.tm.k.mem.fill(0, a + po, a + TMPFS_PAGE);
    }
    this.size = len;
  }
}
