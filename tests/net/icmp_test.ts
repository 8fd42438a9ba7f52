import assert from "node:assert/strict";
import { ICMP_ERRPPSLIMIT } from "../../net/icmp.ts";
import { runTwoKernels } from "../support/two_kernels.ts";
import {
  ADDR_A,
  ADDR_B,
  bytes,
  echoRequest,
  etherFrame,
  ipPacket,
  ipSent,
  MAC_A,
  MAC_B,
  makeNetPair,
  type NetPair,
  udpDatagram,
} from "./net_helpers.ts";
import { MacAddr } from "../../net/wire/mod.ts";

const toClosedPort = (i: number) =>
  etherFrame(
    MAC_B,
    MAC_A,
    ipPacket({
      src: ADDR_A,
      dst: ADDR_B,
      protocol: 17,
      ident: i,
      payload: udpDatagram(ADDR_A, ADDR_B, 1, 9, bytes("x")),
    }),
  );

Deno.test("icmp: errors are rate-limited to 100 per second, the rest counted toofreq", () => {
  let pair!: NetPair;
  runTwoKernels(
    (a, b) => {
      pair = makeNetPair(a, b);
    },
    function* () {},
    function* (b) {
      for (let i = 0; i < 150; i++) pair.ifb.input(toClosedPort(i));
      yield* b.sleep(1e9);
      for (let i = 0; i < 10; i++) pair.ifb.input(toClosedPort(1000 + i));
      yield* b.sleep(1e6);
    },
  );
  const st = pair.sb.icmp.stat;
  assert.equal(st.outhist[3], ICMP_ERRPPSLIMIT + 10);
  assert.equal(st.toofreq, 50);
});

Deno.test("icmp: never an error about an ICMP error, a non-first fragment or a broadcast", () => {
  let pair!: NetPair;
  runTwoKernels((a, b) => {
    pair = makeNetPair(a, b);
  }, function* () {
    const icmpErr = new Uint8Array(8 + 28);
    icmpErr[0] = 3;
    const e = ipPacket({ src: ADDR_A, dst: ADDR_B, protocol: 1, payload: icmpErr });
    pair.sb.icmp.error(e, 3, 2, 0, false);
    const frag = ipPacket({
      src: ADDR_A,
      dst: ADDR_B,
      protocol: 17,
      payload: bytes("12345678"),
      fragOffset: 8,
    });
    pair.sb.icmp.error(frag, 3, 3, 0, false);
    const bc = ipPacket({
      src: ADDR_A,
      dst: "10.0.0.255",
      protocol: 17,
      payload: bytes("12345678"),
    });
    pair.sb.icmp.error(bc, 3, 3, 0, false);
    const ok = ipPacket({ src: ADDR_A, dst: ADDR_B, protocol: 17, payload: bytes("12345678") });
    pair.sb.icmp.error(ok, 3, 3, 0, true); // came in a link-layer broadcast
  });
  const st = pair.sb.icmp.stat;
  assert.equal(st.oldicmp, 1);
  assert.equal(st.noerror, 3);
  assert.equal(ipSent(pair.wire, "b").length, 0);
});

Deno.test("icmp: an echo request to a broadcast address is ignored", () => {
  let pair!: NetPair;
  runTwoKernels(
    (a, b) => {
      pair = makeNetPair(a, b);
    },
    function* () {},
    function* (b) {
      const p = ipPacket({
        src: ADDR_A,
        dst: "10.0.0.255",
        protocol: 1,
        payload: echoRequest(1, 1, bytes("hi")),
      });
      pair.ifb.input(etherFrame(MacAddr.BROADCAST, MAC_A, p));
      yield* b.sleep(1e6);
    },
  );
  assert.equal(pair.sb.icmp.stat.bmcastecho, 1);
  assert.equal(pair.sb.icmp.stat.reflect, 0);
});

Deno.test("icmp: a short or corrupted message is counted and dropped", () => {
  let pair!: NetPair;
  runTwoKernels(
    (a, b) => {
      pair = makeNetPair(a, b);
    },
    function* () {},
    function* (b) {
      const bad = echoRequest(1, 1, bytes("hi"));
      bad[9] ^= 0xff;
      for (const payload of [bytes("abc"), bad]) {
        pair.ifb.input(
          etherFrame(MAC_B, MAC_A, ipPacket({ src: ADDR_A, dst: ADDR_B, protocol: 1, payload })),
        );
      }
      yield* b.sleep(1e6);
    },
  );
  assert.equal(pair.sb.icmp.stat.tooshort, 1);
  assert.equal(pair.sb.icmp.stat.checksum, 1);
  assert.equal(pair.sb.icmp.stat.reflect, 0);
});
