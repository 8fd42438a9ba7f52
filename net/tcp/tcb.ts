/**
 * tcb.ts — TCP's control blocks (NetBSD's tcp_var.h): a connection's (RFC 9293 §3.3.1's
 * TCB, the tcpcb) with its t_flags and the pure helpers that read it; a listening port's
 * accept backlog (RFC 9293 §3.10.7.2, BSD's so_q); a closed connection's compact TIME-WAIT
 * record (TimeWait); and TcpHost, what they all see of the TcpStack that owns them.
 *
 * Rules: state only — nothing here sends, arms a timer or changes a connection's state;
 * that is input.ts, output.ts, timers.ts, subr.ts and (for the application) usrreq.ts,
 * which import this file and never the other way round; stack.ts implements TcpHost.
 * A SYN for a listener makes an entry in the SYN cache (syncache.ts), not a control block;
 * the ACK that completes the handshake makes the control block, which goes through
 * SYN-RECEIVED to the accept queue (input.ts does both). Sequence variables are unsigned 32-bit
 * numbers compared with net/wire/seq.ts. The send buffer holds the bytes from SND.UNA on
 * (after the SYN); the FIN is not in it but follows its last byte once `sndFin` is set.
 * Event callbacks are never called from inside segment processing: they are posted here
 * and run when the engine call that caused them returns (TcpStack.run), so a callback may
 * call back into the engine.
 */
import type { Ipv4Addr } from "../wire/addr.ts";
import { ByteRing } from "./buffer.ts";
import type { TcpConfig } from "./config.ts";
import type { TcpEnv, TcpTimer } from "./env.ts";
import { ReassQueue } from "./reass.ts";
import { RttEstimator } from "./rtt.ts";
import { SackScoreboard } from "./sack.ts";
import type { TcpStats } from "./stats.ts";
import type { SynCache } from "./syncache.ts";
import {
  TCP_STATE_NAMES,
  TCPS_CLOSED,
  TCPS_SYN_RECEIVED,
  TCPS_SYN_SENT,
  TCPS_TIME_WAIT,
  type TcpState,
} from "./state.ts";

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

/** Socket options a connection starts with. */
export interface TcpConnOptions {
  /** SO_SNDBUF, SO_RCVBUF in bytes. */
  sendBuffer?: number;
  recvBuffer?: number;
  /** TCP_NODELAY. */
  noDelay?: boolean;
  /** SO_KEEPALIVE. */
  keepAlive?: boolean;
}

/** What control blocks and the engine's functions use of their TcpStack (stack.ts). */
export interface TcpHost {
  readonly config: TcpConfig;
  readonly env: TcpEnv;
  readonly stats: TcpStats;
  /** Runs an entry point, then delivers the events it posted. */
  run(fn: () => void): void;
  /** Queues an event source to fire when the current entry point returns. */
  postEvents(src: TcpEventSource): void;
  /** `tp` held new data back while its interface was busy; sent again on sndReady. */
  sndWait(tp: Tcb): void;
  /** The connection for a 4-tuple, or null. */
  lookup(laddr: Ipv4Addr, lport: number, faddr: Ipv4Addr, fport: number): Tcb | null;
  /** The listener for a local address and port (INADDR_ANY as the fallback), or null. */
  findListener(laddr: Ipv4Addr, port: number): TcpListener | null;
  /** A control block with an ISN, timers and the options (not yet in the table). */
  newTcb(
    laddr: Ipv4Addr,
    lport: number,
    faddr: Ipv4Addr,
    fport: number,
    opts: TcpConnOptions,
  ): Tcb;
  /** Enters a control block in the table. */
  attach(tp: Tcb): void;
  /** Takes a control block out of the table (tcp_close). */
  detach(tp: Tcb): void;
  /** The compacted TIME-WAIT of a 4-tuple, or null. */
  lookupTimeWait(laddr: Ipv4Addr, lport: number, faddr: Ipv4Addr, fport: number): TimeWait | null;
  /** Replaces `tp` (closed by the application, in TIME-WAIT) with a TimeWait for 2·MSL. */
  timeWaitStart(tp: Tcb): void;
  /** Starts the 2·MSL wait of `tw` again (a retransmitted FIN). */
  timeWaitRestart(tw: TimeWait): void;
  /** Ends `tw`: its tuple and port are free. */
  timeWaitClose(tw: TimeWait): void;
  removeListener(l: TcpListener): void;
  /** RFC 5961 §7: whether one more challenge ACK may go this second. */
  challengeAckAllowed(): boolean;
  /** The SYN cache (syncache.ts). */
  readonly syncache: SynCache;
  /** The RFC 6528 ISN for a 4-tuple now. */
  isnFor(laddr: Ipv4Addr, lport: number, faddr: Ipv4Addr, fport: number): number;
  /**
   * The timestamp clock's offset for an address pair (RFC 7323 §5.4, Appendix A): a keyed
   * hash of the two addresses, so successive connections between them see TSvals that
   * keep increasing (RFC 6191 TIME-WAIT reuse) while other pairs cannot guess it.
   */
  tsOffset(laddr: Ipv4Addr, faddr: Ipv4Addr): number;
  /** Our timestamp clock towards `faddr` now: milliseconds plus the pair's offset. */
  tsClock(laddr: Ipv4Addr, faddr: Ipv4Addr): number;
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
  /** When the last rate-limited out-of-window / PAWS ACK went (input.ts); -1 never. */
  oowAckTime = -1;
  /** Last.ACK.sent. */
  lastAckSent = 0;
  /** When the 2·MSL wait of TIME-WAIT ends (set on entering it). */
  timeWaitEnd = 0;
  /** Offset of our timestamp clock, per address pair (TcpHost.tsOffset). */
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

  // --- timers (callouts; made by timers.ts's tcpTimersCreate) ---
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
  /** recv has thrown `error` once (later reads see end of stream). */
  errorReported = false;
  #ev = 0;

  onReadable?: () => void;
  onWritable?: () => void;
  onConnected?: () => void;
  onError?: (errno: number) => void;
  /** The connection reached CLOSED (its resources are gone, unread data aside). */
  onClosed?: () => void;

  constructor(
    readonly stack: TcpHost,
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
    this.tsOffset = stack.tsOffset(laddr, faddr);
    this.lastRcv = stack.env.now();
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
    return this.rcv.length === 0 && this.finRcvd;
  }

  /** TCP_NODELAY (usrreq.ts's tcpSetNoDelay sets it). */
  get noDelay(): boolean {
    return (this.flags & TF_NODELAY) !== 0;
  }

  // --- helpers ---

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
}

/**
 * A closed connection in TIME-WAIT, compacted (Linux's inet_timewait_sock, FreeBSD's
 * tcptw): once the application has closed and both FINs are acknowledged, a connection
 * only answers a retransmitted FIN, guards its 4-tuple against old duplicates and lets a
 * new SYN reopen it (timewait.ts). That needs these few numbers, not a control block with
 * buffers and five timers; the stack keeps the record in its own table until 2·MSL ends.
 */
export class TimeWait {
  /** The stack's expiry queue entry time; -1 once the record left the table. */
  expire = 0;
  /** The last out-of-window ACK (RFC 5961 §7 rate limit), -1 if none. */
  oowAckTime = -1;

  constructor(
    readonly laddr: Ipv4Addr,
    readonly lport: number,
    readonly faddr: Ipv4Addr,
    readonly fport: number,
    /** SND.NXT: our FIN's sequence number + 1, acknowledged. */
    readonly sndNxt: number,
    /** RCV.NXT: past the peer's FIN. */
    readonly rcvNxt: number,
    /** The receive window in bytes, and as the (scaled) window field of our ACKs. */
    readonly rcvWnd: number,
    readonly window: number,
    /** The largest window the peer offered (RFC 5961 §5.2's bound on old ACKs). */
    readonly maxSndWnd: number,
    /** Timestamps in use (RFC 7323), TS.Recent and when it was set. */
    readonly tsOk: boolean,
    public tsRecent: number,
    public tsRecentAge: number,
    /** RCV.NXT as our last ACK carried it (RFC 7323 §4.3's Last.ACK.sent). */
    public lastAckSent: number,
  ) {}

  get state(): TcpState {
    return TCPS_TIME_WAIT;
  }

  get stateName(): string {
    return TCP_STATE_NAMES[TCPS_TIME_WAIT];
  }

  /** Nothing is left to send (netstat's Send-Q). */
  get unsent(): number {
    return 0;
  }
}

/** A listening port (usrreq.ts's tcpListenClose stops it). */
export class TcpListener implements TcpEventSource {
  /** Established connections not yet accepted. */
  readonly acceptQueue: Tcb[] = [];
  closed = false;
  /** Options given to each new connection. */
  options: TcpConnOptions = {};
  /** Called when a connection is ready to accept. */
  onAccept?: () => void;
  #posted = false;

  constructor(
    readonly stack: TcpHost,
    readonly laddr: Ipv4Addr,
    readonly port: number,
    public backlog: number,
  ) {}

  /** The oldest established connection, or null when none waits. */
  accept(): Tcb | null {
    const tp = this.acceptQueue.shift() ?? null;
    if (tp !== null) tp.listener = null;
    return tp;
  }

  /** Connections waiting to be accepted. */
  get pending(): number {
    return this.acceptQueue.length;
  }

  /** True if one more connection fits the accept backlog. */
  canAccept(): boolean {
    return !this.closed && this.acceptQueue.length < this.backlog;
  }

  /** Moves a connection whose handshake completed to the accept queue. */
  established(tp: Tcb): void {
    this.acceptQueue.push(tp);
    if (!this.#posted) {
      this.#posted = true;
      this.stack.postEvents(this);
    }
  }

  fireEvents(): void {
    this.#posted = false;
    if (!this.closed && this.acceptQueue.length > 0) this.onAccept?.();
  }
}
