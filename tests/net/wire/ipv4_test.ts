import assert from "node:assert/strict";
import { WireError } from "../../../net/wire/error.ts";
import {
  IP_HDR_LEN,
  IPPROTO_ICMP,
  IPPROTO_UDP,
  Ipv4Packet,
  Ipv4Repr,
} from "../../../net/wire/ipv4.ts";
import {
  A_10_0_2_15,
  A_10_0_2_2,
  A_10_0_2_3,
  cat,
  hex,
  ICMP_ECHO,
  ICMP_ECHO_IP,
  UDP_DNS,
  UDP_DNS_IP,
} from "./fixtures.ts";

const ECHO_PACKET = cat(ICMP_ECHO_IP, ICMP_ECHO);
const DNS_PACKET = cat(UDP_DNS_IP, UDP_DNS);

function kind(k: string) {
  return (e: unknown) => e instanceof WireError && e.kind === k;
}

Deno.test("ipv4: parses the header of an ICMP echo request", () => {
  const p = new Ipv4Packet(ECHO_PACKET);
  assert.deepEqual(Ipv4Repr.parse(p), {
    src: A_10_0_2_15,
    dst: A_10_0_2_2,
    protocol: IPPROTO_ICMP,
    ttl: 64,
    dscp: 0,
    ecn: 0,
    ident: 0x0b1c,
    dontFrag: true,
    moreFrags: false,
    fragOffset: 0,
    payloadLen: 24,
    options: new Uint8Array(0),
  });
  assert.deepEqual(p.payload, ICMP_ECHO);
  assert.equal(p.checksum, 0x17a5);
});

Deno.test("ipv4: a repr emits back to the same header bytes, checksum filled", () => {
  for (const packet of [ECHO_PACKET, DNS_PACKET]) {
    const repr = Ipv4Repr.parse(new Ipv4Packet(packet));
    const buf = packet.slice();
    buf.fill(0x5a, 0, IP_HDR_LEN);
    assert.equal(Ipv4Repr.emit(repr, buf), IP_HDR_LEN);
    assert.deepEqual(buf, packet);
    assert.equal(Ipv4Repr.bufferLen(repr), packet.length);
  }
});

Deno.test("ipv4: options are exposed as bytes, skipped, and emitted back", () => {
  // IHL 6 with one option word (NOP NOP NOP EOL), fragment 185·8 bytes in with MF, DSCP 46 ECN 1.
  const pkt = hex(`46b9 0020 abcd 20b9 0511 0000 0a000203 0a00020f 01010100 deadbeef 00000000`);
  const p0 = new Ipv4Packet(pkt, false);
  p0.fillChecksum();
  const p = new Ipv4Packet(pkt);
  const repr = Ipv4Repr.parse(p);
  assert.deepEqual(repr.options, hex("01010100"));
  assert.equal(p.headerLen, 24);
  assert.deepEqual(p.payload, hex("deadbeef00000000"));
  assert.equal(repr.dscp, 46);
  assert.equal(repr.ecn, 1);
  assert.equal(repr.moreFrags, true);
  assert.equal(repr.dontFrag, false);
  assert.equal(repr.fragOffset, 185 * 8);
  assert.equal(repr.ttl, 5);
  assert.equal(repr.protocol, IPPROTO_UDP);
  assert.equal(repr.src, A_10_0_2_3);
  const buf = new Uint8Array(pkt.length);
  buf.set(p.payload, 24);
  Ipv4Repr.emit(repr, buf);
  assert.deepEqual(buf, pkt);
});

Deno.test("ipv4: trailing Ethernet padding beyond the total length is not payload", () => {
  const padded = cat(ECHO_PACKET, new Uint8Array(18));
  const p = new Ipv4Packet(padded);
  assert.deepEqual(p.payload, ICMP_ECHO);
  assert.equal(Ipv4Repr.parse(p).payloadLen, ICMP_ECHO.length);
});

Deno.test("ipv4: a packet cut short at every length is truncated", () => {
  for (let n = 0; n < ECHO_PACKET.length; n++) {
    assert.throws(() => new Ipv4Packet(ECHO_PACKET.subarray(0, n)), kind("truncated"), `${n}`);
  }
});

Deno.test("ipv4: IHL below 5 and a version other than 4 are malformed", () => {
  for (const first of [0x44, 0x40, 0x45 ^ 0x10, 0x65]) {
    const b = ECHO_PACKET.slice();
    b[0] = first;
    assert.throws(() => new Ipv4Packet(b), kind("malformed"), `first byte ${first}`);
  }
});

Deno.test("ipv4: an IHL past the buffer is truncated", () => {
  const b = ECHO_PACKET.slice(0, 24);
  b[0] = 0x4f; // 60-byte header in 24 bytes
  b[2] = 0;
  b[3] = 24;
  assert.throws(() => new Ipv4Packet(b), kind("truncated"));
});

Deno.test("ipv4: a total length below the header is malformed, beyond the buffer truncated", () => {
  const short = ECHO_PACKET.slice();
  short[3] = 19;
  assert.throws(() => new Ipv4Packet(short), kind("malformed"));
  const long = ECHO_PACKET.slice();
  long[3] = ECHO_PACKET.length + 1;
  assert.throws(() => new Ipv4Packet(long), kind("truncated"));
});

Deno.test("ipv4: a bad header checksum fails parse unless verification is off", () => {
  const b = ECHO_PACKET.slice();
  b[8] = 63; // TTL changed, checksum not
  const p = new Ipv4Packet(b);
  assert.throws(() => Ipv4Repr.parse(p), kind("checksum"));
  assert.equal(Ipv4Repr.parse(p, false).ttl, 63);
});

Deno.test("ipv4: emit rejects unrepresentable reprs and short buffers", () => {
  const repr = Ipv4Repr.parse(new Ipv4Packet(ECHO_PACKET));
  assert.throws(
    () => Ipv4Repr.emit({ ...repr, fragOffset: 12 }, new Uint8Array(64)),
    kind("malformed"),
  );
  assert.throws(
    () => Ipv4Repr.emit({ ...repr, options: new Uint8Array(3) }, new Uint8Array(64)),
    kind("malformed"),
  );
  assert.throws(
    () => Ipv4Repr.emit({ ...repr, payloadLen: 65520 }, new Uint8Array(64)),
    kind("malformed"),
  );
  assert.throws(() => Ipv4Repr.emit(repr, new Uint8Array(19)), kind("truncated"));
});

Deno.test("ipv4: setters write the flag and fragment bits without disturbing each other", () => {
  const p = new Ipv4Packet(new Uint8Array(20), false);
  p.fragOffset = 1480;
  p.moreFrags = true;
  p.dontFrag = true;
  assert.deepEqual(p.buffer.subarray(6, 8), hex("60b9"));
  p.dontFrag = false;
  assert.equal(p.fragOffset, 1480);
  assert.equal(p.moreFrags, true);
  p.dscp = 10;
  p.ecn = 2;
  assert.equal(p.buffer[1], (10 << 2) | 2);
});
