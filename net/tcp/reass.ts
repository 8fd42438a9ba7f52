/**
 * reass.ts — the out-of-order queue of a receiver (tcp_reass), and the SACK blocks it
 * implies (RFC 2018 §4).
 *
 * Rules: only data at or above RCV.NXT and inside the window is queued (input trims it
 * first). The queue is sorted and disjoint: an arriving segment fills only the gaps
 * between what is already held, so overlapping retransmissions cost nothing twice. Each
 * stored range is a private copy (the arriving payload is a view into a packet buffer).
 * Queued bytes are accounted through `reserve`; when it refuses, the segment is dropped.
 * A FIN is remembered by its sequence number until the data before it arrives.
 */
import { seqGt, seqLe, seqLt, seqSub } from "../wire/seq.ts";
import type { SackBlock } from "../wire/tcp_options.ts";

interface ReassSeg {
  seq: number;
  end: number;
  data: Uint8Array;
}

export class ReassQueue {
  #segs: ReassSeg[] = [];
  /** Bytes held. */
  bytes = 0;
  /** The sequence number of a FIN that arrived out of order, or -1. */
  finSeq = -1;
  #recent = -1;

  get empty(): boolean {
    return this.#segs.length === 0 && this.finSeq < 0;
  }

  /**
   * Queues the parts of [seq, seq + data.length) not yet held. Returns the bytes added,
   * or -1 when memory was refused (nothing is kept then).
   */
  insert(seq: number, data: Uint8Array, fin: boolean, reserve: (n: number) => boolean): number {
    const end = (seq + data.length) >>> 0;
    const segs = this.#segs;
    // Collect the gaps of [seq, end) not covered by held ranges.
    const gaps: [number, number, number][] = []; // [from, to, insert index]
    let s = seq >>> 0;
    let i = 0;
    while (i < segs.length && seqLe(segs[i].end, s)) i++;
    for (; i < segs.length && seqLt(s, end); i++) {
      const e = segs[i];
      if (!seqLt(e.seq, end)) break;
      if (seqLt(s, e.seq)) gaps.push([s, e.seq, i]);
      if (seqGt(e.end, s)) s = e.end;
    }
    if (seqLt(s, end)) gaps.push([s, end, i]);
    let added = 0;
    for (const [a, b] of gaps) added += seqSub(b, a);
    if (added > 0 && !reserve(added)) return -1;
    // Insert from the back so earlier indices stay valid.
    for (let g = gaps.length - 1; g >= 0; g--) {
      const [a, b, at] = gaps[g];
      const off = seqSub(a, seq);
      segs.splice(at, 0, { seq: a, end: b, data: data.slice(off, off + seqSub(b, a)) });
    }
    this.bytes += added;
    if (fin) this.finSeq = end;
    if (data.length > 0) this.#recent = seq >>> 0;
    return added;
  }

  /**
   * Hands every range that now starts at RCV.NXT to `sink`, in order; returns the new
   * RCV.NXT. The bytes handed over leave this queue's accounting (the sink takes them).
   */
  pull(rcvNxt: number, sink: (data: Uint8Array) => void): number {
    const segs = this.#segs;
    let k = 0;
    while (k < segs.length && seqLe(segs[k].seq, rcvNxt)) {
      const e = segs[k++];
      this.bytes -= e.data.length;
      if (seqLe(e.end, rcvNxt)) continue; // wholly old (cannot happen when trimmed)
      sink(e.data.subarray(seqSub(rcvNxt, e.seq)));
      rcvNxt = e.end;
    }
    if (k > 0) segs.splice(0, k);
    return rcvNxt >>> 0;
  }

  /** Drops everything; returns the bytes that were held (to release). */
  clear(): number {
    const n = this.bytes;
    this.#segs = [];
    this.bytes = 0;
    this.finSeq = -1;
    return n;
  }

  /**
   * Up to `max` SACK blocks: the run holding the most recent arrival first, then the
   * others in sequence order (RFC 2018 §4).
   */
  sackBlocks(max: number): SackBlock[] {
    const runs: SackBlock[] = [];
    for (const e of this.#segs) {
      const last = runs[runs.length - 1];
      if (last && last.right === e.seq) last.right = e.end;
      else runs.push({ left: e.seq, right: e.end });
    }
    const r = this.#recent;
    const first = runs.findIndex((b) => seqLe(b.left, r) && seqLt(r, b.right));
    if (first > 0) runs.unshift(runs.splice(first, 1)[0]);
    return runs.length > max ? runs.slice(0, max) : runs;
  }
}
