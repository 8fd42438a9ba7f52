import assert from "node:assert/strict";
import { buildEcho, parseEchoReply, ping, pingSummary, rttStats } from "../../apps/ping.ts";
import { inetChecksum } from "../../apps/lib/inet.ts";
import { runApps, runAppsOnTwo } from "./app_harness.ts";

Deno.test("ping: an echo request carries type 8, ident, seq, a timestamp, the pattern and a valid checksum", () => {
  const p = buildEcho(0x1234, 5, 56, 3_000_000_123);
  assert.equal(p.length, 64);
  assert.deepEqual([...p.subarray(0, 2)], [8, 0]);
  assert.deepEqual([...p.subarray(4, 8)], [0x12, 0x34, 0x00, 0x05]);
  assert.deepEqual([...p.subarray(8, 16)], [0, 0, 0, 3, 0, 0, 0, 123]);
  assert.equal(p[16], 8);
  assert.equal(p[63], 55);
  assert.equal(inetChecksum(p), 0);
});

Deno.test("ping: a reply with an IP header is parsed; a wrong ident or checksum is not a reply", () => {
  const req = buildEcho(7, 3, 16, 1e9);
  const rep = req.slice();
  rep[0] = 0;
  rep[2] = rep[3] = 0;
  const c = inetChecksum(rep);
  rep[2] = c >> 8;
  rep[3] = c & 0xff;
  const ip = new Uint8Array(20 + rep.length);
  ip[0] = 0x45;
  ip[2] = 0;
  ip[3] = ip.length;
  ip[8] = 63;
  ip[9] = 1;
  ip.set(rep, 20);
  assert.deepEqual(parseEchoReply(ip, 7), { seq: 3, bytes: 24, ttl: 63, sentNs: 1e9 });
  assert.deepEqual(parseEchoReply(rep, 7), { seq: 3, bytes: 24, ttl: null, sentNs: 1e9 });
  assert.equal(parseEchoReply(ip, 8), null);
  const bad = ip.slice();
  bad[30] ^= 1;
  assert.equal(parseEchoReply(bad, 7), null);
  assert.equal(parseEchoReply(req, 7), null); // a request is not a reply
});

Deno.test("ping: the summary uses NetBSD's wording, loss with one decimal and four round-trip figures", () => {
  assert.equal(
    pingSummary("10.0.0.2", 4, 3, 0, [1, 2, 3]),
    "\n----10.0.0.2 PING Statistics----\n" +
      "4 packets transmitted, 3 packets received, 25.0% packet loss\n" +
      "round-trip min/avg/max/stddev = 1.000/2.000/3.000/0.816 ms\n",
  );
  assert.equal(
    pingSummary("h", 2, 0, 0, []),
    "\n----h PING Statistics----\n2 packets transmitted, 0 packets received, 100.0% packet loss\n",
  );
  assert.deepEqual(rttStats([]), null);
});

Deno.test("ping: three echoes to the other kernel are all answered and ping exits 0", () => {
  const run = runAppsOnTwo([ping], function* (c, pair) {
    pair.wire.latencyNs = 250_000; // 0.25 ms each way
    return yield* c.run(["ping", "-c", "3", "10.0.0.2"]);
  });
  assert.equal(run.valueA, 0);
  // The first echo waits for ARP: one more round trip on the 0.25 ms wire.
  assert.equal(
    run.consoleA,
    "PING 10.0.0.2 (10.0.0.2): 56 data bytes\n" +
      "64 bytes from 10.0.0.2: icmp_seq=0 ttl=64 time=1.000 ms\n" +
      "64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.500 ms\n" +
      "64 bytes from 10.0.0.2: icmp_seq=2 ttl=64 time=0.500 ms\n" +
      "\n----10.0.0.2 PING Statistics----\n" +
      "3 packets transmitted, 3 packets received, 0.0% packet loss\n" +
      "round-trip min/avg/max/stddev = 0.500/0.667/1.000/0.236 ms\n",
  );
});

Deno.test("ping: -i spaces the echoes on the virtual clock and -s sets the size", () => {
  const run = runApps([ping], function* (c) {
    const t0 = c.k.nanotime();
    const st = yield* c.run(["ping", "-c", "2", "-i", "0.5", "-s", "100", "127.0.0.1"]);
    return { st, ns: c.k.nanotime() - t0 };
  });
  assert.equal(run.value!.st, 0);
  assert.match(
    run.console,
    /^PING 127\.0\.0\.1 \(127\.0\.0\.1\): 100 data bytes\n108 bytes from 127\.0\.0\.1: icmp_seq=0 /,
  );
  assert.ok(run.value!.ns >= 0.5e9 && run.value!.ns < 0.6e9, `took ${run.value!.ns} ns`);
});

Deno.test("ping: with no reply it waits 10 s after the last echo, reports 100% loss and exits 2", () => {
  const run = runAppsOnTwo([ping], function* (c) {
    const t0 = c.k.nanotime();
    const st = yield* c.run(["ping", "-c", "2", "10.0.0.9"]);
    return { st, ns: c.k.nanotime() - t0 };
  });
  assert.equal(run.valueA!.st, 2);
  assert.match(run.consoleA, /2 packets transmitted, 0 packets received, 100\.0% packet loss\n$/);
  assert.ok(run.valueA!.ns >= 11e9, `took ${run.valueA!.ns} ns`);
});

Deno.test("ping: a bad command line exits 64 and a name that does not resolve exits 1", () => {
  const run = runApps([ping], function* (c) {
    return [
      yield* c.run(["ping"]),
      yield* c.run(["ping", "-c", "x", "1.2.3.4"]),
      yield* c.run(["ping", "example.org"]),
    ];
  });
  assert.deepEqual(run.value, [64, 64, 1]);
  assert.match(run.console, /usage: ping/);
  assert.match(run.console, /ping: Cannot resolve "example\.org"/);
});
