/**
 * sockbuf.ts — a socket's send or receive buffer (NetBSD's struct sockbuf): a queue of
 * datagram records with their sources (UDP, raw) or of stream bytes, with a byte limit
 * (SO_SNDBUF / SO_RCVBUF, `hiwat`).
 *
 * Rules: `cc` counts the data bytes queued. A record is accepted whole or not at all
 * (`appendRecord` returns false when it does not fit: the caller counts the drop). A
 * stream append takes what fits and returns how much. Reading a record gives at most the
 * caller's buffer and discards the rest of that record (recvfrom without MSG_TRUNC);
 * reading a stream gives as many bytes as fit. Nothing here wakes anyone: the socket does.
 */
import type { Ipv4Addr } from "./wire/mod.ts";

/** Where a datagram came from. */
export interface SockAddr {
  addr: Ipv4Addr;
  port: number;
}

interface Record {
  data: Uint8Array;
  from: SockAddr;
}

/** Largest SO_SNDBUF / SO_RCVBUF (NetBSD's sb_max). */
export const SB_MAX = 256 * 1024;

export class Sockbuf {
  /** Bytes queued. */
  cc = 0;
  #recs: Record[] = [];
  /** Stream bytes: chunks, the first read from `#off`. */
  #chunks: Uint8Array[] = [];
  #off = 0;

  constructor(public hiwat: number) {}

  /** Bytes that still fit. */
  space(): number {
    return Math.max(0, this.hiwat - this.cc);
  }

  /** sbappendaddr: queues a datagram; false when it does not fit. */
  appendRecord(data: Uint8Array, from: SockAddr): boolean {
    if (data.length > this.space()) return false;
    this.#recs.push({ data, from });
    this.cc += data.length;
    return true;
  }

  /** Datagrams queued. */
  get records(): number {
    return this.#recs.length;
  }

  /** Reads the first datagram into `buf` (truncating); null if none. */
  readRecord(buf: Uint8Array, peek: boolean): { n: number; from: SockAddr } | null {
    const r = this.#recs[0];
    if (!r) return null;
    const n = Math.min(buf.length, r.data.length);
    buf.set(r.data.subarray(0, n));
    if (!peek) {
      this.#recs.shift();
      this.cc -= r.data.length;
    }
    return { n, from: r.from };
  }

  /** sbappendstream: queues what fits of `data` (copied); returns the bytes taken. */
  append(data: Uint8Array): number {
    const n = Math.min(data.length, this.space());
    if (n > 0) {
      this.#chunks.push(data.slice(0, n));
      this.cc += n;
    }
    return n;
  }

  /** Reads stream bytes into `buf`; returns the count (0 when empty). */
  read(buf: Uint8Array, peek = false): number {
    let n = 0, i = 0, off = this.#off;
    while (n < buf.length && i < this.#chunks.length) {
      const c = this.#chunks[i];
      const take = Math.min(buf.length - n, c.length - off);
      buf.set(c.subarray(off, off + take), n);
      n += take;
      off += take;
      if (off === c.length) {
        i++;
        off = 0;
      }
    }
    if (!peek) {
      this.#chunks.splice(0, i);
      this.#off = off;
      this.cc -= n;
    }
    return n;
  }

  /** sbflush: drops everything. */
  flush(): void {
    this.#recs = [];
    this.#chunks = [];
    this.#off = 0;
    this.cc = 0;
  }
}
