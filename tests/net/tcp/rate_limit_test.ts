/**
 * rate_limit_test.ts — the ACKs TCP rations (RFC 5961 §7): challenge ACKs stack-wide per
 * second, and per connection the ACKs for segments dropped by PAWS (RFC 7323 §5.3) or as
 * out of window, at most one per oowAckInterval (Linux's tcp_invalid_ratelimit). Each
 * suppressed ACK is counted.
 */
import assert from "node:assert/strict";
import { TH_ACK, TH_SYN } from "../../../net/wire/tcp.ts";
import { MS, pattern, S } from "./harness.ts";
import { CPORT, establish, isPureAck, SPORT } from "./util.ts";

Deno.test("rate limit: ACKs for PAWS drops go at most once per 500 ms per connection", () => {
  const { net, s } = establish();
  const st = net.b.stack.stats;
  const stale = () =>
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
  for (let i = 0; i < 100; i++) stale();
  assert.equal(st.pawsdrop, 100);
  assert.equal(net.sent("b", isPureAck).length, 1);
  assert.equal(st.oowacklimit, 99);
  net.runFor(499 * MS);
  stale();
  assert.equal(net.sent("b", isPureAck).length, 1);
  net.runFor(2 * MS);
  stale();
  assert.equal(net.sent("b", isPureAck).length, 2);
  assert.equal(st.oowacklimit, 100);
});

Deno.test("rate limit: ACKs for segments wholly beyond the window are rationed the same way", () => {
  const { net, s } = establish();
  const st = net.b.stack.stats;
  const beyond = () =>
    net.inject(net.b, {
      srcPort: CPORT,
      dstPort: SPORT,
      seq: (s.rcvNxt + s.rcv.limit + 1000) >>> 0,
      ack: s.sndNxt,
      flags: TH_ACK,
      window: 1000,
      options: { timestamp: { tsval: (s.tsRecent + 1) >>> 0, tsecr: 0 } },
      payload: pattern(100),
    });
  for (let i = 0; i < 50; i++) beyond();
  assert.equal(st.rcvpackafterwin, 50);
  assert.equal(net.sent("b", isPureAck).length, 1);
  assert.equal(st.oowacklimit, 49);
});

Deno.test("rate limit: challenge ACKs stop at challengeAckLimit a second, the rest counted (RFC 5961 §7)", () => {
  const { net, s } = establish({ config: { challengeAckLimit: 10 } });
  const st = net.b.stack.stats;
  const synInWindow = () =>
    net.inject(net.b, {
      srcPort: CPORT,
      dstPort: SPORT,
      seq: (s.rcvNxt + 10) >>> 0,
      flags: TH_SYN,
      window: 1000,
      options: { timestamp: { tsval: (s.tsRecent + 1) >>> 0, tsecr: 0 } },
    });
  for (let i = 0; i < 25; i++) synInWindow();
  assert.equal(st.challengeack, 10);
  assert.equal(st.challengeacklimit, 15);
  assert.equal(net.sent("b", isPureAck).length, 10);
  net.runFor(1 * S);
  synInWindow();
  assert.equal(st.challengeack, 11);
});
