import assert from "node:assert/strict";
import { EHOSTUNREACH, isErrno } from "../../kernel/kern/errno.ts";
import { SOCK_DGRAM } from "../../kernel/syscall/api.ts";
import { ARP_MAXHOLD, ARP_MAXTRIES, ARPT_KEEP } from "../../net/arp.ts";
import {
  ARPOP_REPLY,
  ARPOP_REQUEST,
  ArpPacket,
  ArpRepr,
  ETHERTYPE_ARP,
  MacAddr,
  parseIpv4,
} from "../../net/wire/mod.ts";
import { runTwoKernels } from "../support/two_kernels.ts";
import {
  ADDR_A,
  ADDR_B,
  bytes,
  MAC_A,
  MAC_B,
  makeNetPair,
  net,
  type NetPair,
  socket,
} from "./net_helpers.ts";

const ARP_FRAMES = (pair: NetPair, from: "a" | "b") =>
  pair.wire.log.filter((l) =>
    l.from === from && ((l.frame[12] << 8) | l.frame[13]) === ETHERTYPE_ARP
  )
    .map((l) => ({
      dst: MacAddr.read(l.frame, 0),
      arp: ArpRepr.parse(new ArpPacket(l.frame.subarray(14))),
    }));

/** An Ethernet frame carrying an ARP packet. */
function arpFrame(dst: MacAddr, a: ArpRepr): Uint8Array {
  const f = new Uint8Array(14 + 28);
  dst.write(f, 0);
  a.sha.write(f, 6);
  f[12] = 0x08;
  f[13] = 0x06;
  ArpRepr.emit(a, f.subarray(14));
  return f;
}

Deno.test("arp: configuring an address announces it with a gratuitous request", () => {
  let pair!: NetPair;
  runTwoKernels((a, b) => {
    pair = makeNetPair(a, b);
  }, function* () {});
  const g = ARP_FRAMES(pair, "a")[0];
  assert.ok(g.dst.isBroadcast());
  assert.equal(g.arp.op, ARPOP_REQUEST);
  assert.equal(g.arp.spa, parseIpv4(ADDR_A));
  assert.equal(g.arp.tpa, parseIpv4(ADDR_A));
});

Deno.test("arp: resolution asks by broadcast, the target answers and learns the asker", () => {
  let pair!: NetPair;
  runTwoKernels((a, b) => {
    pair = makeNetPair(a, b);
  }, function* (a) {
    const fd = socket(a, SOCK_DGRAM);
    yield* net(a).sendto(fd, bytes("x"), 0, { addr: ADDR_B, port: 9 });
    yield* a.sleep(1e6);
  });
  const req = ARP_FRAMES(pair, "a").find((f) => f.arp.tpa === parseIpv4(ADDR_B))!;
  assert.ok(req.dst.isBroadcast());
  const rep = ARP_FRAMES(pair, "b").find((f) => f.arp.op === ARPOP_REPLY)!;
  assert.ok(rep.dst.equals(MAC_A));
  assert.ok(rep.arp.sha.equals(MAC_B));
  const ea = pair.sa.arp.cache.get(parseIpv4(ADDR_B))!;
  assert.equal(ea.state, "reachable");
  assert.ok(ea.mac!.equals(MAC_B));
  const eb = pair.sb.arp.cache.get(parseIpv4(ADDR_A))!;
  assert.equal(eb.state, "reachable");
  assert.ok(eb.mac!.equals(MAC_A));
});

Deno.test("arp: datagrams wait for the answer in a bounded queue that drops the oldest", () => {
  let pair!: NetPair;
  const run = runTwoKernels((a, b) => {
    pair = makeNetPair(a, b);
  }, function* (a) {
    const fd = socket(a, SOCK_DGRAM);
    for (let i = 0; i < ARP_MAXHOLD + 4; i++) {
      yield* net(a).sendto(fd, bytes(`d${i}`), 0, { addr: ADDR_B, port: 7000 });
    }
  }, function* (b) {
    const fd = socket(b, SOCK_DGRAM);
    net(b).bind(fd, { addr: "0.0.0.0", port: 7000 });
    const got: string[] = [];
    for (let i = 0; i < ARP_MAXHOLD; i++) {
      const buf = new Uint8Array(16);
      const r = yield* net(b).recvfrom(fd, buf, 0);
      got.push(new TextDecoder().decode(buf.subarray(0, r.n)));
    }
    return got;
  });
  assert.equal(pair.sa.arp.stat.dfrDropped, 4);
  assert.equal(pair.sa.arp.stat.dfrSent, ARP_MAXHOLD);
  assert.deepEqual(run.valueB, Array.from({ length: ARP_MAXHOLD }, (_, i) => `d${i + 4}`));
});

Deno.test("arp: an address nobody answers fails after 5 requests a second apart: EHOSTUNREACH", () => {
  let pair!: NetPair;
  const run = runTwoKernels((a, b) => {
    pair = makeNetPair(a, b);
  }, function* (a) {
    const fd = socket(a, SOCK_DGRAM);
    yield* net(a).connect(fd, { addr: "10.0.0.99", port: 9 });
    const t0 = a.nanotime();
    yield* net(a).sendto(fd, bytes("lost"), 0, null); // queued: no error yet
    let err1: unknown, err2: unknown;
    try {
      yield* net(a).recvfrom(fd, new Uint8Array(8), 0);
    } catch (e) {
      err1 = e;
    }
    const waited = a.nanotime() - t0;
    try {
      yield* net(a).sendto(fd, bytes("again"), 0, null);
    } catch (e) {
      err2 = e;
    }
    return { err1, err2, waited };
  });
  const { err1, err2, waited } = run.valueA!;
  assert.ok(isErrno(err1, EHOSTUNREACH), String(err1));
  assert.ok(isErrno(err2, EHOSTUNREACH), String(err2));
  assert.equal(waited, ARP_MAXTRIES * 1e9);
  const reqs = ARP_FRAMES(pair, "a").filter((f) => f.arp.tpa === parseIpv4("10.0.0.99"));
  assert.equal(reqs.length, ARP_MAXTRIES);
  assert.equal(pair.sa.arp.stat.timeouts, 1);
});

Deno.test("arp: answers requests for its own address only, and learns only from those", () => {
  let pair!: NetPair;
  const other = MacAddr.parse("52:54:00:00:00:99");
  runTwoKernels(
    (a, b) => {
      pair = makeNetPair(a, b);
    },
    function* () {},
    function* (b) {
      const ask = (tpa: string) =>
        arpFrame(MacAddr.BROADCAST, {
          op: ARPOP_REQUEST,
          sha: other,
          spa: parseIpv4("10.0.0.50"),
          tha: MacAddr.ZERO,
          tpa: parseIpv4(tpa),
        });
      pair.ifb.input(ask("10.0.0.77"));
      assert.equal(pair.sb.arp.cache.has(parseIpv4("10.0.0.50")), false);
      pair.ifb.input(ask(ADDR_B));
      assert.equal(pair.sb.arp.cache.get(parseIpv4("10.0.0.50"))!.state, "reachable");
      yield* b.sleep(1e6);
    },
  );
  const replies = ARP_FRAMES(pair, "b").filter((f) => f.arp.op === ARPOP_REPLY);
  assert.equal(replies.length, 1);
  assert.ok(replies[0].dst.equals(other));
  assert.equal(replies[0].arp.tpa, parseIpv4("10.0.0.50"));
  assert.equal(replies[0].arp.spa, parseIpv4(ADDR_B));
});

Deno.test("arp: a reachable entry goes stale after 20 minutes and its next use asks again", () => {
  let pair!: NetPair;
  runTwoKernels((a, b) => {
    pair = makeNetPair(a, b);
  }, function* (a) {
    const fd = socket(a, SOCK_DGRAM);
    const to = { addr: ADDR_B, port: 9 };
    yield* net(a).sendto(fd, bytes("1"), 0, to);
    yield* a.sleep(1e6);
    const before = ARP_FRAMES(pair, "a").length;
    yield* a.sleep(ARPT_KEEP + 2e9);
    assert.equal(pair.sa.arp.cache.get(parseIpv4(ADDR_B))!.state, "stale");
    yield* net(a).sendto(fd, bytes("2"), 0, to);
    yield* a.sleep(1e6);
    assert.equal(ARP_FRAMES(pair, "a").length, before + 1);
    assert.equal(pair.sa.arp.cache.get(parseIpv4(ADDR_B))!.state, "reachable");
  });
});

Deno.test("arp: a truncated or non-IPv4 packet is counted and dropped", () => {
  let pair!: NetPair;
  runTwoKernels((a, b) => {
    pair = makeNetPair(a, b);
  }, function* () {
    const f = arpFrame(MacAddr.BROADCAST, {
      op: ARPOP_REQUEST,
      sha: MacAddr.parse("52:54:00:00:00:99"),
      spa: 1,
      tha: MacAddr.ZERO,
      tpa: parseIpv4(ADDR_A),
    });
    pair.ifa.input(f.subarray(0, 14 + 10));
    const g = f.slice();
    g[14 + 3] = 0xdd; // protocol type 0x08dd
    pair.ifa.input(g);
  });
  assert.equal(pair.sa.arp.stat.rcvTruncated, 1);
  assert.equal(pair.sa.arp.stat.rcvBadProto, 1);
});
