/**
 * syncache.ts — the SYN cache and SYN cookies (NetBSD's tcp_syncache.c; RFC 4987 §3.3 and
 * §3.6): half-open passive connections live here as small entries, not as control blocks,
 * until the ACK that completes the handshake arrives; when a listener's share of the cache
 * is full, the SYN is answered with a SYN cookie instead and nothing is kept at all.
 *
 * Rules:
 *   - An entry holds what the SYN said (IRS, window, MSS, window scale, timestamp, SACK
 *     permitted) and our ISS; it retransmits its SYN-ACK on its own callout with the
 *     RFC 6298 backoff and goes away after `synRetries` (sc_timed_out). A repeated SYN
 *     with the same IRS gets the SYN-ACK again (sc_dupesyn); an exact RST removes the
 *     entry (sc_reset, RFC 5961 §3 as for SYN-RECEIVED).
 *   - A listener may hold `synQueueMax` entries and the whole cache `synCacheLimit`; past
 *     either, the SYN overflows (sc_overflowed) and gets a cookie SYN-ACK
 *     (sc_cookies_sent): ISS = 27 bits of a keyed hash of the 4-tuple, the peer's ISN and
 *     a 16 s time counter, then 2 bits of that counter and a 3-bit index into an MSS table.
 *     The hash key is the stack's secret (isn.ts, drawn from the kernel's cprng). Window
 *     scale and SACK-permitted need state a cookie does not keep (RFC 4987 §3.6's cost):
 *     when the SYN has timestamps they ride in the low 6 bits of our TSval and come back
 *     in the ACK's TSecr (Linux's and FreeBSD's way); without timestamps a cookie SYN-ACK
 *     carries only an MSS option.
 *   - An ACK for a listener with no entry is checked as a cookie only if the listener sent
 *     cookies in the last 64 s; it is valid for the current counter and the three before
 *     (48–64 s). A valid one (sc_cookies_accepted) makes the connection; an invalid one is
 *     counted (sc_cookies_rejected) and answered with a RST as any stray ACK is.
 *   - `expand` only decides: it hands input.ts the recipe of the connection (whose ACK then
 *     runs through the ordinary SYN-RECEIVED processing); it never makes a control block.
 */
import type { Ipv4Addr } from "../wire/addr.ts";
import { seqAdd, seqGt, seqInWindow } from "../wire/seq.ts";
import { type TcpRepr, TH_ACK, TH_SYN } from "../wire/tcp.ts";
import { TCP_MAX_WINSHIFT, type TcpOptions } from "../wire/tcp_options.ts";
import type { TcpTimer } from "./env.ts";
import type { TcpHost, TcpListener } from "./tcb.ts";

const EMPTY = new Uint8Array(0);
const TCP_MAXWIN = 65535;
/** The cookie's time counter ticks every 16 s; four ticks are accepted. */
const COOKIE_PERIOD = 16e9;
const COOKIE_TICKS = 4;
/** The MSS values a cookie can name (3 bits), smallest first. */
export const COOKIE_MSS = [536, 1024, 1200, 1300, 1360, 1400, 1440, 1460] as const;
/** The low TSval bits of a cookie SYN-ACK that carry the SYN's options. */
const COOKIE_TS_MASK = 0x3f;
/** Domain separation of the stack secret's uses (isn.ts's keyedHash). */
const TAG_COOKIE = 0x636f6f6b;

/** One half-open connection (struct syn_cache). */
export interface SynCacheEntry {
  readonly listener: TcpListener;
  readonly laddr: Ipv4Addr;
  readonly lport: number;
  readonly faddr: Ipv4Addr;
  readonly fport: number;
  readonly key: string;
  readonly irs: number;
  readonly iss: number;
  /** The SYN's options as we take them (mss, windowScale, timestamp, sackPermitted). */
  readonly options: TcpOptions;
  /** The SYN's window (never scaled). */
  readonly peerWindow: number;
  /** The window scale we offered (0 when none). */
  readonly requestScale: number;
  /** The window we offered in the SYN-ACK. */
  readonly window: number;
  rxtShift: number;
  timer: TcpTimer | null;
}

/** What input.ts needs to make the connection once the handshake completed. */
export interface SynCacheRecipe {
  readonly irs: number;
  readonly iss: number;
  readonly options: TcpOptions;
  readonly peerWindow: number;
  readonly requestScale: number;
  readonly window: number;
  readonly cookie: boolean;
}

/** `expand`'s answer: a recipe, "reset" (answer with a RST) or "drop" (silently). */
export type SynCacheVerdict = SynCacheRecipe | "reset" | "drop";

function tupleKey(laddr: number, lport: number, faddr: number, fport: number): string {
  return `${laddr}:${lport}:${faddr}:${fport}`;
}

export class SynCache {
  readonly #entries = new Map<string, SynCacheEntry>();
  readonly #byListener = new Map<TcpListener, Set<SynCacheEntry>>();
  /** When each listener last answered with a cookie. */
  readonly #cookieTime = new Map<TcpListener, number>();

  constructor(readonly host: TcpHost, readonly keyedHash: (words: number[]) => number) {}

  /** Entries in the cache. */
  get size(): number {
    return this.#entries.size;
  }

  /** Entries held for `l`. */
  countFor(l: TcpListener): number {
    return this.#byListener.get(l)?.size ?? 0;
  }

  /** The entry for a 4-tuple, or undefined. */
  lookup(
    laddr: Ipv4Addr,
    lport: number,
    faddr: Ipv4Addr,
    fport: number,
  ): SynCacheEntry | undefined {
    return this.#entries.get(tupleKey(laddr, lport, faddr, fport));
  }

  /** syn_cache_add: a SYN for listener `l` from src to dst (no connection has the tuple). */
  add(l: TcpListener, src: Ipv4Addr, dst: Ipv4Addr, seg: TcpRepr): void {
    const host = this.host;
    const stats = host.stats;
    const cfg = host.config;
    const key = tupleKey(dst, seg.dstPort, src, seg.srcPort);
    const old = this.#entries.get(key);
    if (old !== undefined) {
      if (old.irs === seg.seq) {
        // The peer did not get our SYN-ACK: send it again (NetBSD's dupe SYN case).
        stats.sc_dupesyn++;
        this.#sendSynAck(old);
        return;
      }
      this.#remove(old); // a new attempt on the same tuple replaces the old one
    }
    if (this.countFor(l) >= cfg.synQueueMax || this.#entries.size >= cfg.synCacheLimit) {
      stats.sc_overflowed++;
      this.#sendCookie(l, src, dst, seg);
      return;
    }
    const o = seg.options;
    const options: TcpOptions = {};
    if (o.mss !== undefined) options.mss = o.mss;
    if (o.windowScale !== undefined && cfg.windowScale) options.windowScale = o.windowScale;
    if (o.timestamp !== undefined && cfg.timestamps) {
      options.timestamp = { tsval: o.timestamp.tsval, tsecr: 0 };
    }
    if (o.sackPermitted && cfg.sack) options.sackPermitted = true;
    const recvBuffer = l.options.recvBuffer ?? cfg.recvBuffer;
    const scale = options.windowScale !== undefined ? this.#scaleFor(l) : 0;
    const sc: SynCacheEntry = {
      listener: l,
      laddr: dst,
      lport: seg.dstPort,
      faddr: src,
      fport: seg.srcPort,
      key,
      irs: seg.seq,
      iss: host.isnFor(dst, seg.dstPort, src, seg.srcPort),
      options,
      peerWindow: seg.window,
      requestScale: scale,
      window: Math.min(recvBuffer, TCP_MAXWIN),
      rxtShift: 0,
      timer: null,
    };
    sc.timer = host.env.timer("tcp syncache", () => host.run(() => this.#timeout(sc)));
    this.#entries.set(key, sc);
    let set = this.#byListener.get(l);
    if (set === undefined) this.#byListener.set(l, set = new Set());
    set.add(sc);
    stats.sc_added++;
    stats.sc_entries = this.#entries.size;
    this.#sendSynAck(sc);
    sc.timer.schedule(host.config.rtoInitial);
  }

  /**
   * syn_cache_get: an ACK (no SYN, no RST) for listener `l` from src to dst. With an entry:
   * the recipe if it acknowledges our SYN exactly, "reset" if not, "drop" (the entry stays,
   * the peer retransmits) when its sequence number is outside the window or the accept
   * queue is full. Without one: a cookie check.
   */
  expand(l: TcpListener, src: Ipv4Addr, dst: Ipv4Addr, seg: TcpRepr): SynCacheVerdict {
    const stats = this.host.stats;
    const sc = this.#entries.get(tupleKey(dst, seg.dstPort, src, seg.srcPort));
    if (sc !== undefined) {
      // RFC 9293 §3.10.7.4: an ACK that does not acknowledge our SYN is answered with a
      // RST; a segment outside the window we offered is dropped (NetBSD's syn_cache_get).
      if (seg.ack !== seqAdd(sc.iss, 1)) return "reset";
      if (!seqInWindow(seg.seq, seqAdd(sc.irs, 1), sc.window + 1)) return "drop";
      if (!l.canAccept()) {
        stats.listendrop++;
        return "drop";
      }
      this.#remove(sc);
      stats.sc_completed++;
      return { ...sc, cookie: false };
    }
    const sent = this.#cookieTime.get(l);
    if (sent === undefined || this.host.env.now() - sent > COOKIE_TICKS * COOKIE_PERIOD) {
      return "reset";
    }
    const irs = seqAdd(seg.seq, -1);
    const mssIndex = this.#cookieCheck(
      dst,
      seg.dstPort,
      src,
      seg.srcPort,
      irs,
      seqAdd(seg.ack, -1),
    );
    if (mssIndex < 0) {
      stats.sc_cookies_rejected++;
      return "reset";
    }
    if (!l.canAccept()) {
      stats.listendrop++;
      return "drop";
    }
    stats.sc_cookies_accepted++;
    const options: TcpOptions = { mss: COOKIE_MSS[mssIndex] };
    let requestScale = 0;
    const ts = seg.options.timestamp;
    if (ts !== undefined && this.host.config.timestamps) {
      // The options the SYN offered, as our cookie SYN-ACK's TSval carried them (echoed
      // in TSecr): the peer's window shift (15: none) and SACK-permitted.
      const bits = ts.tsecr & COOKIE_TS_MASK;
      options.timestamp = { tsval: ts.tsval, tsecr: 0 };
      if ((bits & 0xf) !== 0xf && this.host.config.windowScale) {
        options.windowScale = bits & 0xf;
        requestScale = this.#scaleFor(l);
      }
      if (bits & 0x10 && this.host.config.sack) options.sackPermitted = true;
    }
    return {
      irs,
      iss: seqAdd(seg.ack, -1),
      options,
      peerWindow: seg.window,
      requestScale,
      window: Math.min(l.options.recvBuffer ?? this.host.config.recvBuffer, TCP_MAXWIN),
      cookie: true,
    };
  }

  /** The window shift we offer for a listener's connections (RFC 7323 §2.2). */
  #scaleFor(l: TcpListener): number {
    const recvBuffer = l.options.recvBuffer ?? this.host.config.recvBuffer;
    let scale = 0;
    while (scale < TCP_MAX_WINSHIFT && TCP_MAXWIN << scale < recvBuffer) scale++;
    return scale;
  }

  /** syn_cache_reset: a RST for a tuple with an entry; an exact one removes it. */
  reset(src: Ipv4Addr, dst: Ipv4Addr, seg: TcpRepr): void {
    const sc = this.#entries.get(tupleKey(dst, seg.dstPort, src, seg.srcPort));
    if (sc === undefined || seg.seq !== seqAdd(sc.irs, 1)) return;
    this.host.stats.sc_reset++;
    this.#remove(sc);
  }

  /** The listener closed: its entries go (no RST: the peers are only half-open). */
  purge(l: TcpListener): void {
    for (const sc of [...(this.#byListener.get(l) ?? [])]) {
      this.host.stats.sc_aborted++;
      this.#remove(sc);
    }
    this.#byListener.delete(l);
    this.#cookieTime.delete(l);
  }

  /** The cookie (our ISS) for a tuple, the peer's ISN, a time counter and an MSS index. */
  cookie(
    laddr: Ipv4Addr,
    lport: number,
    faddr: Ipv4Addr,
    fport: number,
    irs: number,
    tick: number,
    mssIndex: number,
  ): number {
    const h = this.keyedHash([TAG_COOKIE, laddr, faddr, ((lport << 16) | fport) >>> 0, irs, tick]);
    return ((h & ~0x1f) | ((tick & 3) << 3) | (mssIndex & 7)) >>> 0;
  }

  /** The MSS index a valid cookie carries, or -1. */
  #cookieCheck(
    laddr: Ipv4Addr,
    lport: number,
    faddr: Ipv4Addr,
    fport: number,
    irs: number,
    cookie: number,
  ): number {
    const now = Math.floor(this.host.env.now() / COOKIE_PERIOD);
    const low = (cookie >>> 3) & 3;
    for (let tick = now; tick > now - COOKIE_TICKS && tick >= 0; tick--) {
      if ((tick & 3) !== low) continue;
      const mssIndex = cookie & 7;
      if (this.cookie(laddr, lport, faddr, fport, irs, tick, mssIndex) === cookie) return mssIndex;
    }
    return -1;
  }

  #sendCookie(l: TcpListener, src: Ipv4Addr, dst: Ipv4Addr, seg: TcpRepr): void {
    const host = this.host;
    const ourMss = Math.max(64, host.env.mtu(src) - 40);
    const peerMss = seg.options.mss !== undefined && seg.options.mss > 0
      ? seg.options.mss
      : host.config.defaultMss;
    const want = Math.min(ourMss, peerMss);
    let idx = 0;
    while (idx + 1 < COOKIE_MSS.length && COOKIE_MSS[idx + 1] <= want) idx++;
    const tick = Math.floor(host.env.now() / COOKIE_PERIOD);
    const iss = this.cookie(dst, seg.dstPort, src, seg.srcPort, seg.seq, tick, idx);
    this.#cookieTime.set(l, host.env.now());
    host.stats.sc_cookies_sent++;
    const window = Math.min(l.options.recvBuffer ?? host.config.recvBuffer, TCP_MAXWIN);
    const cfg = host.config;
    const o = seg.options;
    const options: TcpOptions = { mss: ourMss };
    if (o.timestamp !== undefined && cfg.timestamps) {
      // RFC 4987 §3.6's lost options ride in the low bits of our TSval (as Linux and
      // FreeBSD do): the peer's shift (15: none) and SACK-permitted; the clock is set back
      // by a period rather than forward, so later TSvals never run backwards.
      const ws = o.windowScale !== undefined && cfg.windowScale
        ? Math.min(o.windowScale, TCP_MAX_WINSHIFT)
        : 0xf;
      const bits = ws | (o.sackPermitted && cfg.sack ? 0x10 : 0);
      const now = host.tsClock(dst, src);
      let tsval = ((now & ~COOKIE_TS_MASK) | bits) >>> 0;
      if (seqGt(tsval, now)) tsval = (tsval - (COOKIE_TS_MASK + 1)) >>> 0;
      options.timestamp = { tsval, tsecr: o.timestamp.tsval };
      if (ws !== 0xf) options.windowScale = this.#scaleFor(l);
      if (bits & 0x10) options.sackPermitted = true;
    }
    this.#output(dst, seg.dstPort, src, seg.srcPort, iss, seqAdd(seg.seq, 1), window, options);
  }

  #sendSynAck(sc: SynCacheEntry): void {
    const o = sc.options;
    const options: TcpOptions = { mss: Math.max(64, this.host.env.mtu(sc.faddr) - 40) };
    if (o.windowScale !== undefined) options.windowScale = sc.requestScale;
    if (o.timestamp !== undefined) {
      options.timestamp = {
        tsval: this.host.tsClock(sc.laddr, sc.faddr),
        tsecr: o.timestamp.tsval,
      };
    }
    if (o.sackPermitted) options.sackPermitted = true;
    this.#output(
      sc.laddr,
      sc.lport,
      sc.faddr,
      sc.fport,
      sc.iss,
      seqAdd(sc.irs, 1),
      sc.window,
      options,
    );
  }

  #output(
    laddr: Ipv4Addr,
    lport: number,
    faddr: Ipv4Addr,
    fport: number,
    seq: number,
    ack: number,
    window: number,
    options: TcpOptions,
  ): void {
    const seg: TcpRepr = {
      srcPort: lport,
      dstPort: fport,
      seq,
      ack,
      flags: TH_SYN | TH_ACK,
      window,
      urgent: 0,
      options,
      payload: EMPTY,
    };
    this.host.stats.sndtotal++;
    this.host.stats.sndctrl++;
    this.host.env.output(seg, laddr, faddr);
  }

  /** The SYN-ACK's retransmission timer (RFC 6298 §5.5 backoff), then expiry. */
  #timeout(sc: SynCacheEntry): void {
    const host = this.host;
    if (this.#entries.get(sc.key) !== sc) return;
    sc.rxtShift++;
    if (sc.rxtShift > host.config.synRetries) {
      host.stats.sc_timed_out++;
      this.#remove(sc);
      return;
    }
    host.stats.rexmttimeo++;
    this.#sendSynAck(sc);
    const cfg = host.config;
    sc.timer!.schedule(Math.min(cfg.rtoMax, cfg.rtoInitial * 2 ** sc.rxtShift));
  }

  #remove(sc: SynCacheEntry): void {
    sc.timer?.stop();
    sc.timer = null;
    if (this.#entries.get(sc.key) === sc) this.#entries.delete(sc.key);
    const set = this.#byListener.get(sc.listener);
    if (set !== undefined) {
      set.delete(sc);
      if (set.size === 0) this.#byListener.delete(sc.listener);
    }
    this.host.stats.sc_entries = this.#entries.size;
  }
}
