/**
 * stats.ts — TCP counters, as `netstat -s -p tcp` shows them (NetBSD's tcpstat names).
 *
 * Rules: plain numbers that only grow (sc_entries, a gauge, is the one exception); the engine bumps them, nothing reads them to decide
 * anything. `format()` prints them in netstat's wording, one per line, in a fixed order.
 */

export class TcpStats {
  // --- connections ---
  /** Active opens (connect). */
  connattempt = 0;
  /** Passive opens completed (SYN-RECEIVED → ESTABLISHED). */
  accepts = 0;
  /** Connections established, either way. */
  connects = 0;
  /** Established connections dropped (RST, timeout, abort). */
  drops = 0;
  /** Embryonic connections dropped before establishment. */
  conndrops = 0;
  /** Connections closed (including drops). */
  closed = 0;
  /** SYNs dropped because a listener's accept or SYN queue was full. */
  listendrop = 0;
  /** Connections dropped by the retransmission timer (ETIMEDOUT). */
  timeoutdrop = 0;
  /** Connections dropped by keepalive. */
  keepdrops = 0;

  // --- sending ---
  sndtotal = 0;
  /** Data segments and bytes sent, first transmissions. */
  sndpack = 0;
  sndbyte = 0;
  /** Data segments and bytes retransmitted. */
  sndrexmitpack = 0;
  sndrexmitbyte = 0;
  /** Pure ACKs sent (of which delayed). */
  sndacks = 0;
  delack = 0;
  /** Window probes, window updates, control segments (SYN, FIN, RST). */
  sndprobe = 0;
  sndwinup = 0;
  sndctrl = 0;
  sndrst = 0;
  /** RFC 5961 challenge ACKs sent, and those suppressed by the rate limit. */
  challengeack = 0;
  challengeacklimit = 0;

  // --- timers ---
  rexmttimeo = 0;
  persisttimeo = 0;
  keeptimeo = 0;
  keepprobe = 0;
  segstimed = 0;
  rttupdated = 0;

  // --- recovery ---
  /** Fast retransmits (3 dupacks or SACK loss detection) and SACK hole retransmissions. */
  fastrexmit = 0;
  sackrexmit = 0;
  /** Partial ACKs in NewReno recovery (RFC 6582). */
  partialack = 0;

  // --- receiving ---
  rcvtotal = 0;
  /** In-sequence data segments and bytes. */
  rcvpack = 0;
  rcvbyte = 0;
  rcvbadsum = 0;
  rcvbadoff = 0;
  rcvshort = 0;
  /** Completely duplicate segments and bytes; partly duplicate ones. */
  rcvduppack = 0;
  rcvdupbyte = 0;
  rcvpartduppack = 0;
  rcvpartdupbyte = 0;
  /** Out-of-order segments and bytes. */
  rcvoopack = 0;
  rcvoobyte = 0;
  /** Segments and bytes beyond the window. */
  rcvpackafterwin = 0;
  rcvbyteafterwin = 0;
  /** Data after the application closed. */
  rcvafterclose = 0;
  rcvwinprobe = 0;
  rcvdupack = 0;
  rcvacktoomuch = 0;
  rcvackpack = 0;
  rcvackbyte = 0;
  rcvwinupd = 0;
  rcvrst = 0;
  /** Segments dropped by PAWS (RFC 7323 §5). */
  pawsdrop = 0;
  /** Segments to no connection (answered with RST unless a RST). */
  noport = 0;
  /** Segments dropped because buffer memory ran out. */
  rcvmemdrop = 0;
  /** SYNs that did not fit any state. */
  badsyn = 0;
  /** ACKs for PAWS and out-of-window drops not sent because of the rate limit. */
  oowacklimit = 0;
  /** Active opens that took over their tuple's TIME-WAIT (config.twReuse). */
  twreused = 0;

  // --- SYN cache (NetBSD's tcps_sc_*) and SYN cookies (RFC 4987) ---
  /** Entries made, completed, timed out, overflowed (a cookie went instead), reset. */
  sc_added = 0;
  sc_completed = 0;
  sc_timed_out = 0;
  sc_overflowed = 0;
  sc_reset = 0;
  /** Entries whose SYN came again (SYN-ACK resent); entries of a listener that closed. */
  sc_dupesyn = 0;
  sc_aborted = 0;
  /** Entries in the cache now (a gauge, not a counter). */
  sc_entries = 0;
  /** Cookie SYN-ACKs sent; ACKs with a valid cookie; ACKs whose cookie failed. */
  sc_cookies_sent = 0;
  sc_cookies_accepted = 0;
  sc_cookies_rejected = 0;

  /** `netstat -s -p tcp`-style lines. */
  format(): string {
    const l: string[] = ["tcp:"];
    const p = (n: number, what: string) => l.push(`\t${n} ${what}`);
    p(this.sndtotal, "packets sent");
    p(this.sndpack, `data packets (${this.sndbyte} bytes)`);
    p(this.sndrexmitpack, `data packets (${this.sndrexmitbyte} bytes) retransmitted`);
    p(this.sndacks, `ack-only packets (${this.delack} delayed)`);
    p(this.sndprobe, "window probe packets");
    p(this.sndwinup, "window update packets");
    p(this.sndctrl, "control packets");
    p(this.sndrst, "resets sent");
    p(this.challengeack, `challenge ACKs sent (${this.challengeacklimit} rate-limited)`);
    p(this.rcvtotal, "packets received");
    p(this.rcvackpack, `acks (for ${this.rcvackbyte} bytes)`);
    p(this.rcvdupack, "duplicate acks");
    p(this.rcvacktoomuch, "acks for unsent data");
    p(this.rcvpack, `packets (${this.rcvbyte} bytes) received in-sequence`);
    p(this.rcvduppack, `completely duplicate packets (${this.rcvdupbyte} bytes)`);
    p(this.rcvpartduppack, `packets with some dup. data (${this.rcvpartdupbyte} bytes duped)`);
    p(this.rcvoopack, `out-of-order packets (${this.rcvoobyte} bytes)`);
    p(this.rcvpackafterwin, `packets (${this.rcvbyteafterwin} bytes) of data after window`);
    p(this.rcvwinprobe, "window probes");
    p(this.rcvwinupd, "window update packets");
    p(this.rcvafterclose, "packets received after close");
    p(this.rcvbadsum, "discarded for bad checksums");
    p(this.rcvbadoff, "discarded for bad header offset fields");
    p(this.rcvshort, "discarded because packet too short");
    p(this.rcvmemdrop, "discarded for lack of memory");
    p(this.rcvrst, "resets received");
    p(this.pawsdrop, "discarded by PAWS");
    p(this.noport, "packets to closed ports");
    p(this.connattempt, "connection requests");
    p(this.accepts, "connection accepts");
    p(this.listendrop, "SYNs dropped (listen queue overflow)");
    p(this.badsyn, "bad connection attempts");
    p(this.connects, "connections established (including accepts)");
    p(this.closed, `connections closed (including ${this.drops} drops)`);
    p(this.conndrops, "embryonic connections dropped");
    p(this.rttupdated, `segments updated rtt (of ${this.segstimed} attempts)`);
    p(this.rexmttimeo, "retransmit timeouts");
    p(this.timeoutdrop, "connections dropped by rexmit timeout");
    p(this.persisttimeo, "persist timeouts");
    p(this.keeptimeo, "keepalive timeouts");
    p(this.keepprobe, "keepalive probes sent");
    p(this.keepdrops, "connections dropped by keepalive");
    p(this.fastrexmit, "fast retransmits");
    p(this.sackrexmit, "SACK hole retransmissions");
    p(this.partialack, "NewReno partial acks");
    p(this.oowacklimit, "out-of-window/PAWS acks rate-limited");
    p(this.twreused, "connects that reused a TIME-WAIT tuple");
    p(this.sc_added, "SYN cache entries added");
    p(this.sc_entries, "SYN cache entries now");
    p(this.sc_completed, "SYN cache entries completed");
    p(this.sc_timed_out, "SYN cache entries timed out");
    p(this.sc_overflowed, "SYN cache overflows");
    p(this.sc_reset, "SYN cache entries reset");
    p(this.sc_dupesyn, "SYN cache duplicate SYNs");
    p(this.sc_aborted, "SYN cache entries aborted (listener closed)");
    p(this.sc_cookies_sent, "SYN cookies sent");
    p(this.sc_cookies_accepted, "SYN cookies accepted");
    p(this.sc_cookies_rejected, "SYN cookies rejected");
    return l.join("\n") + "\n";
  }
}
