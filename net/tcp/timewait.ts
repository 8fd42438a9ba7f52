/**
 * timewait.ts — TIME-WAIT of a connection the application has closed, on a compact record
 * (tcb.ts's TimeWait; Linux's tcp_timewait_state_process, FreeBSD's tcp_twcheck): the
 * control block with its buffers and timers goes as soon as both FINs are acknowledged,
 * and the record answers for the 4-tuple until 2·MSL ends (RFC 9293 §3.10.7.4).
 *
 * Rules: a segment for the tuple is checked as a synchronized connection would check it,
 * in RFC 9293's order: a SYN that cannot be an old duplicate (a higher timestamp, RFC 6191,
 * or sequence number, RFC 1122 §4.2.2.13) ends the record and goes on to the listener;
 * PAWS (RFC 7323 §5.3) drops old duplicates with a rate-limited ACK (RFC 5961 §7); a RST
 * ends the record only at RCV.NXT and draws a challenge ACK elsewhere in the window
 * (RFC 5961 §3.2); new data is answered with a RST (the application is gone, RFC 1122
 * §4.2.2.13); a SYN in the window draws a challenge ACK (RFC 5961 §4); an ACK of nothing
 * sent is answered; a retransmitted FIN is acknowledged and restarts the 2·MSL wait.
 * Our ACKs carry the window and timestamps the connection had. The records and their
 * expiry live in the stack (stack.ts).
 */
import { seqAdd, seqGe, seqGt, seqInWindow, seqLe, seqLt, seqSub } from "../wire/seq.ts";
import { type TcpRepr, TH_ACK, TH_FIN, TH_RST, TH_SYN } from "../wire/tcp.ts";
import type { TcpOptions } from "../wire/tcp_options.ts";
import { tcpWindowField } from "./output.ts";
import { tcpRespond } from "./subr.ts";
import { type Tcb, type TcpHost, TimeWait } from "./tcb.ts";

/** TS.Recent older than this is invalid (RFC 7323 §5.5): 24 days. */
export const PAWS_IDLE = 24 * 86400 * 1e9;
const EMPTY = new Uint8Array(0);

/** The record that stands for `tp` (closed, in TIME-WAIT, its FIN acknowledged). */
export function timeWaitOf(tp: Tcb): TimeWait {
  return new TimeWait(
    tp.laddr,
    tp.lport,
    tp.faddr,
    tp.fport,
    tp.sndMax,
    tp.rcvNxt,
    tp.rcv.space,
    tcpWindowField(tp),
    tp.maxSndWnd,
    tp.tsOk,
    tp.tsRecent,
    tp.tsRecentAge,
    tp.lastAckSent,
  );
}

/**
 * Whether a SYN may reopen a tuple in TIME-WAIT: it cannot be an old duplicate if its
 * timestamp is newer than TS.Recent (RFC 6191) or, without timestamps, its sequence
 * number is past RCV.NXT (BSD's rule, RFC 1122 §4.2.2.13).
 */
export function timeWaitReusable(
  tw: { tsOk: boolean; tsRecent: number; rcvNxt: number },
  seg: TcpRepr,
): boolean {
  const ts = seg.options.timestamp;
  if (tw.tsOk && ts !== undefined) return seqGt(ts.tsval, tw.tsRecent);
  return seqGt(seg.seq, tw.rcvNxt);
}

/**
 * A segment for the tuple of `tw`. Returns false when a new SYN ended the record (the
 * caller hands the SYN to the listener), true when the segment was dealt with here.
 */
export function timeWaitInput(stack: TcpHost, tw: TimeWait, seg: TcpRepr): boolean {
  const stats = stack.stats;
  const f = seg.flags;
  const ts = seg.options.timestamp;
  if ((f & (TH_SYN | TH_ACK | TH_RST)) === TH_SYN && timeWaitReusable(tw, seg)) {
    stack.timeWaitClose(tw);
    return false;
  }
  const now = stack.env.now();

  // PAWS (RFC 7323 §5.3 R1).
  if (ts !== undefined && tw.tsOk && !(f & TH_RST) && seqLt(ts.tsval, tw.tsRecent)) {
    if (now - tw.tsRecentAge > PAWS_IDLE) {
      tw.tsRecent = 0; // R3
    } else {
      stats.pawsdrop++;
      ackLimited(stack, tw, now);
      return true;
    }
  }

  // RST (RFC 5961 §3.2).
  if (f & TH_RST) {
    if (seg.seq === tw.rcvNxt) {
      stats.rcvrst++;
      stack.timeWaitClose(tw);
    } else if (seqInWindow(seg.seq, tw.rcvNxt, Math.max(tw.rcvWnd, 1))) {
      challengeAck(stack, tw);
    }
    return true;
  }

  // Trim what lies before RCV.NXT; an entirely old segment is acknowledged.
  let seq = seg.seq;
  let len = seg.payload.length;
  let syn = (f & TH_SYN) !== 0;
  let ackNow = false;
  let todrop = seqSub(tw.rcvNxt, seq);
  if (todrop > 0) {
    if (syn) {
      syn = false;
      seq = seqAdd(seq, 1);
      todrop--;
    }
    if (todrop > len || (todrop === len && !(f & TH_FIN))) {
      ackNow = true;
      if (len > 0) {
        stats.rcvduppack++;
        stats.rcvdupbyte += len;
      }
      todrop = len;
    } else {
      stats.rcvpartduppack++;
      stats.rcvpartdupbyte += todrop;
    }
    len -= todrop;
    seq = seqAdd(seq, todrop);
  }

  // New data: nobody will read it (RFC 1122 §4.2.2.13).
  if (len > 0) {
    stats.rcvafterclose++;
    stats.drops++;
    tcpRespond(
      stack,
      tw.laddr,
      tw.lport,
      tw.faddr,
      tw.fport,
      tw.sndNxt,
      tw.rcvNxt,
      TH_RST | TH_ACK,
    );
    stack.timeWaitClose(tw);
    return true;
  }

  // Past the window.
  if (seqGt(seq, seqAdd(tw.rcvNxt, tw.rcvWnd))) {
    stats.rcvpackafterwin++;
    ackLimited(stack, tw, now);
    return true;
  }

  // TS.Recent (RFC 7323 §4.3).
  if (
    ts !== undefined && tw.tsOk && seqGe(ts.tsval, tw.tsRecent) && seqLe(seg.seq, tw.lastAckSent)
  ) {
    tw.tsRecent = ts.tsval;
    tw.tsRecentAge = now;
  }

  // A SYN in the window (RFC 5961 §4).
  if (syn) {
    stats.badsyn++;
    challengeAck(stack, tw);
    return true;
  }
  if (f & TH_ACK) {
    if (seqGt(seg.ack, tw.sndNxt)) {
      stats.rcvacktoomuch++;
      timeWaitAck(stack, tw);
      return true;
    }
    if (seqLt(seg.ack, seqAdd(tw.sndNxt, -tw.maxSndWnd))) {
      challengeAck(stack, tw); // too old to be genuine (RFC 5961 §5.2)
      return true;
    }
    if (f & TH_FIN) {
      // A retransmitted FIN: our ACK of it was lost. Acknowledge, wait 2·MSL again.
      stack.timeWaitRestart(tw);
      ackNow = true;
    }
  }
  if (ackNow) timeWaitAck(stack, tw);
  return true;
}

/** Sends <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> with the connection's window and timestamps. */
export function timeWaitAck(stack: TcpHost, tw: TimeWait): void {
  const options: TcpOptions = {};
  if (tw.tsOk) {
    options.timestamp = { tsval: stack.tsClock(tw.laddr, tw.faddr), tsecr: tw.tsRecent };
  }
  const seg: TcpRepr = {
    srcPort: tw.lport,
    dstPort: tw.fport,
    seq: tw.sndNxt,
    ack: tw.rcvNxt,
    flags: TH_ACK,
    window: tw.window,
    urgent: 0,
    options,
    payload: EMPTY,
  };
  tw.lastAckSent = tw.rcvNxt;
  stack.stats.sndtotal++;
  stack.stats.sndacks++;
  stack.env.output(seg, tw.laddr, tw.faddr);
}

/** An ACK for a segment dropped by PAWS or the window, at most one per interval (§7). */
function ackLimited(stack: TcpHost, tw: TimeWait, now: number): void {
  if (tw.oowAckTime >= 0 && now - tw.oowAckTime < stack.config.oowAckInterval) {
    stack.stats.oowacklimit++;
    return;
  }
  tw.oowAckTime = now;
  timeWaitAck(stack, tw);
}

/** A challenge ACK, rate-limited stack-wide (RFC 5961 §7). */
function challengeAck(stack: TcpHost, tw: TimeWait): void {
  if (!stack.challengeAckAllowed()) {
    stack.stats.challengeacklimit++;
    return;
  }
  stack.stats.challengeack++;
  timeWaitAck(stack, tw);
}
