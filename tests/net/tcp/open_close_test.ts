import assert from "node:assert/strict";
import {
  EADDRINUSE,
  ECONNREFUSED,
  ECONNRESET,
  EPIPE,
  isErrno,
} from "../../../kernel/kern/errno.ts";
import {
  TCPS_CLOSE_WAIT,
  TCPS_CLOSED,
  TCPS_CLOSING,
  TCPS_ESTABLISHED,
  TCPS_FIN_WAIT_1,
  TCPS_FIN_WAIT_2,
  TCPS_LAST_ACK,
  TCPS_SYN_RECEIVED,
  TCPS_SYN_SENT,
  TCPS_TIME_WAIT,
} from "../../../net/tcp/state.ts";
import { SHUT_WR, type Tcb, TCP_WOULDBLOCK } from "../../../net/tcp/tcb.ts";
import { TH_ACK, TH_RST, TH_SYN } from "../../../net/wire/tcp.ts";
import { concat, drain, Net, S } from "./harness.ts";
import {
  CPORT,
  establish,
  isFin,
  isPureAck,
  isRst,
  isSyn,
  isSynAck,
  SPORT,
  timeWaitFor,
} from "./util.ts";
import { tcpAbort, tcpDisconnect, tcpRecv, tcpSend, tcpShutdown } from "../../../net/tcp/usrreq.ts";

const enc = new TextEncoder();

Deno.test("tcp: the three-way handshake is SYN, SYN-ACK, ACK and both sides reach ESTABLISHED", () => {
  const net = new Net();
  const l = net.b.stack.listen(net.b.addr, SPORT, 4);
  let accepted = 0;
  let connected = 0;
  l.onAccept = () => accepted++;
  const c = net.a.stack.connect(net.a.addr, CPORT, net.b.addr, SPORT);
  c.onConnected = () => connected++;
  assert.equal(c.state, TCPS_SYN_SENT);
  net.runFor(1 * S);
  const segs = net.log.map((l) => l.seg);
  assert.equal(segs.length, 3);
  assert.ok(isSyn(segs[0]) && isSynAck(segs[1]) && isPureAck(segs[2]));
  assert.equal(segs[1].ack, (segs[0].seq + 1) >>> 0);
  assert.equal(segs[2].seq, (segs[0].seq + 1) >>> 0);
  assert.equal(segs[2].ack, (segs[1].seq + 1) >>> 0);
  assert.equal(c.state, TCPS_ESTABLISHED);
  assert.equal(connected, 1);
  assert.equal(accepted, 1);
  const s = l.accept()!;
  assert.equal(s.state, TCPS_ESTABLISHED);
  assert.equal(l.accept(), null);
  assert.equal(net.a.stack.stats.connects, 1);
  assert.equal(net.b.stack.stats.accepts, 1);
});

Deno.test("tcp: data flows both ways and a clean close ends in TIME-WAIT then CLOSED", () => {
  const { net, c, s } = establish();
  assert.equal(tcpSend(c, enc.encode("hello")), 5);
  assert.equal(tcpSend(s, enc.encode("world!")), 6);
  net.runFor(1 * S);
  const a: Uint8Array[] = [], b: Uint8Array[] = [];
  drain(s, b);
  drain(c, a);
  assert.equal(new TextDecoder().decode(concat(b)), "hello");
  assert.equal(new TextDecoder().decode(concat(a)), "world!");
  tcpDisconnect(c);
  net.runFor(1 * S);
  assert.equal(s.state, TCPS_CLOSE_WAIT);
  assert.equal(tcpRecv(s, new Uint8Array(10)), 0); // EOF
  tcpDisconnect(s);
  net.runFor(1 * S);
  assert.equal(s.state, TCPS_CLOSED);
  // c's socket is closed: its control block gave way to a TIME-WAIT record for the tuple.
  assert.equal(c.state, TCPS_CLOSED);
  assert.equal(timeWaitFor(net.a.stack, c)?.stateName, "TIME_WAIT");
});

Deno.test("tcp: simultaneous open goes through SYN-RECEIVED on both sides", () => {
  const net = new Net();
  const a = net.a.stack.connect(net.a.addr, 5000, net.b.addr, 6000);
  const b = net.b.stack.connect(net.b.addr, 6000, net.a.addr, 5000);
  let sawRcvd = false;
  assert.ok(net.run(() => {
    if (a.state === TCPS_SYN_RECEIVED && b.state === TCPS_SYN_RECEIVED) sawRcvd = true;
    return a.state === TCPS_ESTABLISHED && b.state === TCPS_ESTABLISHED;
  }, 10 * S));
  assert.ok(sawRcvd);
  assert.equal(tcpSend(a, enc.encode("x")), 1);
  net.runFor(1 * S);
  assert.equal(b.readable, 1);
  assert.equal(net.a.stack.stats.rcvrst + net.b.stack.stats.rcvrst, 0);
});

Deno.test("tcp: simultaneous close passes through CLOSING to TIME-WAIT on both sides", () => {
  const { net, c, s } = establish();
  tcpShutdown(c, SHUT_WR);
  tcpShutdown(s, SHUT_WR);
  let closing = 0;
  assert.ok(net.run(() => {
    if (c.state === TCPS_CLOSING) closing |= 1;
    if (s.state === TCPS_CLOSING) closing |= 2;
    return c.state === TCPS_TIME_WAIT && s.state === TCPS_TIME_WAIT;
  }, 10 * S));
  assert.equal(closing, 3);
});

Deno.test("tcp: half-close lets the other side keep sending after our FIN", () => {
  const { net, c, s } = establish();
  tcpShutdown(c, SHUT_WR);
  net.runFor(1 * S);
  assert.equal(c.state, TCPS_FIN_WAIT_2);
  assert.equal(s.state, TCPS_CLOSE_WAIT);
  assert.equal(tcpRecv(s, new Uint8Array(4)), 0);
  assert.throws(() => tcpSend(c, enc.encode("late")), (e) => isErrno(e, EPIPE));
  const big = new Uint8Array(100_000).fill(9);
  let off = 0;
  const got: Uint8Array[] = [];
  const pump = () => {
    while (off < big.length) {
      const n = tcpSend(s, big.subarray(off));
      if (n === 0) return;
      off += n;
    }
  };
  s.onWritable = pump;
  pump();
  c.onReadable = () => drain(c, got);
  net.runFor(5 * S);
  assert.equal(concat(got).length, big.length);
  tcpDisconnect(s);
  net.runFor(1 * S);
  assert.equal(c.state, TCPS_TIME_WAIT);
  assert.equal(tcpRecv(c, new Uint8Array(4)), 0);
});

Deno.test("tcp: TIME-WAIT lasts 2·MSL (60 s by default) and then the tuple is free", () => {
  const { net, c, s } = establish();
  tcpDisconnect(c);
  net.runFor(1 * S);
  tcpDisconnect(s);
  net.runFor(1 * S);
  assert.ok(timeWaitFor(net.a.stack, c) !== null);
  assert.throws(
    () => net.a.stack.connect(net.a.addr, CPORT, net.b.addr, SPORT),
    (e) => isErrno(e, EADDRINUSE),
  );
  const { net: n2, c: c1, s: s1 } = establish();
  tcpDisconnect(c1);
  n2.run(() => c1.state === 9 /* FIN_WAIT_2 */);
  tcpDisconnect(s1);
  assert.ok(n2.run(() => timeWaitFor(n2.a.stack, c1) !== null));
  const entered = n2.now();
  assert.ok(n2.run(() => timeWaitFor(n2.a.stack, c1) === null, 120 * S));
  assert.equal(n2.now() - entered, 60 * S);
  assert.equal(n2.a.stack.portInUse(CPORT), false);
  net.runFor(61 * S);
  assert.equal(timeWaitFor(net.a.stack, c), null);
  const c2 = net.a.stack.connect(net.a.addr, CPORT, net.b.addr, SPORT);
  assert.ok(net.run(() => c2.state === TCPS_ESTABLISHED, 5 * S));
});

Deno.test("tcp: a new SYN with a higher sequence number reuses a connection in TIME-WAIT", () => {
  // The server closes first, so the server side holds TIME-WAIT for the client's tuple.
  const { net, c, s, l } = establish({ config: { timestamps: false } });
  tcpDisconnect(s);
  net.runFor(1 * S);
  tcpDisconnect(c);
  net.runFor(1 * S);
  assert.ok(timeWaitFor(net.b.stack, s) !== null);
  assert.equal(c.state, TCPS_CLOSED);
  // Rewind nothing: a fresh ISN from the 4 µs clock is higher than the old RCV.NXT.
  net.runFor(5 * S);
  const c2 = net.a.stack.connect(net.a.addr, CPORT, net.b.addr, SPORT);
  assert.ok(net.run(() => c2.state === TCPS_ESTABLISHED && l.pending > 0, 5 * S));
  assert.equal(timeWaitFor(net.b.stack, s), null);
  assert.equal(net.sent("b", isRst).length, 0);
});

Deno.test("tcp: a RST answering the SYN refuses the connection with ECONNREFUSED", () => {
  const net = new Net();
  const c = net.a.stack.connect(net.a.addr, CPORT, net.b.addr, 81);
  let err = 0;
  c.onError = (e) => (err = e);
  net.runFor(1 * S);
  assert.equal(c.state, TCPS_CLOSED);
  assert.equal(err, ECONNREFUSED);
  assert.equal(c.error, ECONNREFUSED);
  const rst = net.sent("b", isRst);
  assert.equal(rst.length, 1);
  assert.equal(rst[0].seg.flags, TH_RST | TH_ACK);
  assert.equal(rst[0].seg.seq, 0);
  assert.equal(net.b.stack.stats.noport, 1);
  assert.throws(() => tcpRecv(c, new Uint8Array(1)), (e) => isErrno(e, ECONNREFUSED));
});

Deno.test("tcp: a segment with ACK to a closed port gets <SEQ=SEG.ACK><CTL=RST>", () => {
  const net = new Net();
  net.inject(net.b, { srcPort: 1234, dstPort: 99, seq: 5, ack: 777, flags: TH_ACK });
  const rst = net.sent("b", isRst);
  assert.equal(rst.length, 1);
  assert.equal(rst[0].seg.flags, TH_RST);
  assert.equal(rst[0].seg.seq, 777);
  // A RST is never answered.
  net.inject(net.b, { srcPort: 1234, dstPort: 99, seq: 5, flags: TH_RST });
  assert.equal(net.sent("b", isRst).length, 1);
});

Deno.test("tcp: a full accept backlog drops new SYNs until a connection is accepted", () => {
  const net = new Net();
  const l = net.b.stack.listen(net.b.addr, SPORT, 2);
  const cs: Tcb[] = [];
  for (let i = 0; i < 2; i++) {
    cs.push(net.a.stack.connect(net.a.addr, 41000 + i, net.b.addr, SPORT));
  }
  net.runFor(500e6);
  assert.equal(l.pending, 2);
  cs.push(net.a.stack.connect(net.a.addr, 41002, net.b.addr, SPORT));
  net.runFor(500e6);
  assert.equal(cs[0].state, TCPS_ESTABLISHED);
  assert.equal(cs[1].state, TCPS_ESTABLISHED);
  assert.equal(cs[2].state, TCPS_SYN_SENT);
  assert.equal(net.b.stack.stats.listendrop, 1);
  assert.equal(net.sent("b", isRst).length, 0); // dropped silently, not refused
  l.accept();
  // The third client's SYN retransmission (after its 1 s RTO) now gets in.
  assert.ok(net.run(() => cs[2].state === TCPS_ESTABLISHED && l.pending === 2, 5 * S));
});

Deno.test("tcp: an ACK that finds the accept queue full keeps the SYN cache entry, which completes later", () => {
  const net = new Net();
  const l = net.b.stack.listen(net.b.addr, SPORT, 2);
  // Three SYNs at once: all enter the cache; the third ACK finds the queue full.
  const cs = [0, 1, 2].map((i) => net.a.stack.connect(net.a.addr, 41000 + i, net.b.addr, SPORT));
  net.runFor(500e6);
  assert.equal(l.pending, 2);
  assert.equal(net.b.stack.stats.listendrop, 1);
  assert.equal(net.b.stack.syncache.countFor(l), 1);
  l.accept();
  // The entry retransmits its SYN-ACK (1 s), the client acknowledges again, and it is in.
  assert.ok(net.run(() => l.pending === 2, 3 * S));
  assert.equal(net.b.stack.syncache.countFor(l), 0);
  assert.equal(net.b.stack.stats.sc_completed, 3);
  assert.equal(cs[2].state, TCPS_ESTABLISHED);
});

/** Brings a fresh pair to a state on the client side, then resets it with an exact RST. */
function resetIn(state: number, setup: (p: ReturnType<typeof establish>) => void) {
  const p = establish({ config: { timestamps: false } });
  setup(p);
  assert.equal(p.c.state, state, `reached ${p.c.stateName}`);
  p.net.filter = null;
  p.net.inject(p.net.a, { srcPort: SPORT, dstPort: CPORT, seq: p.c.rcvNxt, flags: TH_RST });
  assert.equal(p.c.state, TCPS_CLOSED);
  return p.c;
}

Deno.test("tcp: an exact RST resets ESTABLISHED, FIN-WAIT-1/2 and CLOSE-WAIT with ECONNRESET", () => {
  let c = resetIn(TCPS_ESTABLISHED, () => {});
  assert.equal(c.error, ECONNRESET);
  assert.throws(() => tcpRecv(c, new Uint8Array(1)), (e) => isErrno(e, ECONNRESET));
  c = resetIn(TCPS_FIN_WAIT_1, ({ net, c }) => {
    net.filter = (_s, from) => from === "a";
    tcpShutdown(c, SHUT_WR);
    net.runFor(100e6);
  });
  assert.equal(c.error, ECONNRESET);
  c = resetIn(TCPS_FIN_WAIT_2, ({ net, c }) => {
    tcpShutdown(c, SHUT_WR);
    net.runFor(1 * S);
  });
  assert.equal(c.error, ECONNRESET);
  c = resetIn(TCPS_CLOSE_WAIT, ({ net, s }) => {
    tcpShutdown(s, SHUT_WR);
    net.runFor(1 * S);
  });
  assert.equal(c.error, ECONNRESET);
});

Deno.test("tcp: an exact RST closes CLOSING, LAST-ACK and TIME-WAIT without an error", () => {
  let c = resetIn(TCPS_CLOSING, ({ net, c, s }) => {
    // Both FINs cross; B's ACK of A's FIN is lost, so A stays in CLOSING.
    net.filter = (seg, from) => !(from === "b" && !isFin(seg) && seg.payload.length === 0);
    tcpShutdown(c, SHUT_WR);
    tcpShutdown(s, SHUT_WR);
    net.runFor(100e6);
  });
  assert.equal(c.error, 0);
  c = resetIn(TCPS_LAST_ACK, ({ net, c, s }) => {
    tcpShutdown(s, SHUT_WR);
    net.runFor(1 * S);
    net.filter = (_s, from) => from === "a";
    tcpDisconnect(c);
    net.runFor(100e6);
  });
  assert.equal(c.error, 0);
  c = resetIn(TCPS_TIME_WAIT, ({ net, c, s }) => {
    tcpShutdown(c, SHUT_WR);
    net.runFor(1 * S);
    tcpShutdown(s, SHUT_WR);
    net.runFor(1 * S);
  });
  assert.equal(c.error, 0);
});

Deno.test("tcp: an exact RST removes a SYN cache entry and the listener keeps listening", () => {
  const net = new Net();
  const l = net.b.stack.listen(net.b.addr, SPORT, 4);
  net.filter = (seg, from) => !(from === "b" && isSynAck(seg));
  const c = net.a.stack.connect(net.a.addr, CPORT, net.b.addr, SPORT);
  net.runFor(100e6);
  const sc = net.b.stack.syncache;
  assert.equal(sc.countFor(l), 1);
  const entry = sc.lookup(net.b.addr, SPORT, net.a.addr, CPORT)!;
  assert.equal(entry.irs, c.iss);
  // An in-window but inexact RST leaves it (RFC 5961 §3); the exact one removes it.
  net.inject(net.b, { srcPort: CPORT, dstPort: SPORT, seq: entry.irs + 5, flags: TH_RST });
  assert.equal(sc.countFor(l), 1);
  net.inject(net.b, { srcPort: CPORT, dstPort: SPORT, seq: entry.irs + 1, flags: TH_RST });
  assert.equal(sc.countFor(l), 0);
  assert.equal(net.b.stack.stats.sc_reset, 1);
  tcpAbort(c);
  net.filter = null;
  const c2 = net.a.stack.connect(net.a.addr, CPORT + 1, net.b.addr, SPORT);
  assert.ok(net.run(() => c2.state === TCPS_ESTABLISHED && l.pending === 1, 5 * S));
});

Deno.test("tcp: RFC 5961 — an in-window RST that is not exact gets a challenge ACK, not a reset", () => {
  const { net, c } = establish();
  net.inject(net.a, { srcPort: SPORT, dstPort: CPORT, seq: (c.rcvNxt + 100) >>> 0, flags: TH_RST });
  assert.equal(c.state, TCPS_ESTABLISHED);
  const acks = net.sent("a", isPureAck);
  assert.equal(acks.length, 1);
  assert.equal(acks[0].seg.seq, c.sndNxt);
  assert.equal(acks[0].seg.ack, c.rcvNxt);
  assert.equal(net.a.stack.stats.challengeack, 1);
  // Out of the window altogether: silently dropped.
  net.inject(net.a, {
    srcPort: SPORT,
    dstPort: CPORT,
    seq: (c.rcvNxt + 0x40000000) >>> 0,
    flags: TH_RST,
  });
  assert.equal(c.state, TCPS_ESTABLISHED);
  assert.equal(net.sent("a").length, 1);
});

Deno.test("tcp: RFC 5961 — a SYN on an established connection gets a challenge ACK", () => {
  const { net, c } = establish();
  net.inject(net.a, {
    srcPort: SPORT,
    dstPort: CPORT,
    seq: (c.rcvNxt + 10) >>> 0,
    flags: TH_SYN,
    window: 1000,
  });
  assert.equal(c.state, TCPS_ESTABLISHED);
  const acks = net.sent("a", isPureAck);
  assert.equal(acks.length, 1);
  assert.equal(acks[0].seg.ack, c.rcvNxt);
  assert.equal(net.a.stack.stats.challengeack, 1);
  // The peer answers the challenge ACK normally; nothing breaks.
  net.runFor(1 * S);
  assert.equal(c.state, TCPS_ESTABLISHED);
});

Deno.test("tcp: RFC 5961 — an ACK for data never sent is answered and dropped", () => {
  const { net, c } = establish();
  net.inject(net.a, {
    srcPort: SPORT,
    dstPort: CPORT,
    seq: c.rcvNxt,
    ack: (c.sndNxt + 5000) >>> 0,
    flags: TH_ACK,
    window: 1000,
  });
  assert.equal(c.state, TCPS_ESTABLISHED);
  assert.equal(net.a.stack.stats.rcvacktoomuch, 1);
  assert.equal(net.sent("a", isPureAck).length, 1);
});

Deno.test("tcp: close with unread data resets the peer (RFC 1122 §4.2.2.13)", () => {
  const { net, c, s } = establish();
  tcpSend(c, enc.encode("unread"));
  net.runFor(1 * S);
  assert.equal(s.readable, 6);
  let err = 0;
  c.onError = (e) => (err = e);
  tcpDisconnect(s);
  net.runFor(1 * S);
  assert.equal(net.sent("b", isRst).length, 1);
  assert.equal(c.state, TCPS_CLOSED);
  assert.equal(err, ECONNRESET);
});

Deno.test("tcp: recv reports would-block, then data, then 0 at end of stream", () => {
  const { net, c, s } = establish();
  const buf = new Uint8Array(8);
  assert.equal(tcpRecv(s, buf), TCP_WOULDBLOCK);
  tcpSend(c, enc.encode("abc"));
  tcpShutdown(c, SHUT_WR);
  net.runFor(1 * S);
  assert.equal(tcpRecv(s, buf), 3);
  assert.equal(tcpRecv(s, buf), 0);
  assert.ok(s.eof);
});

Deno.test("tcp: with a delayed-ACK time of 0 a lone segment is acknowledged on arrival, not by the timer", () => {
  for (const delack of [0, 200e6]) {
    const { net, c, s } = establish({ configB: { delack } });
    assert.equal(tcpSend(c, enc.encode("hello")), 5);
    net.runFor(1 * S);
    const data = net.log.find((l) => l.from === "a" && l.seg.payload.length > 0)!;
    const ack = net.log.find((l) => l.from === "b" && isPureAck(l.seg))!;
    // The one-way delay is 5 ms: with delack 0 the ACK leaves the moment the data lands.
    assert.equal(ack.t - data.t, delack === 0 ? 5e6 : 5e6 + delack);
    assert.equal(s.stack.stats.delack, delack === 0 ? 0 : 1);
  }
});
