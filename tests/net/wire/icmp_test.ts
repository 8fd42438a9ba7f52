import assert from "node:assert/strict";
import { WireError } from "../../../net/wire/error.ts";
import {
  ICMP_UNREACH_NEEDFRAG,
  ICMP_UNREACH_PORT,
  IcmpPacket,
  IcmpRepr,
  invokingOf,
  parseInvoking,
} from "../../../net/wire/icmp.ts";
import { IPPROTO_UDP } from "../../../net/wire/ipv4.ts";
import {
  A_10_0_2_15,
  A_10_0_2_3,
  cat,
  hex,
  ICMP_ECHO,
  ICMP_NEEDFRAG,
  ICMP_PORT_UNREACH,
  ICMP_TIMXCEED,
  UDP_DNS,
  UDP_DNS_INVOKING,
  UDP_DNS_IP,
} from "./fixtures.ts";

const UNREACH = cat(ICMP_PORT_UNREACH, UDP_DNS_INVOKING);
const NEEDFRAG = cat(ICMP_NEEDFRAG, UDP_DNS_INVOKING);
const TIMXCEED = cat(ICMP_TIMXCEED, UDP_DNS_INVOKING);

function kind(k: string) {
  return (e: unknown) => e instanceof WireError && e.kind === k;
}

function roundTrip(bytes: Uint8Array): IcmpRepr {
  const repr = IcmpRepr.parse(new IcmpPacket(bytes));
  const buf = new Uint8Array(IcmpRepr.bufferLen(repr)).fill(0x77);
  assert.equal(IcmpRepr.emit(repr, buf), bytes.length);
  assert.deepEqual(buf, bytes);
  return repr;
}

Deno.test("icmp: an echo request parses and emits back to the same bytes", () => {
  const repr = roundTrip(ICMP_ECHO);
  assert.deepEqual(repr, {
    type: "echoRequest",
    ident: 0x1234,
    seq: 1,
    data: new TextEncoder().encode("rumpsim ping 000"),
  });
});

Deno.test("icmp: the echo reply to a request differs only in type and checksum", () => {
  const req = IcmpRepr.parse(new IcmpPacket(ICMP_ECHO));
  assert.equal(req.type, "echoRequest");
  const buf = new Uint8Array(ICMP_ECHO.length);
  IcmpRepr.emit({ ...req, type: "echoReply" }, buf);
  // Type 8 → 0 raises the checksum by 0x0800 (RFC 1624).
  assert.deepEqual(buf.subarray(0, 4), hex("0000fe29"));
  assert.deepEqual(buf.subarray(4), ICMP_ECHO.subarray(4));
  assert.equal(IcmpRepr.parse(new IcmpPacket(buf)).type, "echoReply");
});

Deno.test("icmp: port unreachable carries the invoking header and 8 bytes", () => {
  const repr = roundTrip(UNREACH);
  assert.deepEqual(repr, {
    type: "dstUnreachable",
    code: ICMP_UNREACH_PORT,
    nextHopMtu: 0,
    invoking: UDP_DNS_INVOKING,
  });
  const inv = parseInvoking(UDP_DNS_INVOKING);
  assert.equal(inv.src, A_10_0_2_15);
  assert.equal(inv.dst, A_10_0_2_3);
  assert.equal(inv.protocol, IPPROTO_UDP);
  assert.deepEqual(inv.transport, UDP_DNS.subarray(0, 8));
});

Deno.test("icmp: fragmentation needed carries the next-hop MTU (RFC 1191)", () => {
  const repr = roundTrip(NEEDFRAG);
  assert.deepEqual(repr, {
    type: "dstUnreachable",
    code: ICMP_UNREACH_NEEDFRAG,
    nextHopMtu: 1400,
    invoking: UDP_DNS_INVOKING,
  });
});

Deno.test("icmp: time exceeded in transit round-trips", () => {
  assert.deepEqual(roundTrip(TIMXCEED), {
    type: "timeExceeded",
    code: 0,
    invoking: UDP_DNS_INVOKING,
  });
});

Deno.test("icmp: invokingOf quotes the IP header and the first 8 data bytes", () => {
  assert.deepEqual(invokingOf(cat(UDP_DNS_IP, UDP_DNS)), UDP_DNS_INVOKING);
  // A packet with fewer than 8 data bytes is quoted whole.
  const tiny = hex("45000018 00004000 40110000 0a00020f 0a000203 c0010035");
  assert.deepEqual(invokingOf(tiny), tiny);
});

Deno.test("icmp: a message shorter than 8 bytes is truncated at every length", () => {
  for (let n = 0; n < 8; n++) {
    assert.throws(() => new IcmpPacket(ICMP_ECHO.subarray(0, n)), kind("truncated"), `${n}`);
  }
});

Deno.test("icmp: a cut-short message fails its checksum; unverified, a short quote is truncated", () => {
  for (let n = 8; n < UNREACH.length; n++) {
    const p = new IcmpPacket(UNREACH.subarray(0, n));
    assert.throws(() => IcmpRepr.parse(p), kind("checksum"), `${n}`);
    if (n < 8 + 20) assert.throws(() => IcmpRepr.parse(p, false), kind("truncated"), `${n}`);
  }
});

Deno.test("icmp: a bad checksum is reported as such", () => {
  const b = ICMP_ECHO.slice();
  b[10] ^= 1;
  assert.throws(() => IcmpRepr.parse(new IcmpPacket(b)), kind("checksum"));
});

Deno.test("icmp: other types and codes are unsupported", () => {
  for (const [type, code] of [[5, 0], [13, 0], [8, 1], [3, 16], [11, 2]]) {
    const b = ICMP_ECHO.slice();
    b[0] = type;
    b[1] = code;
    new IcmpPacket(b).fillChecksum();
    assert.throws(() => IcmpRepr.parse(new IcmpPacket(b)), kind("unsupported"), `${type}/${code}`);
  }
});

Deno.test("icmp: an invoking datagram that is not IPv4 with a fitting IHL is malformed", () => {
  for (const first of [0x65, 0x44]) {
    const inv = UDP_DNS_INVOKING.slice();
    inv[0] = first;
    const b = cat(ICMP_PORT_UNREACH, inv);
    assert.throws(() => IcmpRepr.parse(new IcmpPacket(b), false), kind("malformed"));
  }
  const inv = UDP_DNS_INVOKING.slice();
  inv[0] = 0x4f;
  assert.throws(() => parseInvoking(inv), kind("truncated"));
});
