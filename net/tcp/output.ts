/**
 * output.ts — tcp_output: what to send now, and the building of each segment.
 *
 * Rules: one call sends every segment the state allows, then returns. New data goes when
 * a full segment fits (sender SWS avoidance, RFC 9293 §3.8.6.2.1), or when it is the
 * last of the buffer and nothing is in flight or TCP_NODELAY is set (Nagle, RFC 1122
 * §4.2.3.4), or when it is half the largest window the peer offered, or when forced by
 * the persist timer. A pure ACK goes when one is owed (TF_ACKNOW) or the window opened by
 * two segments or half the buffer (receiver SWS avoidance, §3.8.6.2.2). In SACK recovery
 * holes go before new data while pipe < cwnd (RFC 6675 §5). The window offered never
 * shrinks (§3.8.6.2.2). The payload handed to the environment is a view into the send
 * buffer, valid during the output call only. While the interface toward the peer is busy
 * (its send queue past the mark, TcpEnv.sndBusy) no data goes: the connection waits for
 * the stack's sndReady, and pure ACKs and FINs still go. Arming the persist timer is here too
 * (tcp_setpersist, as in NetBSD), so that output never needs timers.ts.
 */
import type { TcpRepr } from "../wire/tcp.ts";
import { TH_ACK, TH_FIN, TH_SYN } from "../wire/tcp.ts";
import type { TcpOptions } from "../wire/tcp_options.ts";
import { seqAdd, seqGt, seqLe, seqLt, seqSub } from "../wire/seq.ts";
import { TCPS_CLOSED, TCPS_LISTEN, TCPS_SYN_RECEIVED, TCPS_SYN_SENT } from "./state.ts";
import {
  type Tcb,
  TF_ACKNOW,
  TF_DELACK,
  TF_FORCE,
  TF_NODELAY,
  TF_RCVD_SCALE,
  TF_RCVD_TSTMP,
  TF_REQ_SCALE,
  TF_REQ_TSTMP,
  TF_SACK_PERMIT,
} from "./tcb.ts";

const EMPTY = new Uint8Array(0);
const TCP_MAXWIN = 65535;
/** Bounds of the persist timer (NetBSD TCPTV_PERSMIN, TCPTV_PERSMAX). */
const PERSIST_MIN = 5e9;
const PERSIST_MAX = 60e9;

/** tcp_output: sends what the connection's state calls for. */
export function tcpOutput(tp: Tcb): void {
  const st = tp.state;
  if (st === TCPS_CLOSED || st === TCPS_LISTEN) return;

  // The handshake: a SYN (or SYN-ACK) when none is outstanding; data waits for ESTABLISHED.
  if (st === TCPS_SYN_SENT || st === TCPS_SYN_RECEIVED) {
    if (tp.sndNxt === tp.iss) {
      tcpSendSegment(tp, tp.iss, 0, st === TCPS_SYN_SENT ? TH_SYN : TH_SYN | TH_ACK);
      tp.sndNxt = seqAdd(tp.iss, 1);
    } else if (st === TCPS_SYN_RECEIVED && tp.flags & TF_ACKNOW) {
      tcpSendSegment(tp, tp.sndNxt, 0, TH_ACK);
    }
    return;
  }

  if (tp.inRecovery && tp.sackOk) sackRecoveryOutput(tp);

  for (;;) {
    const dataStart = tp.sndUna;
    const off = seqSub(tp.sndNxt, dataStart); // bytes in flight before SND.NXT
    let win = Math.min(tp.sndWnd, tp.cwnd);
    const force = (tp.flags & TF_FORCE) !== 0;
    if (force && tp.sndWnd === 0) win = 1;
    const buffered = tp.snd.length;
    let len = Math.min(buffered, win) - off;
    if (len < 0) {
      // The window shrank below what is in flight.
      len = 0;
      if (tp.sndWnd === 0 && !force && buffered > 0) {
        // Zero window: take back what was sent beyond it and probe (RFC 9293 §3.8.6.1).
        tp.tRexmt.stop();
        tp.rxtShift = 0;
        tp.sndNxt = tp.sndUna;
        if (!tp.tPersist.pending()) tcpSetPersist(tp);
      }
    }
    let sendalot = false;
    if (len > tp.maxseg) {
      len = tp.maxseg;
      sendalot = true;
    }
    if (len > 0 && tp.stack.env.sndBusy?.(tp.faddr)) {
      // The interface's send queue is past its mark: new data waits until the driver has
      // drained it (sndReady), rather than be dropped at the queue's end. ACKs still go.
      len = 0;
      sendalot = false;
      tp.stack.sndWait(tp);
    }
    // A FIN rides on the segment that ends at the buffer's end.
    const fin = tp.sndFin && !tp.sndFinAcked && off + len === buffered &&
      seqLe(tp.sndNxt, tp.finSeq());

    let send = false;
    if (len > 0) {
      const idle = tp.sndMax === tp.sndUna;
      if (len === tp.maxseg) send = true;
      else if ((idle || tp.flags & TF_NODELAY) && off + len >= buffered) send = true;
      else if (force) send = true;
      else if (tp.maxSndWnd > 0 && len >= tp.maxSndWnd / 2) send = true;
      else if (seqLt(tp.sndNxt, tp.sndMax)) send = true;
    }
    if (!send && tp.flags & TF_ACKNOW) send = true;
    if (!send && fin && (tp.sndNxt !== seqAdd(tp.finSeq(), 1))) send = true;
    if (!send && windowUpdateDue(tp)) {
      send = true;
      tp.stack.stats.sndwinup++;
    }
    if (!send) {
      if (tp.tRexmt.pending() || tp.tPersist.pending()) return;
      if (tp.sndMax !== tp.sndUna) {
        // Something is in flight: the retransmission timer must watch it (RFC 6298 §5.1).
        tp.tRexmt.schedule(tp.rtt.backedOff(tp.rxtShift));
      } else if (buffered > off) {
        // Data waiting, nothing in flight to clock it out: the persist timer takes over.
        tp.rxtShift = 0;
        tcpSetPersist(tp);
      }
      return;
    }
    if (force && len > 0 && tp.sndWnd === 0) tp.stack.stats.sndprobe++;
    tcpSendSegment(tp, tp.sndNxt, len, fin ? TH_ACK | TH_FIN : TH_ACK);
    tp.sndNxt = seqAdd(tp.sndNxt, len + (fin ? 1 : 0));
    if (seqGt(tp.sndNxt, tp.sndMax)) tp.sndMax = tp.sndNxt;
    if (!sendalot) return;
  }
}

/** RFC 6675 §5 steps (C): retransmit holes, then new data, while cwnd − pipe ≥ SMSS. */
function sackRecoveryOutput(tp: Tcb): void {
  const sb = tp.sack;
  for (;;) {
    const pipe = Math.max(0, seqSub(tp.sndMax, sb.highSack(tp.sndUna))) +
      sb.rexmitInFlight(tp.sndUna);
    if (tp.cwnd - pipe < tp.maxseg) return;
    const hole = sb.nextHole(tp.sndUna, tp.maxseg);
    if (hole !== null) {
      tcpSendSegment(tp, hole.seq, hole.len, TH_ACK);
      sb.highRxt = seqAdd(hole.seq, hole.len);
      tp.stack.stats.sackrexmit++;
      continue;
    }
    // NextSeg rule 2: new data the receiver's window allows.
    const off = seqSub(tp.sndNxt, tp.sndUna);
    const len = Math.min(tp.snd.length - off, tp.maxseg, tp.sndWnd - off);
    if (len <= 0 || (len < tp.maxseg && off + len < tp.snd.length)) return;
    tcpSendSegment(tp, tp.sndNxt, len, TH_ACK);
    tp.sndNxt = seqAdd(tp.sndNxt, len);
    if (seqGt(tp.sndNxt, tp.sndMax)) tp.sndMax = tp.sndNxt;
  }
}

/** Retransmits the first unacknowledged segment (fast retransmit, partial ACK). */
export function tcpRetransmitFirst(tp: Tcb): void {
  const len = Math.min(tp.maxseg, tp.snd.length);
  const end = seqAdd(tp.sndUna, len);
  const fin = tp.sndFin && !tp.sndFinAcked && len === tp.snd.length && seqGt(tp.sndMax, end);
  if (len === 0 && !fin) return;
  tcpSendSegment(tp, tp.sndUna, len, fin ? TH_ACK | TH_FIN : TH_ACK);
}

/** The receive window we can offer: free buffer space, SWS-limited (RFC 9293 §3.8.6.2.2). */
function receiveSpace(tp: Tcb): number {
  let space = tp.rcv.space;
  const lim = tp.rcv.limit;
  if (space < lim / 4 && space < tp.ourMss) space = 0;
  const max = TCP_MAXWIN << tp.rcvScale;
  if (space > max) space = max;
  const adv = seqSub(tp.rcvAdv, tp.rcvNxt);
  return space < adv ? adv : space;
}

/** The window field of a segment other than a SYN now (scaled, RFC 7323 §2.3). */
export function tcpWindowField(tp: Tcb): number {
  const w = receiveSpace(tp) >>> tp.rcvScale;
  return w > TCP_MAXWIN ? TCP_MAXWIN : w;
}

/** True when the window has opened enough since it was last advertised to tell the peer. */
function windowUpdateDue(tp: Tcb): boolean {
  if (tp.finRcvd || tp.rcvShut) return false;
  const grow = receiveSpace(tp) - seqSub(tp.rcvAdv, tp.rcvNxt);
  return grow >= 2 * tp.ourMss || 2 * grow >= tp.rcv.limit;
}

/** The options of a SYN or SYN-ACK (RFC 9293 §3.7.1, RFC 7323 §2.2, §3.2, RFC 2018 §2). */
function synOptions(tp: Tcb, synAck: boolean): TcpOptions {
  const o: TcpOptions = { mss: tp.ourMss };
  const f = tp.flags;
  if (f & TF_REQ_SCALE && (!synAck || f & TF_RCVD_SCALE)) o.windowScale = tp.requestScale;
  if (f & TF_REQ_TSTMP && (!synAck || f & TF_RCVD_TSTMP)) {
    o.timestamp = { tsval: tp.tsNow(), tsecr: synAck ? tp.tsRecent : 0 };
  }
  if (tp.stack.config.sack && (!synAck || f & TF_SACK_PERMIT)) o.sackPermitted = true;
  return o;
}

/**
 * Builds and sends one segment of `len` data bytes starting at `seq` with `flags`,
 * keeping the bookkeeping every segment needs: window and Last.ACK.sent, the delayed-ACK
 * state, RTT timing (Karn: a retransmission cancels it), the retransmission timer, counters.
 */
export function tcpSendSegment(tp: Tcb, seq: number, len: number, flags: number): void {
  const stack = tp.stack;
  const stats = stack.stats;
  const syn = (flags & TH_SYN) !== 0;
  let options: TcpOptions;
  if (syn) {
    options = synOptions(tp, (flags & TH_ACK) !== 0);
  } else {
    options = {};
    if (tp.tsOk) options.timestamp = { tsval: tp.tsNow(), tsecr: tp.tsRecent };
    if (tp.sackOk && flags & TH_ACK && tp.reass.bytes > 0) {
      options.sack = tp.reass.sackBlocks(tp.tsOk ? 3 : 4);
    }
  }

  // The window field (never scaled in a SYN, RFC 7323 §2.2).
  let window: number;
  if (syn) {
    window = Math.min(tp.rcv.space, TCP_MAXWIN);
    if (flags & TH_ACK) tp.rcvAdv = seqAdd(tp.rcvNxt, window);
  } else {
    window = tcpWindowField(tp);
    const edge = seqAdd(tp.rcvNxt, window << tp.rcvScale);
    if (seqGt(edge, tp.rcvAdv)) tp.rcvAdv = edge;
  }

  const payload = len > 0 ? tp.snd.peek(seqSub(seq, tp.dataStart()), len) : EMPTY;
  const seg: TcpRepr = {
    srcPort: tp.lport,
    dstPort: tp.fport,
    seq: seq >>> 0,
    ack: flags & TH_ACK ? tp.rcvNxt : 0,
    flags,
    window,
    urgent: 0,
    options,
    payload,
  };

  const fin = (flags & TH_FIN) !== 0;
  const end = seqAdd(seq, len + (syn ? 1 : 0) + (fin ? 1 : 0));
  const rexmit = seqLt(seq, tp.sndMax);
  stats.sndtotal++;
  if (len > 0) {
    if (rexmit) {
      stats.sndrexmitpack++;
      stats.sndrexmitbyte += len;
    } else {
      stats.sndpack++;
      stats.sndbyte += len;
    }
  } else if (syn || fin) {
    stats.sndctrl++;
  } else {
    stats.sndacks++;
  }

  if (flags & TH_ACK) {
    tp.flags &= ~(TF_ACKNOW | TF_DELACK);
    if (tp.tDelack.pending()) tp.tDelack.stop();
    tp.lastAckSent = tp.rcvNxt;
  }

  if (end !== seq) {
    // Round-trip timing without timestamps (RFC 6298 §3, Karn's algorithm).
    if (rexmit) {
      if (tp.rttTime !== 0 && seqLe(seq, tp.rttSeq) && seqLt(tp.rttSeq, end)) tp.rttTime = 0;
    } else if (tp.rttTime === 0 && !tp.tsOk) {
      tp.rttTime = stack.env.now() || 1;
      tp.rttSeq = seq >>> 0;
      stats.segstimed++;
    }
    if (seqGt(end, tp.sndMax)) tp.sndMax = end;
    // RFC 6298 §5.1: start the timer when sending data, unless it runs.
    if (!tp.tRexmt.pending() && !(tp.flags & TF_FORCE && tp.tPersist.pending())) {
      if (tp.tPersist.pending()) {
        tp.tPersist.stop();
        tp.persistShift = 0;
      }
      tp.tRexmt.schedule(tp.rtt.backedOff(tp.rxtShift));
    }
  }

  stack.env.output(seg, tp.laddr, tp.faddr);
}

/** Arms the persist timer with its backoff, bounded to [5 s, 60 s]. */
export function tcpSetPersist(tp: Tcb): void {
  const t = tp.rtt.backedOff(0) * 2 ** tp.persistShift;
  tp.tPersist.schedule(Math.min(PERSIST_MAX, Math.max(PERSIST_MIN, t)));
  if (tp.persistShift < 12) tp.persistShift++;
}
