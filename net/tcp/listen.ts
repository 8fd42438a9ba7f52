/**
 * listen.ts — a listening port: the SYN queue of embryonic connections and the accept
 * backlog (RFC 9293 §3.10.7.2, BSD's so_q0 / so_q).
 *
 * Rules: a SYN creates a control block in SYN-RECEIVED on the SYN queue and is answered
 * with a SYN-ACK; the ACK that completes the handshake moves it to the accept queue. When
 * the accept queue holds `backlog` connections, or the SYN queue is full, a new SYN is
 * dropped without a reply (as BSD does; the peer retransmits). A RST to a listener is
 * ignored, an ACK answered with a RST. New connections inherit the listener's socket
 * options. Closing a listener resets every connection not yet accepted.
 */
import type { Ipv4Addr } from "../wire/addr.ts";
import { seqAdd } from "../wire/seq.ts";
import { type TcpRepr, TH_ACK, TH_RST, TH_SYN } from "../wire/tcp.ts";
import { tcpSynOptions } from "./input.ts";
import { tcpOutput } from "./output.ts";
import type { TcpConnOptions, TcpStack } from "./stack.ts";
import { TCPS_SYN_RECEIVED } from "./state.ts";
import { respondRst, tcpDrop } from "./subr.ts";
import type { Tcb, TcpEventSource } from "./tcb.ts";

export class TcpListener implements TcpEventSource {
  /** Embryonic connections (SYN-RECEIVED). */
  readonly synQueue = new Set<Tcb>();
  /** Established connections not yet accepted. */
  readonly acceptQueue: Tcb[] = [];
  closed = false;
  /** Options given to each new connection. */
  options: TcpConnOptions = {};
  /** Called when a connection is ready to accept. */
  onAccept?: () => void;
  #posted = false;

  constructor(
    readonly stack: TcpStack,
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
    this.synQueue.delete(tp);
    this.acceptQueue.push(tp);
    if (!this.#posted) {
      this.#posted = true;
      this.stack.postEvents(this);
    }
  }

  /** Stops listening; connections not yet accepted are reset. */
  close(): void {
    if (this.closed) return;
    this.stack.run(() => {
      this.closed = true;
      this.stack.removeListener(this);
      for (const tp of [...this.synQueue, ...this.acceptQueue.splice(0)]) {
        tp.listener = null;
        tp.appClosed = true;
        tcpDrop(tp, 0);
      }
      this.synQueue.clear();
    });
  }

  fireEvents(): void {
    this.#posted = false;
    if (!this.closed && this.acceptQueue.length > 0) this.onAccept?.();
  }
}

/** RFC 9293 §3.10.7.2: a segment for a listening port with no connection. */
export function listenInput(l: TcpListener, src: Ipv4Addr, dst: Ipv4Addr, seg: TcpRepr): void {
  const stack = l.stack;
  const f = seg.flags;
  if (f & TH_RST) return;
  if (f & TH_ACK) {
    respondRst(stack, src, dst, seg);
    return;
  }
  if (!(f & TH_SYN)) return;
  // The backlog bounds completed and embryonic connections together (4.4BSD's rule).
  if (
    !l.canAccept() || l.acceptQueue.length + l.synQueue.size >= l.backlog ||
    l.synQueue.size >= stack.config.synQueueMax
  ) {
    stack.stats.listendrop++;
    return;
  }
  const tp = stack.newTcb(dst, seg.dstPort, src, seg.srcPort, l.options);
  tp.listener = l;
  l.synQueue.add(tp);
  tp.state = TCPS_SYN_RECEIVED;
  tp.irs = seg.seq;
  tp.rcvNxt = tp.rcvAdv = seqAdd(seg.seq, 1);
  tcpSynOptions(tp, seg.options);
  tp.sndWnd = seg.window; // never scaled in a SYN (RFC 7323 §2.2)
  tp.maxSndWnd = tp.sndWnd;
  tp.sndWl1 = seg.seq;
  stack.attach(tp);
  tcpOutput(tp);
}
