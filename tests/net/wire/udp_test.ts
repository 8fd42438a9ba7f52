import assert from "node:assert/strict";
import { WireError } from "../../../net/wire/error.ts";
import { UDP_HDR_LEN, UdpPacket, UdpRepr } from "../../../net/wire/udp.ts";
import { A_10_0_2_15, A_10_0_2_3, cat, hex, UDP_DNS } from "./fixtures.ts";

const SRC = A_10_0_2_15, DST = A_10_0_2_3;

function kind(k: string) {
  return (e: unknown) => e instanceof WireError && e.kind === k;
}

Deno.test("udp: parses a DNS query", () => {
  const p = new UdpPacket(UDP_DNS);
  const repr = UdpRepr.parse(p, SRC, DST);
  assert.equal(repr.srcPort, 49153);
  assert.equal(repr.dstPort, 53);
  assert.deepEqual(repr.payload, UDP_DNS.subarray(8));
  assert.equal(p.length, 37);
  assert.equal(p.checksum, 0xac20);
});

Deno.test("udp: a repr emits back to the same bytes, checksum filled", () => {
  const repr = UdpRepr.parse(new UdpPacket(UDP_DNS), SRC, DST);
  const buf = new Uint8Array(UdpRepr.bufferLen(repr));
  assert.equal(UdpRepr.emit({ ...repr, payload: repr.payload.slice() }, buf, SRC, DST), 37);
  assert.deepEqual(buf, UDP_DNS);
});

Deno.test("udp: a payload already in place is not copied over itself", () => {
  const buf = UDP_DNS.slice();
  buf.fill(0, 0, UDP_HDR_LEN);
  UdpRepr.emit({ srcPort: 49153, dstPort: 53, payload: buf.subarray(8) }, buf, SRC, DST);
  assert.deepEqual(buf, UDP_DNS);
});

Deno.test("udp: a zero checksum means none was sent and is accepted", () => {
  const b = UDP_DNS.slice();
  b[6] = b[7] = 0;
  assert.equal(UdpRepr.parse(new UdpPacket(b), SRC, DST).dstPort, 53);
});

Deno.test("udp: a computed checksum of zero is sent as 0xffff", () => {
  // Pick the two payload bytes that make the one's complement sum 0xffff.
  const probe = { srcPort: 1, dstPort: 2, payload: new Uint8Array(2) };
  const buf = new Uint8Array(10);
  UdpRepr.emit(probe, buf, SRC, DST);
  const c = (buf[6] << 8) | buf[7]; // the checksum with payload 0000 = ~sum
  const payload = hex(c.toString(16).padStart(4, "0"));
  UdpRepr.emit({ ...probe, payload }, buf, SRC, DST);
  assert.deepEqual(buf.subarray(6, 8), hex("ffff"));
  assert.equal(UdpRepr.parse(new UdpPacket(buf), SRC, DST).srcPort, 1);
});

Deno.test("udp: a bad checksum fails parse unless verification is off", () => {
  const b = UDP_DNS.slice();
  b[20] ^= 0x40;
  assert.throws(() => UdpRepr.parse(new UdpPacket(b), SRC, DST), kind("checksum"));
  assert.throws(() => UdpRepr.parse(new UdpPacket(UDP_DNS), DST, SRC + 1), kind("checksum"));
  assert.equal(UdpRepr.parse(new UdpPacket(b), SRC, DST, false).dstPort, 53);
});

Deno.test("udp: a datagram cut short at every length is truncated", () => {
  for (let n = 0; n < UDP_DNS.length; n++) {
    assert.throws(() => new UdpPacket(UDP_DNS.subarray(0, n)), kind("truncated"), `${n}`);
  }
});

Deno.test("udp: a length field below 8 is malformed; bytes past it are not payload", () => {
  const b = UDP_DNS.slice();
  b[5] = 7;
  assert.throws(() => new UdpPacket(b), kind("malformed"));
  const padded = cat(UDP_DNS, hex("000000"));
  assert.deepEqual(UdpRepr.parse(new UdpPacket(padded), SRC, DST).payload, UDP_DNS.subarray(8));
});
