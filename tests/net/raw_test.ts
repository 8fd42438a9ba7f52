import assert from "node:assert/strict";
import { IPPROTO_ICMP, SOCK_RAW } from "../../kernel/syscall/api.ts";
import { runTwoKernels } from "../support/two_kernels.ts";
import {
  ADDR_A,
  ADDR_B,
  bytes,
  echoRequest,
  makeNetPair,
  net,
  type NetPair,
  socket,
} from "./net_helpers.ts";

Deno.test("raw: a ping over the wire gets an echo reply with the IP header and the same data", () => {
  let pair!: NetPair;
  const run = runTwoKernels((a, b) => {
    pair = makeNetPair(a, b);
  }, function* (a) {
    const fd = socket(a, SOCK_RAW, IPPROTO_ICMP);
    const data = bytes("abcdefgh12345678");
    const n = yield* net(a).sendto(fd, echoRequest(0x1234, 7, data), 0, { addr: ADDR_B, port: 0 });
    assert.equal(n, 24);
    const buf = new Uint8Array(200);
    const r = yield* net(a).recvfrom(fd, buf, 0);
    return { r, pkt: buf.slice(0, r.n) };
  });
  const { r, pkt } = run.valueA!;
  assert.equal(r.from.addr, ADDR_B);
  assert.equal(r.n, 20 + 24);
  assert.equal(pkt[0], 0x45);
  assert.equal(pkt[9], IPPROTO_ICMP);
  const icmp = pkt.subarray(20);
  assert.equal(icmp[0], 0); // echo reply
  assert.equal((icmp[4] << 8) | icmp[5], 0x1234);
  assert.equal((icmp[6] << 8) | icmp[7], 7);
  assert.deepEqual(icmp.subarray(8), bytes("abcdefgh12345678"));
  assert.equal(pair.sb.icmp.stat.reflect, 1);
  assert.equal(pair.sa.arp.stat.sentRequests >= 1, true);
  assert.equal(run.a.sysctl.read("net.inet.icmp.stats") !== undefined, true);
  void ADDR_A;
});
