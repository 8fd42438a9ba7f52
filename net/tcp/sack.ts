/**
 * sack.ts — the SACK sender's scoreboard (RFC 2018 §5, RFC 6675 §3, §4).
 *
 * Rules: the scoreboard holds the SACKed ranges above SND.UNA, sorted, disjoint and merged;
 * a block that is not wholly inside (SND.UNA, SND.MAX] is ignored (RFC 2018 §5 "the SACK
 * option ... MAY be ignored" — it is stale or bogus). HighRxt is the highest sequence
 * number retransmitted in the current recovery (RFC 6675 §2). Holes are the gaps between
 * SND.UNA and the highest SACKed byte; every hole below it is taken as lost (a simplified
 * IsLost, as FreeBSD does). After a retransmission timeout the owner clears the board
 * (RFC 2018 §8: the receiver may have reneged).
 */
import { seqGt, seqLe, seqLt, seqMax, seqSub } from "../wire/seq.ts";
import type { SackBlock } from "../wire/tcp_options.ts";

export class SackScoreboard {
  /** SACKed ranges [left, right), sorted by sequence. */
  blocks: SackBlock[] = [];
  /** Bytes the board holds. */
  sacked = 0;
  /** HighRxt. */
  highRxt = 0;

  /** Merges the blocks of one ACK; returns true if the board learned something. */
  update(sack: readonly SackBlock[], sndUna: number, sndMax: number): boolean {
    this.prune(sndUna);
    let changed = false;
    for (const b of sack) {
      if (!seqLt(b.left, b.right) || !seqGt(b.left, sndUna) || seqGt(b.right, sndMax)) continue;
      changed = this.#add(b.left >>> 0, b.right >>> 0) || changed;
    }
    return changed;
  }

  /** Forgets everything at or below SND.UNA. */
  prune(sndUna: number): void {
    const bl = this.blocks;
    let i = 0;
    while (i < bl.length && seqLe(bl[i].right, sndUna)) {
      this.sacked -= seqSub(bl[i].right, bl[i].left);
      i++;
    }
    if (i > 0) bl.splice(0, i);
    if (bl.length > 0 && seqLt(bl[0].left, sndUna)) {
      this.sacked -= seqSub(sndUna, bl[0].left);
      bl[0] = { left: sndUna >>> 0, right: bl[0].right };
    }
  }

  /** The highest SACKed sequence number + 1 (HighACK-side end), or SND.UNA if none. */
  highSack(sndUna: number): number {
    return this.blocks.length ? this.blocks[this.blocks.length - 1].right : sndUna;
  }

  /** True if `seq` lies in a SACKed range. */
  isSacked(seq: number): boolean {
    for (const b of this.blocks) {
      if (seqLt(seq, b.left)) return false;
      if (seqLt(seq, b.right)) return true;
    }
    return false;
  }

  /**
   * The next lost range to retransmit (RFC 6675 §4 NextSeg rule 1, simplified): the first
   * un-SACKed byte at or above max(SND.UNA, HighRxt) and below the highest SACKed byte,
   * at most `mss` long. Null when every hole has been retransmitted.
   */
  nextHole(sndUna: number, mss: number): { seq: number; len: number } | null {
    let start = seqMax(sndUna, this.highRxt);
    let holeStart = sndUna;
    for (const b of this.blocks) {
      // The hole is [holeStart, b.left).
      if (seqLt(start, b.left)) {
        const seq = seqMax(start, holeStart);
        if (seqLt(seq, b.left)) return { seq, len: Math.min(mss, seqSub(b.left, seq)) };
      }
      holeStart = b.right;
      if (seqLt(start, b.right)) start = b.right;
    }
    return null;
  }

  /** Un-SACKed bytes in [SND.UNA, HighRxt): retransmissions still in flight. */
  rexmitInFlight(sndUna: number): number {
    if (!seqGt(this.highRxt, sndUna)) return 0;
    let n = seqSub(this.highRxt, sndUna);
    for (const b of this.blocks) {
      if (!seqLt(b.left, this.highRxt)) break;
      const r = seqLt(b.right, this.highRxt) ? b.right : this.highRxt;
      n -= seqSub(r, b.left);
    }
    return Math.max(0, n);
  }

  clear(): void {
    this.blocks = [];
    this.sacked = 0;
  }

  #add(left: number, right: number): boolean {
    const bl = this.blocks;
    // First block whose right edge reaches `left` (merging touching ranges).
    let i = 0;
    while (i < bl.length && seqLt(bl[i].right, left)) i++;
    let j = i;
    let l = left, r = right, removed = 0;
    while (j < bl.length && seqLe(bl[j].left, r)) {
      if (seqLt(bl[j].left, l)) l = bl[j].left;
      if (seqGt(bl[j].right, r)) r = bl[j].right;
      removed += seqSub(bl[j].right, bl[j].left);
      j++;
    }
    const added = seqSub(r, l) - removed;
    if (added === 0 && j - i === 1) return false;
    bl.splice(i, j - i, { left: l, right: r });
    this.sacked += added;
    return added > 0;
  }
}
