/**
 * tcb.ts — the TCP control block (RFC 9293 §3.3.1's TCB, NetBSD's tcpcb) and the
 * application-facing interface of one connection (tcp_usrreq).
 *
 * Rules: sequence variables are unsigned 32-bit numbers compared with net/wire/seq.ts.
 * The send buffer holds the bytes from SND.UNA on (after the SYN); the FIN is not in it
 * but follows its last byte once `sndFin` is set. The application calls never block: send
 * accepts what fits, recv returns TCP_WOULDBLOCK when empty; failures throw Errno. Event
 * callbacks are never called from inside segment processing: they are posted and run when
 * the engine call that caused them returns, so a callback may call back into the engine.
 */
import { EINVAL, ENOBUFS, ENOTCONN, EPIPE, Errno } from "../../kernel/kern/errno.ts";
import type { Ipv4Addr } from "../wire/addr.ts";
import { seqSub } from "../wire/seq.ts";
import { ByteRing } from "./buffer.ts";
import type { TcpTimer } from "./env.ts";
import type { TcpListener } from "./listen.ts";
import { tcpOutput } from "./output.ts";
import { ReassQueue } from "./reass.ts";
import { RttEstimator } from "./rtt.ts";
import { SackScoreboard } from "./sack.ts";
import type { TcpStack } from "./stack.ts";
import {
  haveEstablished,
  TCP_STATE_NAMES,
  TCPS_CLOSE_WAIT,
  TCPS_CLOSED,
  TCPS_ESTABLISHED,
  TCPS_FIN_WAIT_1,
  TCPS_FIN_WAIT_2,
  TCPS_LAST_ACK,
  TCPS_SYN_RECEIVED,
  TCPS_SYN_SENT,
  type TcpState,
} from "./state.ts";
import { tcpClose, tcpDrop } from "./subr.ts";
import { tcpKeepArm, tcpTimersCreate } from "./timers.ts";

/** recv's answer when nothing is buffered and the stream has not ended. */
export const TCP_WOULDBLOCK = -1;

/** shutdown(2) directions. */
export const SHUT_RD = 0;
export const SHUT_WR = 1;
export const SHUT_RDWR = 2;

// t_flags bits.
/** Send an ACK now. */
export const TF_ACKNOW = 0x1;
/** An ACK is being delayed. */
export const TF_DELACK = 0x2;
/** TCP_NODELAY: no Nagle. */
export const TF_NODELAY = 0x4;
/** We asked for / the peer sent window scaling. */
export const TF_REQ_SCALE = 0x8;
export const TF_RCVD_SCALE = 0x10;
/** We asked for / the peer sent timestamps. */
export const TF_REQ_TSTMP = 0x20;
export const TF_RCVD_TSTMP = 0x40;
/** SACK was permitted by both sides. */
export const TF_SACK_PERMIT = 0x80;
/** A window probe or SWS-override send is being forced (persist timer). */
export const TF_FORCE = 0x100;
/** The SYN was retransmitted (RFC 6298 §5.7). */
export const TF_SYN_REXMT = 0x200;

// Events posted to the application.
const EV_READABLE = 1;
const EV_WRITABLE = 2;
const EV_CONNECTED = 4;
const EV_ERROR = 8;
const EV_CLOSED = 16;

/** Something with events to deliver once the engine call returns. */
export interface TcpEventSource {
  fireEvents(): void;
}

export class Tcb implements TcpEventSource {
  state: TcpState = TCPS_CLOSED;
  /** The demux key (stack-private). */
  key = "";
  /** The listener this passive connection came from, until accepted. */
  listener: TcpListener | null = null;

  // --- send sequence variables (RFC 9293 §3.3.1) ---
  /** ISS. */
  iss = 0;
  /** SND.UNA: oldest unacknowledged sequence number. */
  sndUna = 0;
  /** SND.NXT: next sequence number to send (moved back on retransmission timeout). */
  sndNxt = 0;
  /** The highest sequence number sent + 1 (snd_max). */
  sndMax = 0;
  /** SND.WND, scaled. */
  sndWnd = 0;
  /** SND.WL1, SND.WL2: the segment that last updated SND.WND. */
  sndWl1 = 0;
  sndWl2 = 0;
  /** The largest window the peer has offered (sender SWS avoidance). */
  maxSndWnd = 0;
  /** Shift applied to windows the peer sends (Snd.Wind.Shift, RFC 7323 §2.2). */
  sndScale = 0;

  // --- receive sequence variables ---
  /** IRS. */
  irs = 0;
  /** RCV.NXT. */
  rcvNxt = 0;
  /** The right edge of the window last advertised (RCV.NXT + RCV.WND when sent). */
  rcvAdv = 0;
  /** Shift applied to windows we send (Rcv.Wind.Shift). */
  rcvScale = 0;
  /** The shift we offer in our SYN. */
  requestScale = 0;

  // --- options ---
  /** Data bytes per segment we send (the effective send MSS, options deducted). */
  maxseg: number;
  /** The MSS we offered. */
  ourMss: number;
  /** TS.Recent and when it was set (RFC 7323 §4.3, §5.5). */
  tsRecent = 0;
  tsRecentAge = 0;
  /** Last.ACK.sent. */
  lastAckSent = 0;
  /** Random offset of our timestamp clock (RFC 7323 §5.4). */
  tsOffset: number;
  flags = 0;

  // --- congestion control (RFC 5681, 6582) ---
  cwnd = 0;
  ssthresh = 0x3fffffff;
  /** Bytes acknowledged in congestion avoidance since cwnd last grew. */
  bytesAcked = 0;
  dupacks = 0;
  /** recover (RFC 6582 §3.2). */
  recover = 0;
  inRecovery = false;
  readonly sack = new SackScoreboard();

  // --- round-trip timing (RFC 6298) ---
  readonly rtt: RttEstimator;
  /** Retransmissions of the oldest segment (the backoff shift). */
  rxtShift = 0;
  /** When the timed segment was sent, or 0 if none is being timed. */
  rttTime = 0;
  /** The sequence number of the timed segment. */
  rttSeq = 0;
  persistShift = 0;
  /** Keepalive probes sent since the peer was last heard, and when that was. */
  keepProbes = 0;
  lastRcv = 0;

  // --- timers (callouts) ---
  tRexmt!: TcpTimer;
  tPersist!: TcpTimer;
  tKeep!: TcpTimer;
  tDelack!: TcpTimer;
  t2Msl!: TcpTimer;

  // --- buffers ---
  readonly snd: ByteRing;
  readonly rcv: ByteRing;
  readonly reass = new ReassQueue();

  // --- the application's side ---
  /** The application will send no more: a FIN follows the buffered data. */
  sndFin = false;
  /** Our FIN has been acknowledged. */
  sndFinAcked = false;
  /** The peer's FIN has been received (end of stream after the buffered bytes). */
  finRcvd = false;
  /** SHUT_RD: incoming data is discarded. */
  rcvShut = false;
  /** close() was called: nobody will read again. */
  appClosed = false;
  /** SO_KEEPALIVE. */
  keepAlive = false;
  /** ECONNREFUSED, ECONNRESET, ETIMEDOUT, ... once the connection failed; 0 otherwise. */
  error = 0;
  #errorReported = false;
  #ev = 0;

  onReadable?: () => void;
  onWritable?: () => void;
  onConnected?: () => void;
  onError?: (errno: number) => void;
  /** The connection reached CLOSED (its resources are gone, unread data aside). */
  onClosed?: () => void;

  constructor(
    readonly stack: TcpStack,
    readonly laddr: Ipv4Addr,
    readonly lport: number,
    readonly faddr: Ipv4Addr,
    readonly fport: number,
  ) {
    const c = stack.config;
    this.rtt = new RttEstimator(c.rtoMin, c.rtoMax, c.rtoInitial);
    this.snd = new ByteRing(c.sendBuffer);
    this.rcv = new ByteRing(c.recvBuffer);
    this.ourMss = Math.max(64, stack.env.mtu(faddr) - 40);
    this.maxseg = Math.min(this.ourMss, c.defaultMss);
    this.tsOffset = stack.env.random32();
    this.lastRcv = stack.env.now();
    tcpTimersCreate(this);
  }

  /** The state's name ("ESTABLISHED"). */
  get stateName(): string {
    return TCP_STATE_NAMES[this.state];
  }

  /** Bytes waiting to be read. */
  get readable(): number {
    return this.rcv.length;
  }

  /** Bytes send() would accept now. */
  get writable(): number {
    return this.sndFin || this.state === TCPS_CLOSED ? 0 : this.snd.space;
  }

  /** Bytes sent but not yet acknowledged plus bytes not yet sent. */
  get unsent(): number {
    return this.snd.length;
  }

  /** True once the peer's FIN has been received and every byte before it read. */
  get eof(): boolean {
    return this.rcv.length === 0 && this.#finRead();
  }

  /** TCP_NODELAY. */
  get noDelay(): boolean {
    return (this.flags & TF_NODELAY) !== 0;
  }
  set noDelay(on: boolean) {
    this.flags = on ? this.flags | TF_NODELAY : this.flags & ~TF_NODELAY;
    if (on) this.#run(() => tcpOutput(this));
  }

  /** SO_KEEPALIVE. */
  setKeepAlive(on: boolean): void {
    this.keepAlive = on;
    if (on && haveEstablished(this.state)) tcpKeepArm(this);
    if (!on) this.tKeep.stop();
  }

  /** SO_SNDBUF. */
  setSendBuffer(bytes: number): void {
    if (!(bytes > 0)) throw new Errno(EINVAL, "SO_SNDBUF");
    this.snd.limit = Math.max(bytes, this.snd.length);
    this.#run(() => {
      if (this.snd.space > 0) this.post(EV_WRITABLE);
    });
  }

  /** SO_RCVBUF (takes effect fully before connect; never below what was advertised). */
  setRecvBuffer(bytes: number): void {
    if (!(bytes > 0)) throw new Errno(EINVAL, "SO_RCVBUF");
    const advertised = this.rcv.length + Math.max(0, seqSub(this.rcvAdv, this.rcvNxt));
    this.rcv.limit = Math.max(bytes, this.state === TCPS_CLOSED ? 0 : advertised);
  }

  /**
   * Queues bytes for sending; returns how many were taken (0 when the buffer is full).
   * Throws EPIPE after shutdown(SHUT_WR) or close, the connection's error once it failed,
   * ENOTCONN before connect, ENOBUFS when guest memory is exhausted.
   */
  send(data: Uint8Array): number {
    if (this.error) throw new Errno(this.error, "send");
    if (this.sndFin || this.appClosed) throw new Errno(EPIPE, "send");
    if (this.state === TCPS_CLOSED) throw new Errno(ENOTCONN, "send");
    const n = Math.min(data.length, this.snd.space);
    if (n === 0) return 0;
    if (!this.stack.env.reserve(n)) throw new Errno(ENOBUFS, "send");
    this.snd.append(n === data.length ? data : data.subarray(0, n));
    this.#run(() => tcpOutput(this));
    return n;
  }

  /**
   * Reads into `buf`; returns the byte count, 0 at end of stream (the peer's FIN, or
   * after a failure once the error was reported), or TCP_WOULDBLOCK when nothing is
   * buffered yet. Throws the connection's error (ECONNRESET, ...) once.
   */
  recv(buf: Uint8Array): number {
    if (buf.length === 0) return 0;
    const n = this.rcv.read(buf);
    if (n > 0) {
      this.stack.env.release(n);
      // Reading may open the window enough for a window update (RFC 9293 §3.8.6.2.2).
      if (haveEstablished(this.state)) this.#run(() => tcpOutput(this));
      return n;
    }
    if (this.error) {
      if (!this.#errorReported) {
        this.#errorReported = true;
        throw new Errno(this.error, "recv");
      }
      return 0;
    }
    if (this.#finRead() || this.rcvShut) return 0;
    if (this.state === TCPS_CLOSED) return 0;
    return TCP_WOULDBLOCK;
  }

  /** shutdown(2): SHUT_WR sends a FIN after the buffered data; SHUT_RD discards input. */
  shutdown(how: number): void {
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) {
      throw new Errno(EINVAL, "shutdown");
    }
    if (this.state === TCPS_CLOSED && !this.error) throw new Errno(ENOTCONN, "shutdown");
    this.#run(() => {
      if (how !== SHUT_WR) {
        this.rcvShut = true;
        const n = this.rcv.length;
        this.rcv.drop(n);
        this.stack.env.release(n);
      }
      if (how !== SHUT_RD) this.#usrClosed();
    });
  }

  /**
   * close(2): no more sending or reading. Buffered data is still sent, then a FIN; unread
   * input makes it an abort instead (RST, RFC 1122 §4.2.2.13). The control block lingers
   * until the close handshake ends, without further callbacks.
   */
  close(): void {
    if (this.appClosed) return;
    this.#run(() => {
      this.appClosed = true;
      const unread = this.rcv.length;
      this.rcv.clear();
      this.stack.env.release(unread);
      if (this.state === TCPS_CLOSED) return;
      if (unread > 0 && haveEstablished(this.state)) {
        tcpDrop(this, 0);
        return;
      }
      this.#usrClosed();
      if (this.state === TCPS_FIN_WAIT_2) {
        this.t2Msl.schedule(this.stack.config.finWait2Timeout);
      }
    });
    this.onReadable = this.onWritable = this.onConnected = undefined;
    this.onError = this.onClosed = undefined;
  }

  /** Drops the connection at once, sending a RST if it is synchronized (SO_LINGER 0). */
  abort(): void {
    if (this.state === TCPS_CLOSED) return;
    this.#run(() => tcpDrop(this, 0));
  }

  // --- engine-side helpers ---

  /** The sequence number of the first byte in the send buffer. */
  dataStart(): number {
    return this.state === TCPS_SYN_SENT || this.state === TCPS_SYN_RECEIVED
      ? (this.iss + 1) >>> 0
      : this.sndUna;
  }

  /** The sequence number the FIN takes (valid once `sndFin`). */
  finSeq(): number {
    return (this.dataStart() + this.snd.length) >>> 0;
  }

  /** Timestamps are in use on this connection. */
  get tsOk(): boolean {
    return (this.flags & (TF_REQ_TSTMP | TF_RCVD_TSTMP)) === (TF_REQ_TSTMP | TF_RCVD_TSTMP);
  }

  /** SACK is in use on this connection. */
  get sackOk(): boolean {
    return (this.flags & TF_SACK_PERMIT) !== 0;
  }

  /** Our timestamp clock: milliseconds plus the connection's offset. */
  tsNow(): number {
    return (Math.floor(this.stack.env.now() / 1e6) + this.tsOffset) >>> 0;
  }

  /** Posts events to the application (delivered when the engine call returns). */
  postReadable(): void {
    this.post(EV_READABLE);
  }
  postWritable(): void {
    this.post(EV_WRITABLE);
  }
  postConnected(): void {
    this.post(EV_CONNECTED | EV_WRITABLE);
  }
  postError(): void {
    this.post(EV_ERROR | EV_READABLE | EV_WRITABLE);
  }
  postClosed(): void {
    this.post(EV_CLOSED | EV_READABLE | EV_WRITABLE);
  }

  post(ev: number): void {
    if (this.#ev === 0) this.stack.postEvents(this);
    this.#ev |= ev;
  }

  fireEvents(): void {
    const ev = this.#ev;
    this.#ev = 0;
    if (this.appClosed) return;
    if (ev & EV_CONNECTED) this.onConnected?.();
    if (ev & EV_ERROR && this.error) this.onError?.(this.error);
    if (ev & EV_READABLE) this.onReadable?.();
    if (ev & EV_WRITABLE) this.onWritable?.();
    if (ev & EV_CLOSED) this.onClosed?.();
  }

  #finRead(): boolean {
    return this.finRcvd;
  }

  /** tcp_usrclosed: the application will send no more (RFC 9293 §3.10.4 CLOSE). */
  #usrClosed(): void {
    if (this.sndFin) return;
    switch (this.state) {
      case TCPS_CLOSED:
        return;
      case TCPS_SYN_SENT:
        if (this.appClosed) {
          tcpClose(this);
          return;
        }
        this.sndFin = true; // sent after the handshake
        return;
      case TCPS_SYN_RECEIVED:
        this.sndFin = true;
        return;
      case TCPS_ESTABLISHED:
        this.state = TCPS_FIN_WAIT_1;
        break;
      case TCPS_CLOSE_WAIT:
        this.state = TCPS_LAST_ACK;
        break;
      default:
        return;
    }
    this.sndFin = true;
    tcpOutput(this);
  }

  #run(fn: () => void): void {
    this.stack.run(fn);
  }
}
