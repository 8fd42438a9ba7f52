/**
 * syncache_test.ts — the SYN cache and SYN cookies (net/tcp/syncache.ts; RFC 4987 §3.3,
 * §3.6): floods from spoofed addresses, retransmission and expiry of cached SYN-ACKs,
 * cookie validation and its counters.
 */
import assert from "node:assert/strict";
import { TCPS_ESTABLISHED } from "../../../net/tcp/state.ts";
import { COOKIE_MSS } from "../../../net/tcp/syncache.ts";
import { tcpSend } from "../../../net/tcp/usrreq.ts";
import { TH_ACK, TH_SYN } from "../../../net/wire/tcp.ts";
import { concat, drain, MS, Net, pattern, S } from "./harness.ts";
import { CPORT, isRst, isSynAck, SPORT } from "./util.ts";

/** A spoofed source address: 10.1.x.y, never one of the two hosts. */
function spoofed(i: number): number {
  return ((10 << 24) | (1 << 16) | ((i >> 8) & 0xff) << 8 | (i & 0xff)) >>> 0;
}

/** `n` SYNs to B's listener from spoofed addresses that never answer. */
function flood(net: Net, n: number, from = 0): void {
  for (let i = from; i < from + n; i++) {
    net.injectFrom(net.b, spoofed(i), {
      srcPort: 1024 + (i % 60000),
      dstPort: SPORT,
      seq: (i * 7919) >>> 0,
      flags: TH_SYN,
      window: 65535,
      options: {
        mss: 1460,
        windowScale: 7,
        sackPermitted: true,
        timestamp: { tsval: i, tsecr: 0 },
      },
    });
  }
}

Deno.test("syncache: 5,000 spoofed SYNs fill the cache, the rest get cookies, and a real client connects at once", () => {
  const net = new Net({ seed: 3 });
  net.logging = false;
  const l = net.b.stack.listen(net.b.addr, SPORT, 128);
  flood(net, 5000);
  const st = net.b.stack.stats;
  const limit = net.b.stack.config.synQueueMax;
  assert.equal(st.sc_added, limit);
  assert.equal(st.sc_entries, limit);
  assert.equal(st.sc_overflowed, 5000 - limit);
  assert.equal(st.sc_cookies_sent, 5000 - limit);
  assert.equal(net.blackholed.length, 5000); // every SYN was answered, none queued a TCB
  assert.equal(net.b.stack.connections().length, 0);
  assert.equal(st.listendrop, 0);

  // A legitimate client: answered in one round trip (2 × 5 ms), through a cookie.
  const start = net.now();
  const c = net.a.stack.connect(net.a.addr, CPORT, net.b.addr, SPORT);
  assert.ok(net.run(() => c.state === TCPS_ESTABLISHED && l.pending === 1, 50 * MS));
  assert.ok(net.now() - start <= 20 * MS, `took ${(net.now() - start) / MS} ms`);
  assert.equal(st.sc_cookies_accepted, 1);
  assert.equal(st.sc_cookies_rejected, 0);
  const s = l.accept()!;
  // RFC 4987 §3.6's lost options came back through the timestamps: scale, SACK, TS.
  assert.equal(s.tsOk, true);
  assert.equal(s.sndScale, c.rcvScale);
  assert.equal(s.rcvScale, c.sndScale);
  assert.ok(s.rcvScale > 0);
  assert.equal(s.sackOk, true);
  assert.equal(s.maxseg, COOKIE_MSS[COOKIE_MSS.length - 1] - 12); // 1460 less the TS option
  // And it carries data both ways, more than an unscaled window holds.
  const up = pattern(200000, 1);
  tcpSend(c, up);
  tcpSend(s, pattern(3000, 2));
  const got: Uint8Array[] = [];
  const back: Uint8Array[] = [];
  assert.ok(net.run(() => {
    drain(s, got);
    drain(c, back);
    return concat(got).length === up.length && concat(back).length === 3000;
  }, 5 * S));
  assert.deepEqual(concat(got), up);
});

Deno.test("syncache: an entry retransmits its SYN-ACK with backoff (RFC 6298 §5.5) and expires after synRetries", () => {
  const net = new Net({ config: { synRetries: 3 } });
  net.b.stack.listen(net.b.addr, SPORT, 128);
  flood(net, 10);
  const st = net.b.stack.stats;
  const times = () => net.blackholed.filter((b) => b.dst === spoofed(0)).map((b) => b.t);
  assert.equal(times().length, 1);
  net.runFor(100 * S);
  // Sent at 0, then after 1, 2 and 4 s; gone after the next 8 s.
  assert.deepEqual(times(), [0, 1 * S, 3 * S, 7 * S]);
  assert.equal(st.sc_timed_out, 10);
  assert.equal(st.sc_entries, 0);
  assert.equal(net.b.stack.syncache.size, 0);
});

Deno.test("syncache: a repeated SYN gets the same SYN-ACK again; a new ISN replaces the entry", () => {
  const net = new Net();
  const l = net.b.stack.listen(net.b.addr, SPORT, 8);
  const syn = { srcPort: CPORT, dstPort: SPORT, seq: 1000, flags: TH_SYN, window: 1000 };
  net.inject(net.b, syn);
  net.inject(net.b, syn);
  const synacks = net.sent("b", isSynAck);
  assert.equal(synacks.length, 2);
  assert.equal(synacks[1].seg.seq, synacks[0].seg.seq);
  assert.equal(net.b.stack.stats.sc_dupesyn, 1);
  net.inject(net.b, { ...syn, seq: 5000 });
  assert.equal(net.b.stack.syncache.countFor(l), 1);
  assert.equal(net.b.stack.syncache.lookup(net.b.addr, SPORT, net.a.addr, CPORT)!.irs, 5000);
});

Deno.test("syncache: forged, stale and unexpected cookie ACKs are rejected with a RST and counted", () => {
  const net = new Net({ config: { synQueueMax: 1 } });
  const l = net.b.stack.listen(net.b.addr, SPORT, 8);
  const st = net.b.stack.stats;
  // Before any cookie was sent an unknown ACK is an ordinary stray ACK: RST, no cookie check.
  net.inject(net.b, { srcPort: CPORT, dstPort: SPORT, seq: 1, ack: 12345, flags: TH_ACK });
  assert.equal(net.sent("b", isRst).length, 1);
  assert.equal(st.sc_cookies_rejected, 0);

  flood(net, 1); // fills this listener's one entry
  net.inject(net.b, { srcPort: CPORT, dstPort: SPORT, seq: 1000, flags: TH_SYN, window: 8000 });
  assert.equal(st.sc_cookies_sent, 1);
  const cookie = net.sent("b", isSynAck)[0].seg.seq;
  const ack = { srcPort: CPORT, dstPort: SPORT, seq: 1001, flags: TH_ACK, window: 8000 };
  // A wrong cookie (one hash bit flipped), or one for another ISN of the peer.
  net.inject(net.b, { ...ack, ack: (cookie ^ 0x100) + 1 });
  net.inject(net.b, { ...ack, seq: 2001, ack: cookie + 1 });
  assert.equal(st.sc_cookies_rejected, 2);
  assert.equal(net.sent("b", isRst).length, 3);
  assert.equal(l.pending, 0);
  // The genuine one 40 s later still holds (the counter covers 48–64 s) ...
  net.runFor(40 * S);
  net.inject(net.b, { ...ack, ack: cookie + 1 });
  assert.equal(st.sc_cookies_accepted, 1);
  assert.equal(l.pending, 1);
  // ... but not after 64 s.
  flood(net, 1, 1);
  net.inject(net.b, { srcPort: CPORT + 1, dstPort: SPORT, seq: 7, flags: TH_SYN, window: 8000 });
  const cookie2 = net.sent("b", (s) => isSynAck(s) && s.dstPort === CPORT + 1)[0].seg.seq;
  net.runFor(65 * S);
  const sent = st.sc_cookies_sent;
  flood(net, 1, 2); // the cache is still full: cookies are in use again, the ACK is checked
  assert.equal(st.sc_cookies_sent, sent + 1);
  net.inject(net.b, { ...ack, srcPort: CPORT + 1, seq: 8, ack: cookie2 + 1 });
  assert.equal(st.sc_cookies_accepted, 1);
  assert.equal(st.sc_cookies_rejected, 3);
});

Deno.test("syncache: closing the listener drops its entries", () => {
  const net = new Net();
  const l = net.b.stack.listen(net.b.addr, SPORT, 128);
  flood(net, 20);
  assert.equal(net.b.stack.syncache.countFor(l), 20);
  l.stack.run(() => {});
  net.b.stack.removeListener(l);
  net.b.stack.syncache.purge(l);
  assert.equal(net.b.stack.stats.sc_aborted, 20);
  assert.equal(net.b.stack.syncache.size, 0);
  net.runFor(30 * S);
  assert.equal(net.blackholed.length, 20); // no retransmissions from purged entries
});

Deno.test("syncache: a wrong ACK number gets a RST, a sequence number off the window is dropped, the entry stays", () => {
  const net = new Net();
  const l = net.b.stack.listen(net.b.addr, SPORT, 8);
  net.inject(net.b, { srcPort: CPORT, dstPort: SPORT, seq: 1000, flags: TH_SYN, window: 8000 });
  const iss = net.sent("b", isSynAck)[0].seg.seq;
  const ack = { srcPort: CPORT, dstPort: SPORT, flags: TH_ACK, window: 8000 };
  net.inject(net.b, { ...ack, seq: 1001, ack: iss + 2 });
  assert.equal(net.sent("b", isRst).length, 1);
  assert.equal(net.sent("b", isRst)[0].seg.seq, iss + 2); // <SEQ=SEG.ACK><CTL=RST>
  net.inject(net.b, { ...ack, seq: 1001 + 70000, ack: iss + 1 });
  assert.equal(net.sent("b", isRst).length, 1);
  assert.equal(net.b.stack.syncache.countFor(l), 1);
  assert.equal(l.pending, 0);
  // The genuine ACK, carrying data, completes it; the data is there to read.
  net.inject(net.b, { ...ack, seq: 1001, ack: iss + 1, payload: new Uint8Array([1, 2, 3]) });
  assert.equal(l.pending, 1);
  assert.equal(l.accept()!.readable, 3);
});

Deno.test("syncache: the handshake's ACK sets TS.Recent and measures the RTT (RFC 7323 §4.3, §4.1)", () => {
  const net = new Net();
  const l = net.b.stack.listen(net.b.addr, SPORT, 8);
  const c = net.a.stack.connect(net.a.addr, CPORT, net.b.addr, SPORT);
  assert.ok(net.run(() => l.pending === 1, 1 * S));
  const s = l.accept()!;
  const lastAck = net.sent("a", (seg) => seg.flags === TH_ACK).at(-1)!.seg;
  assert.equal(s.tsRecent, lastAck.options.timestamp!.tsval);
  assert.equal(s.rtt.samples, 1);
  assert.equal(c.tsOk && s.tsOk, true);
});

Deno.test("syncache: a cookie for a SYN without timestamps keeps only the MSS (RFC 4987 §3.6)", () => {
  const net = new Net({ configA: { timestamps: false }, config: { synQueueMax: 1 } });
  net.logging = false;
  const l = net.b.stack.listen(net.b.addr, SPORT, 8);
  flood(net, 1);
  const c = net.a.stack.connect(net.a.addr, CPORT, net.b.addr, SPORT);
  assert.ok(net.run(() => c.state === TCPS_ESTABLISHED && l.pending === 1, 50 * MS));
  assert.equal(net.b.stack.stats.sc_cookies_accepted, 1);
  const s = l.accept()!;
  assert.equal(s.tsOk, false);
  assert.equal(s.sndScale + s.rcvScale + c.sndScale + c.rcvScale, 0);
  assert.equal(s.sackOk || c.sackOk, false);
  assert.equal(s.maxseg, 1460);
});
