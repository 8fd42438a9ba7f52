/**
 * timers.ts — the five timers of a connection (NetBSD tcp_timer.c): retransmission
 * (RFC 6298 §5), persist (RFC 9293 §3.8.6.1), keepalive (RFC 1122 §4.2.3.6), delayed
 * ACK (RFC 9293 §3.8.6.3) and 2·MSL (TIME-WAIT, and the FIN-WAIT-2 timeout of an
 * orphaned connection).
 *
 * Rules: each timer is a callout from the environment; its handler runs as an engine
 * entry point (stack.run), so events it causes reach the application after it returns.
 * A retransmission timeout backs off exponentially and, past the limit (synRetries for a
 * SYN, maxRexmt otherwise), drops the connection with ETIMEDOUT. The keepalive timer is
 * lazy: it fires after the idle time and re-arms itself if the peer was heard since.
 */
import { ETIMEDOUT } from "../../kernel/kern/errno.ts";
import { TH_ACK } from "../wire/tcp.ts";
import { seqAdd } from "../wire/seq.ts";
import { ccTimeout } from "./cc.ts";
import { tcpOutput, tcpSendSegment, tcpSetPersist } from "./output.ts";
import { haveEstablished, TCPS_CLOSE_WAIT, TCPS_SYN_RECEIVED, TCPS_SYN_SENT } from "./state.ts";
import { tcpClose, tcpDrop } from "./subr.ts";
import { type Tcb, TF_ACKNOW, TF_FORCE, TF_SYN_REXMT } from "./tcb.ts";

/** Creates the connection's callouts. */
export function tcpTimersCreate(tp: Tcb): void {
  const env = tp.stack.env;
  const wrap = (fn: (tp: Tcb) => void) => () => tp.stack.run(() => fn(tp));
  tp.tRexmt = env.timer("tcp rexmt", wrap(rexmtTimeout));
  tp.tPersist = env.timer("tcp persist", wrap(persistTimeout));
  tp.tKeep = env.timer("tcp keep", wrap(keepTimeout));
  tp.tDelack = env.timer("tcp delack", wrap(delackTimeout));
  tp.t2Msl = env.timer("tcp 2msl", wrap(tcpClose));
}

/** RFC 6298 §5.4–5.6: retransmit the earliest unacknowledged segment, back off. */
function rexmtTimeout(tp: Tcb): void {
  const stats = tp.stack.stats;
  const cfg = tp.stack.config;
  stats.rexmttimeo++;
  tp.rxtShift++;
  const syn = tp.state === TCPS_SYN_SENT || tp.state === TCPS_SYN_RECEIVED;
  if (tp.rxtShift > (syn ? cfg.synRetries : cfg.maxRexmt)) {
    stats.timeoutdrop++;
    // A passive embryo that never completed goes away quietly.
    tcpDrop(tp, tp.state === TCPS_SYN_RECEIVED && tp.listener ? 0 : ETIMEDOUT);
    return;
  }
  if (syn) tp.flags |= TF_SYN_REXMT;
  else ccTimeout(tp);
  // Karn: nothing in flight now may be timed; RFC 2018 §8: forget the SACKed bits.
  tp.rttTime = 0;
  tp.sack.clear();
  tp.sack.highRxt = tp.sndUna;
  tp.sndNxt = tp.sndUna;
  tcpOutput(tp);
}

/** Sends a window probe (or an SWS-override segment) and re-arms. */
function persistTimeout(tp: Tcb): void {
  tp.stack.stats.persisttimeo++;
  tcpSetPersist(tp);
  if (tp.sndWnd === 0) tp.sndNxt = tp.sndUna;
  tp.flags |= TF_FORCE;
  tcpOutput(tp);
  tp.flags &= ~TF_FORCE;
}

/** Arms keepalive for an established connection with SO_KEEPALIVE. */
export function tcpKeepArm(tp: Tcb): void {
  if (tp.keepAlive) tp.tKeep.schedule(tp.stack.config.keepIdle);
}

function keepTimeout(tp: Tcb): void {
  const cfg = tp.stack.config;
  if (!tp.keepAlive || !haveEstablished(tp.state) || tp.state > TCPS_CLOSE_WAIT) return;
  const idle = tp.stack.env.now() - tp.lastRcv;
  if (tp.keepProbes === 0 && idle < cfg.keepIdle) {
    tp.tKeep.schedule(cfg.keepIdle - idle);
    return;
  }
  tp.stack.stats.keeptimeo++;
  if (tp.keepProbes >= cfg.keepCnt) {
    tp.stack.stats.keepdrops++;
    tcpDrop(tp, ETIMEDOUT);
    return;
  }
  // The probe: SEG.SEQ = SND.UNA − 1, which the peer must answer with an ACK.
  tp.keepProbes++;
  tp.stack.stats.keepprobe++;
  tcpSendSegment(tp, seqAdd(tp.sndUna, -1), 0, TH_ACK);
  tp.tKeep.schedule(cfg.keepIntvl);
}

function delackTimeout(tp: Tcb): void {
  tp.stack.stats.delack++;
  tp.flags |= TF_ACKNOW;
  tcpOutput(tp);
}
