import assert from "node:assert/strict";
import { ENOBUFS, ETIMEDOUT, isErrno } from "../../../kernel/kern/errno.ts";
import { TCPS_CLOSED, TCPS_ESTABLISHED } from "../../../net/tcp/state.ts";
import { TcpRepr, TH_ACK, TH_SYN } from "../../../net/wire/tcp.ts";
import { concat, drain, MS, Net, pattern, S } from "./harness.ts";
import { CPORT, establish, isData, isPureAck, isSyn, isSynAck, SPORT } from "./util.ts";
import { tcpSend, tcpSetKeepAlive } from "../../../net/tcp/usrreq.ts";

Deno.test("tcp: a zero window stops the sender, persist probes follow, and a read resumes it", () => {
  const { net, c, s } = establish({}, {}, { recvBuffer: 4096 });
  const data = pattern(20_000);
  let off = 0;
  c.onWritable = () => {
    while (off < data.length) {
      const k = tcpSend(c, data.subarray(off));
      if (!k) return;
      off += k;
    }
  };
  c.onWritable();
  net.runFor(1 * S);
  // 2 full segments went; the 1200 left are below an MSS and half the largest window, so
  // sender SWS avoidance holds them until the persist (override) timer (RFC 9293 §3.8.6.2.1).
  assert.equal(s.readable, 2 * c.maxseg);
  assert.equal(c.sndWnd, 4096 - 2 * c.maxseg);
  net.runFor(5 * S);
  assert.equal(s.readable, 4096);
  assert.equal(c.sndWnd, 0);
  net.runFor(30 * S);
  const st = net.a.stack.stats;
  assert.ok(st.persisttimeo >= 2, `persist timeouts ${st.persisttimeo}`);
  assert.ok(st.sndprobe >= 2);
  assert.ok(net.b.stack.stats.rcvwinprobe >= 2);
  // Probes back off: the gaps between them grow.
  const probes = net.sent("a", isData).slice(-3);
  assert.ok(probes[2].t - probes[1].t > probes[1].t - probes[0].t);
  assert.equal(c.state, TCPS_ESTABLISHED);
  // The application reads: a window update reopens the flow.
  const got: Uint8Array[] = [];
  s.onReadable = () => drain(s, got);
  drain(s, got);
  assert.ok(net.run(() => concat(got).length === data.length, 120 * S));
  assert.deepEqual(concat(got), data);
  assert.ok(net.b.stack.stats.sndwinup >= 1);
});

Deno.test("tcp: a lost window update is recovered by the persist probe", () => {
  const { net, c, s } = establish({}, {}, { recvBuffer: 4096 });
  tcpSend(c, pattern(10_000));
  net.runFor(6 * S);
  assert.equal(c.sndWnd, 0);
  let dropped = 0;
  net.filter = (seg, from) => {
    if (from === "b" && isPureAck(seg) && seg.window > 0 && dropped === 0) {
      dropped++;
      return false;
    }
    return true;
  };
  const got: Uint8Array[] = [];
  s.onReadable = () => drain(s, got);
  drain(s, got);
  assert.ok(net.run(() => concat(got).length === 10_000, 120 * S));
  assert.equal(dropped, 1);
  assert.ok(net.a.stack.stats.persisttimeo >= 1);
});

Deno.test("tcp: MSS, window scale, timestamps and SACK are negotiated when both sides offer them", () => {
  const { net, c, s } = establish({ mtuB: 1000 });
  void net;
  assert.equal(c.sndScale, 3); // 256 KiB needs a shift of 3
  assert.equal(c.rcvScale, 3);
  assert.equal(s.sndScale, 3);
  assert.ok(c.tsOk && s.tsOk && c.sackOk && s.sackOk);
  // B's route MTU 1000 → MSS 960; both send 960 − 12 (the timestamp option) per segment.
  assert.equal(c.maxseg, 948);
  assert.equal(s.maxseg, 948);
});

Deno.test("tcp: the SYN-ACK carries no window scale when the SYN had none, and nothing is scaled", () => {
  const net = new Net({ configA: { windowScale: false } });
  const l = net.b.stack.listen(net.b.addr, SPORT, 4);
  const c = net.a.stack.connect(net.a.addr, CPORT, net.b.addr, SPORT);
  net.run(() => l.pending === 1, 5 * S);
  const s = l.accept()!;
  const syn = net.sent("a", isSyn)[0].seg;
  const synack = net.sent("b", isSynAck)[0].seg;
  assert.equal(syn.options.windowScale, undefined);
  assert.equal(synack.options.windowScale, undefined);
  assert.equal(synack.options.mss, 1460);
  assert.equal(c.sndScale + c.rcvScale + s.sndScale + s.rcvScale, 0);
  // Windows are then at most 65535.
  assert.ok(net.log.every((l) => l.seg.window <= 65535));
  assert.equal(s.rcvAdv - s.rcvNxt <= 65535, true);
});

Deno.test("tcp: a server without window scaling answers a scaling SYN without it", () => {
  const { net, c, s } = establish({ configB: { windowScale: false } });
  void net;
  assert.equal(c.sndScale + c.rcvScale + s.sndScale + s.rcvScale, 0);
});

Deno.test("tcp: a SYN without an MSS option means 536 (RFC 9293 §3.7.1)", () => {
  const net = new Net({ config: { timestamps: false } });
  const l = net.b.stack.listen(net.b.addr, SPORT, 4);
  net.inject(net.b, { srcPort: CPORT, dstPort: SPORT, seq: 1000, flags: TH_SYN, window: 8192 });
  const synack = net.sent("b", isSynAck)[0].seg;
  net.inject(net.b, {
    srcPort: CPORT,
    dstPort: SPORT,
    seq: 1001,
    ack: synack.seq + 1,
    flags: TH_ACK,
    window: 8192,
  });
  const conn = l.accept()!;
  assert.equal(conn.maxseg, 536);
  assert.equal(synack.ack, 1001);
  assert.equal(synack.options.mss, 1460);
  assert.equal(synack.options.windowScale, undefined);
  assert.equal(synack.options.sackPermitted, undefined);
});

Deno.test("tcp: Nagle holds small writes while data is unacknowledged; TCP_NODELAY sends each", () => {
  for (const noDelay of [false, true]) {
    const { net, c } = establish({}, { noDelay });
    for (let i = 0; i < 10; i++) tcpSend(c, new Uint8Array([i]));
    net.runFor(1 * MS);
    const n = net.sent("a", isData).length;
    assert.equal(n, noDelay ? 10 : 1, `noDelay ${noDelay}`);
    net.runFor(1 * S);
    // With Nagle the held bytes go as one segment once the first is acknowledged.
    assert.equal(net.sent("a", isData).length, noDelay ? 10 : 2);
  }
});

Deno.test("tcp: a single segment's ACK is delayed up to 200 ms; every second segment is ACKed at once", () => {
  const { net, c } = establish({}, { noDelay: true });
  const t0 = net.now();
  tcpSend(c, pattern(100));
  net.runFor(1 * S);
  const acks = net.sent("b", isPureAck);
  assert.equal(acks.length, 1);
  assert.equal(acks[0].t - t0, 5 * MS + 200 * MS);
  net.log.length = 0;
  const t1 = net.now();
  tcpSend(c, pattern(2 * c.maxseg));
  net.runFor(1 * S);
  const acks2 = net.sent("b", isPureAck);
  assert.equal(acks2.length, 1);
  assert.equal(acks2[0].t - t1, 5 * MS);
});

Deno.test("tcp: keepalive probes an idle peer, and drops a silent one with ETIMEDOUT", () => {
  const cfg = { keepIdle: 10 * S, keepIntvl: 1 * S, keepCnt: 3 };
  const { net, c } = establish({ config: cfg });
  tcpSetKeepAlive(c, true);
  net.runFor(10.5 * S);
  assert.equal(net.a.stack.stats.keepprobe, 1);
  const probe = net.sent("a", isPureAck)[0].seg;
  assert.equal(probe.seq, (c.sndUna - 1) >>> 0);
  assert.equal(net.sent("b", isPureAck).length, 1); // the peer answers
  assert.equal(c.state, TCPS_ESTABLISHED);
  net.runFor(5 * S);
  assert.equal(net.a.stack.stats.keepprobe, 1); // answered: idle again
  net.filter = () => false;
  let err = 0;
  c.onError = (e) => (err = e);
  net.runFor(30 * S);
  assert.equal(c.state, TCPS_CLOSED);
  assert.equal(err, ETIMEDOUT);
  assert.equal(net.a.stack.stats.keepprobe, 1 + 3);
  assert.equal(net.a.stack.stats.keepdrops, 1);
});

Deno.test("tcp: send throws ENOBUFS when buffer memory is exhausted", () => {
  const { net, c } = establish({ memA: 1000 });
  void net;
  assert.equal(tcpSend(c, pattern(800)), 800);
  assert.throws(() => tcpSend(c, pattern(800)), (e) => isErrno(e, ENOBUFS));
});

Deno.test("tcp: a receiver out of buffer memory drops the segment, and recovers once memory frees", () => {
  const { net, c, s } = establish({ memB: 3000 }, { noDelay: true });
  tcpSend(c, pattern(5000));
  net.runFor(100 * MS);
  assert.ok(net.b.stack.stats.rcvmemdrop > 0);
  const got: Uint8Array[] = [];
  s.onReadable = () => drain(s, got);
  drain(s, got);
  assert.ok(net.run(() => concat(got).length === 5000, 60 * S));
  assert.deepEqual(concat(got), pattern(5000));
});

Deno.test("tcp: a segment with a bad checksum is counted and dropped", () => {
  const net = new Net();
  const seg: TcpRepr = {
    srcPort: 1,
    dstPort: SPORT,
    seq: 1,
    ack: 0,
    flags: TH_SYN,
    window: 100,
    urgent: 0,
    options: {},
    payload: new Uint8Array(0),
  };
  const bytes = new Uint8Array(TcpRepr.bufferLen(seg));
  TcpRepr.emit(seg, bytes, net.a.addr, net.b.addr);
  bytes[4] ^= 0xff;
  net.b.stack.inputPacket(net.a.addr, net.b.addr, bytes);
  net.b.stack.inputPacket(net.a.addr, net.b.addr, bytes.subarray(0, 10));
  assert.equal(net.b.stack.stats.rcvbadsum, 1);
  assert.equal(net.b.stack.stats.rcvshort, 1);
  assert.equal(net.log.length, 0);
});

Deno.test("tcp: PAWS drops a segment with an old timestamp and acknowledges it", () => {
  const { net, c, s } = establish();
  tcpSend(c, pattern(10));
  net.runFor(1 * S);
  assert.equal(s.readable, 10);
  net.log.length = 0;
  net.inject(net.b, {
    srcPort: CPORT,
    dstPort: SPORT,
    seq: s.rcvNxt,
    ack: s.sndNxt,
    flags: TH_ACK,
    window: 1000,
    options: { timestamp: { tsval: (s.tsRecent - 100) >>> 0, tsecr: 0 } },
    payload: pattern(5),
  });
  assert.equal(s.readable, 10);
  assert.equal(net.b.stack.stats.pawsdrop, 1);
  assert.equal(net.sent("b", isPureAck).length, 1);
});
