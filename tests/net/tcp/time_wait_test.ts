/**
 * time_wait_test.ts — TIME-WAIT as BSD and Linux handle it: timestamp clocks monotonic per
 * address pair (RFC 7323 §5.4, Appendix A), and a new SYN reopening a TIME-WAIT connection
 * when it cannot be an old duplicate (RFC 6191 with timestamps; RFC 1122 §4.2.2.13 / BSD's
 * higher-ISN rule without).
 */
import assert from "node:assert/strict";
import { TCPS_CLOSED, TCPS_ESTABLISHED, TCPS_TIME_WAIT } from "../../../net/tcp/state.ts";
import type { Tcb } from "../../../net/tcp/tcb.ts";
import { tcpDisconnect, tcpSend, tcpShutdown } from "../../../net/tcp/usrreq.ts";
import { parseIpv4 } from "../../../net/wire/addr.ts";
import { TH_SYN } from "../../../net/wire/tcp.ts";
import { drain, MS, Net, pattern, S } from "./harness.ts";
import { CPORT, isSyn, isSynAck, SPORT } from "./util.ts";

/** A connection from CPORT that the server (B) closes first, leaving B in TIME-WAIT. */
function serverTimeWait(net: Net): Tcb {
  const l = net.b.stack.findListener(net.b.addr, SPORT) ??
    net.b.stack.listen(net.b.addr, SPORT, 8);
  const c = net.a.stack.connect(net.a.addr, CPORT, net.b.addr, SPORT);
  assert.ok(net.run(() => c.state === TCPS_ESTABLISHED && l.pending > 0, 5 * S));
  const s = l.accept()!;
  tcpDisconnect(s); // the server closes first (HTTP/1.0, Connection: close)
  assert.ok(net.run(() => c.finRcvd, 1 * S));
  tcpDisconnect(c);
  assert.ok(net.run(() => c.state === TCPS_CLOSED && s.state === TCPS_TIME_WAIT, 1 * S));
  return s;
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
  assert.ok(net.run(() => c.state === TCPS_CLOSED && s.state === TCPS_TIME_WAIT, 1 * S));
  assert.equal(s.snd.storeBytes + s.rcv.storeBytes, 0);
  assert.ok(net.run(() => s.state === TCPS_CLOSED, 121 * S), "2·MSL still ends it");
});

Deno.test("time-wait: one address pair keeps one timestamp offset, so TSvals only grow (RFC 7323 §5.4)", () => {
  const net = new Net();
  const b = net.b.stack;
  const other = parseIpv4("10.0.0.99");
  assert.equal(b.tsOffset(net.b.addr, net.a.addr), b.tsOffset(net.b.addr, net.a.addr));
  assert.notEqual(b.tsOffset(net.b.addr, net.a.addr), b.tsOffset(net.b.addr, other));
  const s1 = serverTimeWait(net);
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
    const s = serverTimeWait(net);
    net.runFor(300 * MS); // the gateway reused the tuple 0.3 s after it closed
    const n = net.log.length;
    const c = net.a.stack.connect(net.a.addr, CPORT, net.b.addr, SPORT);
    assert.ok(net.run(() => c.state === TCPS_ESTABLISHED, 50 * MS), `round ${round}`);
    assert.equal(s.state, TCPS_CLOSED);
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
  const s = serverTimeWait(net);
  const base = { srcPort: CPORT, dstPort: SPORT, flags: TH_SYN, window: 8192 };
  // An old duplicate SYN (sequence below RCV.NXT) leaves TIME-WAIT as it is.
  net.inject(net.b, { ...base, seq: (s.rcvNxt - 10) >>> 0 });
  assert.equal(s.state, TCPS_TIME_WAIT);
  assert.equal(net.b.stack.stats.sc_added, 1);
  // A higher ISN closes it and the SYN goes to the listener's cache.
  net.inject(net.b, { ...base, seq: (s.rcvNxt + 100000) >>> 0 });
  assert.equal(s.state, TCPS_CLOSED);
  assert.equal(net.b.stack.stats.sc_added, 2);
  assert.equal(net.sent("b", isSynAck).at(-1)!.seg.ack, (s.rcvNxt + 100001) >>> 0);
});

Deno.test("time-wait: with timestamps a SYN whose TSval is not newer is refused", () => {
  const net = new Net();
  const s = serverTimeWait(net);
  const base = { srcPort: CPORT, dstPort: SPORT, flags: TH_SYN, window: 8192 };
  net.inject(net.b, {
    ...base,
    seq: (s.rcvNxt + 100000) >>> 0, // a higher ISN does not help when the timestamp is old
    options: { timestamp: { tsval: (s.tsRecent - 1) >>> 0, tsecr: 0 } },
  });
  assert.equal(s.state, TCPS_TIME_WAIT);
  net.inject(net.b, {
    ...base,
    seq: (s.rcvNxt - 100000) >>> 0, // a lower ISN is fine when the timestamp is newer
    options: { timestamp: { tsval: (s.tsRecent + 1) >>> 0, tsecr: 0 } },
  });
  assert.equal(s.state, TCPS_CLOSED);
});
