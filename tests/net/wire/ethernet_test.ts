import assert from "node:assert/strict";
import { MacAddr } from "../../../net/wire/addr.ts";
import { WireError } from "../../../net/wire/error.ts";
import {
  ETHER_HDR_LEN,
  EthernetFrame,
  EthernetRepr,
  ETHERTYPE_ARP,
  ETHERTYPE_IP,
} from "../../../net/wire/ethernet.ts";
import { ARP_REQUEST_FRAME, hex } from "./fixtures.ts";

Deno.test("ethernet: parses the header of a broadcast ARP frame", () => {
  const f = new EthernetFrame(ARP_REQUEST_FRAME);
  assert.deepEqual(EthernetRepr.parse(f), {
    dst: MacAddr.BROADCAST,
    src: MacAddr.parse("52:54:00:12:34:56"),
    ethertype: ETHERTYPE_ARP,
  });
  assert.equal(f.payload.length, 46);
  assert.equal(f.payload[0], 0x00);
  assert.equal(f.payload[1], 0x01);
});

Deno.test("ethernet: emits a header back to the same bytes", () => {
  const repr = EthernetRepr.parse(new EthernetFrame(ARP_REQUEST_FRAME));
  const buf = ARP_REQUEST_FRAME.slice();
  buf.fill(0xaa, 0, ETHER_HDR_LEN);
  assert.equal(EthernetRepr.emit(repr, buf), ETHER_HDR_LEN);
  assert.deepEqual(buf, ARP_REQUEST_FRAME);
  assert.equal(EthernetRepr.bufferLen(repr, 46), 60);
});

Deno.test("ethernet: setters write the named byte ranges", () => {
  const f = new EthernetFrame(new Uint8Array(14), false);
  f.dst = MacAddr.parse("01:02:03:04:05:06");
  f.src = MacAddr.parse("0a:0b:0c:0d:0e:0f");
  f.ethertype = ETHERTYPE_IP;
  assert.deepEqual(f.buffer, hex("010203040506 0a0b0c0d0e0f 0800"));
});

Deno.test("ethernet: a frame shorter than 14 bytes is truncated at every length", () => {
  for (let n = 0; n < ETHER_HDR_LEN; n++) {
    assert.throws(
      () => new EthernetFrame(ARP_REQUEST_FRAME.subarray(0, n)),
      (e) => e instanceof WireError && e.kind === "truncated",
    );
  }
  assert.equal(new EthernetFrame(ARP_REQUEST_FRAME.subarray(0, 14)).payload.length, 0);
});

Deno.test("ethernet: an 802.3 length in the type field is unsupported", () => {
  const b = ARP_REQUEST_FRAME.slice();
  b[12] = 0x00;
  b[13] = 0x2e;
  assert.throws(
    () => EthernetRepr.parse(new EthernetFrame(b)),
    (e) => e instanceof WireError && e.kind === "unsupported",
  );
});

Deno.test("ethernet: emitting into a short buffer is truncated", () => {
  const repr = { dst: MacAddr.BROADCAST, src: MacAddr.BROADCAST, ethertype: ETHERTYPE_IP };
  assert.throws(
    () => EthernetRepr.emit(repr, new Uint8Array(13)),
    (e) => e instanceof WireError && e.kind === "truncated",
  );
});
