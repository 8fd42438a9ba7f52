/**
 * time_wait_test.ts — TIME-WAIT as BSD and Linux handle it: timestamp clocks monotonic per
 * address pair (RFC 7323 §5.4, Appendix A), and a new SYN reopening a TIME-WAIT connection
 * when it cannot be an old duplicate (RFC 6191 with timestamps; RFC 1122 §4.2.2.13 / BSD's
 * higher-ISN rule without).
 */
import assert from "node:assert/strict";
import { EADDRINUSE, isErrno } from "../../../kernel/kern/errno.ts";
import { TCPS_CLOSED, TCPS_ESTABLISHED, TCPS_TIME_WAIT } from "../../../net/tcp/state.ts";
import type { Tcb, TimeWait } from "../../../net/tcp/tcb.ts";
import { SHUT_WR } from "../../../net/tcp/tcb.ts";
import { tcpDisconnect, tcpSend, tcpShutdown } from "../../../net/tcp/usrreq.ts";
import { parseIpv4 } from "../../../net/wire/addr.ts";
import { type TcpRepr, TH_ACK, TH_FIN, TH_RST, TH_SYN } from "../../../net/wire/tcp.ts";
import { drain, MS, Net, pattern, S } from "./harness.ts";
import { CPORT, isSyn, isSynAck, SPORT, timeWaitFor } from "./util.ts";

/**
 * A connection from CPORT that the server (B) closes first, leaving B in TIME-WAIT: the
 * server's control block (closed) and the record that now holds the tuple.
 */
function serverTimeWait(net: Net): { s: Tcb; tw: TimeWait } {
  const l = net.b.stack.findListener(net.b.addr, SPORT) ??
    net.b.stack.listen(net.b.addr, SPORT, 8);
  const c = net.a.stack.connect(net.a.addr, CPORT, net.b.addr, SPORT);
  assert.ok(net.run(() => c.state === TCPS_ESTABLISHED && l.pending > 0, 5 * S));
  const s = l.accept()!;
  tcpDisconnect(s); // the server closes first (HTTP/1.0, Connection: close)
  assert.ok(net.run(() => c.finRcvd, 1 * S));
  tcpDisconnect(c);
  assert.ok(net.run(() => c.state === TCPS_CLOSED && timeWaitFor(net.b.stack, s) !== null, 1 * S));
  assert.equal(s.state, TCPS_CLOSED);
  return { s, tw: timeWaitFor(net.b.stack, s)! };
}

Deno.test("time-wait: a closed connection in TIME-WAIT holds no buffer store, and 2·MSL still ends it", () => {
  const net = new Net();
  const l = net.b.stack.listen(net.b.addr, SPORT, 8);
  const c = net.a.stack.connect(net.a.addr, CPORT, net.b.addr, SPORT);
  assert.ok(net.run(() => c.state === TCPS_ESTABLISHED && l.pending > 0, 5 * S));
  const s = l.accept()!;
  tcpSend(s, pattern(10_000)); // the server's reply: its send store grows
  tcpSend(c, pattern(3_000)); // the request: the server's receive store grows
  assert.ok(net.run(() => s.sndUna === s.sndMax && s.rcv.length === 3_000, 1 * S));
  drain(s, []); // read (closing with unread data would reset); the store stays
  drain(c, []);
  assert.ok(s.snd.storeBytes > 0 && s.rcv.storeBytes > 0);
  tcpDisconnect(s);
  assert.ok(net.run(() => c.finRcvd, 1 * S));
  tcpDisconnect(c);
  assert.ok(net.run(() => c.state === TCPS_CLOSED && timeWaitFor(net.b.stack, s) !== null, 1 * S));
  assert.equal(s.snd.storeBytes + s.rcv.storeBytes, 0);
  assert.equal(net.b.stack.connections().length, 0, "the control block is out of the table");
  assert.ok(net.run(() => timeWaitFor(net.b.stack, s) === null, 121 * S), "2·MSL still ends it");
});

Deno.test("time-wait: one address pair keeps one timestamp offset, so TSvals only grow (RFC 7323 §5.4)", () => {
  const net = new Net();
  const b = net.b.stack;
  const other = parseIpv4("10.0.0.99");
  assert.equal(b.tsOffset(net.b.addr, net.a.addr), b.tsOffset(net.b.addr, net.a.addr));
  assert.notEqual(b.tsOffset(net.b.addr, net.a.addr), b.tsOffset(net.b.addr, other));
  const { s: s1 } = serverTimeWait(net);
  const lastTsval = net.sent("b").at(-1)!.seg.options.timestamp!.tsval;
  net.runFor(10 * MS);
  const n = net.log.length;
  net.a.stack.connect(net.a.addr, CPORT + 1, net.b.addr, SPORT);
  net.runFor(100 * MS);
  const synack = net.log.slice(n).find((l) => l.from === "b" && isSynAck(l.seg))!.seg;
  assert.equal(s1.tsOffset, b.tsOffset(net.b.addr, net.a.addr));
  assert.ok(
    synack.options.timestamp!.tsval - lastTsval >= 10,
    "the new connection's clock continues",
  );
});

Deno.test("time-wait: a SYN with a higher timestamp reopens it at once (RFC 6191), every time", () => {
  const net = new Net({ seed: 5 });
  for (let round = 0; round < 20; round++) {
    const { s } = serverTimeWait(net);
    net.runFor(300 * MS); // the gateway reused the tuple 0.3 s after it closed
    const n = net.log.length;
    const c = net.a.stack.connect(net.a.addr, CPORT, net.b.addr, SPORT);
    assert.ok(net.run(() => c.state === TCPS_ESTABLISHED, 50 * MS), `round ${round}`);
    assert.equal(timeWaitFor(net.b.stack, s), null);
    assert.equal(net.log.slice(n).filter((l) => isSyn(l.seg)).length, 1, "no SYN retransmission");
    const l = net.b.stack.findListener(net.b.addr, SPORT)!;
    assert.ok(net.run(() => l.pending > 0, 50 * MS));
    const s2 = l.accept()!;
    tcpShutdown(c, 1);
    tcpDisconnect(s2);
    tcpDisconnect(c);
    net.runFor(200 * MS);
    // Clear the client's side so the next round starts the same way.
    assert.ok(net.run(() => c.state === TCPS_CLOSED || c.state === TCPS_TIME_WAIT, 1 * S));
    net.runFor(61 * S);
  }
});

Deno.test("time-wait: without timestamps a higher ISN reopens it, a lower one does not", () => {
  const net = new Net({ config: { timestamps: false } });
  const { s, tw } = serverTimeWait(net);
  const base = { srcPort: CPORT, dstPort: SPORT, flags: TH_SYN, window: 8192 };
  // An old duplicate SYN (sequence below RCV.NXT) leaves TIME-WAIT as it is.
  net.inject(net.b, { ...base, seq: (s.rcvNxt - 10) >>> 0 });
  assert.equal(timeWaitFor(net.b.stack, s), tw);
  assert.equal(net.b.stack.stats.sc_added, 1);
  // A higher ISN closes it and the SYN goes to the listener's cache.
  net.inject(net.b, { ...base, seq: (s.rcvNxt + 100000) >>> 0 });
  assert.equal(timeWaitFor(net.b.stack, s), null);
  assert.equal(net.b.stack.stats.sc_added, 2);
  assert.equal(net.sent("b", isSynAck).at(-1)!.seg.ack, (s.rcvNxt + 100001) >>> 0);
});

Deno.test("time-wait: with timestamps a SYN whose TSval is not newer is refused", () => {
  const net = new Net();
  const { s, tw } = serverTimeWait(net);
  const base = { srcPort: CPORT, dstPort: SPORT, flags: TH_SYN, window: 8192 };
  net.inject(net.b, {
    ...base,
    seq: (s.rcvNxt + 100000) >>> 0, // a higher ISN does not help when the timestamp is old
    options: { timestamp: { tsval: (tw.tsRecent - 1) >>> 0, tsecr: 0 } },
  });
  assert.equal(timeWaitFor(net.b.stack, s), tw);
  net.inject(net.b, {
    ...base,
    seq: (s.rcvNxt - 100000) >>> 0, // a lower ISN is fine when the timestamp is newer
    options: { timestamp: { tsval: (tw.tsRecent + 1) >>> 0, tsecr: 0 } },
  });
  assert.equal(timeWaitFor(net.b.stack, s), null);
});

// --- the compact record answers for the tuple (RFC 9293 §3.10.7.4 in TIME-WAIT) ---

/** The server's TIME-WAIT with timestamps, and a segment maker from the client's port. */
function recordUnderTest() {
  const net = new Net();
  const { s, tw } = serverTimeWait(net);
  // The client's side is gone: its RST answering our ACKs would end the record.
  net.filter = (_seg, from) => from !== "a";
  const stats = net.b.stack.stats;
  const from = (o: Partial<TcpRepr>) =>
    net.inject(net.b, { srcPort: CPORT, dstPort: SPORT, window: 8192, ...o });
  const ts = (d: number) => ({ timestamp: { tsval: (tw.tsRecent + d) >>> 0, tsecr: 0 } });
  const acks = () => net.sent("b", (g) => g.flags === TH_ACK);
  return { net, s, tw, stats, from, ts, acks };
}

Deno.test("time-wait: a retransmitted FIN is acknowledged and the 2·MSL wait starts again", () => {
  const { net, s, tw, from, ts, acks } = recordUnderTest();
  net.runFor(20 * S);
  const n = acks().length;
  from({ flags: TH_FIN | TH_ACK, seq: (tw.rcvNxt - 1) >>> 0, ack: tw.sndNxt, options: ts(1) });
  const a = acks().slice(n);
  assert.equal(a.length, 1);
  assert.equal(a[0].seg.seq, tw.sndNxt);
  assert.equal(a[0].seg.ack, tw.rcvNxt);
  assert.equal(a[0].seg.window, tw.window);
  assert.equal(a[0].seg.options.timestamp!.tsecr, (tw.tsRecent) >>> 0);
  const restarted = net.now();
  net.runFor(59 * S);
  assert.equal(timeWaitFor(net.b.stack, s), tw, "still held 59 s after the FIN (79 s in all)");
  assert.ok(net.run(() => timeWaitFor(net.b.stack, s) === null, 2 * S));
  assert.ok(net.now() - restarted >= 60 * S && net.now() - restarted <= 60 * S + 100 * MS);
});

Deno.test("time-wait: a RST at RCV.NXT ends it; one elsewhere in the window draws a challenge ACK", () => {
  const { net, s, tw, stats, from, acks } = recordUnderTest();
  const n = acks().length;
  from({ flags: TH_RST, seq: (tw.rcvNxt + 1000) >>> 0 });
  assert.equal(stats.challengeack, 1);
  assert.equal(acks().length, n + 1);
  assert.equal(timeWaitFor(net.b.stack, s), tw);
  from({ flags: TH_RST, seq: (tw.rcvNxt + 10_000_000) >>> 0 }); // out of the window: ignored
  assert.equal(acks().length, n + 1);
  const closed = stats.closed;
  from({ flags: TH_RST, seq: tw.rcvNxt });
  assert.equal(timeWaitFor(net.b.stack, s), null);
  assert.equal(stats.rcvrst, 1);
  assert.equal(stats.closed, closed + 1);
  assert.equal(net.b.stack.portInUse(SPORT), true, "the listener still holds its port");
});

Deno.test("time-wait: new data is answered with a RST and ends it (nobody will read it)", () => {
  const { net, s, tw, stats, from, ts } = recordUnderTest();
  from({
    flags: TH_ACK,
    seq: tw.rcvNxt,
    ack: tw.sndNxt,
    options: ts(1),
    payload: new Uint8Array(10),
  });
  const rst = net.sent("b", (g) => (g.flags & TH_RST) !== 0);
  assert.equal(rst.length, 1);
  assert.equal(rst[0].seg.seq, tw.sndNxt);
  assert.equal(stats.rcvafterclose, 1);
  assert.equal(timeWaitFor(net.b.stack, s), null);
});

Deno.test("time-wait: old timestamps are dropped by PAWS with one ACK per interval (RFC 7323 §5.3, RFC 5961 §7)", () => {
  const { net, s, tw, stats, from, ts, acks } = recordUnderTest();
  const n = acks().length;
  for (let i = 0; i < 3; i++) {
    from({ flags: TH_ACK, seq: tw.rcvNxt, ack: tw.sndNxt, options: ts(-5) });
  }
  assert.equal(stats.pawsdrop, 3);
  assert.equal(acks().length, n + 1);
  assert.equal(stats.oowacklimit, 2);
  assert.equal(timeWaitFor(net.b.stack, s), tw);
});

Deno.test("time-wait: a SYN in the window that is not newer draws a challenge ACK (RFC 5961 §4)", () => {
  const { net, s, tw, stats, from, ts, acks } = recordUnderTest();
  const n = acks().length;
  // The same TSval as TS.Recent passes PAWS but is not newer, so it cannot reopen the tuple.
  from({ flags: TH_SYN, seq: (tw.rcvNxt + 10) >>> 0, options: ts(0) });
  assert.equal(stats.badsyn, 1);
  assert.equal(stats.challengeack, 1);
  assert.equal(acks().length, n + 1);
  assert.equal(timeWaitFor(net.b.stack, s), tw);
  assert.equal(stats.sc_added, 1, "the listener's cache saw no new SYN");
});

Deno.test("time-wait: an ACK of something never sent is answered, a duplicate ACK is not", () => {
  const { s, net, tw, stats, from, ts, acks } = recordUnderTest();
  const n = acks().length;
  from({ flags: TH_ACK, seq: tw.rcvNxt, ack: tw.sndNxt, options: ts(1) });
  assert.equal(acks().length, n);
  from({ flags: TH_ACK, seq: tw.rcvNxt, ack: (tw.sndNxt + 5000) >>> 0, options: ts(1) });
  assert.equal(stats.rcvacktoomuch, 1);
  assert.equal(acks().length, n + 1);
  assert.equal(timeWaitFor(net.b.stack, s), tw);
});

Deno.test("time-wait: records expire in batches, never before 2·MSL and at most 100 ms after", () => {
  const net = new Net();
  const started = new Map<TimeWait, number>();
  const ended = new Map<TimeWait, number>();
  net.b.stack.listen(net.b.addr, SPORT, 8);
  // Six tuples in TIME-WAIT at once, 37 ms apart (a different client port each).
  const l = net.b.stack.findListener(net.b.addr, SPORT)!;
  const records: TimeWait[] = [];
  for (let i = 0; i < 6; i++) {
    const c = net.a.stack.connect(net.a.addr, CPORT + 10 + i, net.b.addr, SPORT);
    assert.ok(net.run(() => c.state === TCPS_ESTABLISHED && l.pending > 0, 5 * S));
    const s = l.accept()!;
    tcpDisconnect(s);
    assert.ok(net.run(() => c.finRcvd, 1 * S));
    tcpDisconnect(c);
    assert.ok(net.run(() => timeWaitFor(net.b.stack, s) !== null, 1 * S));
    const tw = timeWaitFor(net.b.stack, s)!;
    records.push(tw);
    started.set(tw, net.now());
    net.runFor(37 * MS);
  }
  assert.equal(net.b.stack.timeWaitCount, 6);
  net.run(() => {
    for (const tw of records) if (tw.expire < 0 && !ended.has(tw)) ended.set(tw, net.now());
    return ended.size === 6;
  }, 70 * S);
  assert.equal(ended.size, 6);
  for (const tw of records) {
    const held = ended.get(tw)! - started.get(tw)!;
    assert.ok(held >= 60 * S && held <= 60 * S + 100 * MS, `held ${held / 1e6} ms`);
  }
  assert.ok(new Set(ended.values()).size < 6, "some expired together");
  assert.equal(net.b.stack.timeWaitCount, 0);
});

Deno.test("time-wait: a socket closed after its connection reached TIME-WAIT keeps the 2·MSL that began then", () => {
  const net = new Net();
  const l = net.b.stack.listen(net.b.addr, SPORT, 8);
  const pair = (port: number) => {
    const c = net.a.stack.connect(net.a.addr, port, net.b.addr, SPORT);
    assert.ok(net.run(() => c.state === TCPS_ESTABLISHED && l.pending > 0, 5 * S));
    return { c, s: l.accept()! };
  };
  // X: both sides shut down, the client's socket still open: a control block in TIME-WAIT.
  const x = pair(CPORT);
  tcpShutdown(x.c, SHUT_WR);
  tcpShutdown(x.s, SHUT_WR);
  assert.ok(net.run(() => x.c.state === TCPS_TIME_WAIT, 1 * S));
  const xStart = net.now();
  net.runFor(10 * S);
  // Y: closed by its application, a record whose 2·MSL ends 10 s after X's.
  const y = pair(CPORT + 1);
  tcpDisconnect(y.c);
  assert.ok(net.run(() => y.c.finRcvd || y.c.state === 9, 1 * S));
  tcpDisconnect(y.s);
  assert.ok(net.run(() => timeWaitFor(net.a.stack, y.c) !== null, 1 * S));
  const yStart = net.now();
  net.runFor(10 * S);
  tcpDisconnect(x.c); // now X becomes a record too, queued behind Y but due before it
  const xr = timeWaitFor(net.a.stack, x.c)!;
  const yr = timeWaitFor(net.a.stack, y.c)!;
  assert.ok(xr !== null && x.c.state === TCPS_CLOSED);
  const ended = new Map<TimeWait, number>();
  net.run(() => {
    for (const r of [xr, yr]) if (r.expire < 0 && !ended.has(r)) ended.set(r, net.now());
    return ended.size === 2;
  }, 120 * S);
  const xHeld = ended.get(xr)! - xStart, yHeld = ended.get(yr)! - yStart;
  assert.ok(xHeld >= 60 * S && xHeld <= 60 * S + 100 * MS, `X held ${xHeld / 1e6} ms`);
  assert.ok(yHeld >= 60 * S && yHeld <= 60 * S + 100 * MS, `Y held ${yHeld / 1e6} ms`);
});

// --- an active open taking over its own TIME-WAIT (config.twReuse, Linux's tcp_tw_reuse) ---

/** The client (A) closes first and holds TIME-WAIT for CPORT → SPORT. */
function clientTimeWait(net: Net): TimeWait {
  const l = net.b.stack.findListener(net.b.addr, SPORT) ??
    net.b.stack.listen(net.b.addr, SPORT, 8);
  const c = net.a.stack.connect(net.a.addr, CPORT, net.b.addr, SPORT);
  assert.ok(net.run(() => c.state === TCPS_ESTABLISHED && l.pending > 0, 5 * S));
  const s = l.accept()!;
  tcpDisconnect(c);
  assert.ok(net.run(() => s.finRcvd, 1 * S));
  tcpDisconnect(s);
  assert.ok(net.run(() => timeWaitFor(net.a.stack, c) !== null, 1 * S));
  return timeWaitFor(net.a.stack, c)!;
}

Deno.test("time-wait: with twReuse a connect takes over its tuple's TIME-WAIT a second after the peer was heard", () => {
  const net = new Net({ configA: { twReuse: true } });
  const tw = clientTimeWait(net);
  const again = () => net.a.stack.connect(net.a.addr, CPORT, net.b.addr, SPORT);
  net.runFor(500 * MS);
  assert.throws(again, (e) => isErrno(e, EADDRINUSE), "not yet: under a second");
  net.runFor(600 * MS);
  const c2 = again();
  assert.equal(tw.expire, -1, "the record is gone");
  assert.equal(net.a.stack.stats.twreused, 1);
  const l = net.b.stack.findListener(net.b.addr, SPORT)!;
  assert.ok(net.run(() => c2.state === TCPS_ESTABLISHED && l.pending > 0, 1 * S));
  assert.equal(
    net.sent("a", isSyn).filter((g) => g.seg.srcPort === CPORT).length,
    2,
    "no SYN retransmitted",
  );
});

Deno.test("time-wait: without twReuse, or without timestamps, a connect to a tuple in TIME-WAIT is EADDRINUSE", () => {
  for (const config of [{}, { twReuse: true, timestamps: false }]) {
    const net = new Net({ configA: config, configB: config });
    clientTimeWait(net);
    net.runFor(5 * S);
    assert.throws(
      () => net.a.stack.connect(net.a.addr, CPORT, net.b.addr, SPORT),
      (e) => isErrno(e, EADDRINUSE),
      JSON.stringify(config),
    );
    assert.equal(net.a.stack.stats.twreused, 0);
  }
});
