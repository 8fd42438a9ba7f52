/**
 * stack.ts — TcpStack: one host's TCP (the tcb table and demux, listeners, ports, ISNs,
 * counters) and its entry points from the IP layer and the socket layer.
 *
 * Rules: connections are found by 4-tuple (local address and port, foreign address and
 * port), listeners by local address and port with INADDR_ANY as the fallback. Every
 * entry point (a segment, a timer, an application call) runs through `run`, which
 * delivers the events it posted to the application after the engine is consistent again.
 * Ephemeral ports come from 49152–65535 (IANA, NetBSD's anonportmin/max), starting at a
 * random point. The IP layer hands segments in with `inputPacket` (parse and checksum
 * once per segment; errors counted) or, already parsed and verified, with `input`.
 * Half-open passive connections live in the SYN cache (syncache.ts), not in the table.
 * One secret (isn.ts, from the cprng) keys the ISNs, the SYN cookies and the timestamp
 * offsets, which are per address pair so a pair's TSvals only grow (RFC 7323 §5.4).
 * `onDetach` tells the socket glue when a block leaves the table. A connection the
 * application closed leaves it in TIME-WAIT for a compact record (timewait.ts; `onTimeWait`
 * tells the glue) that holds the tuple and its port for 2·MSL: records expire in the order
 * they started (one queue, one callout that reaps at most every TW_REAP_NS, so an expiry may
 * come that much late, never early).
 */
import { EADDRINUSE, EINVAL, Errno } from "../../kernel/kern/errno.ts";
import { INADDR_ANY, type Ipv4Addr } from "../wire/addr.ts";
import { WireError } from "../wire/error.ts";
import { TcpPacket, TcpRepr } from "../wire/tcp.ts";
import { DEFAULT_TCP_CONFIG, type TcpConfig } from "./config.ts";
import type { TcpEnv, TcpTimer } from "./env.ts";
import { tcpInput } from "./input.ts";
import { IsnGenerator } from "./isn.ts";
import { tcpOutput } from "./output.ts";
import { TCPS_CLOSED, TCPS_SYN_SENT } from "./state.ts";
import { TcpStats } from "./stats.ts";
import { SynCache } from "./syncache.ts";
import { tcpTimersCreate } from "./timers.ts";
import { timeWaitOf } from "./timewait.ts";
import {
  Tcb,
  type TcpConnOptions,
  type TcpEventSource,
  type TcpHost,
  TcpListener,
  TF_NODELAY,
  TF_REQ_SCALE,
  TF_REQ_TSTMP,
  TimeWait,
} from "./tcb.ts";
import { TCP_MAX_WINSHIFT } from "../wire/tcp_options.ts";

/** The TIME-WAIT reaper runs at most this often (ns): expiries are batched. */
const TW_REAP_NS = 100e6;
const PORT_FIRST = 49152;
const PORT_COUNT = 65536 - PORT_FIRST;
/** The timestamp offsets' tag for the secret's keyed hash. */
const TAG_TSOFFSET = 0x7473;

export type { TcpConnOptions } from "./tcb.ts";

function tupleKey(laddr: number, lport: number, faddr: number, fport: number): string {
  return `${laddr}:${lport}:${faddr}:${fport}`;
}

export class TcpStack implements TcpHost {
  readonly config: TcpConfig;
  readonly stats = new TcpStats();
  readonly isn: IsnGenerator;
  readonly syncache: SynCache;
  #conns = new Map<string, Tcb>();
  /** The same connections by lport·65536 + fport (no string built per segment). */
  #byPorts = new Map<number, Tcb[]>();
  /** The connection `lookup` found last (cleared whenever the table changes). */
  #last: Tcb | null = null;
  #listeners = new Map<string, TcpListener>();
  /** Local ports in use (by connections and listeners), with use counts. */
  #ports = new Map<number, number>();
  #nextPort: number;
  #pending: TcpEventSource[] = [];
  #depth = 0;
  #flushing = false;
  /** Called when a control block or TIME-WAIT leaves the table (the glue frees orphans' PCBs). */
  onDetach: ((tp: Tcb | TimeWait) => void) | null = null;
  /** Called when a closed connection's control block gives way to its TIME-WAIT record. */
  onTimeWait: ((tp: Tcb, tw: TimeWait) => void) | null = null;
  /** TIME-WAIT records by lport·65536 + fport. */
  #timeWaits = new Map<number, TimeWait[]>();
  #timeWaitCount = 0;
  /** The expiry queue: records and the times they were queued for, oldest first. */
  #twQueue: TimeWait[] = [];
  #twTimes: number[] = [];
  #twHead = 0;
  #twReaper: TcpTimer | null = null;
  #twLastReap = -Infinity;
  #challengeSecond = -1;
  #challengeCount = 0;
  /** Connections holding new data back while an interface's send queue is busy. */
  #sndWaiting = new Set<Tcb>();

  constructor(readonly env: TcpEnv, config: Partial<TcpConfig> = {}) {
    this.config = { ...DEFAULT_TCP_CONFIG, ...config };
    this.isn = new IsnGenerator(() => env.random32(), () => env.now());
    this.#nextPort = PORT_FIRST + (env.random32() % PORT_COUNT);
    this.syncache = new SynCache(this, (w) => this.isn.keyedHash(w));
  }

  // --- from the IP layer ---

  /** A segment from `src` to `dst`, parsed and checksum-verified by the caller. */
  input(src: Ipv4Addr, dst: Ipv4Addr, seg: TcpRepr): void {
    this.run(() => tcpInput(this, src, dst, seg));
  }

  /**
   * The bytes of a segment (the IPv4 payload) from `src` to `dst`: parsed, checksum
   * verified unless `verify` is false, malformed ones counted and dropped.
   */
  inputPacket(src: Ipv4Addr, dst: Ipv4Addr, bytes: Uint8Array, verify = true): void {
    let seg: TcpRepr;
    try {
      seg = TcpRepr.parse(new TcpPacket(bytes), src, dst, verify);
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      if (e.kind === "checksum") this.stats.rcvbadsum++;
      else if (e.kind === "truncated") this.stats.rcvshort++;
      else this.stats.rcvbadoff++;
      return;
    }
    this.input(src, dst, seg);
  }

  // --- from the socket layer ---

  /** Active open from laddr:lport (0: an ephemeral port) to faddr:fport. */
  connect(
    laddr: Ipv4Addr,
    lport: number,
    faddr: Ipv4Addr,
    fport: number,
    opts: TcpConnOptions = {},
  ): Tcb {
    if (fport <= 0 || fport > 65535 || lport < 0 || lport > 65535) {
      throw new Errno(EINVAL, "connect");
    }
    if (lport === 0) lport = this.#ephemeralPort();
    else if (this.#conns.has(tupleKey(laddr, lport, faddr, fport))) {
      throw new Errno(EADDRINUSE, "connect");
    } else {
      const tw = this.lookupTimeWait(laddr, lport, faddr, fport);
      if (tw !== null) {
        if (!this.#twReusable(tw)) throw new Errno(EADDRINUSE, "connect");
        this.stats.twreused++;
        this.timeWaitClose(tw);
      }
    }
    const tp = this.newTcb(laddr, lport, faddr, fport, opts);
    tp.state = TCPS_SYN_SENT;
    this.attach(tp);
    this.stats.connattempt++;
    this.run(() => tcpOutput(tp));
    return tp;
  }

  /** Passive open on laddr (INADDR_ANY: every address):port. */
  listen(laddr: Ipv4Addr, port: number, backlog: number, opts: TcpConnOptions = {}): TcpListener {
    if (port <= 0 || port > 65535) throw new Errno(EINVAL, "listen");
    const key = `${laddr}:${port}`;
    if (this.#listeners.has(key)) throw new Errno(EADDRINUSE, "listen");
    const l = new TcpListener(this, laddr, port, Math.max(0, backlog));
    l.options = opts;
    this.#listeners.set(key, l);
    this.#usePort(port, 1);
    return l;
  }

  /** True if a connection or listener holds local port `port`. */
  portInUse(port: number): boolean {
    return this.#ports.has(port);
  }

  /** Every connection in the table (netstat order: by key); TIME-WAITs are `timeWaits`. */
  connections(): Tcb[] {
    return [...this.#conns.values()];
  }

  /** The closed connections' TIME-WAIT records. */
  timeWaits(): TimeWait[] {
    return [...this.#timeWaits.values()].flat();
  }

  /**
   * True if an active open could take over the tuple's TIME-WAIT now (config.twReuse): the
   * socket layer asks before it hands out a port held by one.
   */
  connectMayReuse(laddr: Ipv4Addr, lport: number, faddr: Ipv4Addr, fport: number): boolean {
    const tw = this.lookupTimeWait(laddr, lport, faddr, fport);
    return tw !== null && this.#twReusable(tw);
  }

  #twReusable(tw: TimeWait): boolean {
    return this.config.twReuse && tw.tsOk && this.env.now() - tw.tsRecentAge >= 1e9;
  }

  /** How many TIME-WAIT records the stack holds. */
  get timeWaitCount(): number {
    return this.#timeWaitCount;
  }

  lookupTimeWait(laddr: Ipv4Addr, lport: number, faddr: Ipv4Addr, fport: number): TimeWait | null {
    if (this.#timeWaitCount === 0) return null;
    const list = this.#timeWaits.get(lport * 65536 + fport);
    if (list === undefined) return null;
    for (let i = 0; i < list.length; i++) {
      const tw = list[i];
      if (tw.laddr === laddr && tw.faddr === faddr) return tw;
    }
    return null;
  }

  timeWaitStart(tp: Tcb): void {
    const tw = timeWaitOf(tp);
    // The control block goes: timers, buffers, the table (its port passes to the record).
    tp.tRexmt.stop();
    tp.tPersist.stop();
    tp.tKeep.stop();
    tp.tDelack.stop();
    tp.t2Msl.stop();
    this.env.release(tp.snd.length + tp.reass.clear() + tp.rcv.length);
    tp.snd.clear();
    tp.rcv.clear();
    tp.state = TCPS_CLOSED;
    if (this.#last === tp) this.#last = null;
    if (tp.key !== "" && this.#conns.get(tp.key) === tp) {
      this.#conns.delete(tp.key);
      this.#unindex(tp);
    } else {
      this.#usePort(tp.lport, 1); // not in the table: the record takes a port of its own
    }
    const pk = tw.lport * 65536 + tw.fport;
    const list = this.#timeWaits.get(pk);
    if (list === undefined) this.#timeWaits.set(pk, [tw]);
    else list.push(tw);
    this.#timeWaitCount++;
    this.#twQueueAt(tw, Math.max(tp.timeWaitEnd, this.env.now()));
    this.onTimeWait?.(tp, tw);
  }

  timeWaitRestart(tw: TimeWait): void {
    if (tw.expire >= 0) this.#twQueueAt(tw, this.env.now() + 2 * this.config.msl);
  }

  timeWaitClose(tw: TimeWait): void {
    if (tw.expire < 0) return;
    tw.expire = -1;
    const pk = tw.lport * 65536 + tw.fport;
    const list = this.#timeWaits.get(pk);
    if (list !== undefined) {
      const i = list.indexOf(tw);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.#timeWaits.delete(pk);
    }
    this.#timeWaitCount--;
    this.#usePort(tw.lport, -1);
    this.stats.closed++;
    this.onDetach?.(tw);
  }

  /**
   * Queues `tw` to expire at `t` (a restart queues it again; the older entry is stale).
   * Times mostly come in order (every wait is 2·MSL from now); a connection whose socket
   * closed after it reached TIME-WAIT brings an earlier one, put in its place.
   */
  #twQueueAt(tw: TimeWait, t: number): void {
    tw.expire = t;
    const q = this.#twQueue, times = this.#twTimes;
    let at = q.length;
    if (at > this.#twHead && times[at - 1] > t) {
      let lo = this.#twHead, hi = at;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (times[mid] <= t) lo = mid + 1;
        else hi = mid;
      }
      at = lo;
    }
    if (at === q.length) {
      q.push(tw);
      times.push(t);
    } else {
      q.splice(at, 0, tw);
      times.splice(at, 0, t);
    }
    if (at === this.#twHead) this.#twArm();
  }

  #twArm(): void {
    if (this.#twHead === this.#twQueue.length) return;
    this.#twReaper ??= this.env.timer("tcp timewait", () => this.run(() => this.#twReap()));
    const at = Math.max(this.#twTimes[this.#twHead], this.#twLastReap + TW_REAP_NS);
    this.#twReaper.schedule(Math.max(0, at - this.env.now()));
  }

  /** Ends every record whose 2·MSL has passed, then waits for the next. */
  #twReap(): void {
    const now = this.env.now();
    this.#twLastReap = now;
    const q = this.#twQueue, times = this.#twTimes;
    let h = this.#twHead;
    while (h < q.length && times[h] <= now) {
      const tw = q[h];
      const t = times[h];
      q[h] = undefined as unknown as TimeWait;
      h++;
      if (tw.expire === t) this.timeWaitClose(tw);
    }
    if (h === q.length) {
      q.length = times.length = 0;
      h = 0;
    } else if (h > 1024 && h * 2 > q.length) {
      q.splice(0, h);
      times.splice(0, h);
      h = 0;
    }
    this.#twHead = h;
    this.#twArm();
  }

  // --- engine internals ---

  /** The connection for a 4-tuple, or null. */
  lookup(laddr: Ipv4Addr, lport: number, faddr: Ipv4Addr, fport: number): Tcb | null {
    // A one-entry cache (BSD's tcp_last_inpcb): bulk traffic hits the same connection.
    const last = this.#last;
    if (
      last !== null && last.lport === lport && last.fport === fport &&
      last.laddr === laddr && last.faddr === faddr
    ) return last;
    const list = this.#byPorts.get(lport * 65536 + fport);
    if (list === undefined) return null;
    for (let i = 0; i < list.length; i++) {
      const tp = list[i];
      if (tp.laddr === laddr && tp.faddr === faddr) {
        this.#last = tp;
        return tp;
      }
    }
    return null;
  }

  findListener(laddr: Ipv4Addr, port: number): TcpListener | null {
    return this.#listeners.get(`${laddr}:${port}`) ??
      this.#listeners.get(`${INADDR_ANY}:${port}`) ?? null;
  }

  /** A control block with an ISN and this stack's option defaults (not yet in the table). */
  newTcb(
    laddr: Ipv4Addr,
    lport: number,
    faddr: Ipv4Addr,
    fport: number,
    opts: TcpConnOptions,
  ): Tcb {
    const tp = new Tcb(this, laddr, lport, faddr, fport);
    tcpTimersCreate(tp);
    if (opts.sendBuffer) tp.snd.limit = opts.sendBuffer;
    if (opts.recvBuffer) tp.rcv.limit = opts.recvBuffer;
    if (opts.noDelay) tp.flags |= TF_NODELAY;
    if (opts.keepAlive) tp.keepAlive = true;
    const c = this.config;
    if (c.windowScale) {
      tp.flags |= TF_REQ_SCALE;
      let s = 0;
      while (s < TCP_MAX_WINSHIFT && 65535 << s < tp.rcv.limit) s++;
      tp.requestScale = s;
    }
    if (c.timestamps) tp.flags |= TF_REQ_TSTMP;
    tp.iss = this.isnFor(laddr, lport, faddr, fport);
    tp.sndUna =
      tp.sndNxt =
      tp.sndMax =
      tp.recover =
        tp.iss;
    return tp;
  }

  /** Enters a control block in the table. */
  attach(tp: Tcb): void {
    this.#last = null;
    tp.key = tupleKey(tp.laddr, tp.lport, tp.faddr, tp.fport);
    const tw = this.lookupTimeWait(tp.laddr, tp.lport, tp.faddr, tp.fport);
    if (tw !== null) this.timeWaitClose(tw);
    const old = this.#conns.get(tp.key);
    if (old !== undefined) {
      this.#unindex(old);
      this.#usePort(old.lport, -1);
      this.onDetach?.(old);
    }
    this.#conns.set(tp.key, tp);
    const pk = tp.lport * 65536 + tp.fport;
    const list = this.#byPorts.get(pk);
    if (list === undefined) this.#byPorts.set(pk, [tp]);
    else list.push(tp);
    this.#usePort(tp.lport, 1);
  }

  /** Takes a control block out of the table (tcp_close). */
  detach(tp: Tcb): void {
    if (this.#last === tp) this.#last = null;
    if (tp.key !== "" && this.#conns.get(tp.key) === tp) {
      this.#conns.delete(tp.key);
      this.#unindex(tp);
      this.#usePort(tp.lport, -1);
      this.onDetach?.(tp);
    }
  }

  #unindex(tp: Tcb): void {
    const pk = tp.lport * 65536 + tp.fport;
    const list = this.#byPorts.get(pk);
    if (list === undefined) return;
    const i = list.indexOf(tp);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.#byPorts.delete(pk);
  }

  removeListener(l: TcpListener): void {
    const key = `${l.laddr}:${l.port}`;
    if (this.#listeners.get(key) === l) {
      this.#listeners.delete(key);
      this.#usePort(l.port, -1);
    }
  }

  isnFor(laddr: Ipv4Addr, lport: number, faddr: Ipv4Addr, fport: number): number {
    return this.isn.isn(laddr, lport, faddr, fport);
  }

  tsOffset(laddr: Ipv4Addr, faddr: Ipv4Addr): number {
    return this.isn.keyedHash([TAG_TSOFFSET, laddr, faddr]);
  }

  tsClock(laddr: Ipv4Addr, faddr: Ipv4Addr): number {
    return (Math.floor(this.env.now() / 1e6) + this.tsOffset(laddr, faddr)) >>> 0;
  }

  /** RFC 5961 §7: at most `challengeAckLimit` challenge ACKs per second. */
  challengeAckAllowed(): boolean {
    const sec = Math.floor(this.env.now() / 1e9);
    if (sec !== this.#challengeSecond) {
      this.#challengeSecond = sec;
      this.#challengeCount = 0;
    }
    return this.#challengeCount++ < this.config.challengeAckLimit;
  }

  /** `tp` held data back because its interface was busy (env.sndBusy); `sndReady` resumes it. */
  sndWait(tp: Tcb): void {
    this.#sndWaiting.add(tp);
  }

  /** An interface drained its send queue: every connection that held data back sends. */
  sndReady(): void {
    if (this.#sndWaiting.size === 0) return;
    const waiting = [...this.#sndWaiting];
    this.#sndWaiting.clear();
    this.run(() => {
      for (const tp of waiting) tcpOutput(tp);
    });
  }

  /** Queues an event source to fire when the current entry point returns. */
  postEvents(src: TcpEventSource): void {
    this.#pending.push(src);
  }

  /** Runs an entry point, then delivers the events it posted. */
  run(fn: () => void): void {
    this.#depth++;
    try {
      fn();
    } finally {
      this.#depth--;
    }
    if (this.#depth === 0) this.#flush();
  }

  #flush(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      while (this.#pending.length > 0) {
        const list = this.#pending;
        this.#pending = [];
        for (const src of list) src.fireEvents();
      }
    } finally {
      this.#flushing = false;
    }
  }

  #usePort(port: number, d: number): void {
    const n = (this.#ports.get(port) ?? 0) + d;
    if (n > 0) this.#ports.set(port, n);
    else this.#ports.delete(port);
  }

  #ephemeralPort(): number {
    for (let i = 0; i < PORT_COUNT; i++) {
      const p = this.#nextPort;
      this.#nextPort = p === 65535 ? PORT_FIRST : p + 1;
      if (!this.#ports.has(p)) return p;
    }
    throw new Errno(EADDRINUSE, "connect: no ephemeral port free");
  }
}
