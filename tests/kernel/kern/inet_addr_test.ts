import assert from "node:assert/strict";
import { isIpv4Text, parseIpv4Text } from "../../../kernel/kern/inet_addr.ts";

Deno.test("inet_addr: accepts dotted quads of parts 0..255", () => {
  for (const s of ["0.0.0.0", "10.0.2.15", "255.255.255.255", "192.168.1.1", "10.00.2.05"]) {
    assert.ok(isIpv4Text(s), s);
  }
});

Deno.test("inet_addr: rejects anything else", () => {
  for (
    const s of [
      "",
      "10.0.2",
      "10.0.2.15.1",
      "256.0.0.1",
      "10.0.2.1000",
      "10.0.2.-1",
      " 10.0.2.15",
      "10.0.2.15\n",
      "10..2.15",
      "a.b.c.d",
      "0x0a.0.0.1",
      "010.0.0.1",
      "10.0.0.001",
    ]
  ) {
    assert.ok(!isIpv4Text(s), JSON.stringify(s));
    assert.equal(parseIpv4Text(s), null, JSON.stringify(s));
  }
});

Deno.test("inet_addr: parses to an unsigned 32-bit number, first part most significant", () => {
  assert.equal(parseIpv4Text("10.0.0.1"), 0x0a000001);
  assert.equal(parseIpv4Text("255.255.255.255"), 0xffffffff);
  assert.equal(parseIpv4Text("0.0.0.0"), 0);
  assert.equal(parseIpv4Text("10.00.02.15"), 0x0a00020f);
});
