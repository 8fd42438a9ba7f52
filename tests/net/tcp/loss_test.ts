import assert from "node:assert/strict";
import { ETIMEDOUT } from "../../../kernel/kern/errno.ts";
import { TCPS_CLOSED, TCPS_ESTABLISHED } from "../../../net/tcp/state.ts";
import type { TcpRepr } from "../../../net/wire/tcp.ts";
import { concat, drain, MS, Net, pattern, S } from "./harness.ts";
import { CPORT, establish, isData, isSyn, isSynAck, SPORT } from "./util.ts";
import { tcpSend } from "../../../net/tcp/usrreq.ts";

/** A filter dropping the first segment matching `pred` from `from`; `dropped` counts. */
function dropOnce(from: "a" | "b", pred: (s: TcpRepr) => boolean) {
  const st = { dropped: 0 };
  const f = (seg: TcpRepr, who: "a" | "b") => {
    if (who === from && st.dropped === 0 && pred(seg)) {
      st.dropped++;
      return false;
    }
    return true;
  };
  return { st, f };
}

Deno.test("tcp: a lost SYN is retransmitted after the initial RTO of 1 s", () => {
  const net = new Net();
  const { f } = dropOnce("a", isSyn);
  net.filter = f;
  const l = net.b.stack.listen(net.b.addr, SPORT, 4);
  const c = net.a.stack.connect(net.a.addr, CPORT, net.b.addr, SPORT);
  assert.ok(net.run(() => c.state === TCPS_ESTABLISHED && l.pending === 1, 10 * S));
  const syns = net.sent("a", isSyn);
  assert.equal(syns.length, 2);
  assert.equal(syns[1].t - syns[0].t, 1 * S);
  assert.equal(syns[1].seg.seq, syns[0].seg.seq);
  assert.equal(net.a.stack.stats.rexmttimeo, 1);
  // With timestamps the SYN-ACK's TSecr still measures the round trip (RFC 7323 §4.1),
  // so the RTO comes from that sample (the 1 s minimum), not from §5.7.
  assert.equal(c.tsOk, true);
  assert.equal(c.rtt.samples, 1);
  assert.equal(c.rtt.rto, 1 * S);
});

Deno.test("tcp: after a SYN timed out without an RTT sample the RTO is 3 s (RFC 6298 §5.7)", () => {
  const net = new Net({ config: { timestamps: false } });
  const { f } = dropOnce("a", isSyn);
  net.filter = f;
  const l = net.b.stack.listen(net.b.addr, SPORT, 4);
  const c = net.a.stack.connect(net.a.addr, CPORT, net.b.addr, SPORT);
  assert.ok(net.run(() => c.state === TCPS_ESTABLISHED && l.pending === 1, 10 * S));
  // Karn's rule: the retransmitted SYN cannot be timed, so nothing was measured.
  assert.equal(c.rtt.samples, 0);
  assert.equal(c.rtt.rto, 3 * S);
  // And it is what the first data segment waits when lost.
  const lost = dropOnce("a", (s) => s.payload.length > 0);
  net.filter = lost.f;
  tcpSend(c, pattern(100));
  net.runFor(10 * S);
  const data = net.sent("a", (s) => s.payload.length > 0);
  assert.equal(data.length, 2);
  assert.equal(data[1].t - data[0].t, 3 * S);
});

Deno.test("tcp: a lost SYN-ACK is sent again and the handshake completes", () => {
  const net = new Net();
  const { st, f } = dropOnce("b", isSynAck);
  net.filter = f;
  const l = net.b.stack.listen(net.b.addr, SPORT, 4);
  const c = net.a.stack.connect(net.a.addr, CPORT, net.b.addr, SPORT);
  assert.ok(net.run(() => c.state === TCPS_ESTABLISHED && l.pending === 1, 10 * S));
  assert.equal(st.dropped, 1);
  const synacks = net.sent("b", isSynAck);
  assert.ok(synacks.length >= 2);
  assert.equal(synacks[1].seg.seq, synacks[0].seg.seq);
  assert.ok(synacks[1].t - synacks[0].t >= 1 * S - 10 * MS);
});

Deno.test("tcp: a SYN never answered fails with ETIMEDOUT after the SYN retries", () => {
  const net = new Net();
  net.filter = () => false;
  const c = net.a.stack.connect(net.a.addr, CPORT, net.b.addr, SPORT);
  let err = 0;
  c.onError = (e) => (err = e);
  net.runFor(600 * S);
  assert.equal(c.state, TCPS_CLOSED);
  assert.equal(err, ETIMEDOUT);
  const syns = net.log.filter((l) => isSyn(l.seg));
  assert.equal(syns.length, 1 + net.a.stack.config.synRetries);
  // Exponential backoff: 1, 2, 4, 8 ... seconds apart.
  assert.equal(syns[2].t - syns[1].t, 2 * syns[1].t - 2 * syns[0].t);
});

Deno.test("tcp: a lost last segment is retransmitted by the RTO, with backoff while lost", () => {
  const { net, c, s } = establish();
  let drops = 0;
  net.filter = (seg, from) => !(from === "a" && isData(seg) && drops++ < 2);
  const t0 = net.now();
  tcpSend(c, pattern(100));
  const got: Uint8Array[] = [];
  s.onReadable = () => drain(s, got);
  assert.ok(net.run(() => concat(got).length === 100, 30 * S));
  const data = net.sent("a", isData);
  assert.equal(data.length, 3);
  assert.equal(data[0].t, t0);
  assert.equal(data[1].t - data[0].t, 1 * S); // RTO floor (RFC 6298 §2.4)
  assert.equal(data[2].t - data[1].t, 2 * S); // doubled (§5.5)
  assert.equal(net.a.stack.stats.rexmttimeo, 2);
  assert.equal(net.a.stack.stats.fastrexmit, 0);
});

for (const sack of [true, false]) {
  Deno.test(`tcp: a lost segment is fast-retransmitted on three dupacks, before the RTO (SACK ${sack ? "on" : "off"})`, () => {
    const { net, c, s } = establish({ config: { sack } });
    const data = pattern(30 * 1448);
    let n = 0;
    net.filter = (seg, from) => !(from === "a" && isData(seg) && ++n === 3);
    const t0 = net.now();
    let off = 0;
    c.onWritable = () => {
      while (off < data.length) {
        const k = tcpSend(c, data.subarray(off));
        if (!k) return;
        off += k;
      }
    };
    c.onWritable();
    const got: Uint8Array[] = [];
    s.onReadable = () => drain(s, got);
    assert.ok(net.run(() => concat(got).length === data.length, 30 * S));
    assert.deepEqual(concat(got), data);
    const st = net.a.stack.stats;
    assert.equal(st.fastrexmit, 1);
    assert.equal(st.rexmttimeo, 0);
    const lost = net.sent("a", isData)[2].seg.seq;
    const rex = net.sent("a", (x) => x.seq === lost && isData(x));
    assert.equal(rex.length, 2);
    assert.ok(rex[1].t - t0 < 1 * S, `retransmitted at ${(rex[1].t - t0) / MS} ms`);
    assert.ok(net.b.stack.stats.rcvoopack > 0);
    if (sack) {
      // The receiver's duplicate ACKs carried a SACK block for what arrived past the hole.
      const sacks = net.sent("b", (x) => x.options.sack !== undefined);
      assert.ok(sacks.length >= 3);
      assert.equal(sacks[0].seg.ack, lost);
      assert.equal(sacks[0].seg.options.sack![0].left, (lost + 1448) >>> 0);
    } else {
      assert.ok(st.rcvdupack >= 3);
    }
  });
}

Deno.test("tcp: segments arriving out of order are reassembled in order", () => {
  const { net, c, s } = establish({ seed: 5, ab: { reorder: 0.5, delay: 10 * MS } });
  const data = pattern(300_000, 3);
  let off = 0;
  c.onWritable = () => {
    while (off < data.length) {
      const k = tcpSend(c, data.subarray(off));
      if (!k) return;
      off += k;
    }
  };
  c.onWritable();
  const got: Uint8Array[] = [];
  s.onReadable = () => drain(s, got);
  assert.ok(net.run(() => concat(got).length === data.length, 60 * S));
  assert.deepEqual(concat(got), data);
  assert.ok(net.b.stack.stats.rcvoopack > 10);
});

Deno.test("tcp: Karn's rule — the ACK of a retransmitted segment gives no RTT sample", () => {
  const { net, c, s } = establish({ config: { timestamps: false } });
  tcpSend(c, pattern(10));
  net.runFor(1 * S);
  const srtt = c.rtt.srtt;
  const samples = c.rtt.samples;
  assert.ok(samples >= 1 && srtt < 50 * MS, `srtt ${srtt}`);
  let drop = true;
  net.filter = (seg, from) => {
    if (from === "a" && isData(seg) && drop) {
      drop = false;
      return false;
    }
    return true;
  };
  tcpSend(c, pattern(10));
  net.runFor(3 * S);
  assert.equal(s.readable, 20);
  assert.equal(net.a.stack.stats.rexmttimeo, 1);
  // The ACK came 1 s + RTT after the first transmission: no sample was taken from it.
  assert.equal(c.rtt.samples, samples);
  assert.equal(c.rtt.srtt, srtt);
  // The backed-off RTO stays until a new measurement (RFC 6298 §5.7).
  assert.equal(c.rxtShift, 1);
  tcpSend(c, pattern(10));
  net.runFor(1 * S);
  assert.equal(c.rtt.samples, samples + 1);
  assert.equal(c.rxtShift, 0);
});

Deno.test("tcp: established data never acknowledged drops the connection with ETIMEDOUT", () => {
  const { net, c } = establish({ config: { maxRexmt: 4 } });
  net.filter = () => false;
  let err = 0;
  c.onError = (e) => (err = e);
  tcpSend(c, pattern(1000));
  net.runFor(600 * S);
  assert.equal(c.state, TCPS_CLOSED);
  assert.equal(err, ETIMEDOUT);
  assert.equal(net.a.stack.stats.rexmttimeo, 5);
  assert.equal(net.a.stack.stats.timeoutdrop, 1);
});
