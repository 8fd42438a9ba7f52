/**
 * snd_busy_test.ts — TCP holds new data back while the interface toward the peer has its
 * send queue full past its mark (TcpEnv.sndBusy: NetBSD's IFF_OACTIVE), so a burst larger
 * than the queue waits instead of being dropped on a lossless link; ACKs still go, and the
 * stack's sndReady (the driver drained the queue) sends what waited, all of it, in order.
 */
import assert from "node:assert/strict";
import type { TcpEnv } from "../../../net/tcp/env.ts";
import { tcpSend } from "../../../net/tcp/usrreq.ts";
import { concat, drain, MS, pattern } from "./harness.ts";
import { establish, isData, isPureAck } from "./util.ts";

Deno.test("snd busy: no data goes while the interface is busy; sndReady sends it all, in order", () => {
  const { net, c, s } = establish();
  let busy = true;
  (net.a.stack.env as TcpEnv).sndBusy = () => busy;
  const data = pattern(20_000);
  assert.equal(tcpSend(c, data), data.length);
  net.runFor(2000 * MS);
  assert.equal(net.sent("a", isData).length, 0, "nothing while busy (timers included)");
  busy = false;
  net.a.stack.sndReady();
  const got: Uint8Array[] = [];
  net.run(() => (drain(s, got), concat(got).length === data.length), 10_000 * MS);
  assert.deepEqual(concat(got), data);
  assert.equal(net.a.stack.stats.sndrexmitpack, 0);
});

Deno.test("snd busy: an ACK owed for received data still goes while the interface is busy", () => {
  const { net, c, s } = establish();
  (net.a.stack.env as TcpEnv).sndBusy = () => true;
  tcpSend(c, pattern(3000));
  tcpSend(s, pattern(2000, 9));
  net.runFor(1000 * MS);
  assert.equal(net.sent("a", isData).length, 0);
  assert.ok(net.sent("a", isPureAck).length >= 1, "the received data is acknowledged");
  assert.equal(s.sndUna, s.sndMax, "the peer's data is all acknowledged");
});

Deno.test("snd busy: sndReady with nothing waiting sends nothing", () => {
  const { net } = establish();
  net.a.stack.sndReady();
  net.runFor(100 * MS);
  assert.equal(net.sent("a").length, 0);
});
