/**
 * subr.ts — connection teardown and stateless replies (NetBSD tcp_subr.c): tcp_close,
 * tcp_drop, tcp_respond and the RST for a segment that belongs to no connection.
 *
 * Rules: tcpClose is the one way to CLOSED — it stops every timer, frees buffer memory
 * (input the application may still read stays until read or closed) and takes the block
 * out of the demux. tcpDrop resets the peer when the connection is synchronized. Replies
 * with no control block carry no options and a zero window.
 */
import type { Ipv4Addr } from "../wire/addr.ts";
import type { TcpRepr } from "../wire/tcp.ts";
import { TH_ACK, TH_FIN, TH_RST, TH_SYN } from "../wire/tcp.ts";
import { haveEstablished, haveRcvdSyn, TCPS_CLOSED } from "./state.ts";
import type { Tcb, TcpHost } from "./tcb.ts";

const EMPTY = new Uint8Array(0);

/** Moves `tp` to CLOSED and frees what it holds (tcp_close). */
export function tcpClose(tp: Tcb): void {
  const stack = tp.stack;
  const env = stack.env;
  const wasOpen = tp.state !== TCPS_CLOSED;
  tp.state = TCPS_CLOSED;
  tp.tRexmt.stop();
  tp.tPersist.stop();
  tp.tKeep.stop();
  tp.tDelack.stop();
  tp.t2Msl.stop();
  env.release(tp.snd.length + tp.reass.clear());
  tp.snd.clear();
  if (tp.appClosed) {
    env.release(tp.rcv.length);
    tp.rcv.clear();
  }
  stack.detach(tp);
  if (wasOpen) {
    stack.stats.closed++;
    tp.postClosed();
  }
}

/** Drops `tp`: RST to the peer if synchronized, the error to the application (tcp_drop). */
export function tcpDrop(tp: Tcb, errno: number): void {
  if (tp.state === TCPS_CLOSED) return;
  const stack = tp.stack;
  if (haveRcvdSyn(tp.state)) {
    tcpRespond(
      stack,
      tp.laddr,
      tp.lport,
      tp.faddr,
      tp.fport,
      tp.sndNxt,
      tp.rcvNxt,
      TH_RST | TH_ACK,
    );
  }
  if (haveEstablished(tp.state)) stack.stats.drops++;
  else stack.stats.conndrops++;
  if (errno) {
    tp.error = errno;
    tp.postError();
  }
  tcpClose(tp);
}

/** Sends one segment that no connection's state accounts for (tcp_respond). */
export function tcpRespond(
  stack: TcpHost,
  laddr: Ipv4Addr,
  lport: number,
  faddr: Ipv4Addr,
  fport: number,
  seq: number,
  ack: number,
  flags: number,
): void {
  const seg: TcpRepr = {
    srcPort: lport,
    dstPort: fport,
    seq: seq >>> 0,
    ack: flags & TH_ACK ? ack >>> 0 : 0,
    flags,
    window: 0,
    urgent: 0,
    options: {},
    payload: EMPTY,
  };
  stack.stats.sndtotal++;
  if (flags & TH_RST) stack.stats.sndrst++;
  else stack.stats.sndacks++;
  stack.env.output(seg, laddr, faddr);
}

/**
 * The RST answering `seg` (from src to dst) when no connection takes it, or when it is
 * unacceptable in LISTEN, SYN-SENT or SYN-RECEIVED (RFC 9293 §3.10.7.1): none for a RST;
 * <SEQ=SEG.ACK><CTL=RST> if it carries an ACK; else <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
 */
export function respondRst(stack: TcpHost, src: Ipv4Addr, dst: Ipv4Addr, seg: TcpRepr): void {
  if (seg.flags & TH_RST) return;
  if (seg.flags & TH_ACK) {
    tcpRespond(stack, dst, seg.dstPort, src, seg.srcPort, seg.ack, 0, TH_RST);
  } else {
    const len = seg.payload.length + (seg.flags & TH_SYN ? 1 : 0) + (seg.flags & TH_FIN ? 1 : 0);
    tcpRespond(stack, dst, seg.dstPort, src, seg.srcPort, 0, seg.seq + len, TH_RST | TH_ACK);
  }
}
