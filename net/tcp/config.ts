/**
 * config.ts — the tunables of a TcpStack (NetBSD's net.inet.tcp sysctls), with defaults.
 *
 * Rules: every time is in nanoseconds. Defaults: MSL 30 s (NetBSD's TCPTV_MSL, so
 * TIME-WAIT lasts 60 s); RTO initial 1 s, minimum 1 s (RFC 6298 §2.1, §2.4), maximum 60 s;
 * delayed-ACK timer 200 ms (RFC 9293 §3.8.6.3 allows up to 500 ms); keepalive idle 2 h,
 * interval 75 s, 8 probes (RFC 1122 §4.2.3.6, BSD); buffers 256 KiB per direction so a
 * window-scaled connection can keep a fast path full.
 */

const MS = 1e6;
const S = 1e9;

export interface TcpConfig {
  /** Maximum segment lifetime; TIME-WAIT is 2·MSL (RFC 9293 §3.4.2). */
  msl: number;
  rtoInitial: number;
  rtoMin: number;
  rtoMax: number;
  /** Retransmissions of one segment before the connection is dropped with ETIMEDOUT. */
  maxRexmt: number;
  /** Retransmissions of a SYN (or SYN-ACK) before giving up. */
  synRetries: number;
  /** Delayed-ACK timer. */
  delack: number;
  keepIdle: number;
  keepIntvl: number;
  keepCnt: number;
  /** How long an orphaned connection may sit in FIN-WAIT-2. */
  finWait2Timeout: number;
  /** Default SO_SNDBUF / SO_RCVBUF. */
  sendBuffer: number;
  recvBuffer: number;
  /** Negotiate window scaling, timestamps, SACK (RFC 7323, 2018). */
  windowScale: boolean;
  timestamps: boolean;
  sack: boolean;
  /** MSS assumed when the peer sends none (RFC 9293 §3.7.1). */
  defaultMss: number;
  /** SYN cache entries one listener may hold; past it SYNs get cookies (syncache.ts). */
  synQueueMax: number;
  /** SYN cache entries of the whole stack (NetBSD's tcp_syn_cache_limit). */
  synCacheLimit: number;
  /**
   * Least time between two ACKs a connection sends for segments it drops as out of window
   * or by PAWS (Linux's tcp_invalid_ratelimit, 500 ms; RFC 5961 §7 asks for such limits).
   */
  oowAckInterval: number;
  /** Challenge ACKs sent per second, stack-wide (RFC 5961 §7). */
  challengeAckLimit: number;
  /**
   * An active open may take over its own tuple's TIME-WAIT record when timestamps were in
   * use and the peer's last one is a second old (Linux's tcp_tw_reuse): the new SYN's
   * timestamp is then newer, so the peer cannot mistake it for the old connection
   * (RFC 6191). Off by default, as in BSD. (On in the user netdev's gateway it keeps a
   * flood of host connections from using up the gateway's ports, but then nothing bounds the
   * relays it runs: see BENCHMARKS.md, issue 11.)
   */
  twReuse: boolean;
}

export const DEFAULT_TCP_CONFIG: Readonly<TcpConfig> = {
  msl: 30 * S,
  rtoInitial: 1 * S,
  rtoMin: 1 * S,
  rtoMax: 60 * S,
  maxRexmt: 12,
  synRetries: 6,
  delack: 200 * MS,
  keepIdle: 2 * 3600 * S,
  keepIntvl: 75 * S,
  keepCnt: 8,
  finWait2Timeout: 60 * S,
  sendBuffer: 256 * 1024,
  recvBuffer: 256 * 1024,
  windowScale: true,
  timestamps: true,
  sack: true,
  defaultMss: 536,
  synQueueMax: 128,
  synCacheLimit: 4096,
  oowAckInterval: 500 * MS,
  challengeAckLimit: 100,
  twReuse: false,
};
