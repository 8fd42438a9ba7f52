/**
 * input.ts — tcp_input: segment arrival (RFC 9293 §3.10.7), in the RFC's order of checks.
 *
 * Rules: demux by 4-tuple, else a closed connection's TIME-WAIT record (timewait.ts), else a
 * listener, else a RST (§3.10.7.1); a connection that reaches TIME-WAIT after its
 * application closed gives way to such a record once the segment is done. SYN-SENT follows
 * §3.10.7.3. The synchronized states follow §3.10.7.4: PAWS (RFC 7323 §5.3), then the
 * sequence check — done by trimming, as BSD does: old bytes (and an old SYN) are cut off
 * the front, bytes past the window off the back, and what remains is processed, so the
 * ACK field of a duplicate still counts — then RST (RFC 5961 §3: only an exact RCV.NXT
 * resets, an in-window one earns a challenge ACK), SYN (RFC 5961 §4: challenge ACK), ACK
 * (RFC 5961 §5 bounds, SND.UNA, loss recovery, the window), text, FIN. A FIN or data past
 * a hole waits in the reassembly queue. Nothing here throws on bad input; a segment that
 * fits no rule is dropped and counted. A segment for a listening port with no connection
 * goes to listenInput (§3.10.7.2): a SYN makes an entry in the SYN cache (syncache.ts),
 * answered with a SYN-ACK, or a SYN cookie when the cache is full; the ACK that completes
 * it makes the control block, inheriting the listener's options. When the accept backlog
 * is full the SYN is dropped without a reply (as BSD does; the peer retransmits). A RST to
 * a listener only clears a cache entry; an ACK matching no entry or cookie gets a RST.
 */
import { ECONNREFUSED, ECONNRESET } from "../../kernel/kern/errno.ts";
import type { Ipv4Addr } from "../wire/addr.ts";
import { seqAdd, seqGe, seqGt, seqInWindow, seqLe, seqLt, seqSub } from "../wire/seq.ts";
import { type TcpRepr, TH_ACK, TH_FIN, TH_RST, TH_SYN } from "../wire/tcp.ts";
import { type TcpOptions, windowScaleShift } from "../wire/tcp_options.ts";
import {
  ccAck,
  ccDupAckInRecovery,
  ccEnterRecovery,
  ccExitRecovery,
  ccInit,
  ccPartialAck,
} from "./cc.ts";
import { tcpOutput, tcpRetransmitFirst } from "./output.ts";
import {
  haveRcvdFin,
  TCPS_CLOSE_WAIT,
  TCPS_CLOSING,
  TCPS_ESTABLISHED,
  TCPS_FIN_WAIT_1,
  TCPS_FIN_WAIT_2,
  TCPS_LAST_ACK,
  TCPS_SYN_RECEIVED,
  TCPS_SYN_SENT,
  TCPS_TIME_WAIT,
} from "./state.ts";
import { respondRst, tcpClose, tcpDrop } from "./subr.ts";
import {
  type Tcb,
  type TcpHost,
  type TcpListener,
  TF_ACKNOW,
  TF_DELACK,
  TF_RCVD_SCALE,
  TF_RCVD_TSTMP,
  TF_REQ_SCALE,
  TF_REQ_TSTMP,
  TF_SACK_PERMIT,
  TF_SYN_REXMT,
} from "./tcb.ts";
import { tcpKeepArm } from "./timers.ts";
import { PAWS_IDLE, timeWaitInput, timeWaitReusable } from "./timewait.ts";

const EMPTY = new Uint8Array(0);

/** Processes one parsed, checksum-verified segment from `src` to `dst`. */
export function tcpInput(stack: TcpHost, src: Ipv4Addr, dst: Ipv4Addr, seg: TcpRepr): void {
  const stats = stack.stats;
  stats.rcvtotal++;
  let tp = stack.lookup(dst, seg.dstPort, src, seg.srcPort);
  // A new SYN may take over a connection in TIME-WAIT if it cannot be mistaken for an old
  // one: a higher sequence number or timestamp (RFC 1122 §4.2.2.13, RFC 6191).
  if (
    tp !== null && tp.state === TCPS_TIME_WAIT &&
    (seg.flags & (TH_SYN | TH_ACK | TH_RST)) === TH_SYN && timeWaitReusable(tp, seg)
  ) {
    tcpClose(tp);
    tp = null;
  }
  if (tp === null) {
    // A closed connection's TIME-WAIT is a compact record (timewait.ts).
    const tw = stack.lookupTimeWait(dst, seg.dstPort, src, seg.srcPort);
    if (tw !== null && timeWaitInput(stack, tw, seg)) return;
    const l = stack.findListener(dst, seg.dstPort);
    if (l !== null) {
      listenInput(l, src, dst, seg);
    } else {
      stats.noport++;
      respondRst(stack, src, dst, seg);
    }
    return;
  }
  tp.lastRcv = stack.env.now();
  tp.keepProbes = 0;
  if (tp.state === TCPS_SYN_SENT) synSentInput(tp, seg);
  else synchronizedInput(tp, seg);
  // Both FINs acknowledged and the application gone: only the tuple's guard is left.
  if (tp.state === TCPS_TIME_WAIT && tp.appClosed) stack.timeWaitStart(tp);
}

/**
 * Takes the options of the peer's SYN: MSS (RFC 9293 §3.7.1; 536 if absent), window
 * scale only if both sides send it (RFC 7323 §2.2), timestamps likewise (§3.2), SACK if
 * permitted (RFC 2018 §2). Sets the send MSS net of the timestamp option (RFC 6691).
 */
export function tcpSynOptions(tp: Tcb, o: TcpOptions): void {
  const cfg = tp.stack.config;
  if (o.windowScale !== undefined && tp.flags & TF_REQ_SCALE) {
    tp.flags |= TF_RCVD_SCALE;
    tp.sndScale = windowScaleShift(o.windowScale);
    tp.rcvScale = tp.requestScale;
  } else {
    tp.flags &= ~TF_REQ_SCALE;
    tp.sndScale = tp.rcvScale = 0;
  }
  if (o.timestamp !== undefined && tp.flags & TF_REQ_TSTMP) {
    tp.flags |= TF_RCVD_TSTMP;
    tp.tsRecent = o.timestamp.tsval;
    tp.tsRecentAge = tp.stack.env.now();
  } else {
    tp.flags &= ~TF_REQ_TSTMP;
  }
  if (o.sackPermitted && cfg.sack) tp.flags |= TF_SACK_PERMIT;
  const peerMss = o.mss !== undefined && o.mss > 0 ? o.mss : cfg.defaultMss;
  tp.maxseg = Math.max(64, Math.min(peerMss, tp.ourMss) - (tp.tsOk ? 12 : 0));
}

/** The handshake completed: ESTABLISHED (or FIN-WAIT-1 if a close was queued). */
export function tcpEstablished(tp: Tcb): void {
  const stats = tp.stack.stats;
  tp.state = tp.sndFin ? TCPS_FIN_WAIT_1 : TCPS_ESTABLISHED;
  stats.connects++;
  // RFC 6298 §5.7: a SYN that timed out leaves RTO at 3 s until a measurement.
  if (tp.flags & TF_SYN_REXMT && tp.rtt.samples === 0) tp.rtt.rto = Math.max(tp.rtt.rto, 3e9);
  tp.rxtShift = 0;
  ccInit(tp);
  tcpKeepArm(tp);
  tp.postConnected();
}

/** RFC 9293 §3.10.7.3: SYN-SENT. */
function synSentInput(tp: Tcb, seg: TcpRepr): void {
  const stack = tp.stack;
  const f = seg.flags;
  // First, the ACK: it must acknowledge our SYN and nothing beyond.
  if (f & TH_ACK && (seqLe(seg.ack, tp.iss) || seqGt(seg.ack, tp.sndMax))) {
    respondRst(stack, tp.faddr, tp.laddr, seg);
    return;
  }
  // Second, RST: only with an acceptable ACK (RFC 5961 §3.2); the connection is refused.
  if (f & TH_RST) {
    if (f & TH_ACK) {
      stack.stats.rcvrst++;
      tcpDrop(tp, ECONNREFUSED);
    }
    return;
  }
  // Fourth, SYN.
  if (!(f & TH_SYN)) return;
  tp.irs = seg.seq;
  tp.rcvNxt = tp.rcvAdv = seqAdd(seg.seq, 1);
  tcpSynOptions(tp, seg.options);
  tp.sndWnd = seg.window; // never scaled in a SYN (RFC 7323 §2.2)
  tp.maxSndWnd = Math.max(tp.maxSndWnd, tp.sndWnd);
  tp.sndWl1 = seg.seq;
  if (f & TH_ACK) {
    rttFromAck(tp, seg);
    tp.sndUna = seg.ack;
    tp.sndWl2 = seg.ack;
    tp.tRexmt.stop();
    tcpEstablished(tp);
    tp.flags |= TF_ACKNOW;
    // Data or a FIN riding on the SYN-ACK (sixth and later steps).
    let data = seg.payload;
    if (data.length > tp.rcv.space) data = data.subarray(0, tp.rcv.space);
    const fin = (f & TH_FIN) !== 0 && data.length === seg.payload.length;
    if (data.length > 0 || fin) processText(tp, tp.rcvNxt, data, fin);
  } else {
    // Simultaneous open: SYN-RECEIVED, and our SYN again, now with an ACK.
    tp.state = TCPS_SYN_RECEIVED;
    tp.tRexmt.stop();
    tp.sndNxt = tp.iss;
  }
  tcpOutput(tp);
}

/** RFC 9293 §3.10.7.4: SYN-RECEIVED and every later state. */
function synchronizedInput(tp: Tcb, seg: TcpRepr): void {
  const stack = tp.stack;
  const stats = stack.stats;
  const env = stack.env;
  const f = seg.flags;
  const ts = seg.options.timestamp;

  // A retransmitted SYN in SYN-RECEIVED: our SYN-ACK was lost; send it again.
  if (tp.state === TCPS_SYN_RECEIVED && (f & (TH_SYN | TH_ACK | TH_RST)) === TH_SYN) {
    if (seg.seq === tp.irs) {
      tp.sndNxt = tp.iss;
      tcpOutput(tp);
    }
    return;
  }

  // PAWS (RFC 7323 §5.3 R1): an older timestamp marks an old duplicate.
  if (ts !== undefined && tp.tsOk && !(f & TH_RST) && seqLt(ts.tsval, tp.tsRecent)) {
    if (env.now() - tp.tsRecentAge > PAWS_IDLE) {
      tp.tsRecent = 0; // R3: TS.Recent is too old to trust
    } else {
      stats.pawsdrop++;
      dropAfterAckLimited(tp);
      return;
    }
  }

  const rcvWnd = tp.rcv.space;
  let seq = seg.seq;
  let data = seg.payload;
  let syn = (f & TH_SYN) !== 0;
  let fin = (f & TH_FIN) !== 0;

  // Second (checked with the first): RST, by RFC 5961 §3.2.
  if (f & TH_RST) {
    if (seq === tp.rcvNxt) {
      stats.rcvrst++;
      resetReceived(tp);
    } else if (seqInWindow(seq, tp.rcvNxt, Math.max(rcvWnd, 1))) {
      challengeAck(tp);
    }
    return;
  }

  // First: trim what lies before RCV.NXT.
  let todrop = seqSub(tp.rcvNxt, seq);
  if (todrop > 0) {
    if (syn) {
      syn = false;
      seq = seqAdd(seq, 1);
      todrop--;
    }
    const tlen = data.length;
    if (todrop > tlen || (todrop === tlen && !fin)) {
      // Entirely old: acknowledge what we have (§3.10.7.4 "send an acknowledgment").
      fin = false;
      tp.flags |= TF_ACKNOW;
      todrop = tlen;
      if (tlen > 0) {
        stats.rcvduppack++;
        stats.rcvdupbyte += tlen;
      }
    } else {
      stats.rcvpartduppack++;
      stats.rcvpartdupbyte += todrop;
    }
    if (todrop > 0) {
      data = data.subarray(todrop);
      seq = seqAdd(seq, todrop);
    }
  }

  // New data after the application closed: reset (RFC 1122 §4.2.2.13).
  if (tp.appClosed && data.length > 0 && tp.state > TCPS_CLOSE_WAIT) {
    stats.rcvafterclose++;
    tcpDrop(tp, 0);
    return;
  }

  // First, continued: trim what lies past the window.
  todrop = seqSub(seqAdd(seq, data.length), seqAdd(tp.rcvNxt, rcvWnd));
  if (todrop > 0) {
    stats.rcvpackafterwin++;
    if (todrop >= data.length) {
      stats.rcvbyteafterwin += data.length;
      if (rcvWnd === 0 && seq === tp.rcvNxt) {
        // A window probe: take its ACK, answer with our (still zero) window.
        stats.rcvwinprobe++;
        tp.flags |= TF_ACKNOW;
      } else {
        dropAfterAckLimited(tp);
        return;
      }
      data = EMPTY;
    } else {
      stats.rcvbyteafterwin += todrop;
      data = data.subarray(0, data.length - todrop);
    }
    fin = false;
  }

  // TS.Recent (RFC 7323 §4.3, as in its Appendix D).
  if (
    ts !== undefined && tp.tsOk && seqGe(ts.tsval, tp.tsRecent) && seqLe(seg.seq, tp.lastAckSent)
  ) {
    tp.tsRecent = ts.tsval;
    tp.tsRecentAge = tp.lastRcv; // this segment's arrival (tcpInput read the clock)
  }

  // Fourth: a SYN in window in a synchronized state (RFC 5961 §4).
  if (syn) {
    stats.badsyn++;
    challengeAck(tp);
    return;
  }

  // Fifth: the ACK field.
  if (!(f & TH_ACK)) {
    if (tp.flags & TF_ACKNOW) tcpOutput(tp);
    return;
  }
  const ack = seg.ack;
  let synAcked = false;
  if (tp.state === TCPS_SYN_RECEIVED) {
    if (!(seqLt(tp.sndUna, ack) && seqLe(ack, tp.sndMax))) {
      respondRst(stack, tp.faddr, tp.laddr, seg);
      return;
    }
    const l = tp.listener;
    if (l !== null && !l.canAccept()) {
      // The accept queue filled while the handshake ran: ignore the ACK (the peer will
      // retransmit), as BSD drops the SYN when the backlog is full.
      stats.listendrop++;
      return;
    }
    tcpEstablished(tp);
    if (l !== null) {
      stats.accepts++;
      l.established(tp);
    }
    tp.sndWnd = seg.window << tp.sndScale;
    tp.maxSndWnd = Math.max(tp.maxSndWnd, tp.sndWnd);
    tp.sndWl1 = seg.seq;
    tp.sndWl2 = ack;
    synAcked = true;
  }

  let needOutput = false;
  if (seqGt(ack, tp.sndMax)) {
    // It acknowledges something not yet sent.
    stats.rcvacktoomuch++;
    dropAfterAck(tp);
    return;
  }
  if (seqLt(ack, seqAdd(tp.sndUna, -tp.maxSndWnd))) {
    // Too old to be genuine (RFC 5961 §5.2).
    challengeAck(tp);
    return;
  }
  if (seqLe(ack, tp.sndUna) && !synAcked) {
    const segWnd = seg.window << tp.sndScale;
    if (
      ack === tp.sndUna && data.length === 0 && !fin && segWnd === tp.sndWnd &&
      tp.sndMax !== tp.sndUna && segWnd !== 0 // answers to window probes are not dupacks
    ) {
      needOutput = dupAck(tp, seg) || needOutput;
    }
  } else {
    if (!newAck(tp, seg, synAcked)) return; // the connection closed (LAST-ACK)
    if (tp.snd.length > 0 || (tp.sndFin && !tp.sndFinAcked)) needOutput = true;
  }

  // The send window, if this segment is newer than the one that last set it.
  if (seqLt(tp.sndWl1, seg.seq) || (tp.sndWl1 === seg.seq && seqLe(tp.sndWl2, ack))) {
    const wnd = seg.window << tp.sndScale;
    if (data.length === 0 && tp.sndWl2 === ack && wnd !== tp.sndWnd) stats.rcvwinupd++;
    if (wnd > tp.sndWnd) needOutput = true;
    tp.sndWnd = wnd;
    tp.sndWl1 = seg.seq;
    tp.sndWl2 = ack;
    if (wnd > tp.maxSndWnd) tp.maxSndWnd = wnd;
    if (wnd > 0 && tp.tPersist.pending()) {
      tp.tPersist.stop();
      tp.persistShift = 0;
      needOutput = true;
    }
  }

  // Seventh and eighth: text and FIN.
  if (data.length > 0 || fin) {
    if (!haveRcvdFin(tp.state)) {
      processText(tp, seq, data, fin);
    }
  }
  if (tp.state === TCPS_TIME_WAIT && f & TH_FIN) {
    // A retransmitted FIN: acknowledge it and restart the 2·MSL wait.
    tp.t2Msl.schedule(2 * stack.config.msl);
    tp.timeWaitEnd = env.now() + 2 * stack.config.msl;
    tp.flags |= TF_ACKNOW;
  }

  if (needOutput || tp.flags & TF_ACKNOW) tcpOutput(tp);
}

/** A RST accepted in a synchronized state (RFC 9293 §3.10.7.4 second). */
function resetReceived(tp: Tcb): void {
  const stats = tp.stack.stats;
  switch (tp.state) {
    case TCPS_SYN_RECEIVED:
      if (tp.listener !== null) {
        // Passive: back to LISTEN, i.e. the embryo simply goes.
        stats.conndrops++;
        tcpClose(tp);
      } else {
        stats.conndrops++;
        tp.error = ECONNREFUSED;
        tp.postError();
        tcpClose(tp);
      }
      return;
    case TCPS_ESTABLISHED:
    case TCPS_FIN_WAIT_1:
    case TCPS_FIN_WAIT_2:
    case TCPS_CLOSE_WAIT:
      stats.drops++;
      tp.error = ECONNRESET;
      tp.postError();
      tcpClose(tp);
      return;
    default: // CLOSING, LAST-ACK, TIME-WAIT
      tcpClose(tp);
  }
}

/** Acknowledges and drops the segment. */
function dropAfterAck(tp: Tcb): void {
  tp.flags |= TF_ACKNOW;
  tcpOutput(tp);
}

/**
 * The ACK for a segment dropped by PAWS or as out of window, at most one per
 * `oowAckInterval` per connection (RFC 5961 §7; Linux's tcp_oow_rate_limited): two hosts
 * that disagree about the window or a timestamp cannot loop on each other's ACKs.
 */
function dropAfterAckLimited(tp: Tcb): void {
  const now = tp.stack.env.now();
  if (tp.oowAckTime >= 0 && now - tp.oowAckTime < tp.stack.config.oowAckInterval) {
    tp.stack.stats.oowacklimit++;
    return;
  }
  tp.oowAckTime = now;
  dropAfterAck(tp);
}

/** An ACK the RFC 5961 checks find suspicious, rate-limited stack-wide (§7). */
function challengeAck(tp: Tcb): void {
  const stack = tp.stack;
  if (!stack.challengeAckAllowed()) {
    stack.stats.challengeacklimit++;
    return;
  }
  stack.stats.challengeack++;
  dropAfterAck(tp);
}

/** Takes an RTT measurement from the ACK, if it has one (RFC 7323 §4.1, RFC 6298 §3). */
function rttFromAck(tp: Tcb, seg: TcpRepr): void {
  const stats = tp.stack.stats;
  const ts = seg.options.timestamp;
  let sample = -1;
  if (tp.tsOk && ts !== undefined && ts.tsecr !== 0) {
    const ms = seqSub(tp.tsNow(), ts.tsecr);
    if (ms >= 0) sample = Math.max(ms, 1) * 1e6;
  } else if (tp.rttTime !== 0 && seqGt(seg.ack, tp.rttSeq)) {
    sample = tp.stack.env.now() - tp.rttTime;
    tp.rttTime = 0;
  }
  if (sample >= 0) {
    tp.rtt.sample(sample);
    tp.rxtShift = 0;
    stats.rttupdated++;
  }
}

/** A duplicate ACK (RFC 5681 §2); returns true if tcp_output should run. */
function dupAck(tp: Tcb, seg: TcpRepr): boolean {
  const stats = tp.stack.stats;
  stats.rcvdupack++;
  if (tp.sackOk && seg.options.sack) tp.sack.update(seg.options.sack, tp.sndUna, tp.sndMax);
  tp.dupacks++;
  if (tp.inRecovery) {
    ccDupAckInRecovery(tp);
    return true;
  }
  const sackLoss = tp.sackOk && tp.sack.sacked > 2 * tp.maxseg; // IsLost(SND.UNA), RFC 6675
  if (tp.dupacks < 3 && !sackLoss) return false;
  // RFC 6582 §3.2 step 2: no new recovery until the ACK passes the last one's end.
  if (!seqGt(seg.ack, tp.recover)) return false;
  stats.fastrexmit++;
  ccEnterRecovery(tp);
  tp.tRexmt.stop();
  tp.rttTime = 0;
  // The first segment presumed lost goes at once, whatever pipe says (RFC 6675 §5 step 4.3).
  tcpRetransmitFirst(tp);
  if (tp.sackOk) tp.sack.highRxt = seqAdd(tp.sndUna, Math.min(tp.maxseg, tp.snd.length));
  return true;
}

/** An ACK of new data (RFC 9293 §3.10.7.4 fifth); false if the connection closed. */
function newAck(tp: Tcb, seg: TcpRepr, synAcked: boolean): boolean {
  const stack = tp.stack;
  const stats = stack.stats;
  const ack = seg.ack;
  let acked = seqSub(ack, tp.sndUna);
  stats.rcvackpack++;
  stats.rcvackbyte += acked;
  if (synAcked) acked--; // the SYN's sequence number
  rttFromAck(tp, seg);

  // Drop acknowledged bytes; an ACK past them covers our FIN.
  const buffered = tp.snd.length;
  let ourFinAcked = false;
  let dropped = acked;
  if (acked > buffered) {
    ourFinAcked = tp.sndFin && !tp.sndFinAcked;
    tp.sndFinAcked = tp.sndFin;
    dropped = buffered;
  }
  if (dropped > 0) {
    tp.snd.drop(dropped);
    stack.env.release(dropped);
    tp.postWritable();
  }
  tp.sndUna = ack >>> 0;
  if (seqLt(tp.sndNxt, tp.sndUna)) tp.sndNxt = tp.sndUna;
  if (tp.sackOk) {
    if (seg.options.sack) tp.sack.update(seg.options.sack, tp.sndUna, tp.sndMax);
    else tp.sack.prune(tp.sndUna);
  }

  // Congestion control and loss recovery (RFC 5681, 6582, 6675).
  if (tp.inRecovery) {
    if (seqGt(ack, tp.recover)) {
      ccExitRecovery(tp);
    } else {
      stats.partialack++;
      ccPartialAck(tp, dropped);
      if (!tp.sackOk) tcpRetransmitFirst(tp);
    }
  } else {
    tp.dupacks = 0;
    if (dropped > 0) ccAck(tp, dropped);
  }

  // RFC 6298 §5.2, §5.3: stop the timer when all is acknowledged, else restart it.
  if (tp.sndUna === tp.sndMax) tp.tRexmt.stop();
  else tp.tRexmt.schedule(tp.rtt.backedOff(tp.rxtShift));

  if (ourFinAcked) {
    switch (tp.state) {
      case TCPS_FIN_WAIT_1:
        tp.state = TCPS_FIN_WAIT_2;
        if (tp.appClosed) tp.t2Msl.schedule(stack.config.finWait2Timeout);
        break;
      case TCPS_CLOSING:
        enterTimeWait(tp);
        break;
      case TCPS_LAST_ACK:
        tcpClose(tp);
        return false;
    }
  }
  return true;
}

function enterTimeWait(tp: Tcb): void {
  tp.state = TCPS_TIME_WAIT;
  tp.tRexmt.stop();
  tp.tPersist.stop();
  tp.tKeep.stop();
  tp.t2Msl.schedule(2 * tp.stack.config.msl);
  tp.timeWaitEnd = tp.stack.env.now() + 2 * tp.stack.config.msl;
  // TIME-WAIT only answers a retransmitted FIN (RFC 9293 §3.10.7.4): our FIN was
  // acknowledged, so the send buffer is empty, and a closed socket reads nothing more. Their
  // stores go now, not 2·MSL later (tens of thousands of TIME-WAITs under churn).
  tp.stack.env.release(tp.snd.length);
  tp.snd.clear();
  if (tp.appClosed) {
    tp.stack.env.release(tp.rcv.length);
    tp.rcv.clear();
  }
}

/** Seventh and eighth steps: queue the text, then the FIN, acknowledging as RFC 9293 §3.8.6.3. */
function processText(tp: Tcb, seq: number, data: Uint8Array, fin: boolean): void {
  const stack = tp.stack;
  const stats = stack.stats;
  const env = stack.env;
  const len = data.length;
  if (seq === tp.rcvNxt && tp.reass.empty) {
    if (len > 0) {
      if (!tp.rcvShut) {
        if (!env.reserve(len)) {
          stats.rcvmemdrop++;
          return;
        }
        tp.rcv.append(data);
      }
      tp.rcvNxt = seqAdd(tp.rcvNxt, len);
      stats.rcvpack++;
      stats.rcvbyte += len;
      // Delayed ACK (RFC 1122 §4.2.3.2): at least every second segment, else within the
      // timer; a delay of 0 turns it off, so the ACK goes now, not from a 0 ns callout.
      if (tp.flags & TF_DELACK || stack.config.delack === 0) {
        tp.flags |= TF_ACKNOW;
      } else {
        tp.flags |= TF_DELACK;
        tp.tDelack.schedule(stack.config.delack);
      }
      tp.postReadable();
    }
    if (fin) processFin(tp);
    return;
  }
  // Out of order, or filling a hole: through the reassembly queue, with an immediate ACK
  // (RFC 5681 §4.2).
  if (seqGt(seq, tp.rcvNxt)) {
    stats.rcvoopack++;
    stats.rcvoobyte += len;
  }
  if (tp.reass.insert(seq, data, fin, (n) => env.reserve(n)) < 0) {
    stats.rcvmemdrop++;
    return;
  }
  tp.flags |= TF_ACKNOW;
  const before = tp.rcvNxt;
  tp.rcvNxt = tp.reass.pull(tp.rcvNxt, (d) => {
    if (tp.rcvShut) env.release(d.length);
    else tp.rcv.append(d);
  });
  if (tp.rcvNxt !== before) {
    const n = seqSub(tp.rcvNxt, before);
    stats.rcvpack++;
    stats.rcvbyte += n;
    tp.postReadable();
  }
  if (tp.reass.finSeq >= 0 && tp.rcvNxt === tp.reass.finSeq) processFin(tp);
}

/** The FIN is in sequence (RFC 9293 §3.10.7.4 eighth). */
function processFin(tp: Tcb): void {
  tp.reass.finSeq = -1;
  tp.rcvNxt = seqAdd(tp.rcvNxt, 1);
  tp.finRcvd = true;
  tp.flags |= TF_ACKNOW;
  tp.postReadable();
  switch (tp.state) {
    case TCPS_SYN_RECEIVED:
    case TCPS_ESTABLISHED:
      tp.state = TCPS_CLOSE_WAIT;
      break;
    case TCPS_FIN_WAIT_1:
      tp.state = TCPS_CLOSING;
      break;
    case TCPS_FIN_WAIT_2:
      enterTimeWait(tp);
      break;
  }
}

/**
 * RFC 9293 §3.10.7.2: a segment for a listening port with no connection. A SYN goes to
 * the SYN cache (or gets a cookie); an ACK completes a cached or cookie handshake, making
 * the control block in SYN-RECEIVED that the ordinary processing of this same ACK moves
 * to ESTABLISHED and the accept queue (NetBSD's syn_cache_get then tcp_input). A full
 * accept queue drops a SYN without a reply (the peer retransmits), as BSD and Linux do.
 */
export function listenInput(l: TcpListener, src: Ipv4Addr, dst: Ipv4Addr, seg: TcpRepr): void {
  const stack = l.stack;
  const f = seg.flags;
  if (f & TH_RST) {
    stack.syncache.reset(src, dst, seg);
    return;
  }
  if (f & TH_SYN && !(f & TH_ACK)) {
    if (!l.canAccept()) {
      stack.stats.listendrop++;
      return;
    }
    stack.syncache.add(l, src, dst, seg);
    return;
  }
  if (!(f & TH_ACK)) return;
  const v = f & TH_SYN ? "reset" : stack.syncache.expand(l, src, dst, seg);
  if (v === "drop") return;
  if (v === "reset") {
    respondRst(stack, src, dst, seg);
    return;
  }
  const tp = stack.newTcb(dst, seg.dstPort, src, seg.srcPort, l.options);
  tp.listener = l;
  tp.state = TCPS_SYN_RECEIVED;
  tp.iss = tp.sndUna = tp.recover = v.iss;
  tp.sndNxt = tp.sndMax = seqAdd(v.iss, 1);
  tp.requestScale = v.requestScale;
  tp.irs = v.irs;
  tp.rcvNxt = seqAdd(v.irs, 1);
  tp.rcvAdv = seqAdd(tp.rcvNxt, v.window);
  tp.lastAckSent = tp.rcvNxt; // the SYN-ACK acknowledged the SYN (RFC 7323 §4.3)
  tcpSynOptions(tp, v.options);
  tp.sndWnd = tp.maxSndWnd = v.peerWindow; // never scaled in a SYN (RFC 7323 §2.2)
  tp.sndWl1 = v.irs;
  stack.attach(tp);
  synchronizedInput(tp, seg);
}
