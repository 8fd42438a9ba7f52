import assert from "node:assert/strict";
import { SOCK_DGRAM } from "../../kernel/syscall/api.ts";
import type { IpStat } from "../../net/ip_var.ts";
import { MacAddr } from "../../net/wire/mod.ts";
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
  udpDatagram,
} from "./net_helpers.ts";

/** A good UDP datagram from A to B port 5000. */
const good = () =>
  ipPacket({
    src: ADDR_A,
    dst: ADDR_B,
    protocol: 17,
    payload: udpDatagram(ADDR_A, ADDR_B, 1, 5000, bytes("ok")),
  });

/** Fixes the header checksum after an edit. */
function resum(p: Uint8Array, hlen = 20): Uint8Array {
  p[10] = p[11] = 0;
  let s = 0;
  for (let i = 0; i < hlen; i += 2) s += (p[i] << 8) | p[i + 1];
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  const c = ~s & 0xffff;
  p[10] = c >> 8;
  p[11] = c & 0xff;
  return p;
}

/** Delivers `pkt` to B in a frame and returns B's ipstat after. */
function inject(pkts: Uint8Array[], dstMac = MAC_B): { st: IpStat; pair: NetPair; udpIn: number } {
  let pair!: NetPair;
  runTwoKernels(
    (a, b) => {
      pair = makeNetPair(a, b);
    },
    function* () {},
    function* (b) {
      const fd = socket(b, SOCK_DGRAM);
      net(b).bind(fd, { addr: "0.0.0.0", port: 5000 });
      for (const p of pkts) pair.ifb.input(etherFrame(dstMac, MAC_A, p));
      yield* b.sleep(1e6);
    },
  );
  return { st: pair.sb.ip.stat, pair, udpIn: pair.sb.udp.stat.ipackets };
}

Deno.test("ip_input: a datagram shorter than a header is toosmall", () => {
  const { st, udpIn } = inject([good().subarray(0, 19)]);
  assert.equal(st.toosmall, 1);
  assert.equal(udpIn, 0);
});

Deno.test("ip_input: a version other than 4 is badvers", () => {
  const p = good();
  p[0] = 0x65;
  assert.equal(inject([resum(p)]).st.badvers, 1);
});

Deno.test("ip_input: an IHL below 5 or beyond the data is badhlen", () => {
  const p = good();
  p[0] = 0x44;
  const q = good().subarray(0, 24);
  q[0] = 0x47; // 28-byte header in 24 bytes
  assert.equal(inject([resum(p), q]).st.badhlen, 2);
});

Deno.test("ip_input: a wrong header checksum is badsum", () => {
  const p = good();
  p[10] ^= 1;
  const { st, udpIn } = inject([p]);
  assert.equal(st.badsum, 1);
  assert.equal(udpIn, 0);
});

Deno.test("ip_input: a total length below the header is badlen, beyond the data tooshort", () => {
  const p = good();
  p[2] = 0;
  p[3] = 16;
  const q = good();
  q[3] += 10;
  const { st } = inject([resum(p), resum(q)]);
  assert.equal(st.badlen, 1);
  assert.equal(st.tooshort, 1);
});

Deno.test("ip_input: link padding past the total length is trimmed and the datagram delivered", () => {
  const p = new Uint8Array(good().length + 12);
  p.set(good());
  const { st, udpIn, pair } = inject([p]);
  assert.equal(st.delivered, 1);
  assert.equal(udpIn, 1);
  assert.equal(pair.sb.udp.stat.badlen, 0);
});

Deno.test("ip_input: broadcast and multicast sources are dropped as badaddr", () => {
  const bc = ipPacket({
    src: "255.255.255.255",
    dst: ADDR_B,
    protocol: 17,
    payload: bytes("12345678"),
  });
  const dbc = ipPacket({
    src: "10.0.0.255",
    dst: ADDR_B,
    protocol: 17,
    payload: bytes("12345678"),
  });
  const mc = ipPacket({ src: "224.0.0.5", dst: ADDR_B, protocol: 17, payload: bytes("12345678") });
  const lo = ipPacket({ src: "127.0.0.1", dst: ADDR_B, protocol: 17, payload: bytes("12345678") });
  const { st, udpIn } = inject([bc, dbc, mc, lo]);
  assert.equal(st.badaddr, 4);
  assert.equal(udpIn, 0);
});

Deno.test("ip_input: a unicast datagram in a link-layer broadcast is dropped (RFC 1122 §3.3.6)", () => {
  const { st, udpIn } = inject([good()], MacAddr.BROADCAST);
  assert.equal(st.badaddr, 1);
  assert.equal(udpIn, 0);
});

Deno.test("ip_input: a datagram for another host is not forwarded (cantforward)", () => {
  const p = ipPacket({ src: ADDR_A, dst: "10.0.0.9", protocol: 17, payload: bytes("12345678") });
  const { st, pair } = inject([p]);
  assert.equal(st.cantforward, 1);
  assert.equal(ipSent(pair.wire, "b").length, 0);
});

Deno.test("ip_input: TTL 0 to this host is still delivered (RFC 1122 §3.2.1.7)", () => {
  const p = good();
  p[8] = 0;
  const { st, udpIn } = inject([resum(p)]);
  assert.equal(st.delivered, 1);
  assert.equal(udpIn, 1);
});

Deno.test("ip_input: an unknown protocol is noproto and answered with protocol unreachable", () => {
  const p = ipPacket({ src: ADDR_A, dst: ADDR_B, protocol: 253, payload: bytes("12345678") });
  const { st, pair } = inject([p]);
  assert.equal(st.noproto, 1);
  const err = ipSent(pair.wire, "b").find((d) => d[9] === 1)!;
  assert.equal(err[20], 3); // unreachable
  assert.equal(err[21], 2); // protocol
  assert.deepEqual(err.subarray(28, 28 + 28), p.subarray(0, 28));
});

Deno.test("ip_input: forwarding, when on, decrements the TTL and answers TTL 1 with time exceeded", () => {
  let pair!: NetPair;
  runTwoKernels(
    (a, b) => {
      pair = makeNetPair(a, b);
      pair.sb.ip.forwarding = true;
    },
    function* () {},
    function* (b) {
      const p1 = ipPacket({
        src: ADDR_A,
        dst: "10.0.0.9",
        protocol: 17,
        payload: bytes("12345678"),
        ttl: 1,
      });
      const p2 = ipPacket({
        src: ADDR_A,
        dst: ADDR_A,
        protocol: 17,
        payload: bytes("12345678"),
        ttl: 9,
      });
      pair.ifb.input(etherFrame(MAC_B, MAC_A, p1));
      pair.ifb.input(etherFrame(MAC_B, MAC_A, p2));
      yield* b.sleep(1e6);
    },
  );
  const sent = ipSent(pair.wire, "b");
  const te = sent.find((d) => d[9] === 1)!;
  assert.equal(te[20], 11);
  const fwd = sent.find((d) => d[9] === 17)!;
  assert.equal(fwd[8], 8);
  assert.equal(pair.sb.ip.stat.forward, 1);
});
