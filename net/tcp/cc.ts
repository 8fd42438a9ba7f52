/**
 * cc.ts — congestion control: slow start and congestion avoidance (RFC 5681 §3.1), fast
 * retransmit and NewReno fast recovery (RFC 5681 §3.2, RFC 6582), and the SACK variant's
 * window handling (RFC 6675 §5: cwnd = ssthresh on entry, no inflation).
 *
 * Rules: windows are in bytes. Slow start grows cwnd by min(acked, SMSS) per ACK;
 * congestion avoidance by one SMSS per cwnd of acknowledged bytes (byte counting,
 * RFC 3465). These functions only change window variables; the caller decides what to
 * retransmit and when to call tcp_output.
 */
import { seqAdd, seqSub } from "../wire/seq.ts";
import type { Tcb } from "./tcb.ts";

const CWND_MAX = 0x3fffffff;

/** The initial window (RFC 5681 §3.1, equation 1). */
export function ccInit(tp: Tcb): void {
  const smss = tp.maxseg;
  tp.cwnd = smss > 2190 ? 2 * smss : smss > 1095 ? 3 * smss : 4 * smss;
  tp.ssthresh = CWND_MAX;
  tp.bytesAcked = 0;
}

/** FlightSize: bytes sent and not yet acknowledged. */
export function flightSize(tp: Tcb): number {
  return seqSub(tp.sndMax, tp.sndUna);
}

/** New data acknowledged outside recovery. */
export function ccAck(tp: Tcb, acked: number): void {
  const smss = tp.maxseg;
  if (tp.cwnd < tp.ssthresh) {
    tp.cwnd += Math.min(acked, smss);
  } else {
    tp.bytesAcked += acked;
    if (tp.bytesAcked >= tp.cwnd) {
      tp.bytesAcked -= tp.cwnd;
      tp.cwnd += smss;
    }
  }
  if (tp.cwnd > CWND_MAX) tp.cwnd = CWND_MAX;
}

/** Enters fast recovery: ssthresh per RFC 5681 equation 4, recover = highest sent. */
export function ccEnterRecovery(tp: Tcb): void {
  tp.ssthresh = Math.max(flightSize(tp) >> 1, 2 * tp.maxseg);
  tp.recover = seqAdd(tp.sndMax, -1); // the highest sequence number sent
  tp.inRecovery = true;
  tp.bytesAcked = 0;
  // RFC 6675 §5 step 4.2 sets cwnd = ssthresh; NewReno inflates by the three dupacks.
  tp.cwnd = tp.sackOk ? tp.ssthresh : tp.ssthresh + 3 * tp.maxseg;
}

/** A further duplicate ACK in NewReno recovery inflates cwnd (RFC 6582 §3.2 step 4). */
export function ccDupAckInRecovery(tp: Tcb): void {
  if (!tp.sackOk) tp.cwnd += tp.maxseg;
}

/** A partial ACK deflates cwnd by the amount acknowledged (RFC 6582 §3.2 step 5). */
export function ccPartialAck(tp: Tcb, acked: number): void {
  if (tp.sackOk) return;
  tp.cwnd = Math.max(tp.cwnd - acked + (acked >= tp.maxseg ? tp.maxseg : 0), tp.maxseg);
}

/** A full ACK ends recovery (RFC 6582 §3.2 step 3, option 1). */
export function ccExitRecovery(tp: Tcb): void {
  tp.cwnd = Math.min(tp.ssthresh, Math.max(flightSize(tp), tp.maxseg) + tp.maxseg);
  tp.inRecovery = false;
  tp.dupacks = 0;
}

/** A retransmission timeout: loss window of one segment (RFC 5681 §3.1, equation 4). */
export function ccTimeout(tp: Tcb): void {
  if (tp.rxtShift <= 1) tp.ssthresh = Math.max(flightSize(tp) >> 1, 2 * tp.maxseg);
  tp.cwnd = tp.maxseg;
  tp.bytesAcked = 0;
  tp.inRecovery = false;
  tp.dupacks = 0;
  tp.recover = seqAdd(tp.sndMax, -1); // RFC 6582 §3.2 step 1 after a timeout
}
