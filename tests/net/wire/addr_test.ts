import assert from "node:assert/strict";
import {
  formatIpv4,
  inSubnet,
  isBroadcast,
  isLoopback,
  isMulticast,
  isUnspecified,
  MacAddr,
  netmaskToPrefix,
  networkOf,
  parseCidr,
  parseIpv4,
  prefixToNetmask,
  readIpv4,
  subnetBroadcast,
  writeIpv4,
} from "../../../net/wire/addr.ts";
import { WireError } from "../../../net/wire/error.ts";

function malformed(f: () => unknown): void {
  assert.throws(f, (e) => e instanceof WireError && e.kind === "malformed");
}

Deno.test("addr: parses and formats dotted quads as unsigned 32-bit numbers", () => {
  assert.equal(parseIpv4("10.0.0.1"), 0x0a000001);
  assert.equal(parseIpv4("255.255.255.255"), 0xffffffff);
  assert.equal(parseIpv4("0.0.0.0"), 0);
  assert.equal(parseIpv4("192.168.100.200"), 0xc0a864c8);
  assert.equal(formatIpv4(0xc0a864c8), "192.168.100.200");
  assert.equal(formatIpv4(0xffffffff), "255.255.255.255");
  assert.equal(formatIpv4(parseIpv4("10.0.2.15")), "10.0.2.15");
});

Deno.test("addr: rejects bad dotted quads as malformed", () => {
  for (
    const s of [
      "",
      "10.0.0",
      "10.0.0.1.2",
      "256.0.0.1",
      "10.0.0.01",
      "1.2.3.-4",
      " 1.2.3.4",
      "a.b.c.d",
      "1.2.3.4/8",
      "1..2.3",
    ]
  ) {
    malformed(() => parseIpv4(s));
  }
});

Deno.test("addr: reads and writes addresses big-endian", () => {
  const b = new Uint8Array(6);
  writeIpv4(b, 1, 0xc0a80001);
  assert.deepEqual(Array.from(b), [0, 192, 168, 0, 1, 0]);
  assert.equal(readIpv4(b, 1), 0xc0a80001);
});

Deno.test("addr: converts between prefix lengths and netmasks", () => {
  assert.equal(prefixToNetmask(24), 0xffffff00);
  assert.equal(prefixToNetmask(0), 0);
  assert.equal(prefixToNetmask(32), 0xffffffff);
  assert.equal(prefixToNetmask(1), 0x80000000);
  for (let p = 0; p <= 32; p++) assert.equal(netmaskToPrefix(prefixToNetmask(p)), p);
  malformed(() => netmaskToPrefix(0xff00ff00));
  malformed(() => prefixToNetmask(33));
});

Deno.test("addr: subnet membership, network and directed broadcast", () => {
  const net = parseIpv4("10.0.2.0");
  assert.ok(inSubnet(parseIpv4("10.0.2.15"), net, 24));
  assert.ok(!inSubnet(parseIpv4("10.0.3.15"), net, 24));
  assert.ok(inSubnet(parseIpv4("192.168.1.1"), 0, 0));
  assert.equal(networkOf(parseIpv4("10.0.2.15"), 24), net);
  assert.equal(subnetBroadcast(net, 24), parseIpv4("10.0.2.255"));
  assert.ok(isBroadcast(0xffffffff));
  assert.ok(isBroadcast(parseIpv4("10.0.2.255"), net, 24));
  assert.ok(!isBroadcast(parseIpv4("10.0.2.255")));
  assert.ok(!isBroadcast(parseIpv4("10.0.3.255"), net, 24));
  assert.ok(!isBroadcast(parseIpv4("10.0.2.1"), parseIpv4("10.0.2.0"), 31));
});

Deno.test("addr: classifies multicast, loopback and unspecified addresses", () => {
  assert.ok(isMulticast(parseIpv4("224.0.0.1")));
  assert.ok(isMulticast(parseIpv4("239.255.255.250")));
  assert.ok(!isMulticast(parseIpv4("240.0.0.1")));
  assert.ok(!isMulticast(parseIpv4("223.255.255.255")));
  assert.ok(isLoopback(parseIpv4("127.0.0.1")));
  assert.ok(isUnspecified(0));
});

Deno.test("addr: parses CIDR notation", () => {
  assert.deepEqual(parseCidr("10.0.2.0/24"), { addr: 0x0a000200, prefixLen: 24 });
  assert.deepEqual(parseCidr("10.0.2.15"), { addr: 0x0a00020f, prefixLen: 32 });
  malformed(() => parseCidr("10.0.2.0/33"));
  malformed(() => parseCidr("10.0.2.0/"));
});

Deno.test("addr: MAC addresses parse, format and classify", () => {
  const m = MacAddr.parse("52:54:00:12:34:56");
  assert.deepEqual(Array.from(m.octets), [0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);
  assert.equal(m.toString(), "52:54:00:12:34:56");
  assert.equal(MacAddr.parse("AA:bb:CC:00:11:22").toString(), "aa:bb:cc:00:11:22");
  assert.ok(m.isUnicast() && !m.isMulticast() && m.isLocal() && !m.isBroadcast());
  assert.ok(MacAddr.BROADCAST.isBroadcast() && MacAddr.BROADCAST.isMulticast());
  assert.ok(MacAddr.parse("01:00:5e:00:00:01").isMulticast());
  assert.ok(m.equals(MacAddr.parse("52:54:00:12:34:56")));
  assert.ok(!m.equals(MacAddr.BROADCAST));
  assert.equal(m.toKey(), 0x525400123456);
  for (
    const s of ["52:54:00:12:34", "52-54-00-12-34-56", "5254.0012.3456", "52:54:00:12:34:5g", ""]
  ) {
    malformed(() => MacAddr.parse(s));
  }
  malformed(() => new MacAddr([1, 2, 3]));
});

Deno.test("addr: a MacAddr owns its octets", () => {
  const src = new Uint8Array([2, 0, 0, 0, 0, 1]);
  const m = new MacAddr(src);
  src[5] = 9;
  assert.equal(m.toString(), "02:00:00:00:00:01");
});
