import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { SHUT_WR, type Tcb } from "../../../net/tcp/tcb.ts";
import { TCPS_CLOSED, TCPS_TIME_WAIT } from "../../../net/tcp/state.ts";
import { MS, Net, pattern, S } from "./harness.ts";
import { CPORT, SPORT } from "./util.ts";
import { tcpDisconnect, tcpRecv, tcpSend, tcpShutdown } from "../../../net/tcp/usrreq.ts";

const SIZE = 10 * 1024 * 1024;

/** Sends `data` from `c` as fast as it is taken, then shuts down. */
function pump(c: Tcb, data: Uint8Array): void {
  let off = 0;
  c.onWritable = () => {
    while (off < data.length) {
      const k = tcpSend(c, data.subarray(off, off + 65536));
      if (k === 0) return;
      off += k;
    }
    c.onWritable = undefined;
    tcpShutdown(c, SHUT_WR);
  };
}

/** Reads into a preallocated buffer until EOF; returns the bytes and a done flag. */
function sink(s: Tcb, size: number) {
  const buf = new Uint8Array(size + 1);
  const st = { n: 0, eof: false, buf };
  s.onReadable = () => {
    for (;;) {
      const k = tcpRecv(s, buf.subarray(st.n));
      if (k > 0) st.n += k;
      else {
        if (k === 0) st.eof = true;
        return;
      }
    }
  };
  return st;
}

for (const loss of [0, 0.05, 0.2]) {
  Deno.test(`tcp: 10 MB arrive byte-exact at ${loss * 100}% loss with duplication and reordering`, () => {
    const link = { loss, dup: 0.02, reorder: 0.05, delay: 5 * MS, bandwidth: 100e6 };
    const net = new Net({ seed: 11 + loss * 100, ab: link, ba: link });
    net.logging = false;
    const data = pattern(SIZE, 42);
    const l = net.b.stack.listen(net.b.addr, SPORT, 4);
    let st: ReturnType<typeof sink> | null = null;
    let srv: Tcb | null = null;
    l.onAccept = () => {
      srv = l.accept()!;
      st = sink(srv, SIZE);
    };
    const c = net.a.stack.connect(net.a.addr, CPORT, net.b.addr, SPORT);
    pump(c, data);
    const ok = net.run(() => st !== null && st.eof, 24 * 3600 * S);
    assert.ok(ok, "transfer finished");
    if (loss === 0.2) {
      assert.ok(net.a.stack.stats.rexmttimeo > 0 && net.a.stack.stats.fastrexmit > 0);
    }
    assert.equal(st!.n, SIZE);
    assert.equal(Buffer.compare(st!.buf.subarray(0, SIZE), data), 0);
    tcpDisconnect(srv!);
    assert.ok(net.run(() => c.state === TCPS_TIME_WAIT || c.state === TCPS_CLOSED, 3600 * S));
    if (loss > 0) assert.ok(net.a.stack.stats.sndrexmitpack > 0);
  });
}

Deno.test("tcp: transfers both ways at once under 5% loss arrive intact", () => {
  const link = { loss: 0.05, dup: 0.02, reorder: 0.05, delay: 2 * MS, bandwidth: 50e6 };
  const net = new Net({ seed: 99, ab: link, ba: link });
  net.logging = false;
  const up = pattern(1_000_000, 1), down = pattern(1_000_000, 2);
  const l = net.b.stack.listen(net.b.addr, SPORT, 4);
  let sst: ReturnType<typeof sink> | null = null;
  l.onAccept = () => {
    const s = l.accept()!;
    sst = sink(s, up.length);
    pump(s, down);
    s.onWritable!();
  };
  const c = net.a.stack.connect(net.a.addr, CPORT, net.b.addr, SPORT);
  const cst = sink(c, down.length);
  pump(c, up);
  assert.ok(net.run(() => sst !== null && sst.eof && cst.eof, 3600 * S));
  assert.deepEqual(sst!.buf.subarray(0, sst!.n), up);
  assert.deepEqual(cst.buf.subarray(0, cst.n), down);
});
