import assert from "node:assert/strict";
import { WireError } from "../../../net/wire/error.ts";
import {
  TCP_HDR_LEN,
  TcpPacket,
  TcpRepr,
  TH_ACK,
  TH_CWR,
  TH_ECE,
  TH_FIN,
  TH_PUSH,
  TH_RST,
  TH_SYN,
  TH_URG,
} from "../../../net/wire/tcp.ts";
import {
  parseTcpOptionList,
  parseTcpOptions,
  windowScaleShift,
} from "../../../net/wire/tcp_options.ts";
import { A_10_0_0_1, A_10_0_0_2, hex, TCP_DATA, TCP_SACK, TCP_SYN } from "./fixtures.ts";

const CLIENT = A_10_0_0_2, SERVER = A_10_0_0_1;

function kind(k: string) {
  return (e: unknown) => e instanceof WireError && e.kind === k;
}

function roundTrip(bytes: Uint8Array, src: number, dst: number): TcpRepr {
  const repr = TcpRepr.parse(new TcpPacket(bytes), src, dst);
  const buf = new Uint8Array(TcpRepr.bufferLen(repr)).fill(0x33);
  assert.equal(
    TcpRepr.emit({ ...repr, payload: repr.payload.slice() }, buf, src, dst),
    bytes.length,
  );
  assert.deepEqual(buf, bytes);
  return repr;
}

Deno.test("tcp: a SYN with MSS, SACK-permitted, timestamps and window scale round-trips", () => {
  const repr = roundTrip(TCP_SYN, CLIENT, SERVER);
  assert.deepEqual(repr, {
    srcPort: 49152,
    dstPort: 80,
    seq: 1,
    ack: 0,
    flags: TH_SYN,
    window: 65535,
    urgent: 0,
    options: {
      mss: 1460,
      sackPermitted: true,
      timestamp: { tsval: 123456, tsecr: 0 },
      windowScale: 7,
    },
    payload: new Uint8Array(0),
  });
  assert.equal(TcpRepr.segmentLen(repr), 1);
  assert.equal(new TcpPacket(TCP_SYN).headerLen, 40);
});

Deno.test("tcp: a data segment with NOP NOP TS round-trips", () => {
  const repr = roundTrip(TCP_DATA, CLIENT, SERVER);
  assert.equal(repr.flags, TH_PUSH | TH_ACK);
  assert.equal(repr.seq, 2);
  assert.equal(repr.ack, 1000000001);
  assert.equal(repr.window, 502);
  assert.deepEqual(repr.options, { timestamp: { tsval: 1000, tsecr: 2000 } });
  assert.equal(new TextDecoder().decode(repr.payload), "GET / HTTP/1.0\r\n\r\n");
  assert.equal(TcpRepr.segmentLen(repr), 18);
});

Deno.test("tcp: an ACK with timestamps and two SACK blocks round-trips", () => {
  const repr = roundTrip(TCP_SACK, SERVER, CLIENT);
  assert.deepEqual(repr.options, {
    timestamp: { tsval: 3000, tsecr: 4000 },
    sack: [{ left: 100, right: 200 }, { left: 300, right: 400 }],
  });
});

Deno.test("tcp: the flag bits are the RFC 9293 and RFC 3168 ones", () => {
  const all = [TH_FIN, TH_SYN, TH_RST, TH_PUSH, TH_ACK, TH_URG, TH_ECE, TH_CWR];
  assert.deepEqual(all, [1, 2, 4, 8, 16, 32, 64, 128]);
  const b = TCP_DATA.slice();
  b[12] |= 0x0f; // reserved bits set: ignored
  const p = new TcpPacket(b);
  assert.equal(p.flags, TH_PUSH | TH_ACK);
  assert.equal(p.headerLen, 32);
});

Deno.test("tcp: a payload built in place is checksummed without a copy", () => {
  const buf = TCP_DATA.slice();
  buf.fill(0, 0, 32);
  const repr: TcpRepr = {
    srcPort: 49152,
    dstPort: 80,
    seq: 2,
    ack: 1000000001,
    flags: TH_PUSH | TH_ACK,
    window: 502,
    urgent: 0,
    options: { timestamp: { tsval: 1000, tsecr: 2000 } },
    payload: buf.subarray(32),
  };
  TcpRepr.emit(repr, buf, CLIENT, SERVER);
  assert.deepEqual(buf, TCP_DATA);
});

Deno.test("tcp: emit lays out options in 4-byte words with NOP padding", () => {
  const base: TcpRepr = {
    srcPort: 1,
    dstPort: 2,
    seq: 0,
    ack: 0,
    flags: TH_SYN,
    window: 0,
    urgent: 0,
    options: {},
    payload: new Uint8Array(0),
  };
  const cases: [TcpRepr["options"], string][] = [
    [{}, ""],
    [{ mss: 536 }, "02040218"],
    [{ sackPermitted: true }, "01010402"],
    [{ windowScale: 14 }, "0103030e"],
    [{ timestamp: { tsval: 1, tsecr: 2 } }, "0101080a0000000100000002"],
    [{ mss: 1460, windowScale: 0, sackPermitted: true }, "020405b4 01010402 01030300"],
    [{ sack: [{ left: 0xfffffff0, right: 0x10 }] }, "0101050a fffffff000000010"],
  ];
  for (const [options, want] of cases) {
    const repr = { ...base, options };
    const buf = new Uint8Array(TcpRepr.bufferLen(repr));
    TcpRepr.emit(repr, buf, CLIENT, SERVER);
    assert.deepEqual(buf.subarray(TCP_HDR_LEN), hex(want), JSON.stringify(options));
    assert.equal(buf[12] >>> 4, (TCP_HDR_LEN + want.replace(/ /g, "").length / 2) / 4);
    assert.deepEqual(TcpRepr.parse(new TcpPacket(buf), CLIENT, SERVER).options, options);
  }
});

Deno.test("tcp: emit rejects options that do not fit in 40 bytes", () => {
  const repr: TcpRepr = {
    srcPort: 1,
    dstPort: 2,
    seq: 0,
    ack: 0,
    flags: TH_ACK,
    window: 0,
    urgent: 0,
    options: {
      timestamp: { tsval: 1, tsecr: 2 },
      sack: [{ left: 1, right: 2 }, { left: 3, right: 4 }, { left: 5, right: 6 }, {
        left: 7,
        right: 8,
      }],
    },
    payload: new Uint8Array(0),
  };
  assert.throws(() => TcpRepr.emit(repr, new Uint8Array(100), 1, 2), kind("malformed"));
});

Deno.test("tcp: a segment shorter than its header is truncated at every length", () => {
  for (let n = 0; n < 40; n++) {
    assert.throws(() => new TcpPacket(TCP_SYN.subarray(0, n)), kind("truncated"), `${n}`);
  }
});

Deno.test("tcp: a segment cut inside its data fails the checksum", () => {
  for (let n = 32; n < TCP_DATA.length; n++) {
    const p = new TcpPacket(TCP_DATA.subarray(0, n));
    assert.throws(() => TcpRepr.parse(p, CLIENT, SERVER), kind("checksum"), `${n}`);
  }
});

Deno.test("tcp: a data offset below 5 is malformed, past the buffer truncated", () => {
  for (const off of [0, 1, 4]) {
    const b = TCP_SYN.slice();
    b[12] = off << 4;
    assert.throws(() => new TcpPacket(b), kind("malformed"), `${off}`);
  }
  const b = TCP_SYN.slice();
  b[12] = 0xf0;
  assert.throws(() => new TcpPacket(b), kind("truncated"));
});

Deno.test("tcp: a bad checksum fails parse unless verification is off", () => {
  const b = TCP_SYN.slice();
  b[4] ^= 0x80;
  assert.throws(() => TcpRepr.parse(new TcpPacket(b), CLIENT, SERVER), kind("checksum"));
  assert.throws(
    () => TcpRepr.parse(new TcpPacket(TCP_SYN), SERVER, CLIENT + 256),
    kind("checksum"),
  );
  assert.equal(TcpRepr.parse(new TcpPacket(b), CLIENT, SERVER, false).seq, 0x80000001);
});

Deno.test("tcp options: lengths 0 and 1, past the header, or wrong for the kind are malformed", () => {
  const bad = [
    "0200", // MSS with length 0
    "0301", // window scale with length 1
    "020405", // MSS running past the options
    "011f", // kind 31 with no room for its length byte
    "020305b4", // MSS with length 3
    "03040700", // window scale with length 4
    "04030000", // SACK-permitted with length 3
    "080800000000000000", // timestamps with length 8
    "0502", // SACK with no blocks
    "050b" + "00".repeat(9), // SACK with 9 bytes of blocks
    "1e06000000", // unknown kind 30 running past the options
  ];
  for (const h of bad) {
    assert.throws(() => parseTcpOptions(hex(h)), kind("malformed"), h);
  }
  // Four SACK blocks (2 + 32 bytes) are legal.
  assert.equal(parseTcpOptions(hex("0522" + "00".repeat(32))).sack?.length, 4);
  // Five are not.
  assert.throws(() => parseTcpOptions(hex("052a" + "00".repeat(40))), kind("malformed"));
});

Deno.test("tcp options: a malformed option in a real header fails the segment parse", () => {
  const b = TCP_SYN.slice();
  b[21] = 1; // MSS length 1
  new TcpPacket(b).fillChecksum(CLIENT, SERVER);
  assert.throws(() => TcpRepr.parse(new TcpPacket(b), CLIENT, SERVER), kind("malformed"));
});

Deno.test("tcp options: unknown kinds are skipped by length, EOL ends the list", () => {
  const list = parseTcpOptionList(hex("1e040102 01 0402 00 05b4"));
  assert.deepEqual(list, [
    { kind: "unknown", type: 30, data: hex("0102") },
    { kind: "nop" },
    { kind: "sackPermitted" },
    { kind: "eol" },
  ]);
  assert.deepEqual(parseTcpOptions(hex("1e04010201020405b4")), { mss: 1460 });
  assert.deepEqual(parseTcpOptions(hex("00 0000ff")), {});
});

Deno.test("tcp options: the window scale keeps the raw value and clamps to 14 on use", () => {
  const o = parseTcpOptions(hex("01030315"));
  assert.equal(o.windowScale, 21);
  assert.equal(windowScaleShift(o.windowScale!), 14);
  assert.equal(windowScaleShift(7), 7);
});

Deno.test("tcp: the view's setters write the named fields", () => {
  const p = new TcpPacket(new Uint8Array(20), false);
  p.srcPort = 0x1234;
  p.dstPort = 80;
  p.seq = 0xdeadbeef;
  p.ack = 0x01020304;
  p.headerLen = 20;
  p.flags = TH_SYN | TH_ACK;
  p.window = 0xfffe;
  p.urgent = 7;
  assert.deepEqual(p.buffer, hex("1234 0050 deadbeef 01020304 50 12 fffe 0000 0007"));
  assert.equal(p.seq, 0xdeadbeef);
  assert.equal(p.options.length, 0);
});
