import assert from "node:assert/strict";
import { MacAddr } from "../../../net/wire/addr.ts";
import {
  ARP_ETHER_IP_LEN,
  ARPOP_REPLY,
  ARPOP_REQUEST,
  ArpPacket,
  ArpRepr,
} from "../../../net/wire/arp.ts";
import { WireError } from "../../../net/wire/error.ts";
import { A_10_0_2_15, A_10_0_2_2, ARP_REQUEST_FRAME, hex } from "./fixtures.ts";

const REQUEST = ARP_REQUEST_FRAME.subarray(14);
const REPLY = hex(`
  0001 0800 06 04 0002 525400123502 0a000202 525400123456 0a00020f`);

function kind(k: string) {
  return (e: unknown) => e instanceof WireError && e.kind === k;
}

Deno.test("arp: parses a request (frame padding after the packet is ignored)", () => {
  assert.deepEqual(ArpRepr.parse(new ArpPacket(REQUEST)), {
    op: ARPOP_REQUEST,
    sha: MacAddr.parse("52:54:00:12:34:56"),
    spa: A_10_0_2_15,
    tha: MacAddr.ZERO,
    tpa: A_10_0_2_2,
  });
});

Deno.test("arp: a request and a reply emit back to the same bytes", () => {
  for (const bytes of [REQUEST.subarray(0, ARP_ETHER_IP_LEN), REPLY]) {
    const repr = ArpRepr.parse(new ArpPacket(bytes));
    const buf = new Uint8Array(ARP_ETHER_IP_LEN).fill(0xee);
    assert.equal(ArpRepr.emit(repr, buf), ARP_ETHER_IP_LEN);
    assert.deepEqual(buf, bytes);
  }
  const reply = ArpRepr.parse(new ArpPacket(REPLY));
  assert.equal(reply.op, ARPOP_REPLY);
  assert.equal(reply.sha.toString(), "52:54:00:12:35:02");
});

Deno.test("arp: the view exposes the RFC 826 fields", () => {
  const p = new ArpPacket(REQUEST);
  assert.equal(p.hrd, 1);
  assert.equal(p.pro, 0x0800);
  assert.equal(p.hln, 6);
  assert.equal(p.pln, 4);
  assert.equal(p.op, 1);
  assert.deepEqual(p.tpa, hex("0a000202"));
  assert.deepEqual(p.sha, hex("525400123456"));
});

Deno.test("arp: a packet shorter than 28 bytes is truncated at every length", () => {
  for (let n = 0; n < ARP_ETHER_IP_LEN; n++) {
    assert.throws(() => new ArpPacket(REPLY.subarray(0, n)), kind("truncated"), `length ${n}`);
  }
});

Deno.test("arp: other hardware or protocol types and operations are unsupported", () => {
  const cases: [number, number][] = [[1, 6], [3, 8], [4, 4], [5, 2], [7, 3]];
  for (const [off, value] of cases) {
    const b = REPLY.slice();
    b[off] = value;
    assert.throws(() => ArpRepr.parse(new ArpPacket(b)), kind("unsupported"), `byte ${off}`);
  }
});

Deno.test("arp: a declared address length past the buffer is truncated", () => {
  const b = REPLY.slice();
  b[4] = 200;
  assert.throws(() => new ArpPacket(b), kind("truncated"));
});
