import assert from "node:assert/strict";
import { EAGAIN, ECONNREFUSED, isErrno } from "../../kernel/kern/errno.ts";
import { MSG_DONTWAIT, SOCK_DGRAM } from "../../kernel/syscall/api.ts";
import { IPPORT_ANONMAX, IPPORT_ANONMIN } from "../../net/in_pcb.ts";
import { runTwoKernels } from "../support/two_kernels.ts";
import {
  ADDR_A,
  ADDR_B,
  bytes,
  etherFrame,
  ipPacket,
  ipSent,
  MAC_A,
  MAC_B,
  makeNetPair,
  net,
  type NetPair,
  socket,
  text,
  udpDatagram,
} from "./net_helpers.ts";

Deno.test("udp: an echo server answers sendto with the same bytes to the sender's address", () => {
  const run = runTwoKernels((a, b) => {
    makeNetPair(a, b);
  }, function* (a) {
    const fd = socket(a, SOCK_DGRAM);
    yield* net(a).sendto(fd, bytes("hello, echo"), 0, { addr: ADDR_B, port: 7 });
    const me = net(a).getsockname(fd);
    const buf = new Uint8Array(64);
    const r = yield* net(a).recvfrom(fd, buf, 0);
    return { me, from: r.from, got: text(buf.subarray(0, r.n)) };
  }, function* (b) {
    const fd = socket(b, SOCK_DGRAM);
    net(b).bind(fd, { addr: "0.0.0.0", port: 7 });
    const buf = new Uint8Array(64);
    const r = yield* net(b).recvfrom(fd, buf, 0);
    yield* net(b).sendto(fd, buf.subarray(0, r.n), 0, r.from);
    return r.from;
  });
  const { me, from, got } = run.valueA!;
  assert.equal(got, "hello, echo");
  assert.deepEqual(from, { addr: ADDR_B, port: 7 });
  assert.equal(run.valueB!.addr, ADDR_A);
  assert.equal(run.valueB!.port, me.port);
  assert.ok(me.port >= IPPORT_ANONMIN && me.port <= IPPORT_ANONMAX);
});

Deno.test("udp: a closed port answers with port unreachable: ECONNREFUSED on a connected socket", () => {
  let pair!: NetPair;
  const run = runTwoKernels((a, b) => {
    pair = makeNetPair(a, b);
  }, function* (a) {
    const fd = socket(a, SOCK_DGRAM);
    yield* net(a).connect(fd, { addr: ADDR_B, port: 9999 });
    yield* net(a).sendto(fd, bytes("anyone?"), 0, null);
    try {
      yield* net(a).recvfrom(fd, new Uint8Array(8), 0);
    } catch (e) {
      return e;
    }
    return null;
  });
  assert.ok(isErrno(run.valueA, ECONNREFUSED), String(run.valueA));
  assert.equal(pair.sb.udp.stat.noport, 1);
  assert.equal(pair.sb.icmp.stat.outhist[3], 1);
});

Deno.test("udp: an unconnected socket is not told of port unreachable", () => {
  const run = runTwoKernels((a, b) => {
    makeNetPair(a, b);
  }, function* (a) {
    const fd = socket(a, SOCK_DGRAM);
    yield* net(a).sendto(fd, bytes("x"), 0, { addr: ADDR_B, port: 9999 });
    yield* a.sleep(10e6);
    try {
      yield* net(a).recvfrom(fd, new Uint8Array(8), MSG_DONTWAIT);
    } catch (e) {
      return e;
    }
    return null;
  });
  assert.ok(isErrno(run.valueA, EAGAIN), String(run.valueA));
});

Deno.test("udp: a zero checksum is accepted, a wrong one dropped, a bad length counted", () => {
  let pair!: NetPair;
  const run = runTwoKernels(
    (a, b) => {
      pair = makeNetPair(a, b);
    },
    function* () {},
    function* (b) {
      const fd = socket(b, SOCK_DGRAM);
      net(b).bind(fd, { addr: "0.0.0.0", port: 5000 });
      const send = (u: Uint8Array) =>
        pair.ifb.input(
          etherFrame(
            MAC_B,
            MAC_A,
            ipPacket({ src: ADDR_A, dst: ADDR_B, protocol: 17, payload: u }),
          ),
        );
      const nosum = udpDatagram(ADDR_A, ADDR_B, 1234, 5000, bytes("nosum"));
      nosum[6] = nosum[7] = 0;
      send(nosum);
      const bad = udpDatagram(ADDR_A, ADDR_B, 1234, 5000, bytes("badsum"));
      bad[7] ^= 0xff;
      send(bad);
      const long = udpDatagram(ADDR_A, ADDR_B, 1234, 5000, bytes("len"));
      long[5] = 200;
      send(long);
      send(new Uint8Array(5));
      const buf = new Uint8Array(16);
      const r = yield* net(b).recvfrom(fd, buf, 0);
      return text(buf.subarray(0, r.n));
    },
  );
  assert.equal(run.valueB, "nosum");
  const st = pair.sb.udp.stat;
  assert.equal(st.nosum, 1);
  assert.equal(st.badsum, 1);
  assert.equal(st.badlen, 1);
  assert.equal(st.hdrops, 1);
});

Deno.test("udp: a broadcast reaches every bound socket and never causes port unreachable", () => {
  let pair!: NetPair;
  const run = runTwoKernels((a, b) => {
    pair = makeNetPair(a, b);
  }, function* (a) {
    const fd = socket(a, SOCK_DGRAM);
    net(a).setsockopt(fd, 0xffff, 0x0020, 1); // SO_BROADCAST
    yield* net(a).sendto(fd, bytes("all"), 0, { addr: "10.0.0.255", port: 6000 });
    yield* net(a).sendto(fd, bytes("none"), 0, { addr: "255.255.255.255", port: 6001 });
  }, function* (b) {
    const fd = socket(b, SOCK_DGRAM);
    net(b).bind(fd, { addr: "0.0.0.0", port: 6000 });
    const buf = new Uint8Array(8);
    const r = yield* net(b).recvfrom(fd, buf, 0);
    yield* b.sleep(1e6);
    return text(buf.subarray(0, r.n));
  });
  assert.equal(run.valueB, "all");
  assert.equal(pair.sb.udp.stat.noportbcast, 1);
  assert.equal(pair.sb.icmp.stat.outhist[3], 0);
  assert.equal(ipSent(pair.wire, "b").length, 0);
});
