/**
 * usrreq.ts — the application's calls on one connection (RFC 9293 §3.10's user calls
 * SEND, RECEIVE, CLOSE, ABORT and the socket options; NetBSD's tcp_usrreq.c, with
 * tcp_usrclosed and tcp_disconnect): what the socket glue (net/tcp_usrreq.ts) and tests
 * call on a Tcb, and closing a listener, which resets every connection not yet accepted.
 *
 * Rules: none of these blocks: send accepts what fits, recv returns TCP_WOULDBLOCK when
 * nothing is buffered; failures throw Errno. Each call that may send or post events runs
 * as an engine entry point (stack.run), so the events reach the application after the
 * engine is consistent again.
 */
import { EINVAL, ENOBUFS, ENOTCONN, EPIPE, Errno } from "../../kernel/kern/errno.ts";
import { seqSub } from "../wire/seq.ts";
import { tcpOutput } from "./output.ts";
import {
  haveEstablished,
  TCPS_CLOSE_WAIT,
  TCPS_CLOSED,
  TCPS_ESTABLISHED,
  TCPS_FIN_WAIT_1,
  TCPS_FIN_WAIT_2,
  TCPS_LAST_ACK,
  TCPS_SYN_RECEIVED,
  TCPS_SYN_SENT,
  TCPS_TIME_WAIT,
} from "./state.ts";
import { tcpClose, tcpDrop } from "./subr.ts";
import {
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  type Tcb,
  TCP_WOULDBLOCK,
  type TcpListener,
  TF_NODELAY,
} from "./tcb.ts";
import { tcpKeepArm } from "./timers.ts";

/** TCP_NODELAY: turning it on sends what Nagle held back. */
export function tcpSetNoDelay(tp: Tcb, on: boolean): void {
  tp.flags = on ? tp.flags | TF_NODELAY : tp.flags & ~TF_NODELAY;
  if (on) tp.stack.run(() => tcpOutput(tp));
}

/** SO_KEEPALIVE. */
export function tcpSetKeepAlive(tp: Tcb, on: boolean): void {
  tp.keepAlive = on;
  if (on && haveEstablished(tp.state)) tcpKeepArm(tp);
  if (!on) tp.tKeep.stop();
}

/** SO_SNDBUF. */
export function tcpSetSendBuffer(tp: Tcb, bytes: number): void {
  if (!(bytes > 0)) throw new Errno(EINVAL, "SO_SNDBUF");
  tp.snd.limit = Math.max(bytes, tp.snd.length);
  tp.stack.run(() => {
    if (tp.snd.space > 0) tp.postWritable();
  });
}

/** SO_RCVBUF (takes effect fully before connect; never below what was advertised). */
export function tcpSetRecvBuffer(tp: Tcb, bytes: number): void {
  if (!(bytes > 0)) throw new Errno(EINVAL, "SO_RCVBUF");
  const advertised = tp.rcv.length + Math.max(0, seqSub(tp.rcvAdv, tp.rcvNxt));
  tp.rcv.limit = Math.max(bytes, tp.state === TCPS_CLOSED ? 0 : advertised);
}

/**
 * SEND: queues bytes for sending; returns how many were taken (0 when the buffer is
 * full). Throws EPIPE after shutdown(SHUT_WR) or close, the connection's error once it
 * failed, ENOTCONN before connect, ENOBUFS when guest memory is exhausted.
 */
export function tcpSend(tp: Tcb, data: Uint8Array): number {
  if (tp.error) throw new Errno(tp.error, "send");
  if (tp.sndFin || tp.appClosed) throw new Errno(EPIPE, "send");
  if (tp.state === TCPS_CLOSED) throw new Errno(ENOTCONN, "send");
  const n = Math.min(data.length, tp.snd.space);
  if (n === 0) return 0;
  if (!tp.stack.env.reserve(n)) throw new Errno(ENOBUFS, "send");
  tp.snd.append(n === data.length ? data : data.subarray(0, n));
  tp.stack.run(() => tcpOutput(tp));
  return n;
}

/**
 * RECEIVE: reads into `buf`; returns the byte count, 0 at end of stream (the peer's FIN,
 * or after a failure once the error was reported), or TCP_WOULDBLOCK when nothing is
 * buffered yet. Throws the connection's error (ECONNRESET, ...) once.
 */
export function tcpRecv(tp: Tcb, buf: Uint8Array): number {
  if (buf.length === 0) return 0;
  const n = tp.rcv.read(buf);
  if (n > 0) {
    tp.stack.env.release(n);
    // Reading may open the window enough for a window update (RFC 9293 §3.8.6.2.2).
    if (haveEstablished(tp.state)) tp.stack.run(() => tcpOutput(tp));
    return n;
  }
  if (tp.error) {
    if (!tp.errorReported) {
      tp.errorReported = true;
      throw new Errno(tp.error, "recv");
    }
    return 0;
  }
  if (tp.finRcvd || tp.rcvShut) return 0;
  if (tp.state === TCPS_CLOSED) return 0;
  return TCP_WOULDBLOCK;
}

/** shutdown(2): SHUT_WR sends a FIN after the buffered data; SHUT_RD discards input. */
export function tcpShutdown(tp: Tcb, how: number): void {
  if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) {
    throw new Errno(EINVAL, "shutdown");
  }
  if (tp.state === TCPS_CLOSED && !tp.error) throw new Errno(ENOTCONN, "shutdown");
  tp.stack.run(() => {
    if (how !== SHUT_WR) {
      tp.rcvShut = true;
      const n = tp.rcv.length;
      tp.rcv.drop(n);
      tp.stack.env.release(n);
    }
    if (how !== SHUT_RD) tcpUsrClosed(tp);
  });
}

/**
 * CLOSE (tcp_disconnect): no more sending or reading. Buffered data is still sent, then
 * a FIN; unread input makes it an abort instead (RST, RFC 1122 §4.2.2.13). The control
 * block lingers until the close handshake ends, without further callbacks.
 */
export function tcpDisconnect(tp: Tcb): void {
  if (tp.appClosed) return;
  tp.stack.run(() => {
    tp.appClosed = true;
    const unread = tp.rcv.length;
    tp.rcv.clear();
    tp.stack.env.release(unread);
    if (tp.state === TCPS_CLOSED) return;
    if (unread > 0 && haveEstablished(tp.state)) {
      tcpDrop(tp, 0);
      return;
    }
    tcpUsrClosed(tp);
    if (tp.state === TCPS_FIN_WAIT_2) {
      tp.t2Msl.schedule(tp.stack.config.finWait2Timeout);
    }
    if (tp.state === TCPS_TIME_WAIT) tp.stack.timeWaitStart(tp);
  });
  tp.onReadable = tp.onWritable = tp.onConnected = undefined;
  tp.onError = tp.onClosed = undefined;
}

/** ABORT: drops the connection at once, with a RST if it is synchronized (SO_LINGER 0). */
export function tcpAbort(tp: Tcb): void {
  if (tp.state === TCPS_CLOSED) return;
  tp.stack.run(() => tcpDrop(tp, 0));
}

/** Stops listening on `l`; connections not yet accepted are reset. */
export function tcpListenClose(l: TcpListener): void {
  if (l.closed) return;
  l.stack.run(() => {
    l.closed = true;
    l.stack.removeListener(l);
    l.stack.syncache.purge(l);
    for (const tp of l.acceptQueue.splice(0)) {
      tp.listener = null;
      tp.appClosed = true;
      tcpDrop(tp, 0);
    }
  });
}

/** tcp_usrclosed: the application will send no more (RFC 9293 §3.10.4 CLOSE). */
function tcpUsrClosed(tp: Tcb): void {
  if (tp.sndFin) return;
  switch (tp.state) {
    case TCPS_CLOSED:
      return;
    case TCPS_SYN_SENT:
      if (tp.appClosed) {
        tcpClose(tp);
        return;
      }
      tp.sndFin = true; // sent after the handshake
      return;
    case TCPS_SYN_RECEIVED:
      tp.sndFin = true;
      return;
    case TCPS_ESTABLISHED:
      tp.state = TCPS_FIN_WAIT_1;
      break;
    case TCPS_CLOSE_WAIT:
      tp.state = TCPS_LAST_ACK;
      break;
    default:
      return;
  }
  tp.sndFin = true;
  tcpOutput(tp);
}
