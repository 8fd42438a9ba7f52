import assert from "node:assert/strict";
import { EMSGSIZE } from "../../kernel/kern/errno.ts";
import { SOCK_DGRAM } from "../../kernel/syscall/api.ts";
import { ipFragment } from "../../net/ip_frag.ts";
import { ipOutput } from "../../net/ip_output.ts";
import { IPFRAGTTL } from "../../net/ip_reass.ts";
import { parseIpv4 } from "../../net/wire/mod.ts";
import { runTwoKernels } from "../support/two_kernels.ts";
import {
  ADDR_A,
  ADDR_B,
  etherFrame,
  ipPacket,
  ipSent,
  MAC_A,
  MAC_B,
  makeNetPair,
  net,
  type NetPair,
  socket,
  udpDatagram,
} from "./net_helpers.ts";

const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

Deno.test("ip_frag: a 4000-byte UDP datagram crosses MTU 1500 in 3 fragments and is reassembled", () => {
  let pair!: NetPair;
  const run = runTwoKernels((a, b) => {
    pair = makeNetPair(a, b);
  }, function* (a) {
    const fd = socket(a, SOCK_DGRAM);
    yield* net(a).sendto(fd, pattern(4000), 0, { addr: ADDR_B, port: 4000 });
  }, function* (b) {
    const fd = socket(b, SOCK_DGRAM);
    net(b).bind(fd, { addr: "0.0.0.0", port: 4000 });
    const buf = new Uint8Array(5000);
    const r = yield* net(b).recvfrom(fd, buf, 0);
    return buf.slice(0, r.n);
  });
  assert.deepEqual(run.valueB, pattern(4000));
  const frags = ipSent(pair.wire, "a").filter((d) => d[9] === 17);
  assert.deepEqual(frags.map((d) => (d[2] << 8) | d[3]), [1500, 1500, 20 + 4008 - 2 * 1480]);
  assert.deepEqual(frags.map((d) => ((d[6] << 8) | d[7]) & 0x3fff), [0x2000, 0x2000 | 185, 370]);
  assert.equal(pair.sa.ip.stat.fragmented, 1);
  assert.equal(pair.sa.ip.stat.ofragments, 3);
  assert.equal(pair.sb.ip.stat.fragments, 3);
  assert.equal(pair.sb.ip.stat.reassembled, 1);
  assert.equal(pair.sb.ip.reass.queues.size, 0);
});

Deno.test("ip_frag: fragments arriving out of order and duplicated still reassemble once", () => {
  let pair!: NetPair;
  const dgram = udpDatagram(ADDR_A, ADDR_B, 1, 4000, pattern(3000));
  const whole = ipPacket({ src: ADDR_A, dst: ADDR_B, protocol: 17, payload: dgram, ident: 77 });
  const frags = ipFragment(whole, 20, 1000)!;
  const run = runTwoKernels(
    (a, b) => {
      pair = makeNetPair(a, b);
    },
    function* () {},
    function* (b) {
      const fd = socket(b, SOCK_DGRAM);
      net(b).bind(fd, { addr: "0.0.0.0", port: 4000 });
      for (const i of [3, 1, 1, 0, 2]) pair.ifb.input(etherFrame(MAC_B, MAC_A, frags[i]));
      const buf = new Uint8Array(4000);
      const r = yield* net(b).recvfrom(fd, buf, 0);
      return buf.slice(0, r.n);
    },
  );
  assert.equal(frags.length, 4);
  assert.deepEqual(run.valueB, pattern(3000));
  assert.equal(pair.sb.ip.stat.reassembled, 1);
  assert.equal(pair.sb.ip.stat.fragdropped, 1);
});

Deno.test("ip_output: a datagram over the MTU with DF set is EMSGSIZE (cantfrag)", () => {
  let pair!: NetPair;
  let err = 0;
  runTwoKernels((a, b) => {
    pair = makeNetPair(a, b);
  }, function* () {
    err = ipOutput(
      pair.sa,
      { src: 0, dst: parseIpv4(ADDR_B), protocol: 17, df: true },
      new Uint8Array(2000),
    );
  });
  assert.equal(err, EMSGSIZE);
  assert.equal(pair.sa.ip.stat.cantfrag, 1);
});

Deno.test("ip_reass: after 30 s the fragments are dropped and time exceeded (reassembly) is sent", () => {
  let pair!: NetPair;
  const whole = ipPacket({
    src: ADDR_A,
    dst: ADDR_B,
    protocol: 17,
    payload: udpDatagram(ADDR_A, ADDR_B, 1, 4000, pattern(3000)),
    ident: 5,
  });
  const frags = ipFragment(whole, 20, 1500)!;
  runTwoKernels(
    (a, b) => {
      pair = makeNetPair(a, b);
    },
    function* () {},
    function* (b) {
      pair.ifb.input(etherFrame(MAC_B, MAC_A, frags[0]));
      yield* b.sleep(IPFRAGTTL - 1e6);
      assert.equal(pair.sb.ip.stat.fragtimeout, 0);
      assert.equal(pair.sb.ip.reass.queues.size, 1);
      yield* b.sleep(2e6);
    },
  );
  assert.equal(pair.sb.ip.stat.fragtimeout, 1);
  assert.equal(pair.sb.ip.reass.queues.size, 0);
  assert.equal(pair.sb.ip.reass.bytes, 0);
  const te = ipSent(pair.wire, "b").find((d) => d[9] === 1)!;
  assert.equal(te[20], 11);
  assert.equal(te[21], 1);
  assert.equal((te[20 + 8 + 4] << 8) | te[20 + 8 + 5], 5); // quotes the first fragment
});

Deno.test("ip_reass: without the first fragment a timeout sends no ICMP error", () => {
  let pair!: NetPair;
  const whole = ipPacket({
    src: ADDR_A,
    dst: ADDR_B,
    protocol: 17,
    payload: pattern(3000),
    ident: 6,
  });
  const frags = ipFragment(whole, 20, 1500)!;
  runTwoKernels(
    (a, b) => {
      pair = makeNetPair(a, b);
    },
    function* () {},
    function* (b) {
      pair.ifb.input(etherFrame(MAC_B, MAC_A, frags[1]));
      pair.ifb.input(etherFrame(MAC_B, MAC_A, frags[2]));
      yield* b.sleep(IPFRAGTTL + 1e6);
    },
  );
  assert.equal(pair.sb.ip.stat.fragtimeout, 2);
  assert.equal(ipSent(pair.wire, "b").length, 0);
});

Deno.test("ip_reass: an overlapping fragment drops the whole datagram, and late fragments too", () => {
  let pair!: NetPair;
  const whole = ipPacket({
    src: ADDR_A,
    dst: ADDR_B,
    protocol: 17,
    payload: udpDatagram(ADDR_A, ADDR_B, 1, 4000, pattern(2000)),
    ident: 9,
  });
  const frags = ipFragment(whole, 20, 1020)!; // 1000 + 1008 data bytes
  // A forged fragment at offset 496 overlapping the first.
  const evil = ipPacket({
    src: ADDR_A,
    dst: ADDR_B,
    protocol: 17,
    payload: new Uint8Array(64),
    ident: 9,
    moreFrags: true,
    fragOffset: 496,
  });
  runTwoKernels(
    (a, b) => {
      pair = makeNetPair(a, b);
    },
    function* () {},
    function* (b) {
      const fd = socket(b, SOCK_DGRAM);
      net(b).bind(fd, { addr: "0.0.0.0", port: 4000 });
      pair.ifb.input(etherFrame(MAC_B, MAC_A, frags[0]));
      pair.ifb.input(etherFrame(MAC_B, MAC_A, evil));
      pair.ifb.input(etherFrame(MAC_B, MAC_A, frags[1]));
      yield* b.sleep(IPFRAGTTL + 1e6);
    },
  );
  assert.equal(pair.sb.ip.stat.fragdropped, 3);
  assert.equal(pair.sb.ip.stat.reassembled, 0);
  assert.equal(pair.sb.udp.stat.ipackets, 0);
  assert.equal(pair.sb.ip.stat.fragtimeout, 0);
});

Deno.test("ip_reass: the memory limit drops the oldest datagram being reassembled", () => {
  let pair!: NetPair;
  runTwoKernels(
    (a, b) => {
      pair = makeNetPair(a, b);
      pair.sb.ip.reass.maxMem = 2500;
    },
    function* () {},
    function* (b) {
      for (let id = 1; id <= 3; id++) {
        const p = ipPacket({
          src: ADDR_A,
          dst: ADDR_B,
          protocol: 17,
          payload: pattern(3000),
          ident: id,
        });
        pair.ifb.input(etherFrame(MAC_B, MAC_A, ipFragment(p, 20, 1500)![0]));
      }
      yield* b.sleep(1e6);
    },
  );
  assert.equal(pair.sb.ip.reass.queues.size, 1);
  assert.equal(pair.sb.ip.stat.fragdropped, 2);
  assert.ok(pair.sb.ip.reass.bytes <= 2500);
});
